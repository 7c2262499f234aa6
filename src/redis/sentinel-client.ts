// ioredis clients for the Sentinels of a group, opened the way src/redis/client.ts opens the
// nodes' (through the host's own connection by default, so a Sentinel bound to a private address
// is reachable over SSH), one per host per run, closed when the run ends. A Sentinel listens on
// `sentinel_port` (26379) at the host's Redis address and, where deployed by redplay, requires the
// group's password; a Sentinel without a password yet (a package just installed) is accepted.
// Replies of SENTINEL MASTER / REPLICAS / SENTINELS are flat field lists; they are turned into
// records here so the callers read `flags`, `ip`, `num-other-sentinels` by name.
import type { Redis, RedisOptions } from "ioredis";
import { createHash } from "node:crypto";
import { UnreachableError } from "../errors.js";
import type { TaskContext } from "../modules/types.js";
import { parseInfoSections } from "../facts/redis-info.js";
import { decorateCommandErrors, RedisCommandError } from "./command-error.js";
import { redisEndpoint, type RedisTlsClient } from "./endpoint.js";
import { RedisAccessError, scrub } from "./errors.js";
import { fieldsOf } from "./reply.js";
import { forwardConnector } from "./forward-connector.js";
import { versionFromInfo, type ServerVersion } from "./server-version.js";
import { clientOptions, REDIS_CONNECT_TIMEOUT_MS, REDPLAY_CLIENT_NAME, schemeStreams } from "./client.js";

/** Where a host's Sentinel listens. */
export interface SentinelEndpoint {
  host: string;
  address: string;
  port: number;
  connect: "forward" | "direct";
  /** With redis_tls, the Sentinel serves TLS on its port like the nodes (sentinel.yaml). */
  tls?: RedisTlsClient;
  password?: string;
  /** `redis_password_previous`, during a rotation: a Sentinel not converged yet still has it. */
  previousPassword?: string;
}

/** A connected Sentinel. */
export interface SentinelSession {
  client: Redis;
  endpoint: SentinelEndpoint;
  /** `none`: the Sentinel has no password (yet); `previous`: it still has redis_password_previous. */
  auth: "password" | "previous" | "none";
  version: ServerVersion;
}

/** @default 26379 */
export const SENTINEL_PORT = 26379;

/** The Sentinel of `host`: its Redis address (redis_host), `sentinel_port`, the group's password. */
export function sentinelEndpoint(host: string, vars: Record<string, unknown>): SentinelEndpoint {
  const e = redisEndpoint(host, vars);
  const raw = vars.sentinel_port;
  const port = raw === undefined || raw === null || raw === "" ? SENTINEL_PORT : Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RedisAccessError(host, "config", `host ${host}: sentinel_port must be an integer from 1 to 65535, got "${String(raw)}"`);
  }
  const out: SentinelEndpoint = { host, address: e.address, port, connect: e.connect };
  if (e.tls) out.tls = e.tls;
  // The group's password, redis_password: with redis_acl the node endpoint's password is
  // redplay's own user's, which a Sentinel (and every client asking it for the primary) must not need.
  const password = e.username !== undefined ? e.defaultPassword : e.password;
  if (password !== undefined) out.password = password;
  if (e.previousPassword !== undefined) out.previousPassword = e.previousPassword;
  return out;
}

export function describeSentinel(e: Pick<SentinelEndpoint, "host" | "address" | "port">): string {
  return `the Sentinel of ${e.host} (${e.address}:${e.port})`;
}

interface Holder {
  current?: Promise<SentinelSession>;
}

/** The Sentinel of `host`, connected and logged in. Throws RedisAccessError (or UnreachableError for the host itself). */
export async function getSentinel(ctx: TaskContext, host: string): Promise<SentinelSession> {
  const endpoint = sentinelEndpoint(host, host === ctx.host ? ctx.vars : ctx.varsFor(host));
  if (endpoint.password) ctx.addSecret(endpoint.password);
  if (endpoint.previousPassword) ctx.addSecret(endpoint.previousPassword);
  const key = `sentinel:${host}:${endpoint.port}:${endpoint.password ? createHash("sha256").update(endpoint.password).digest("hex").slice(0, 12) : "none"}`;
  const holder = ctx.resources.get<Holder>(key, () => ({}), async (h) => {
    const s = await h.current?.catch(() => undefined);
    if (s) s.client.disconnect();
  });
  const existing = await holder.current?.catch(() => undefined);
  if (existing && existing.client.status === "ready") return existing;
  if (existing) existing.client.disconnect();
  const pending = open(ctx, endpoint);
  holder.current = pending;
  try {
    return await pending;
  } catch (e) {
    if (holder.current === pending) delete holder.current;
    throw e;
  }
}

