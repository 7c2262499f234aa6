// What a redis.conf asks of a running server, and which differences `CONFIG SET` can fix on that
// server's version and which need a restart. Pure: the caller reads the file and `CONFIG GET`.
//
// Sources, all `src/config.c` unless named otherwise:
// - Redis 5.0.7, 6.2.16, 7.2.6, 7.4.1, Valkey 7.2.7, 8.0.1: the tarballs in shared/redis-src.
// - Redis 6.0.0, 6.0.9, 6.0.16, 7.0.0, 7.0.15: redis/redis at those tags. Redis 8.0: the redis/redis
//   8.0 branch at 7.9.224 (the last pre-release stored); Valkey 8.1: valkey-io/valkey unstable at
//   2024-10-25 (before 8.1.0). For these two the rules below are inferred from those snapshots.
// - Checked against running servers (CONFIG GET * then CONFIG SET of each parameter to its own
//   value): Redis 5.0.7, 6.2.16, 7.0.15 (Debian 12), 7.2.6, 7.4.1, Valkey 7.2.7 and 8.0.1.
//
// How CONFIG SET decides, per version:
// - 5.0: `configSetCommand` is one if/else chain of names; a name not in it answers
//   "Unsupported CONFIG parameter" (SETTABLE_50 below is that chain).
// - 6.0 and 6.2: the `standardConfig` table, where IMMUTABLE_CONFIG entries answer
//   "Unsupported CONFIG parameter", plus a chain of special names (save, dir,
//   client-output-buffer-limit, notify-keyspace-events, oom-score-adj-values; 6.0 also
//   requirepass, watchdog-period, client-query-buffer-limit; 6.2 also bind).
// - 7.0 and later: one table; IMMUTABLE_CONFIG answers "can't set immutable config", and
//   PROTECTED_CONFIG (dir, dbfilename) answers "can't set protected config" unless
//   enable-protected-configs is yes (or local, for a connection from the same host).
import { posix } from "node:path";
import { directiveFor, serverSeries } from "./conf-directives.js";
import type { ConfLine } from "./conf-parse.js";
import { atLeast, compareVersions, type ServerVersion } from "./server-version.js";

/** What a redis.conf asks of the running server, in CONFIG GET's terms. */
export interface WantedConfig {
  /**
   * CONFIG GET name -> the value the file asks for, in the form CONFIG GET would report it on
   * this server (merged: several `save` lines become one value, the 3 client-output-buffer-limit
   * lines one value, memory units converted to bytes, booleans yes/no, names resolved from
   * aliases to the name CONFIG GET accepts on this server).
   */
  values: Map<string, string>;
  /** The file's replicaof/slaveof target, if any: {host, port}. (Not a CONFIG parameter; the caller converges it with REPLICAOF.) */
  replicaof?: { host: string; port: number };
  /** Directives of the file that cannot be checked at runtime (include, rename-command, loadmodule, user, ...): a changed file with only these means a restart. */
  unverifiable: string[];
  /** Directives the server accepts and discards (deprecated ones): a change to them needs nothing. */
  ignored: string[];
}

/** One directive whose running value differs from the file's. */
export interface RuntimeDelta {
  /** CONFIG name. */
  name: string;
  /** As CONFIG GET reported it ("" when the server does not know the parameter). */
  running: string;
  /** What CONFIG SET should be given. */
  wanted: string;
  via: "set" | "restart";
  /** Why a restart (e.g. "databases cannot change at runtime on Redis 7.0", "unknown to the running server"). */
  reason?: string;
}

/**
 * Directives never compared with the running server because the process manager overrides them
 * on the command line: Debian's units run `redis-server /etc/redis/redis.conf --supervised
 * systemd --daemonize no` (redis-server.service of 5:7.0.15-1~deb12u10), so a file saying
 * `daemonize yes` (Debian's stock file does) always differs from the running `no`.
 * Not listed, although the running value can differ from the file's for reasons outside it:
 * `maxclients` (lowered at start when RLIMIT_NOFILE is too small, server.c adjustOpenFilesLimit)
 * and `hz` (clamped to 1..500, which normalizeValue models): a real difference there is worth
 * reporting rather than hiding.
 */
export const NOT_COMPARED: ReadonlySet<string> = new Set(["daemonize", "supervised"]);

// ---------------------------------------------------------------------------------------------
// Names

/** Whether the server speaks the newer name of an alias pair. */
type Speaks = (v: ServerVersion) => boolean;

