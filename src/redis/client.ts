// ioredis clients for inventory hosts: through the host's own connection (Connection.forward,
// so a Redis bound to a private address is reachable over SSH) or by direct TCP. One client per
// host per run, cached in ctx.resources and closed when the run ends. Clients never reconnect on
// their own: a node that went away must show up as a failure, not as a retry storm.
// Each session learns its server's version once, from `INFO server` (every version accepts it),
// so callers speak only what that server knows; a server older than redplay supports is refused
// right there, before any module could change it. Every command's failure names the host, the
// command (masked) and the server's reply (command-error.ts). Each session names its connection
// (`CLIENT SETNAME redplay:<pid>`) once it has logged in, so a promotion that disconnects the
// clients of a node spares redplay's own (another run's probe taken for a dead node otherwise).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { connect as netConnect, isIP } from "node:net";
import type { Duplex } from "node:stream";
import { checkServerIdentity, connect as tlsConnect, type TLSSocket } from "node:tls";
import type { Redis, RedisOptions } from "ioredis";
import { ForwardError } from "../connection/forward-error.js";
import { UnreachableError } from "../errors.js";
import type { TaskContext } from "../modules/types.js";
import { parseInfoSections } from "../facts/redis-info.js";
import { decorateCommandErrors, RedisCommandError } from "./command-error.js";
import { describeEndpoint, redisEndpoint, type RedisEndpoint, type RedisTlsClient } from "./endpoint.js";
import { RedisAccessError, scrub } from "./errors.js";
import { forwardConnector } from "./forward-connector.js";
import { describeVersion, unsupportedReason, versionFromInfo, type ServerVersion } from "./server-version.js";

/** Whether the node required our password (`password`) or has none configured yet (`none`). */
export type RedisAuthState = "password" | "previous" | "default" | "none";

/** A ready client and what was learnt while logging in. */
export interface RedisSession {
  client: Redis;
  endpoint: RedisEndpoint;
  auth: RedisAuthState;
  /** What the server is, read once from `INFO server` when the session opened. */
  version: ServerVersion;
}

/** Options of getRedis. */
export interface RedisClientOptions {
  /** Password to use instead of `redis_password`; null connects without any. @default the host's redis_password */
  password?: string | null;
}

/** The connection name every redplay session carries: `redplay:<pid of the run>`. */
export const REDPLAY_CLIENT_NAME = `redplay:${process.pid}`;

/** Whether a connection name (from CLIENT LIST) is one of redplay's sessions, of any run. */
export function isRedplayClientName(name: string | undefined): boolean {
  return name === "redplay" || (name?.startsWith("redplay:") ?? false);
}

/** @default 5000: how long opening the stream and the TCP connection may take. */
export const REDIS_CONNECT_TIMEOUT_MS = 5000;
/** A command without a reply for this long fails (a stopped node must not hang the run). */
export const REDIS_COMMAND_TIMEOUT_MS = 10_000;

type Ioredis = Pick<typeof import("ioredis"), "Redis" | "AbstractConnector">;
let ioredisModule: Promise<Ioredis> | undefined;

/**
 * ioredis is loaded on first use: a run without Redis tasks does not pay for it (~25 MB). It is
 * CommonJS; bundled, its exports come as the default export only.
 */
function loadIoredis(): Promise<Ioredis> {
  ioredisModule ??= import("ioredis").then((m) => (m.AbstractConnector ? m : (m as unknown as { default: Ioredis }).default));
  return ioredisModule;
}

/**
 * How every redplay client connects: no reconnect, no offline queue, one try per command, bounded
 * waits (a stopped node must fail the task, not hang it), no CLIENT SETINFO.
 */
export function clientOptions(): RedisOptions {
  return {
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    disableClientInfo: true,
  };
}

interface Holder {
  current?: Promise<RedisSession>;
}

/** The ioredis client for `host`'s Redis, connected and authenticated. Throws RedisAccessError. */
export async function getRedis(ctx: TaskContext, host: string, opts?: RedisClientOptions): Promise<Redis> {
  return (await getRedisSession(ctx, host, opts)).client;
}

