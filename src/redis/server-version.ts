// Which server a host runs (Redis or Valkey) and at which version, and what that version can do.
// Pure: read from `INFO server` or from `redis-server --version` / `valkey-server --version`, so
// the same answer gates the commands redplay sends and the directives a template renders.

/** The two server families redplay speaks to. */
export type ServerFlavor = "redis" | "valkey";

/** A server's identity, and the Redis version whose features it has. */
export interface ServerVersion {
  flavor: ServerFlavor;
  /** The version the server names itself by: 7.0.15 for Redis, 8.1.1 for Valkey 8.1.1. */
  version: string;
  /**
   * The Redis release whose commands and directives this server has: the version itself for
   * Redis; for Valkey, the `redis_version` it reports (7.2.x for every Valkey to date).
   */
  redisCompat: string;
}

/** Oldest Redis that redplay supports (REPLICAOF and the `replica-*` directive names). */
export const MIN_REDIS_VERSION = "5.0.0";

/** Numeric comparison of dotted versions; a missing part counts as 0 ("7.0" equals "7.0.0"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(".").map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The identity from INFO server fields (`redis_version`, `server_name`, `valkey_version`). */
export function versionFromInfo(server: Record<string, unknown>): ServerVersion {
  const redisVersion = String(server.redis_version ?? "");
  if (!/^\d+\.\d+/.test(redisVersion)) throw new Error(`INFO server has no redis_version (got ${JSON.stringify(server.redis_version)})`);
  if (String(server.server_name ?? "").toLowerCase() === "valkey") {
    // Valkey 7.2 has no valkey_version field: it is the Redis 7.2 it forked from.
    const own = String(server.valkey_version ?? redisVersion);
    return { flavor: "valkey", version: own, redisCompat: redisVersion };
  }
  return { flavor: "redis", version: redisVersion, redisCompat: redisVersion };
}

/**
 * The identity from a server binary's `--version` line:
 * `Redis server v=7.0.15 sha=...` or `Valkey server v=8.1.1 sha=...`. Valkey 7.2 prints only
 * `Server v=7.2.7 ...`: `binary` (the program's name or path) tells it apart. Null when unrecognised.
 */
export function versionFromBinary(line: string, binary = ""): ServerVersion | null {
  const m = /(?:\b(Redis|Valkey|KeyDB) )?\bserver v=(\d+\.\d+\.\d+)/i.exec(line);
  if (!m) return null;
  const name = (m[1] ?? (/valkey/i.test(binary) ? "valkey" : "")).toLowerCase();
  const version = m[2]!;
  if (name === "valkey") return { flavor: "valkey", version, redisCompat: valkeyRedisCompat(version) };
  if (name === "redis") return { flavor: "redis", version, redisCompat: version };
  return null;
}

/** Every Valkey release to date reports redis_version 7.2.x (Valkey froze it at its fork). */
function valkeyRedisCompat(_valkeyVersion: string): string {
  return "7.2.4";
}

/** True when the server has the Redis features of `redisVersion` (e.g. atLeast(v, "6.2")). */
export function atLeast(v: ServerVersion, redisVersion: string): boolean {
  return compareVersions(v.redisCompat, redisVersion) >= 0;
}

/** What a given server understands, named by what redplay needs. */
export interface ServerFeatures {
  /** `INFO a b`: several sections in one call (Redis 7.0+); older servers take one section per call. */
  multiSectionInfo: boolean;
  /** `FAILOVER TO host port TIMEOUT ms` (Redis 6.2+). */
  failoverCommand: boolean;
  /** `CLIENT PAUSE ms WRITE` (6.2+); older servers only pause every client. */
  clientPauseWrite: boolean;
  /** `CLIENT UNPAUSE` (6.2+); before it a pause can only run out. */
  clientUnpause: boolean;
  /** `master_failover_state` in INFO replication (6.2+, with FAILOVER); absent before. */
  failoverStateInInfo: boolean;
  /** ACL users, `AUTH user pass`, `masteruser` (6.0+). */
  acl: boolean;
}

export function featuresOf(v: ServerVersion): ServerFeatures {
  return {
    multiSectionInfo: atLeast(v, "7.0"),
    failoverCommand: atLeast(v, "6.2"),
    clientPauseWrite: atLeast(v, "6.2"),
    clientUnpause: atLeast(v, "6.2"),
    failoverStateInInfo: atLeast(v, "6.2"),
    acl: atLeast(v, "6.0"),
  };
}

/**
 * The INFO commands that read `sections` from this server: one `INFO a b c` where several
 * sections per call are understood (7.0+), else one `INFO <section>` each (sent pipelined), whose
 * replies concatenate into the same text. No section at all is a plain `INFO`. Names are
 * lower-cased and repeated names asked once, so the calls match what the caller gets back.
 */
export function infoCommands(v: ServerVersion, sections: readonly string[]): string[][] {
  const names = [...new Set(sections.map((s) => s.toLowerCase()))];
  if (names.length === 0) return [["INFO"]];
  if (names.length === 1 || featuresOf(v).multiSectionInfo) return [["INFO", ...names]];
  return names.map((n) => ["INFO", n]);
}

/** Human name for messages: "Redis 7.0.15", "Valkey 8.1.1". */
export function describeVersion(v: ServerVersion): string {
  return `${v.flavor === "valkey" ? "Valkey" : "Redis"} ${v.version}`;
}

/** A clear refusal for servers older than redplay supports; null when supported. */
export function unsupportedReason(v: ServerVersion): string | null {
  if (compareVersions(v.redisCompat, MIN_REDIS_VERSION) < 0) {
    return `${describeVersion(v)} is older than the oldest supported version (Redis ${MIN_REDIS_VERSION}); upgrade it first`;
  }
  return null;
}