const always: Speaks = () => true;
const redis70: Speaks = (v) => atLeast(v, "7.0");
/** The dashed cpulist names: Redis 7.4 (config.c 7.4.1) and Valkey 8.0 (config.c 8.0.1). */
const dashedCpulists: Speaks = (v) => (v.flavor === "valkey" ? compareVersions(v.version, "8.0.0") >= 0 : atLeast(v, "7.4"));
const valkeyPrimary: Speaks = (v) => v.flavor === "valkey" && compareVersions(v.version, "8.0.0") >= 0;

/**
 * Alias pairs [name, older alias, since when the server speaks `name`]. The replica-* names
 * exist since 5.0 (config.c 5.0.7 lists both spellings); the listpack names and
 * busy-reply-threshold since 7.0; a server older than `since` does not know `name`, so a file
 * using it stays under that name (and the server rejects it).
 */
const ALIASES: ReadonlyArray<readonly [string, string, Speaks]> = [
  ["replicaof", "slaveof", always],
  ["replica-serve-stale-data", "slave-serve-stale-data", always],
  ["replica-read-only", "slave-read-only", always],
  ["replica-ignore-maxmemory", "slave-ignore-maxmemory", always],
  ["replica-lazy-flush", "slave-lazy-flush", always],
  ["replica-priority", "slave-priority", always],
  ["replica-announce-ip", "slave-announce-ip", always],
  ["replica-announce-port", "slave-announce-port", always],
  ["min-replicas-to-write", "min-slaves-to-write", always],
  ["min-replicas-max-lag", "min-slaves-max-lag", always],
  ["repl-ping-replica-period", "repl-ping-slave-period", always],
  ["cluster-replica-validity-factor", "cluster-slave-validity-factor", always],
  ["cluster-replica-no-failover", "cluster-slave-no-failover", always],
  ["hash-max-listpack-entries", "hash-max-ziplist-entries", redis70],
  ["hash-max-listpack-value", "hash-max-ziplist-value", redis70],
  ["zset-max-listpack-entries", "zset-max-ziplist-entries", redis70],
  ["zset-max-listpack-value", "zset-max-ziplist-value", redis70],
  ["list-max-listpack-size", "list-max-ziplist-size", redis70],
  ["busy-reply-threshold", "lua-time-limit", redis70],
  ["server-cpulist", "server_cpulist", dashedCpulists],
  ["bio-cpulist", "bio_cpulist", dashedCpulists],
  ["aof-rewrite-cpulist", "aof_rewrite_cpulist", dashedCpulists],
  ["bgsave-cpulist", "bgsave_cpulist", dashedCpulists],
  ["primaryauth", "masterauth", valkeyPrimary],
  ["primaryuser", "masteruser", valkeyPrimary],
];

const NEWER_OF = new Map(ALIASES.map(([newer, older]) => [older, newer]));
const OLDER_OF = new Map(ALIASES.map(([newer, older]) => [newer, older]));
const SPEAKS = new Map(ALIASES.map(([newer, , speaks]) => [newer, speaks]));

/** The version-free key of a name: the newer spelling of an alias pair. */
function key(name: string): string {
  const n = name.toLowerCase();
  return NEWER_OF.get(n) ?? n;
}

/** The name this server's CONFIG GET/SET uses for `name` (an alias resolved to the server's own spelling). */
export function configName(name: string, server: ServerVersion): string {
  const n = name.toLowerCase();
  const newer = NEWER_OF.get(n);
  if (newer && SPEAKS.get(newer)!(server)) return newer;
  return n;
}

/** Every spelling CONFIG GET may have reported `name` under. */
function spellings(name: string): string[] {
  const k = key(name);
  const older = OLDER_OF.get(k);
  return [...new Set(older ? [name, k, older] : [name, k])];
}

// ---------------------------------------------------------------------------------------------
// Directives that are no CONFIG parameter

/**
 * Accepted in a file but unknown to CONFIG GET on every version: include, rename-command,
 * loadmodule, sentinel, user (6.0+) are handled by the loader itself (loadServerConfigFromString);
 * a name with a dot is a module's config (7.0+).
 */
const FILE_ONLY = new Set(["include", "rename-command", "loadmodule", "sentinel", "user"]);

/** File-only on 5.0 (loader branches that configGetCommand 5.0.7 does not report). */
const FILE_ONLY_50 = new Set([
  "always-show-logo", "syslog-enabled", "syslog-ident", "appendfilename", "cluster-enabled",
  "cluster-config-file", "lua-replicate-commands",
]);