/** Like getRedis, with the endpoint and the auth state. */
export async function getRedisSession(
  ctx: TaskContext,
  host: string,
  opts?: RedisClientOptions,
): Promise<RedisSession> {
  const endpoint = redisEndpoint(host, host === ctx.host ? ctx.vars : ctx.varsFor(host));
  const password = opts?.password === undefined ? endpoint.password : (opts.password ?? undefined);
  if (password) ctx.addSecret(password);
  if (endpoint.previousPassword) ctx.addSecret(endpoint.previousPassword);
  if (endpoint.defaultPassword) ctx.addSecret(endpoint.defaultPassword);
  const holder = ctx.resources.get<Holder>(
    `redis:${host}:${passwordKey(password)}`,
    () => ({}),
    async (h) => {
      const session = await h.current?.catch(() => undefined);
      if (session) await closeClient(session.client);
    },
  );
  const existing = await holder.current?.catch(() => undefined);
  if (existing && existing.client.status === "ready") return existing;
  if (existing) existing.client.disconnect();
  const pending = openSession(ctx, endpoint, password, opts?.password === undefined ? endpoint.previousPassword : undefined);
  holder.current = pending;
  try {
    const session = await pending;
    authStates(ctx).set(host, session.auth);
    return session;
  } catch (e) {
    if (holder.current === pending) delete holder.current;
    throw e;
  }
}

/**
 * Closes the run's session to `host` (every password it was opened with), so that the next
 * getRedisSession logs in again: after ACL LOAD, which may disconnect a client whose user changed.
 */
export async function dropRedisSessions(ctx: TaskContext, host: string): Promise<void> {
  const endpoint = redisEndpoint(host, host === ctx.host ? ctx.vars : ctx.varsFor(host));
  for (const password of new Set([endpoint.password, endpoint.previousPassword, endpoint.defaultPassword, undefined])) {
    const holder = ctx.resources.get<Holder>(`redis:${host}:${passwordKey(password)}`, () => ({}));
    const session = await holder.current?.catch(() => undefined);
    delete holder.current;
    if (session) session.client.disconnect();
  }
}

/** What the last login to `host` in this run found, if any. */
export function redisAuthState(ctx: TaskContext, host: string): RedisAuthState | undefined {
  return authStates(ctx).get(host);
}

function authStates(ctx: TaskContext): Map<string, RedisAuthState> {
  return ctx.resources.get("redis:auth-states", () => new Map<string, RedisAuthState>());
}

/**
 * Opens a session in the scheme the node speaks: with a TLS client (redis_tls), TLS first and
 * plain text while the node has not switched yet (or the other way round while TLS is being
 * turned off). The scheme that worked is remembered for the host for the rest of the run. A
 * certificate the node presents but that does not verify is an error, never a reason to fall
 * back to plain text.
 */
async function openSession(
  ctx: TaskContext,
  endpoint: RedisEndpoint,
  password: string | undefined,
  previous: string | undefined,
): Promise<RedisSession> {
  // Before setup has made the CA, no node can speak TLS with it.
  if (!endpoint.tls || !existsSync(endpoint.tls.ca)) return openOnce(ctx, endpoint, password, previous, false);
  const schemes = tlsSchemes(ctx);
  const first = schemes.get(endpoint.host) ?? (await probeScheme(rawStream(ctx, endpoint), endpoint.tls.preferred));
  try {
    const session = await openOnce(ctx, endpoint, password, previous, first);
    schemes.set(endpoint.host, first);
    return session;
  } catch (e) {
    if (!(e instanceof SchemeMismatch)) throw e;
    ctx.log(`redis ${describeEndpoint(endpoint)}: ${first ? "TLS" : "plain text"} refused (${e.message}); trying ${first ? "plain text" : "TLS"}`, 2);
    try {
      const session = await openOnce(ctx, endpoint, password, previous, !first);
      schemes.set(endpoint.host, !first);
      return session;
    } catch (e2) {
      if (e2 instanceof SchemeMismatch) {
        throw new RedisAccessError(endpoint.host, "unreachable", `Redis on ${describeEndpoint(endpoint)} speaks neither TLS nor plain text to redplay (TLS: ${first ? e.message : e2.message}; plain text: ${first ? e2.message : e.message})`);
      }
      throw e2;
    }
  }
}

/** Whether each host's session last worked over TLS, for this run. */
function tlsSchemes(ctx: TaskContext): Map<string, boolean> {
  return ctx.resources.get("redis:tls-schemes", () => new Map<string, boolean>());
}

/** Whether the host's Redis answered redplay over TLS in this run (undefined: not asked, or no TLS client). */
export function servedOverTls(ctx: TaskContext, host: string): boolean | undefined {
  return tlsSchemes(ctx).get(host);
}

