// Which redis.conf directives a given server accepts, and under which spelling. A server rejects
// an unknown directive at start-up (`*** FATAL CONFIG FILE ERROR`), so a file rendered for a 7.0
// server stops a 6.2 one from starting: the template asks this table per host what to write.
// Sources: each version's src/config.c (redis-5.0.7, 6.2.16, 7.2.6, 7.4.1, valkey-7.2.7, 8.0.1 in
// shared/redis-src), 00-RELEASENOTES of 6.2, and redis/redis pull requests where a 6.0.x point
// release added a directive (#1690 oom-score-adj: 6.0.7).
import { atLeast, compareVersions, type ServerFlavor, type ServerVersion } from "./server-version.js";

/** When a directive appeared, and what it was called before (or is called on Valkey). */
export interface DirectiveHistory {
  /** First Redis release that accepts it (compared with the server's Redis compatibility version). */
  redis?: string;
  /** Valkey-only: first Valkey release that accepts it (Redis never does). */
  valkeyOnly?: string;
  /** First Valkey release that accepts it, when Valkey got it apart from its Redis 7.2 base. */
  valkey?: string;
  /** The name older servers use: `name` before `before` (a Redis version). */
  oldName?: { name: string; before: string };
  /** The name Valkey prefers from `since` (a Valkey version); the Redis name stays an alias. */
  valkeyName?: { name: string; since: string };
}

/**
 * Directives newer than Redis 5.0 (the oldest supported), Valkey-only ones, and renames.
 * A directive not listed here is taken as accepted by every supported server.
 */
export const DIRECTIVES: Readonly<Record<string, DirectiveHistory>> = {
  // 6.0: ACLs, TLS, diskless load, threaded I/O, and the 6.0 lazyfree/jemalloc knobs.
  "acllog-max-len": { redis: "6.0.0" },
  aclfile: { redis: "6.0.0" },
  masteruser: { redis: "6.0.0", valkeyName: { name: "primaryuser", since: "8.0.0" } },
  "repl-diskless-load": { redis: "6.0.0" },
  "rdb-del-sync-files": { redis: "6.0.0" },
  "lazyfree-lazy-user-del": { redis: "6.0.0" },
  "jemalloc-bg-thread": { redis: "6.0.0" },
  "io-threads": { redis: "6.0.0" },
  "io-threads-do-reads": { redis: "6.0.0" },
  "tls-port": { redis: "6.0.0" },
  "tls-replication": { redis: "6.0.0" },
  "tls-cert-file": { redis: "6.0.0" },
  "tls-key-file": { redis: "6.0.0" },
  "tls-ca-cert-file": { redis: "6.0.0" },
  "tls-auth-clients": { redis: "6.0.0" },
  "tracking-table-max-keys": { redis: "6.0.0" },
  // Added in a 6.0 point release: 6.0.6 rejects them (redis/redis#7761).
  "oom-score-adj": { redis: "6.0.7" },
  "oom-score-adj-values": { redis: "6.0.7" },
  // 6.2
  "set-proc-title": { redis: "6.2.0" },
  "proc-title-template": { redis: "6.2.0" },
  "lazyfree-lazy-user-flush": { redis: "6.2.0" },
  "disable-thp": { redis: "6.2.0" },
  // 7.0: multi-part AOF, listpack encodings (the ziplist names stay as aliases), source address.
  "repl-diskless-sync-max-replicas": { redis: "7.0.0" },
  appenddirname: { redis: "7.0.0" },
  "aof-timestamp-enabled": { redis: "7.0.0" },
  "bind-source-addr": { redis: "7.0.0" },
  "shutdown-timeout": { redis: "7.0.0" },
  "shutdown-on-sigterm": { redis: "7.0.0" },
  "shutdown-on-sigint": { redis: "7.0.0" },
  "enable-protected-configs": { redis: "7.0.0" },
  "enable-debug-command": { redis: "7.0.0" },
  "enable-module-command": { redis: "7.0.0" },
  "latency-tracking": { redis: "7.0.0" },
  "hash-max-listpack-entries": { redis: "7.0.0", oldName: { name: "hash-max-ziplist-entries", before: "7.0.0" } },
  "hash-max-listpack-value": { redis: "7.0.0", oldName: { name: "hash-max-ziplist-value", before: "7.0.0" } },
  "zset-max-listpack-entries": { redis: "7.0.0", oldName: { name: "zset-max-ziplist-entries", before: "7.0.0" } },
  "zset-max-listpack-value": { redis: "7.0.0", oldName: { name: "zset-max-ziplist-value", before: "7.0.0" } },
  "list-max-listpack-size": { redis: "7.0.0", oldName: { name: "list-max-ziplist-size", before: "7.0.0" } },
  // 7.2
  "set-max-listpack-entries": { redis: "7.2.0" },
  "set-max-listpack-value": { redis: "7.2.0" },
  "locale-collate": { redis: "7.2.0" },
  // 7.4
  "max-new-connections-per-cycle": { redis: "7.4.0", valkey: "8.0.0" },
  "max-new-tls-connections-per-cycle": { redis: "7.4.0", valkey: "8.0.0" },
  // Valkey renamed master to primary in 8.0; the old names stay accepted as aliases.
  masterauth: { valkeyName: { name: "primaryauth", since: "8.0.0" } },
  // Valkey only.
  "dual-channel-replication-enabled": { valkeyOnly: "8.0.0" },
  "availability-zone": { valkeyOnly: "8.0.0" },
  "events-per-io-thread": { valkeyOnly: "8.0.0" },
};