function fileOnly(name: string, server: ServerVersion): boolean {
  if (FILE_ONLY.has(name) || name.includes(".")) return true;
  if (!atLeast(server, "6.0") && FILE_ONLY_50.has(name)) return true;
  // cluster-config-file joined the config table (and CONFIG GET) in 7.0.
  if (!atLeast(server, "7.0") && name === "cluster-config-file") return true;
  return false;
}

/**
 * Accepted and discarded: list-max-ziplist-entries/-value ("DEAD OPTION" in 5.0 and 6.2,
 * `deprecated_configs` from 7.0), lua-replicate-commands (deprecated_configs from 7.0),
 * io-threads-do-reads (deprecated_configs in Valkey after 8.0.1: inferred for 8.1).
 */
function discarded(name: string, server: ServerVersion): boolean {
  if (name === "list-max-ziplist-entries" || name === "list-max-ziplist-value") return true;
  if (name === "lua-replicate-commands" && atLeast(server, "7.0")) return true;
  if (name === "io-threads-do-reads" && server.flavor === "valkey" && compareVersions(server.version, "8.1.0") >= 0) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Which names CONFIG SET takes

/** configSetCommand of 5.0.7, by its newer names (the slave-* spellings are in the chain too). */
const SETTABLE_50 = new Set([
  "active-defrag-cycle-max", "active-defrag-cycle-min", "active-defrag-ignore-bytes",
  "active-defrag-max-scan-fields", "active-defrag-threshold-lower", "active-defrag-threshold-upper",
  "activedefrag", "activerehashing", "aof-load-truncated", "aof-rewrite-incremental-fsync",
  "aof-use-rdb-preamble", "appendfsync", "appendonly", "auto-aof-rewrite-min-size",
  "auto-aof-rewrite-percentage", "client-output-buffer-limit", "client-query-buffer-limit",
  "cluster-announce-bus-port", "cluster-announce-ip", "cluster-announce-port",
  "cluster-migration-barrier", "cluster-node-timeout", "cluster-replica-no-failover",
  "cluster-replica-validity-factor", "cluster-require-full-coverage", "dbfilename", "dir",
  "dynamic-hz", "hash-max-ziplist-entries", "hash-max-ziplist-value", "hll-sparse-max-bytes", "hz",
  "latency-monitor-threshold", "lazyfree-lazy-eviction", "lazyfree-lazy-expire",
  "lazyfree-lazy-server-del", "lfu-decay-time", "lfu-log-factor", "list-compress-depth",
  "list-max-ziplist-size", "loglevel", "lua-time-limit", "masterauth", "maxclients", "maxmemory",
  "maxmemory-policy", "maxmemory-samples", "min-replicas-max-lag", "min-replicas-to-write",
  "no-appendfsync-on-rewrite", "notify-keyspace-events", "protected-mode", "proto-max-bulk-len",
  "rdb-save-incremental-fsync", "rdbcompression", "repl-backlog-size", "repl-backlog-ttl",
  "repl-disable-tcp-nodelay", "repl-diskless-sync", "repl-diskless-sync-delay",
  "repl-ping-replica-period", "repl-timeout", "replica-announce-ip", "replica-announce-port",
  "replica-ignore-maxmemory", "replica-lazy-flush", "replica-priority", "replica-read-only",
  "replica-serve-stale-data", "requirepass", "save", "set-max-intset-entries", "slowlog-log-slower-than",
  "slowlog-max-len", "stop-writes-on-bgsave-error", "stream-node-max-bytes", "stream-node-max-entries",
  "tcp-keepalive", "timeout", "watchdog-period", "zset-max-ziplist-entries", "zset-max-ziplist-value",
]);

/**
 * Refused by CONFIG SET on every version that has them (6.0+: IMMUTABLE_CONFIG, or no special
 * set branch; 5.0: absent from the chain). Among them: logfile and unixsocketperm are special
 * without a set branch in 6.0/6.2 and IMMUTABLE_CONFIG from 7.0; set-proc-title is immutable
 * since it appeared (6.2); client-default-resp and req-res-logfile exist only in LOG_REQ_RES
 * builds (7.2+); enable-debug-assert and unixsocketgroup are Valkey 8.0's.
 */
const IMMUTABLE = new Set([
  "daemonize", "supervised", "databases", "tcp-backlog", "unixsocket", "unixsocketperm", "pidfile",
  "logfile", "rdbchecksum", "syslog-enabled", "syslog-ident", "syslog-facility", "always-show-logo",
  "cluster-enabled", "cluster-config-file", "appendfilename", "aclfile", "io-threads",
  "io-threads-do-reads", "server-cpulist", "bio-cpulist", "aof-rewrite-cpulist", "bgsave-cpulist",
  "set-proc-title", "client-default-resp", "req-res-logfile", "enable-debug-assert", "unixsocketgroup",
]);

/**
 * Settable from 6.2: "Make port, tls-port and bind config options modifiable at runtime
 * (#8510)" (00-RELEASENOTES 6.2). 6.0.16 marks port and tls-port IMMUTABLE_CONFIG and has no
 * set branch for bind; 5.0.7's chain has none of them.
 */
const SETTABLE_FROM_62 = new Set(["port", "bind", "tls-port"]);

/**
 * Immutable from 7.0 (config.c 7.0.0): disable-thp was MODIFIABLE_CONFIG in 6.2.16; the others
 * appeared in 7.0 already immutable.
 */
const IMMUTABLE_FROM_70 = new Set([
  "disable-thp", "appenddirname", "cluster-port", "enable-protected-configs", "enable-debug-command",
  "enable-module-command", "socket-mark-id",
]);

/** PROTECTED_CONFIG from 7.0 (config.c 7.0.0 to 7.4.1, Valkey 7.2.7 and 8.0.1). */
const PROTECTED_FROM_70 = new Set(["dir", "dbfilename"]);

/** How the running server treats protected configs, for CONFIG SET of dir and dbfilename. */
export interface ProtectedConfigs {
  /** CONFIG SET of a protected config is allowed (enable-protected-configs yes, or local on a local connection). */
  protectedConfigsAllowed?: boolean;
}

/** The version a directive needs, or null when this server knows it (conf-directives' table). */
function unknownTo(name: string, server: ServerVersion): string | null {
  const verdict = directiveFor(server, name);
  if (verdict.accepted) return null;
  return verdict.needs;
}

/**
 * Why `CONFIG SET name` fails on a running server of this version, or null when it works.
 * Never mentions a value, only names and versions.
 */
export function restartReason(name: string, server: ServerVersion, opts: ProtectedConfigs = {}): string | null {
  const n = configName(name, server);
  const series = serverSeries(server);
  if (n === "replicaof") return `${n} is changed with the REPLICAOF command, not CONFIG SET`;
  if (fileOnly(n, server) || discarded(n, server)) return `${n} is not a CONFIG parameter on ${series}`;
  const older = OLDER_OF.get(n);
  if (older && !SPEAKS.get(n)!(server)) return `${n} is unknown to ${series} (it knows ${older})`;
  const needs = unknownTo(n, server);
  if (needs) return `${n} is unknown to ${series} (it needs ${needs})`;
  if (!atLeast(server, "6.0")) {
    return SETTABLE_50.has(n) ? null : `${n} cannot change at runtime on ${series}`;
  }
  const k = key(n);
  if (IMMUTABLE.has(k)) return `${n} cannot change at runtime on ${series}`;
  if (SETTABLE_FROM_62.has(k) && !atLeast(server, "6.2")) return `${n} cannot change at runtime on ${series}`;
  if (IMMUTABLE_FROM_70.has(k) && atLeast(server, "7.0")) return `${n} cannot change at runtime on ${series}`;
  if (PROTECTED_FROM_70.has(k) && atLeast(server, "7.0") && !opts.protectedConfigsAllowed) {
    return `${n} is a protected config on ${series}: CONFIG SET refuses it unless enable-protected-configs allows it`;
  }
  return null;
}

/** True when `CONFIG SET name` works on a running server of this version (Redis 5.0 .. 8.x, Valkey 7.2 .. 8.x). */
export function settableAtRuntime(name: string, server: ServerVersion, opts: ProtectedConfigs = {}): boolean {
  return restartReason(name, server, opts) === null;
}

// ---------------------------------------------------------------------------------------------
// Values

/** Configs CONFIG GET reports as yes/no (createBoolConfig in 6.0-8.0, config_get_bool_field in 5.0). */
const BOOL = new Set([
  "activedefrag", "activerehashing", "always-show-logo", "aof-disable-auto-gc", "aof-load-truncated",
  "aof-rewrite-incremental-fsync", "aof-timestamp-enabled", "aof-use-rdb-preamble", "appendonly",
  "cluster-allow-pubsubshard-when-down", "cluster-allow-reads-when-down", "cluster-allow-replica-migration",
  "cluster-enabled", "cluster-replica-no-failover", "cluster-require-full-coverage", "cluster-slot-stats-enabled",
  "crash-log-enabled", "crash-memcheck-enabled", "daemonize", "disable-thp", "dual-channel-replication-enabled",
  "dynamic-hz", "enable-debug-assert", "extended-redis-compatibility", "gopher-enabled", "hide-user-data-from-log",
  "io-threads-do-reads", "jemalloc-bg-thread", "latency-tracking", "lazyfree-lazy-eviction", "lazyfree-lazy-expire",
  "lazyfree-lazy-server-del", "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush", "lua-replicate-commands",
  "no-appendfsync-on-rewrite", "protected-mode", "rdb-del-sync-files", "rdb-save-incremental-fsync", "rdbchecksum",
  "rdbcompression", "repl-disable-tcp-nodelay", "repl-diskless-sync", "replica-announced",
  "replica-ignore-disk-write-errors", "replica-ignore-maxmemory", "replica-lazy-flush", "replica-read-only",
  "replica-serve-stale-data", "set-proc-title", "stop-writes-on-bgsave-error", "syslog-enabled", "tls-cluster",
  "tls-prefer-server-ciphers", "tls-replication", "tls-session-caching", "use-exit-on-panic",
]);

/** Configs whose value is a name from a fixed table, matched case-insensitively (createEnumConfig). */
const ENUM = new Set([
  "acl-pubsub-default", "appendfsync", "cluster-preferred-endpoint-type", "enable-debug-command",
  "enable-module-command", "enable-protected-configs", "log-format", "log-timestamp-format", "loglevel",
  "maxmemory-policy", "oom-score-adj", "propagation-error-behavior", "repl-diskless-load",
  "sanitize-dump-payload", "shutdown-on-sigint", "shutdown-on-sigterm", "supervised", "syslog-facility",
  "tls-auth-clients",
]);

/**
 * Sizes read with memtoull, reported by CONFIG GET in bytes: MEMORY_CONFIG in 6.2-8.0, and the
 * 5.0 loader's memtoll fields (which include three *-entries counts).
 */
const MEMORY = new Set([
  "active-defrag-ignore-bytes", "auto-aof-rewrite-min-size", "client-query-buffer-limit",
  "cluster-link-sendbuf-limit", "hash-max-listpack-value", "hll-sparse-max-bytes", "maxmemory",
  "maxmemory-clients", "proto-max-bulk-len", "repl-backlog-size", "stream-node-max-bytes",
  "zset-max-listpack-value", "hash-max-listpack-entries", "set-max-intset-entries", "zset-max-listpack-entries",
]);

/** Integer configs (INTEGER_CONFIG in 6.0-8.0): CONFIG GET prints them in decimal. */
const INTEGER = new Set([
  "acllog-max-len", "active-defrag-cycle-max", "active-defrag-cycle-min", "active-defrag-max-scan-fields",
  "active-defrag-threshold-lower", "active-defrag-threshold-upper", "active-expire-effort",
  "auto-aof-rewrite-percentage", "busy-reply-threshold", "client-default-resp", "cluster-announce-bus-port",
  "cluster-announce-port", "cluster-announce-tls-port", "cluster-blacklist-ttl", "cluster-migration-barrier",
  "cluster-node-timeout", "cluster-ping-interval", "cluster-port", "cluster-replica-validity-factor", "databases",
  "events-per-io-thread", "io-threads", "key-load-delay", "latency-monitor-threshold", "lfu-decay-time",
  "lfu-log-factor", "list-compress-depth", "list-max-listpack-size", "loading-process-events-interval-bytes",
  "max-new-connections-per-cycle", "max-new-tls-connections-per-cycle", "maxclients", "maxmemory-eviction-tenacity",
  "maxmemory-samples", "min-replicas-max-lag", "min-replicas-to-write", "port", "prefetch-batch-max-size",
  "rdb-key-save-delay", "repl-backlog-ttl", "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas",
  "repl-ping-replica-period", "repl-timeout", "replica-announce-port", "replica-priority",
  "set-max-listpack-entries", "set-max-listpack-value", "shutdown-timeout", "slowlog-log-slower-than",
  "slowlog-max-len", "socket-mark-id", "stream-node-max-entries", "tcp-backlog", "tcp-keepalive", "timeout",
  "tls-port", "tls-session-cache-size", "tls-session-cache-timeout", "tracking-table-max-keys", "watchdog-period",
]);

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ["", 1n], ["b", 1n], ["k", 1000n], ["kb", 1024n], ["m", 1000n ** 2n], ["mb", 1024n ** 2n], ["g", 1000n ** 3n], ["gb", 1024n ** 3n],
]);