/**
 * Which scheme the node's port speaks, asked before any password is sent: a bare PING in plain
 * text is answered (+PONG, or -NOAUTH) by a plain-text listener, and makes a TLS listener close
 * the connection. A TLS client sent first to a plain-text listener would instead wait for a reply
 * that never comes. `fallback` when the probe tells nothing (no stream, no answer in time).
 */
async function probeScheme(open: () => Promise<Duplex>, fallback: boolean): Promise<boolean> {
  let stream: Duplex;
  try {
    stream = await open();
  } catch {
    return fallback;
  }
  return new Promise<boolean>((resolve) => {
    let buf = "";
    const done = (tls: boolean) => {
      clearTimeout(timer);
      stream.destroy();
      resolve(tls);
    };
    const timer = setTimeout(() => done(fallback), 2000);
    stream.on("data", (chunk: Buffer) => {
      buf += chunk.toString("latin1");
      if (buf.startsWith("+") || buf.startsWith("-")) done(false);
      else done(true);
    });
    stream.on("error", () => done(true));
    stream.on("end", () => done(true));
    stream.on("close", () => done(true));
    stream.write("PING\r\n");
  });
}

/** The node speaks the other scheme (plain text against TLS, or TLS against plain text). */
class SchemeMismatch extends Error {}

/** Where a stream goes: a node's Redis, or a host's Sentinel. */
type StreamTarget = Pick<RedisEndpoint, "host" | "address" | "port" | "connect" | "tls">;

/**
 * For a target with a TLS client: whether its port speaks TLS now (probed before any password
 * is sent), and an opener of streams in that scheme, TLS verified against the group's CA. A
 * target without one (or before setup made the CA) gets plain streams.
 */
export async function schemeStreams(ctx: TaskContext, target: StreamTarget): Promise<{ overTls: boolean; open: () => Promise<Duplex> }> {
  const raw = rawStream(ctx, target);
  if (!target.tls || !existsSync(target.tls.ca)) return { overTls: false, open: raw };
  if (!(await probeScheme(raw, target.tls.preferred))) return { overTls: false, open: raw };
  const tls = tlsStream(ctx, { ...target, tls: target.tls });
  return {
    overTls: true,
    open: () => tls().catch((e: unknown) => Promise.reject(new Error(`TLS to ${target.address}:${target.port}: ${errorMessage(e)}`))),
  };
}

/**
 * An opener of TLS streams to `target`'s port, verified against the group's CA and the target's
 * address, redplay's client certificate offered; the raw stream is closed when the handshake fails.
 */
function tlsStream(ctx: TaskContext, target: StreamTarget & { tls: RedisTlsClient }): () => Promise<Duplex> {
  const raw = rawStream(ctx, target);
  return async () => {
    const stream = await raw();
    try {
      return await tlsOver(stream, target.address, await readTlsFiles(target.tls));
    } catch (e) {
      stream.destroy();
      throw e;
    }
  };
}

/**
 * The SHA-256 fingerprint of the certificate `target` presents on its port (a TLS handshake
 * verified against the group's CA, redplay's client certificate offered, nothing sent after it).
 */
export async function servedCertificate(ctx: TaskContext, target: StreamTarget & { tls: RedisTlsClient }): Promise<string> {
  const s = (await tlsStream(ctx, target)()) as TLSSocket;
  try {
    return s.getPeerCertificate().fingerprint256;
  } finally {
    s.destroy();
  }
}

/** The raw stream to the node's port: through its SSH connection, or direct TCP. */
function rawStream(ctx: TaskContext, endpoint: StreamTarget): () => Promise<Duplex> {
  if (endpoint.connect === "forward") {
    return async () => (await ctx.connFor(endpoint.host)).forward(endpoint.address, endpoint.port);
  }
  return () =>
    new Promise<Duplex>((resolve, reject) => {
      const s = netConnect({ host: endpoint.address, port: endpoint.port });
      s.once("connect", () => {
        s.removeListener("error", reject);
        resolve(s);
      });
      s.once("error", reject);
    });
}

