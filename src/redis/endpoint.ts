// Where a host's Redis listens and how to reach it, read from the host's variables with the
// documented defaults. One place, so that every module and the topology agree on "address:port".
import { existsSync } from "node:fs";
import { basename, dirname, extname, join, posix, resolve } from "node:path";
import { RedisAccessError } from "./errors.js";

/** How the controller reaches a host's Redis. */
export type RedisConnectMode = "forward" | "direct";

/** A host's Redis as the inventory describes it. */
export interface RedisEndpoint {
  /** Inventory name. */
  host: string;
  /** `redis_host`: the address Redis listens on and replicas use; default ansible_host, else the name. */
  address: string;
  /** `redis_port`, default 6379. */
  port: number;
  /** `redis_password`; undefined on a fresh, unsecured group. */
  password?: string;
  /** `redis_password_previous`: the password being rotated away from, accepted until every node has the new one. */
  previousPassword?: string;
  /** With `redis_acl`: redplay's own user (`redis_admin_user`, default `redplay`); `password` is then `redis_admin_password`. */
  username?: string;
  /** With `redis_acl`: `redis_password`, the default user's, for a node whose users are not in place yet. */
  defaultPassword?: string;
  /** `redis_connect`: `forward` (through the host's SSH connection, default) or `direct` TCP. */
  connect: RedisConnectMode;
  /** `redis_replica_priority`, default 100. */
  replicaPriority: number;
  /**
   * How redplay speaks TLS to the node: with `redis_tls` (preferred), or when a CA of an earlier
   * `redis_tls` is still on the controller (so a group whose TLS is being turned off stays reachable).
   */
  tls?: RedisTlsClient;
}

/** The controller-side files of a TLS client session (paths; read when a session opens). */
export interface RedisTlsClient {
  /** redis_tls is on: TLS first, plain text only while the node has not switched yet. */
  preferred: boolean;
  /** The CA that signed the node's certificate. */
  ca: string;
  /** The certificate and key redplay presents (needed with tls-auth-clients yes). */
  cert?: string;
  key?: string;
}

/**
 * The controller directory holding the group's CA and certificates: redis_tls_local_dir, else
 * `tls/<inventory name>` beside the inventory file (its parent dir for a directory inventory).
 */
export function tlsLocalDir(vars: Record<string, unknown>): string {
  const given = str(vars.redis_tls_local_dir);
  if (given !== undefined) return resolve(given);
  const inv = str(vars.inventory_file)?.split(",")[0];
  if (inv === undefined) return resolve("tls", "default");
  return resolve(dirname(inv), "tls", basename(inv, extname(inv)));
}

/**
 * The node's TLS directory: redis_tls_dir, else `tls` beside the server's config (the
 * redis_server fact's tls_dir), else beside `configFile`, else Debian's /etc/redis/tls.
 */
export function tlsNodeDir(vars: Record<string, unknown>, configFile?: string): string {
  const given = str(vars.redis_tls_dir);
  if (given !== undefined) return given;
  const server = vars.redis_server as { tls_dir?: unknown; config_file?: unknown } | undefined;
  if (typeof server?.tls_dir === "string" && server.tls_dir !== "") return server.tls_dir;
  const conf = typeof server?.config_file === "string" && server.config_file !== "" ? server.config_file : configFile;
  return conf !== undefined ? posix.join(posix.dirname(conf), "tls") : "/etc/redis/tls";
}

/** The node's TLS files (`redis_tls_files`): the CA, its certificate and its key, in tlsNodeDir. */
export interface TlsNodeFiles {
  dir: string;
  ca_file: string;
  cert_file: string;
  key_file: string;
}

export function tlsNodeFiles(vars: Record<string, unknown>, configFile?: string): TlsNodeFiles {
  const dir = tlsNodeDir(vars, configFile);
  return { dir, ca_file: posix.join(dir, "ca.crt"), cert_file: posix.join(dir, "redis.crt"), key_file: posix.join(dir, "redis.key") };
}

/** redis_tls_auth_clients as the server spells tls-auth-clients: yes, no, or optional (the default). */
export function tlsAuthClients(v: unknown): "yes" | "no" | "optional" {
  if (v === true || v === "yes") return "yes";
  if (v === false || v === "no") return "no";
  return "optional";
}

/** Where the controller keeps (or finds) the TLS files of `host`. */
export interface TlsLocalFiles {
  dir: string;
  caCert: string;
  /** Undefined when the user gave a CA certificate without its key (then every host needs its own cert and key). */
  caKey?: string;
  cert: string;
  key: string;
  /** redplay's client certificate (issued when the CA's key is at hand). */
  clientCert: string;
  clientKey: string;
  /** The host's certificate and key are the user's own (redis_tls_cert/redis_tls_key): never issued here. */
  userCert: boolean;
  /** The CA is the user's own (redis_tls_ca_cert): never created here. */
  userCa: boolean;
}