/**
 * Bytes of a memory value as Redis's memtoull (util.c 7.4.1; memtoll in 5.0.7 reads the same
 * units): digits then an optional unit k=1000, kb=1024, m=1000^2, mb=1024^2, g=1000^3,
 * gb=1024^3 (or b), case-insensitive. Null when it is not one (a sign, a fraction, a percent).
 */
export function memoryBytes(value: string): bigint | null {
  const m = /^(\d+)([a-z]*)$/i.exec(value);
  if (!m) return null;
  const mul = UNITS.get(m[2]!.toLowerCase());
  if (mul === undefined) return null;
  return BigInt(m[1]!) * mul;
}

/** C isspace-separated words. */
function words(value: string): string[] {
  return value.split(/[ \t\n\v\f\r]+/).filter((w) => w !== "");
}

function trimSpace(value: string): string {
  return value.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "");
}

/** A decimal integer as the server prints it ("+05" -> "5"); null when it is not one. */
function integer(value: string): string | null {
  const m = /^([+-]?)(\d+)$/.exec(value);
  if (!m) return null;
  const n = BigInt(m[2]!);
  return (m[1] === "-" && n !== 0n ? "-" : "") + n.toString();
}

/** Class names of client-output-buffer-limit (networking.c getClientTypeByName; printed by getClientTypeName). */
const OBUF_ORDER = ["normal", "slave", "pubsub"] as const;
type ObufClass = (typeof OBUF_ORDER)[number];
const OBUF_CLASSES: ReadonlyMap<string, ObufClass> = new Map([
  ["normal", "normal"], ["slave", "slave"], ["replica", "slave"], ["pubsub", "pubsub"],
]);