async function openOnce(
  ctx: TaskContext,
  endpoint: RedisEndpoint,
  password: string | undefined,
  previous: string | undefined,
  overTls: boolean,
): Promise<RedisSession> {
  const where = describeEndpoint(endpoint);
  const options: RedisOptions = clientOptions();
  const ioredis = await loadIoredis();
  if (overTls) {
    const tls = endpoint.tls!;
    const open = tlsStream(ctx, { ...endpoint, tls });
    options.Connector = forwardConnector(ioredis.AbstractConnector, () =>
      open().catch((e: unknown) => {
        if (isCertificateError(e)) {
          throw new RedisAccessError(endpoint.host, "unreachable", `the TLS certificate of Redis on ${where} does not verify: ${errorMessage(e)} (CA ${tls.ca}); run setup.yaml to issue it again`);
        }
        throw new SchemeMismatch(`TLS handshake failed: ${errorMessage(e)}`);
      }), REDIS_CONNECT_TIMEOUT_MS);
  } else if (endpoint.connect === "forward") {
    options.Connector = forwardConnector(ioredis.AbstractConnector, rawStream(ctx, endpoint), REDIS_CONNECT_TIMEOUT_MS);
  } else {
    options.host = endpoint.address;
    options.port = endpoint.port;
  }
  const client = new ioredis.Redis(options);
  decorateCommandErrors(client, endpoint, () => [password, previous, endpoint.defaultPassword]);
  // Without a listener ioredis prints unhandled errors itself; ours go to the verbose log.
  client.on("error", (e: Error) => ctx.log(`redis ${where}: ${scrub(e.message, [password])}`, 2));
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    // Only the host's own connection failing makes the host unreachable; a host that answered
    // but whose Redis did not is a failed task (so any_errors_fatal stops a rolling restart).
    if (e instanceof UnreachableError || e instanceof SchemeMismatch || e instanceof RedisAccessError) throw e;
    throw new RedisAccessError(endpoint.host, "unreachable", scrub(connectFailure(endpoint, e), [password]), { cause: e });
  }
  try {
    // The usual case in one round trip: log in, name the session, ask what the server is. Only
    // when the login needs another step (the previous password, or the default user while
    // redplay's own ACL user is not in place yet) are the other two asked again.
    const asUser = endpoint.username && password ? endpoint.username : undefined;
    const first = asUser ? ["AUTH", asUser, password!] : password ? ["AUTH", password] : ["PING"];
    const replies = await client
      .pipeline()
      .call(first[0]!, ...first.slice(1))
      .call("CLIENT", "SETNAME", REDPLAY_CLIENT_NAME)
      .call("INFO", "server")
      .exec()
      .catch((e: Error) => [[e, undefined], [e, undefined], [e, undefined]] as Array<[Error | null, unknown]>);
    const [loginReply, nameReply, infoReply] = replies as Array<[Error | null, unknown]>;
    // A TLS listener closes a plain-text connection at its first bytes.
    if (endpoint.tls && !overTls && loginReply![0] && /Connection is closed|ECONNRESET|socket hang up/i.test(loginReply![0].message)) {
      throw new SchemeMismatch(`the connection was closed at the first command`);
    }
    const auth = asUser ? await loginAsUser(client, endpoint, asUser, password!, loginReply!) : await login(client, endpoint, password, previous, loginReply!);
    // Another AUTH after the pipeline: its other two replies were the first login's (an error, or another user's).
    const again = auth === "previous" || (asUser !== undefined && loginReply![0] !== null);
    if (again) await nameConnection(ctx, client, endpoint, password);
    else if (nameReply![0]) logNameRefused(ctx, endpoint, password, nameReply![0]);
    const version = again || infoReply![0] ? await serverVersion(client, endpoint) : versionOf(String(infoReply![1]), endpoint);
    return { client, endpoint, auth, version };
  } catch (e) {
    client.disconnect();
    throw e;
  }
}

/** Why the TCP connection to `endpoint`'s Redis failed, in the words an operator acts on. */
function connectFailure(endpoint: RedisEndpoint, e: unknown): string {
  const where = describeEndpoint(endpoint);
  const target = `${endpoint.address}:${endpoint.port}`;
  const check = "start redis-server there, or check redis_host/redis_port";
  if (e instanceof ForwardError) {
    const through = `through ${e.host}'s connection`;
    if (e.failure === "connect") {
      return `Redis is not running on ${endpoint.host}, or not listening on ${target} (${e.detail} ${through}); ${check}`;
    }
    if (e.failure === "prohibited") {
      return `cannot reach Redis on ${where}: ${e.detail}; allow forwarding there, or set redis_connect: direct`;
    }
    return `cannot reach Redis on ${where} ${through}: ${e.detail}; ${check}`;
  }
  if ((e as NodeJS.ErrnoException | undefined)?.code === "ECONNREFUSED") {
    return `Redis is not running on ${endpoint.host}, or not listening on ${target} (connection refused); ${check}`;
  }
  const via = endpoint.connect === "forward" ? ` through ${endpoint.host}'s connection` : "";
  return `cannot reach Redis on ${where}${via}: ${errorMessage(e)}; check that redis-server is running there and that redis_host/redis_port are right`;
}