async function open(ctx: TaskContext, endpoint: SentinelEndpoint): Promise<SentinelSession> {
  const where = describeSentinel(endpoint);
  const options: RedisOptions = clientOptions();
  const ioredis = await import("ioredis");
  const scheme = endpoint.tls ? await schemeStreams(ctx, endpoint) : undefined;
  if (scheme) {
    options.Connector = forwardConnector(ioredis.AbstractConnector, scheme.open, REDIS_CONNECT_TIMEOUT_MS);
  } else if (endpoint.connect === "forward") {
    options.Connector = forwardConnector(ioredis.AbstractConnector, async () => (await ctx.connFor(endpoint.host)).forward(endpoint.address, endpoint.port), REDIS_CONNECT_TIMEOUT_MS);
  } else {
    options.host = endpoint.address;
    options.port = endpoint.port;
  }
  const client = new ioredis.Redis(options);
  decorateCommandErrors(client, { host: endpoint.host, address: endpoint.address, port: endpoint.port }, () => [endpoint.password, endpoint.previousPassword]);
  client.on("error", (e: Error) => ctx.log(`sentinel ${where}: ${scrub(e.message, [endpoint.password])}`, 2));
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    if (e instanceof UnreachableError) throw e;
    throw new RedisAccessError(endpoint.host, "unreachable", `${where} does not answer (${scrub(e instanceof Error ? e.message : String(e), [endpoint.password])})`, { cause: e });
  }
  try {
    let auth: SentinelSession["auth"] = "none";
    if (endpoint.password) {
      try {
        await client.auth(endpoint.password);
        auth = "password";
      } catch (e) {
        const words = e instanceof RedisCommandError ? (e.reply ?? e.message) : String(e);
        const previous = endpoint.previousPassword;
        if (/WRONGPASS|invalid password/i.test(words) && previous && (await client.auth(previous).then(() => true, () => false))) {
          auth = "previous";
        } else if (!/without any password configured|no password is set/i.test(words)) {
          throw new RedisAccessError(endpoint.host, "auth", `authentication to ${where} failed: ${scrub(words, [endpoint.password, previous])}`);
        }
      }
    }
    await client.call("CLIENT", "SETNAME", REDPLAY_CLIENT_NAME).catch(() => undefined);
    const info = parseInfoSections(String(await client.call("INFO", "server"))).server ?? {};
    // Valkey may name the field server_mode; either says "sentinel" on a Sentinel.
    const mode = String(info.redis_mode ?? info.server_mode ?? "sentinel");
    if (mode !== "sentinel") {
      throw new RedisAccessError(endpoint.host, "config", `${where} is not a Sentinel (mode ${mode}); check sentinel_port`);
    }
    return { client, endpoint, auth, version: versionFromInfo(info) };
  } catch (e) {
    client.disconnect();
    throw e;
  }
}

export { fieldsOf };

/** `SENTINEL MASTER name` as a record, or null when the Sentinel does not monitor that name. */
export async function sentinelMaster(s: SentinelSession, name: string): Promise<Record<string, string> | null> {
  try {
    return fieldsOf(await s.client.call("SENTINEL", "MASTER", name));
  } catch (e) {
    if (/No such master/i.test(e instanceof RedisCommandError ? (e.reply ?? "") : String(e))) return null;
    throw e;
  }
}

/** `SENTINEL REPLICAS name` (or SENTINELS) as records. */
export async function sentinelList(s: SentinelSession, what: "REPLICAS" | "SENTINELS", name: string): Promise<Record<string, string>[]> {
  const reply = (await s.client.call("SENTINEL", what, name)) as unknown[];
  return (reply ?? []).map(fieldsOf);
}

/** `SENTINEL CKQUORUM name`: the Sentinel's own words, and whether it is OK. */
export async function sentinelCkquorum(s: SentinelSession, name: string): Promise<{ ok: boolean; text: string }> {
  try {
    return { ok: true, text: String(await s.client.call("SENTINEL", "CKQUORUM", name)) };
  } catch (e) {
    return { ok: false, text: e instanceof RedisCommandError ? (e.reply ?? e.message) : String(e) };
  }
}

/** Flags of a SENTINEL MASTER/REPLICAS/SENTINELS entry. */
export function flagsOf(entry: Record<string, string>): string[] {
  return (entry.flags ?? "").split(",").filter(Boolean);
}