/** clientBufferLimitsDefaults, the same in 5.0.7 to 7.4.1 and Valkey 8.0.1. */
const OBUF_DEFAULTS: Readonly<Record<ObufClass, readonly [string, string, string]>> = {
  normal: ["0", "0", "0"],
  slave: [String(256 * 1024 * 1024), String(64 * 1024 * 1024), "60"],
  pubsub: [String(32 * 1024 * 1024), String(8 * 1024 * 1024), "60"],
};

/** Groups of `<class> <hard> <soft> <seconds>`, later groups of a class replacing earlier ones; null if malformed. */
function obufGroups(value: string): Map<ObufClass, [string, string, string]> | null {
  const w = words(value);
  if (w.length % 4 !== 0) return null;
  const out = new Map<ObufClass, [string, string, string]>();
  for (let i = 0; i < w.length; i += 4) {
    const cls = OBUF_CLASSES.get(w[i]!.toLowerCase());
    const hard = memoryBytes(w[i + 1]!);
    const soft = memoryBytes(w[i + 2]!);
    const secs = integer(w[i + 3]!);
    if (!cls || hard === null || soft === null || secs === null) return null;
    out.set(cls, [hard.toString(), soft.toString(), secs]);
  }
  return out;
}

function renderObuf(groups: Map<ObufClass, readonly [string, string, string]>): string {
  return OBUF_ORDER.filter((c) => groups.has(c))
    .map((c) => [c, ...groups.get(c)!].join(" "))
    .join(" ");
}