/**
 * AUTH with our password; a node with no password yet is accepted and reported as `none`; during a
 * rotation, a node that still has the previous password is accepted and reported as `previous`.
 * `sent` is the reply to the AUTH (or, without a password, the PING) already sent.
 */
async function login(
  client: Redis,
  endpoint: RedisEndpoint,
  password: string | undefined,
  previous: string | undefined,
  sent: [Error | null, unknown],
): Promise<RedisAuthState> {
  const where = describeEndpoint(endpoint);
  const failed = sent[0];
  if (!password) {
    if (!failed) return "none";
    if (/NOAUTH/i.test(serverWords(failed))) {
      throw new RedisAccessError(
        endpoint.host,
        "noauth",
        `authentication to Redis on ${where} failed: the server requires a password and redis_password is not set`,
        { cause: failed },
      );
    }
    throw new RedisAccessError(endpoint.host, "unreachable", `Redis on ${where} does not answer PING: ${serverWords(failed)}`);
  }
  if (!failed) return "password";
  const msg = serverWords(failed);
  // Redis 7: "ERR AUTH <password> called without any password configured for the default user."
  if (/without any password configured|no password is set/i.test(msg)) return "none";
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg)) {
    if (previous && (await client.auth(previous).then(() => true, () => false))) return "previous";
    throw new RedisAccessError(
      endpoint.host,
      "auth",
      `authentication to Redis on ${where} failed: wrong password (redis_password${previous ? ", and redis_password_previous" : ""})`,
    );
  }
  throw new RedisAccessError(endpoint.host, "auth", `authentication to Redis on ${where} failed: ${scrub(msg, [password])}`);
}

/**
 * AUTH as redplay's own ACL user (`sent`: the reply to that AUTH, already sent); a node whose
 * users are not in place yet (ACLs being turned on) is logged in as the default user with
 * redis_password, or without one on a fresh node.
 */
async function loginAsUser(client: Redis, endpoint: RedisEndpoint, username: string, password: string, sent: [Error | null, unknown]): Promise<RedisAuthState> {
  if (!sent[0]) return "password";
  const msg = serverWords(sent[0]);
  if (!/WRONGPASS|invalid password|invalid username-password|without any password configured|no password is set/i.test(msg)) {
    throw new RedisAccessError(endpoint.host, "auth", `authentication to Redis on ${describeEndpoint(endpoint)} as ${username} failed: ${scrub(msg, [password, endpoint.defaultPassword])}`);
  }
  try {
    const def = endpoint.defaultPassword;
    const state = await login(client, endpoint, def, undefined, await settled(def ? client.auth(def) : client.ping()));
    return state === "password" ? "default" : state;
  } catch (e) {
    if (e instanceof RedisAccessError && e.reason === "auth") {
      throw new RedisAccessError(
        endpoint.host,
        "auth",
        `authentication to Redis on ${describeEndpoint(endpoint)} failed: wrong password for ${username} (redis_admin_password), and for the default user (redis_password)`,
      );
    }
    throw e;
  }
}

/** A command's reply as a pipeline gives it: [error, undefined] or [null, result]. */
function settled(p: Promise<unknown>): Promise<[Error | null, unknown]> {
  return p.then(
    (v): [Error | null, unknown] => [null, v],
    (e: unknown): [Error | null, unknown] => [e instanceof Error ? e : new Error(String(e)), undefined],
  );
}

/**
 * CLIENT SETNAME (every supported version has it). Best effort: a server that refuses it (an ACL
 * without CLIENT) still serves the session; the run only loses the protection from promotions.
 */
async function nameConnection(ctx: TaskContext, client: Redis, endpoint: RedisEndpoint, password: string | undefined): Promise<void> {
  try {
    await client.call("CLIENT", "SETNAME", REDPLAY_CLIENT_NAME);
  } catch (e) {
    logNameRefused(ctx, endpoint, password, e);
  }
}