export function tlsLocalFiles(host: string, vars: Record<string, unknown>): TlsLocalFiles {
  const dir = tlsLocalDir(vars);
  const userCa = str(vars.redis_tls_ca_cert);
  const userCaKey = str(vars.redis_tls_ca_key);
  const userCert = str(vars.redis_tls_cert);
  const userKey = str(vars.redis_tls_key);
  const files: TlsLocalFiles = {
    dir,
    caCert: userCa !== undefined ? resolve(userCa) : join(dir, "ca.crt"),
    cert: userCert !== undefined ? resolve(userCert) : join(dir, `${host}.crt`),
    key: userKey !== undefined ? resolve(userKey) : join(dir, `${host}.key`),
    clientCert: join(dir, "redplay-client.crt"),
    clientKey: join(dir, "redplay-client.key"),
    userCert: userCert !== undefined,
    userCa: userCa !== undefined,
  };
  if (userCa === undefined) files.caKey = join(dir, "ca.key");
  else if (userCaKey !== undefined) files.caKey = resolve(userCaKey);
  return files;
}

/** The TLS client of `host`: with redis_tls, or with a CA left from it. */
function tlsClient(host: string, vars: Record<string, unknown>): RedisTlsClient | undefined {
  const preferred = truthy(vars.redis_tls);
  const files = tlsLocalFiles(host, vars);
  if (!preferred && !existsSync(files.caCert)) return undefined;
  const client: RedisTlsClient = { preferred, ca: files.caCert };
  // redplay's own client certificate when it issued one, else the host's own (a user's per-host files).
  if (files.caKey !== undefined) Object.assign(client, { cert: files.clientCert, key: files.clientKey });
  else Object.assign(client, { cert: files.cert, key: files.key });
  return client;
}

/** Reads the endpoint of `host` from its variables; throws on a value that cannot be used. */
export function redisEndpoint(host: string, vars: Record<string, unknown>): RedisEndpoint {
  const address = str(vars.redis_host) ?? str(vars.ansible_host) ?? host;
  const port = int(vars.redis_port, 6379, "redis_port", host);
  const connect = str(vars.redis_connect) ?? "forward";
  if (connect !== "forward" && connect !== "direct") {
    throw new RedisAccessError(host, "config", `host ${host}: redis_connect is "${connect}"; use "forward" or "direct"`);
  }
  const endpoint: RedisEndpoint = {
    host,
    address,
    port,
    connect,
    replicaPriority: int(vars.redis_replica_priority, 100, "redis_replica_priority", host),
  };
  const tls = tlsClient(host, vars);
  if (tls) endpoint.tls = tls;
  const password = str(vars.redis_password);
  if (password !== undefined) endpoint.password = password;
  if (truthy(vars.redis_acl) && str(vars.redis_admin_password) !== undefined) {
    endpoint.username = str(vars.redis_admin_user) ?? "redplay";
    endpoint.password = str(vars.redis_admin_password);
    if (password !== undefined) endpoint.defaultPassword = password;
  }
  const previous = str(vars.redis_password_previous);
  if (previous !== undefined && previous !== password) endpoint.previousPassword = previous;
  return endpoint;
}

/** How a Sentinel logs in to the group's nodes: `sentinel auth-user` (when it has its own ACL user) and `auth-pass`. */
export interface SentinelNodeAuth {
  user?: string;
  password?: string;
}

/**
 * The credentials a Sentinel uses on the nodes, from the group's variables: with redis_acl and
 * redis_sentinel_password, its own user (redis_sentinel_user, default `sentinel`, which setup
 * creates with only what Sentinel sends); otherwise redis_password, the default user's, which
 * redis_acl leaves usable only with redis_default_user "on".
 */
export function sentinelNodeAuth(vars: Record<string, unknown>): SentinelNodeAuth | { error: string } {
  const password = str(vars.redis_password);
  const plain: SentinelNodeAuth = password !== undefined ? { password } : {};
  if (!truthy(vars.redis_acl)) return plain;
  const own = str(vars.redis_sentinel_password);
  if (own !== undefined) return { user: str(vars.redis_sentinel_user) ?? "sentinel", password: own };
  if (str(vars.redis_default_user) === "on") return plain;
  return {
    error:
      "redis_acl is on and the default user is off, so Sentinel needs its own user on the nodes: set redis_sentinel_password and run setup.yaml, which creates the user redis_sentinel_user (default sentinel) with only the commands Sentinel sends",
  };
}

/** `node-2 (10.0.0.2:6379)`, the way every message names a Redis. */
export function describeEndpoint(e: Pick<RedisEndpoint, "host" | "address" | "port">): string {
  return `${e.host} (${e.address}:${e.port})`;
}

function truthy(value: unknown): boolean {
  return value === true || (typeof value === "string" && /^(true|yes|on|1)$/i.test(value.trim()));
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value);
  return s === "" ? undefined : s;
}

function int(value: unknown, fallback: number, name: string, host: string): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new RedisAccessError(host, "config", `host ${host}: ${name} must be an integer from 0 to 65535, got "${String(value)}"`);
  }
  return n;
}