/**
 * notify-keyspace-events as keyspaceEventsFlagsToString prints it (notify.c): "A" when every
 * class of NOTIFY_ALL is set (5.0 and 6.0: g$lshzxet; 6.2+ adds d), else the classes in the
 * order g$lshzxetdn, then K, E and m. `n` (7.0+) is printed only without "A": a quirk of 7.x and
 * Valkey 8.0 the comparison must share, or "AKEn" would never match the server's "AKE".
 */
function normalizeEvents(value: string, server?: ServerVersion): string {
  const all = server && !atLeast(server, "6.2") ? "g$lshzxet" : "g$lshzxetd";
  const flags = new Set<string>();
  for (const c of value) {
    if (c === "A") for (const a of all) flags.add(a);
    else if ("g$lshzxetdnKEm".includes(c)) flags.add(c);
    else return value;
  }
  let out = "";
  if ([...all].every((a) => flags.has(a))) out = "A";
  else for (const c of "g$lshzxetdn") if (flags.has(c)) out += c;
  for (const c of "KEm") if (flags.has(c)) out += c;
  return out;
}

/** %f then trimDoubleString, as latency-tracking-info-percentiles is printed (config.c 7.0+). */
function printDouble(value: string): string | null {
  const n = Number(value);
  if (value === "" || !Number.isFinite(n)) return null;
  const s = n.toFixed(6);
  return s.replace(/\.?0+$/, "");
}