function logNameRefused(ctx: TaskContext, endpoint: RedisEndpoint, password: string | undefined, e: unknown): void {
  ctx.log(`redis ${describeEndpoint(endpoint)}: CLIENT SETNAME ${REDPLAY_CLIENT_NAME} refused: ${scrub(serverWords(e), [password])}`, 1);
}

/** The server's identity from `INFO server`; refuses a server older than redplay supports. */
async function serverVersion(client: Redis, endpoint: RedisEndpoint): Promise<ServerVersion> {
  return versionOf(String(await client.call("INFO", "server")), endpoint);
}

/** The server's identity from the text of `INFO server`; refuses a server older than redplay supports. */
function versionOf(text: string, endpoint: RedisEndpoint): ServerVersion {
  const where = describeEndpoint(endpoint);
  let version: ServerVersion;
  try {
    version = versionFromInfo(parseInfoSections(text).server ?? {});
  } catch (e) {
    throw new RedisAccessError(endpoint.host, "version", `cannot tell which server runs on ${where}: ${errorMessage(e)}`, { cause: e });
  }
  const refused = unsupportedReason(version);
  if (refused) {
    throw new RedisAccessError(endpoint.host, "version", `Redis on ${where} runs ${describeVersion(version)}: ${refused}; nothing was changed on it`);
  }
  return version;
}

interface TlsMaterial {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** The CA, and redplay's certificate and key when they exist (a node may not require them). */
async function readTlsFiles(files: RedisTlsClient): Promise<TlsMaterial> {
  const read = (p: string | undefined) => (p === undefined ? undefined : readFile(p).catch(() => undefined));
  const [ca, cert, key] = await Promise.all([readFile(files.ca), read(files.cert), read(files.key)]);
  return cert && key ? { ca, cert, key } : { ca };
}

/**
 * A TLS session over `stream`, verifying the node's certificate against the CA and its address
 * (an IP address in the certificate's subjectAltName, or its DNS name).
 */
export function tlsOver(stream: Duplex, address: string, material: TlsMaterial): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    const s = tlsConnect({
      socket: stream,
      ca: material.ca,
      cert: material.cert,
      key: material.key,
      ...(isIP(address) ? {} : { servername: address }),
      checkServerIdentity: (_name, cert) => checkServerIdentity(address, cert),
    });
    const fail = (e: Error) => {
      s.destroy();
      reject(e);
    };
    s.once("error", fail);
    s.once("close", () => fail(new Error("closed during the TLS handshake")));
    // A plain-text server never answers a ClientHello: give up rather than wait for the connect timeout.
    s.setTimeout(3000, () => fail(new Error("no TLS handshake within 3 s")));
    s.once("secureConnect", () => {
      s.setTimeout(0);
      s.removeListener("error", fail);
      s.removeAllListeners("close");
      resolve(s);
    });
  });
}

/** A certificate the node presented but that does not verify (as opposed to a node speaking plain text). */
function isCertificateError(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && /CERT|SIGNATURE|ERR_TLS_CERT_ALTNAME_INVALID|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}

/**
 * Runs `fn` with a client on the stream `open` gives (a server redplay started itself, such as
 * a throwaway one on a unix socket of the host), then closes it. No session, no name, no login:
 * `fn` logs in as it needs.
 */
export async function withStreamClient<T>(open: () => Promise<Duplex>, fn: (client: Redis) => Promise<T>): Promise<T> {
  const ioredis = await loadIoredis();
  const client = new ioredis.Redis({ ...clientOptions(), Connector: forwardConnector(ioredis.AbstractConnector, open, REDIS_CONNECT_TIMEOUT_MS) });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await closeClient(client);
  }
}

async function closeClient(client: Redis): Promise<void> {
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  const timer = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
  await Promise.race([client.quit().then(() => undefined, () => undefined), timer]);
  client.disconnect();
}

/** Distinguishes clients by the password they log in with, without keeping it in the key. */
function passwordKey(password: string | undefined): string {
  if (password === undefined) return "none";
  return `pw-${createHash("sha256").update(password).digest("hex").slice(0, 12)}`;
}

/** The server's own words for a failed login step (the reply alone: the message would repeat the host). */
function serverWords(e: unknown): string {
  if (e instanceof RedisCommandError) return e.reply ?? errorMessage(e.cause);
  return errorMessage(e);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