/** The server a directive is judged for: its flavour, own version and Redis compatibility. */
export type DirectiveServer = ServerVersion;

/** What a host's server makes of one directive. */
export type DirectiveVerdict =
  | { accepted: true; name: string }
  | { accepted: false; needs: string };

/** "Redis 7.0" for 7.0.0, "Redis 6.0.7" for 6.0.7. */
function label(flavor: ServerFlavor, version: string): string {
  const [major = "0", minor = "0", patch = "0"] = version.split(".");
  return `${flavor === "valkey" ? "Valkey" : "Redis"} ${major}.${minor}${patch !== "0" ? `.${patch}` : ""}`;
}

/**
 * "Redis 6.2", "Valkey 8.0": a server named by major.minor, so a file that names it does not
 * change (and restart the node) on a patch upgrade.
 */
export function serverSeries(server: DirectiveServer): string {
  const [major = "0", minor = "0"] = server.version.split(".");
  return `${server.flavor === "valkey" ? "Valkey" : "Redis"} ${major}.${minor}`;
}

/** Whether `server` accepts `directive`, and the spelling to write for it. */
export function directiveFor(server: DirectiveServer, directive: string): DirectiveVerdict {
  const key = directive.toLowerCase();
  const h = DIRECTIVES[key];
  if (!h) return { accepted: true, name: directive };
  if (h.valkeyOnly) {
    if (server.flavor === "valkey" && compareVersions(server.version, h.valkeyOnly) >= 0) return { accepted: true, name: directive };
    return { accepted: false, needs: label("valkey", h.valkeyOnly) };
  }
  if (h.valkeyName && server.flavor === "valkey" && compareVersions(server.version, h.valkeyName.since) >= 0) {
    return { accepted: true, name: h.valkeyName.name };
  }
  if (h.oldName && !atLeast(server, h.oldName.before)) return { accepted: true, name: h.oldName.name };
  if (h.valkey && server.flavor === "valkey") {
    if (compareVersions(server.version, h.valkey) >= 0) return { accepted: true, name: directive };
    return { accepted: false, needs: label("valkey", h.valkey) };
  }
  if (h.redis && !atLeast(server, h.redis)) return { accepted: false, needs: label("redis", h.redis) };
  return { accepted: true, name: directive };
}