/**
 * Normalises a value for comparison, to the form CONFIG GET reports (memory units, yes/no,
 * case of enums, whitespace, bind lists, save, client-output-buffer-limit with replica/slave
 * class names, notify-keyspace-events flag order, dir trailing slash...). A value that does not
 * parse is returned trimmed, unchanged otherwise. `server` matters only for
 * notify-keyspace-events ("A" lost `d` before 6.2); without it, 6.2 and later is assumed.
 */
export function normalizeValue(name: string, value: string, server?: ServerVersion): string {
  const k = key(name);
  const v = trimSpace(value);
  switch (k) {
    case "save": {
      // "" clears the save points; else pairs of seconds and changes.
      const w = words(v);
      const ints = w.map(integer);
      if (w.length % 2 !== 0 || ints.some((i) => i === null)) return w.join(" ");
      return ints.join(" ");
    }
    case "client-output-buffer-limit": {
      const groups = obufGroups(v);
      return groups ? renderObuf(groups) : words(v).join(" ");
    }
    case "bind":
    case "replicaof":
      return words(v).join(" ");
    case "oom-score-adj-values":
    case "shutdown-on-sigint":
    case "shutdown-on-sigterm": {
      const w = words(v).map((x) => (k === "oom-score-adj-values" ? integer(x) ?? x : x.toLowerCase()));
      return w.join(" ");
    }
    case "latency-tracking-info-percentiles": {
      const w = words(v);
      const d = w.map(printDouble);
      return d.some((x) => x === null) ? w.join(" ") : d.join(" ");
    }
    case "notify-keyspace-events":
      return normalizeEvents(v, server);
    case "dir":
      // getcwd(): absolute, no trailing slash (config.c getConfigDirOption / 5.0 configGetCommand).
      if (!v.startsWith("/")) return v;
      return posix.normalize(v).replace(/(.)\/+$/, "$1");
    case "hz": {
      // Out-of-range values are accepted and capped to CONFIG_MIN_HZ..CONFIG_MAX_HZ (1..500).
      const i = integer(v);
      if (i === null) return v;
      const n = BigInt(i);
      return (n < 1n ? 1n : n > 500n ? 500n : n).toString();
    }
    case "unixsocketperm": {
      // OCTAL_CONFIG: printed with %o, so "0700" reads back as "700".
      if (!/^[0-7]+$/.test(v)) return v;
      return Number.parseInt(v, 8).toString(8);
    }
    case "oom-score-adj": {
      // oom_score_adj_enum lists "yes" before "relative" for the same value; CONFIG GET prints "yes".
      const l = v.toLowerCase();
      return l === "relative" ? "yes" : l;
    }
  }
  if (BOOL.has(k)) return /^(yes|no)$/i.test(v) ? v.toLowerCase() : v;
  if (ENUM.has(k)) return v.toLowerCase();
  if (MEMORY.has(k)) {
    if (v.endsWith("%")) return v;
    const b = memoryBytes(v);
    return b === null ? integer(v) ?? v : b.toString();
  }
  if (INTEGER.has(k)) return integer(v) ?? v;
  return v;
}

// ---------------------------------------------------------------------------------------------
// The file's wishes

/** A `save` line's effect on the save points (null: the line is ignored). */
function savePoints(args: string[], server: ServerVersion): { reset: boolean; pairs: string[] } | null {
  if (args.length === 1 && args[0] === "") return { reset: true, pairs: [] };
  if (atLeast(server, "7.0")) {
    // MULTI_ARG_CONFIG: any number of pairs on one line (setConfigSaveOption).
    return args.length > 0 && args.length % 2 === 0 ? { reset: false, pairs: args } : null;
  }
  // 5.0.7-6.2.16 loader: exactly `save <seconds> <changes>`; other argument counts are ignored.
  return args.length === 2 ? { reset: false, pairs: args } : null;
}

/** The C atoi() of a port: leading digits, 0 when none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/**
 * What the file asks of the running server, for this server's version. Later lines win;
 * `save` lines accumulate from the first one, `save ""` clearing them; each
 * client-output-buffer-limit line replaces its class, the others keep their defaults;
 * `dir` lines are chdir()s, so a relative one resolves against the previous absolute one
 * (with none before it, the start directory is unknown and `dir` is unverifiable).
 */
export function wantedConfig(lines: ConfLine[], server: ServerVersion): WantedConfig {
  const values = new Map<string, string>();
  const unverifiable: string[] = [];
  const ignored: string[] = [];
  let replicaof: { host: string; port: number } | undefined;
  let save: string[] | undefined;
  let obuf: Map<ObufClass, [string, string, string]> | undefined;
  let dir: string | null | undefined;

  const note = (list: string[], name: string): void => {
    if (!list.includes(name)) list.push(name);
  };

  for (const l of lines) {
    const name = configName(l.name, server);
    if (name === "replicaof") {
      if (l.args.length !== 2) continue;
      const [host, port] = l.args as [string, string];
      // `replicaof no one` in a file means "primary" from 6.0.9 (config.c 6.0.9); before, it is
      // a replica of host "no", port 0 (config.c 6.0.0, 5.0.7: sdsnew + atoi).
      if (host.toLowerCase() === "no" && port.toLowerCase() === "one" && atLeast(server, "6.0.9")) replicaof = undefined;
      else replicaof = { host, port: atoi(port) };
      continue;
    }
    if (fileOnly(name, server)) {
      note(unverifiable, name);
      continue;
    }
    if (discarded(name, server)) {
      note(ignored, name);
      continue;
    }
    switch (name) {
      case "save": {
        const points = savePoints(l.args, server);
        save ??= [];
        if (points?.reset) save = [];
        if (points) save.push(...points.pairs);
        values.set(name, "");
        break;
      }
      case "client-output-buffer-limit": {
        obuf ??= new Map(OBUF_ORDER.map((c) => [c, [...OBUF_DEFAULTS[c]] as [string, string, string]]));
        const groups = obufGroups(l.args.join(" "));
        if (groups) for (const [c, limits] of groups) obuf.set(c, limits);
        values.set(name, "");
        break;
      }
      case "dir": {
        const target = l.args.join(" ");
        if (target.startsWith("/")) dir = posix.normalize(target);
        else dir = dir ? posix.resolve(dir, target) : null;
        if (dir === null) values.delete(name);
        else values.set(name, "");
        break;
      }
      default:
        values.set(name, normalizeValue(name, l.args.join(" "), server));
    }
  }

  if (save) values.set("save", normalizeValue("save", save.join(" ")));
  // 5.0 and 6.0 clear the default save points before reading a config file (server.c main(),
  // resetServerSaveParams; 6.2 keeps the defaults), so a file without `save` asks for none.
  else if (!atLeast(server, "6.2")) values.set("save", "");
  if (obuf) values.set("client-output-buffer-limit", renderObuf(obuf));
  if (dir) values.set("dir", normalizeValue("dir", dir));
  else if (dir === null) note(unverifiable, "dir");

  const out: WantedConfig = { values, unverifiable, ignored };
  if (replicaof) out.replicaof = replicaof;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The running server

/** The running value of `name` under any of its spellings; undefined when CONFIG GET did not report it. */
function runningValue(running: Record<string, string>, name: string): string | undefined {
  for (const s of spellings(name)) {
    if (Object.hasOwn(running, s)) return running[s];
  }
  return undefined;
}

/**
 * Compares wanted values with CONFIG GET results (a plain name->value record; a name missing from
 * `running` means the server did not report it). Equal-after-normalisation values are not
 * deltas. dir/dbfilename count as settable on 7.0+ only when the running server reports
 * enable-protected-configs `yes`, or `local` and `localConnection` says redplay's connection
 * counts as local to the server (a unix socket, or a peer address of 127.0.0.1 or ::1).
 */
export function runtimeDeltas(
  wanted: WantedConfig,
  running: Record<string, string>,
  server: ServerVersion,
  opts: { localConnection?: boolean } = {},
): RuntimeDelta[] {
  const protectedMode = (runningValue(running, "enable-protected-configs") ?? "no").toLowerCase();
  const protectedConfigsAllowed = protectedMode === "yes" || (protectedMode === "local" && opts.localConnection === true);
  const deltas: RuntimeDelta[] = [];
  for (const [name, want] of wanted.values) {
    if (NOT_COMPARED.has(name)) continue;
    const have = runningValue(running, name);
    if (have === undefined) {
      deltas.push({ name, running: "", wanted: want, via: "restart", reason: `unknown to the running server (${serverSeries(server)} does not report ${name})` });
      continue;
    }
    if (normalizeValue(name, have, server) === normalizeValue(name, want, server)) continue;
    const reason = restartReason(name, server, { protectedConfigsAllowed });
    deltas.push(reason === null ? { name, running: have, wanted: want, via: "set" } : { name, running: have, wanted: want, via: "restart", reason });
  }
  return deltas;
}
