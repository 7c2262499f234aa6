// What a redis.conf asks of a running server (CONFIG GET names and forms, per version), how
// values compare, and which differences CONFIG SET fixes on each version and which need a
// restart. The expectations come from each version's src/config.c and from CONFIG GET / CONFIG
// SET against running Redis 5.0.7, 6.2.16, 7.0.15, 7.2.6, 7.4.1 and Valkey 7.2.7, 8.0.1.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConf } from "../../src/redis/conf-parse.js";
import {
  NOT_COMPARED,
  configName,
  memoryBytes,
  normalizeValue,
  restartReason,
  runtimeDeltas,
  settableAtRuntime,
  wantedConfig,
  type WantedConfig,
} from "../../src/redis/runtime-config.js";
import { describeVersion, type ServerVersion } from "../../src/redis/server-version.js";
import { renderFile } from "../../src/template/handlebars.js";

const ROOT = join(import.meta.dirname, "..", "..");
const STOCK = readFileSync(join(ROOT, "test", "fixtures", "redis-conf", "debian-7.0.conf"), "utf8");
const TEMPLATE = join(ROOT, "templates", "redis.conf.hbs");
const PASSWORD = "s3cret pw#1";

const redis = (version: string): ServerVersion => ({ flavor: "redis", version, redisCompat: version });
const valkey = (version: string): ServerVersion => ({ flavor: "valkey", version, redisCompat: "7.2.4" });

const R50 = redis("5.0.7");
const R60 = redis("6.0.16");
const R62 = redis("6.2.16");
const R70 = redis("7.0.15");
const R72 = redis("7.2.6");
const R74 = redis("7.4.1");
const R80 = redis("8.0.2");
const V72 = valkey("7.2.7");
const V80 = valkey("8.0.1");
const V81 = valkey("8.1.1");
const ALL = [R50, R60, R62, R70, R72, R74, R80, V72, V80, V81];
/** "Redis 7.0.15", for test titles. */
const named = (s: ServerVersion): string => describeVersion(s);

function wanted(text: string, server: ServerVersion): WantedConfig {
  return wantedConfig(parseConf(text), server);
}

describe("memory values", () => {
  it.each<[string, bigint | null]>([
    ["0", 0n],
    ["100", 100n],
    ["100b", 100n],
    ["1k", 1000n],
    ["1kb", 1024n],
    ["1K", 1000n],
    ["1KB", 1024n],
    ["64mb", 67108864n],
    ["64Mb", 67108864n],
    ["5m", 5_000_000n],
    ["1g", 1_000_000_000n],
    ["1gB", 1073741824n],
    ["16gb", 17179869184n],
    ["-1", null],
    ["1.5gb", null],
    ["1tb", null],
    ["gb", null],
    ["5%", null],
    ["5constructor", null],
    ["", null],
  ])("%s -> %s", (text, bytes) => {
    expect(memoryBytes(text)).toBe(bytes);
  });
});

describe("normalising a value to CONFIG GET's form", () => {
  it.each<[string, string, string]>([
    ["maxmemory", "100MB", "104857600"],
    ["repl-backlog-size", " 64mb ", "67108864"],
    ["auto-aof-rewrite-min-size", "1g", "1000000000"],
    ["hash-max-ziplist-value", "1kb", "1024"],
    ["maxmemory-clients", "5%", "5%"],
    ["maxmemory", "lots", "lots"],
    ["protected-mode", "YES", "yes"],
    ["slave-read-only", "No", "no"],
    ["appendonly", "maybe", "maybe"],
    ["loglevel", "NOTICE", "notice"],
    ["appendfsync", "EverySec", "everysec"],
    ["maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru"],
    ["oom-score-adj", "relative", "yes"],
    ["oom-score-adj", "Absolute", "absolute"],
    ["replica-priority", "+050", "50"],
    ["list-max-listpack-size", "-2", "-2"],
    ["hz", "1000", "500"],
    ["hz", "0", "1"],
    ["hz", "10", "10"],
    ["unixsocketperm", "0700", "700"],
    ["bind", "  127.0.0.1\t -::1 ", "127.0.0.1 -::1"],
    ["save", "3600  1 300 100", "3600 1 300 100"],
    ["save", "", ""],
    ["save", "900 01", "900 1"],
    ["client-output-buffer-limit", "replica 256mb 64mb 60", "slave 268435456 67108864 60"],
    ["client-output-buffer-limit", "pubsub 32mb 8mb 60 NORMAL 0 0 0 slave 1gb 0 0", "normal 0 0 0 slave 1073741824 0 0 pubsub 33554432 8388608 60"],
    ["client-output-buffer-limit", "slave 1mb 1mb 0 replica 2mb 2mb 0", "slave 2097152 2097152 0"],
    ["client-output-buffer-limit", "master 0 0 0", "master 0 0 0"],
    ["client-output-buffer-limit", "constructor 0 0 0", "constructor 0 0 0"],
    ["notify-keyspace-events", "KEA", "AKE"],
    ["notify-keyspace-events", "Egx$", "g$xE"],
    ["notify-keyspace-events", "xE", "xE"],
    ["notify-keyspace-events", "KEAn", "AKE"],
    ["notify-keyspace-events", "Knm", "nKm"],
    ["notify-keyspace-events", "g$lshzxetdKE", "AKE"],
    ["notify-keyspace-events", "", ""],
    ["notify-keyspace-events", "KEQ", "KEQ"],
    ["dir", "/var/lib/redis/", "/var/lib/redis"],
    ["dir", "/var//lib/./redis", "/var/lib/redis"],
    ["dir", "/", "/"],
    ["dir", "relative/", "relative/"],
    ["oom-score-adj-values", "0  200 0800", "0 200 800"],
    ["latency-tracking-info-percentiles", "50 99.900 99.99", "50 99.9 99.99"],
    ["shutdown-on-sigterm", "SAVE  now", "save now"],
    ["requirepass", " YES ", "YES"],
    ["masterauth", "007", "007"],
    ["replica-announce-ip", "Node-1.Example", "Node-1.Example"],
  ])("%s %j -> %j", (name, value, expected) => {
    expect(normalizeValue(name, value)).toBe(expected);
  });

  it("reads notify-keyspace-events 'A' without d before 6.2, as 5.0 and 6.0 print it", () => {
    expect(normalizeValue("notify-keyspace-events", "g$lshzxetKE", R50)).toBe("AKE");
    expect(normalizeValue("notify-keyspace-events", "g$lshzxetKE", R62)).toBe("g$lshzxetKE");
    expect(normalizeValue("notify-keyspace-events", "AKE", R60)).toBe(normalizeValue("notify-keyspace-events", "g$lshzxetKE", R60));
  });
});

describe("CONFIG names per server", () => {
  for (const [name, server, expected] of [
    ["slave-priority", R50, "replica-priority"],
    ["SLAVE-READ-ONLY", V80, "replica-read-only"],
    ["min-slaves-to-write", R70, "min-replicas-to-write"],
    ["slaveof", R50, "replicaof"],
    ["hash-max-ziplist-entries", R62, "hash-max-ziplist-entries"],
    ["hash-max-ziplist-entries", R70, "hash-max-listpack-entries"],
    ["list-max-ziplist-size", V72, "list-max-listpack-size"],
    ["hash-max-listpack-entries", R62, "hash-max-listpack-entries"],
    ["lua-time-limit", R62, "lua-time-limit"],
    ["lua-time-limit", R70, "busy-reply-threshold"],
    ["server_cpulist", R72, "server_cpulist"],
    ["server_cpulist", R74, "server-cpulist"],
    ["server_cpulist", V72, "server_cpulist"],
    ["server_cpulist", V80, "server-cpulist"],
    ["masterauth", R74, "masterauth"],
    ["masterauth", V72, "masterauth"],
    ["masterauth", V80, "primaryauth"],
    ["masteruser", V81, "primaryuser"],
    ["primaryauth", R80, "primaryauth"],
    ["maxmemory", R70, "maxmemory"],
  ] as Array<[string, ServerVersion, string]>) {
    it(`${name} on ${named(server)} is ${expected}`, () => {
      expect(configName(name, server)).toBe(expected);
    });
  }
});

// One column per server: R50 R60 R62 R70 R72 R74 R80 V72 V80 V81.
// S: CONFIG SET works. R: a restart is needed. P: protected (7.0+), refused unless
// enable-protected-configs allows it. N: no CONFIG parameter (REPLICAOF, or file-only on 5.0).
// -: the server does not know the name (the template writes the older spelling there, or nothing).
// Every directive the template templates/redis.conf.hbs writes.
const TEMPLATE_DIRECTIVES: Array<[string, string]> = [
  ["bind", "RRSSSSSSSS"],
  ["protected-mode", "SSSSSSSSSS"],
  ["port", "RRSSSSSSSS"],
  ["tls-port", "-RSSSSSSSS"],
  ["tls-cert-file", "-SSSSSSSSS"],
  ["tls-key-file", "-SSSSSSSSS"],
  ["tls-ca-cert-file", "-SSSSSSSSS"],
  ["tls-auth-clients", "-SSSSSSSSS"],
  ["tls-replication", "-SSSSSSSSS"],
  ["tcp-backlog", "RRRRRRRRRR"],
  // redis_acl: read only at start; the replication user is settable on every version that has it.
  ["aclfile", "-RRRRRRRRR"],
  ["masteruser", "-SSSSSSSSS"],
  ["timeout", "SSSSSSSSSS"],
  ["tcp-keepalive", "SSSSSSSSSS"],
  ["daemonize", "RRRRRRRRRR"],
  ["pidfile", "RRRRRRRRRR"],
  ["loglevel", "SSSSSSSSSS"],
  ["logfile", "RRRRRRRRRR"],
  ["databases", "RRRRRRRRRR"],
  ["always-show-logo", "NRRRRRRRRR"],
  ["set-proc-title", "--RRRRRRRR"],
  ["proc-title-template", "--SSSSSSSS"],
  ["stop-writes-on-bgsave-error", "SSSSSSSSSS"],
  ["rdbcompression", "SSSSSSSSSS"],
  ["rdbchecksum", "RRRRRRRRRR"],
  ["dbfilename", "SSSPPPPPPP"],
  ["rdb-del-sync-files", "-SSSSSSSSS"],
  ["dir", "SSSPPPPPPP"],
  ["replicaof", "NNNNNNNNNN"],
  ["masterauth", "SSSSSSSSSS"],
  ["replica-serve-stale-data", "SSSSSSSSSS"],
  ["replica-read-only", "SSSSSSSSSS"],
  ["repl-diskless-sync", "SSSSSSSSSS"],
  ["repl-diskless-sync-delay", "SSSSSSSSSS"],
  ["repl-diskless-sync-max-replicas", "---SSSSSSS"],
  ["repl-diskless-load", "-SSSSSSSSS"],
  ["repl-disable-tcp-nodelay", "SSSSSSSSSS"],
  ["repl-backlog-size", "SSSSSSSSSS"],
  ["replica-priority", "SSSSSSSSSS"],
  ["min-replicas-to-write", "SSSSSSSSSS"],
  ["min-replicas-max-lag", "SSSSSSSSSS"],
  ["replica-announce-ip", "SSSSSSSSSS"],
  ["replica-announce-port", "SSSSSSSSSS"],
  ["acllog-max-len", "-SSSSSSSSS"],
  ["requirepass", "SSSSSSSSSS"],
  ["maxmemory", "SSSSSSSSSS"],
  ["maxmemory-policy", "SSSSSSSSSS"],
  ["lazyfree-lazy-eviction", "SSSSSSSSSS"],
  ["lazyfree-lazy-expire", "SSSSSSSSSS"],
  ["lazyfree-lazy-server-del", "SSSSSSSSSS"],
  ["replica-lazy-flush", "SSSSSSSSSS"],
  ["lazyfree-lazy-user-del", "-SSSSSSSSS"],
  ["lazyfree-lazy-user-flush", "--SSSSSSSS"],
  ["oom-score-adj", "-SSSSSSSSS"],
  ["oom-score-adj-values", "-SSSSSSSSS"],
  ["disable-thp", "--SRRRRRRR"],
  ["appendonly", "SSSSSSSSSS"],
  ["appendfilename", "NRRRRRRRRR"],
  ["appenddirname", "---RRRRRRR"],
  ["appendfsync", "SSSSSSSSSS"],
  ["no-appendfsync-on-rewrite", "SSSSSSSSSS"],
  ["auto-aof-rewrite-percentage", "SSSSSSSSSS"],
  ["auto-aof-rewrite-min-size", "SSSSSSSSSS"],
  ["aof-load-truncated", "SSSSSSSSSS"],
  ["aof-use-rdb-preamble", "SSSSSSSSSS"],
  ["aof-timestamp-enabled", "---SSSSSSS"],
  ["slowlog-log-slower-than", "SSSSSSSSSS"],
  ["slowlog-max-len", "SSSSSSSSSS"],
  ["latency-monitor-threshold", "SSSSSSSSSS"],
  ["notify-keyspace-events", "SSSSSSSSSS"],
  ["hash-max-listpack-entries", "---SSSSSSS"],
  ["hash-max-listpack-value", "---SSSSSSS"],
  ["hash-max-ziplist-entries", "SSSSSSSSSS"],
  ["hash-max-ziplist-value", "SSSSSSSSSS"],
  ["list-max-listpack-size", "---SSSSSSS"],
  ["list-max-ziplist-size", "SSSSSSSSSS"],
  ["list-compress-depth", "SSSSSSSSSS"],
  ["set-max-intset-entries", "SSSSSSSSSS"],
  ["zset-max-listpack-entries", "---SSSSSSS"],
  ["zset-max-listpack-value", "---SSSSSSS"],
  ["zset-max-ziplist-entries", "SSSSSSSSSS"],
  ["zset-max-ziplist-value", "SSSSSSSSSS"],
  ["hll-sparse-max-bytes", "SSSSSSSSSS"],
  ["stream-node-max-bytes", "SSSSSSSSSS"],
  ["stream-node-max-entries", "SSSSSSSSSS"],
  ["activerehashing", "SSSSSSSSSS"],
  ["client-output-buffer-limit", "SSSSSSSSSS"],
  ["hz", "SSSSSSSSSS"],
  ["dynamic-hz", "SSSSSSSSSS"],
  ["aof-rewrite-incremental-fsync", "SSSSSSSSSS"],
  ["rdb-save-incremental-fsync", "SSSSSSSSSS"],
  ["jemalloc-bg-thread", "-SSSSSSSSS"],
];

function verdictCode(name: string, server: ServerVersion): string {
  const reason = restartReason(name, server);
  if (reason === null) return "S";
  if (reason.includes("protected config")) return "P";
  if (reason.includes("unknown to")) return "-";
  if (reason.includes("REPLICAOF") || reason.includes("not a CONFIG parameter")) return "N";
  return "R";
}

describe("what CONFIG SET takes, per server version", () => {
  it.each(TEMPLATE_DIRECTIVES)("%s: %s", (name, codes) => {
    expect(ALL.map((s) => verdictCode(name, s)).join("")).toBe(codes);
  });

  it("every directive the template writes is in the table", () => {
    const template = readFileSync(TEMPLATE, "utf8");
    const written = new Set<string>();
    for (const line of template.split("\n")) {
      const m = /^([a-z][a-z0-9-]+) /.exec(line) ?? /^\{\{directive(?:_name)? "([a-z0-9-]+)"/.exec(line);
      if (m) written.add(m[1]!);
    }
    const table = new Set(TEMPLATE_DIRECTIVES.map(([n]) => n));
    expect([...written].filter((n) => !table.has(n))).toEqual([]);
    expect(written.size).toBeGreaterThan(70);
  });

  for (const [name, server, reason] of [
    ["databases", R70, "databases cannot change at runtime on Redis 7.0"],
    ["daemonize", R50, "daemonize cannot change at runtime on Redis 5.0"],
    ["port", R60, "port cannot change at runtime on Redis 6.0"],
    ["disable-thp", V80, "disable-thp cannot change at runtime on Valkey 8.0"],
    ["dir", R74, "dir is a protected config on Redis 7.4: CONFIG SET refuses it unless enable-protected-configs allows it"],
    ["replicaof", R70, "replicaof is changed with the REPLICAOF command, not CONFIG SET"],
    ["appendfilename", R50, "appendfilename is not a CONFIG parameter on Redis 5.0"],
    ["include", R72, "include is not a CONFIG parameter on Redis 7.2"],
    ["jemalloc-bg-thread", R50, "jemalloc-bg-thread is unknown to Redis 5.0 (it needs Redis 6.0)"],
    ["hash-max-listpack-entries", R62, "hash-max-listpack-entries is unknown to Redis 6.2 (it knows hash-max-ziplist-entries)"],
    ["primaryauth", R74, "primaryauth is unknown to Redis 7.4 (it knows masterauth)"],
    ["dual-channel-replication-enabled", V72, "dual-channel-replication-enabled is unknown to Valkey 7.2 (it needs Valkey 8.0)"],
  ] as Array<[string, ServerVersion, string]>) {
    it(`${name} on ${named(server)}: ${reason}`, () => {
      expect(restartReason(name, server)).toBe(reason);
      expect(settableAtRuntime(name, server)).toBe(false);
    });
  }

  for (const [name, server] of [
    ["slave-priority", R50],
    ["masterauth", V80],
    ["primaryauth", V81],
    ["lua-time-limit", R70],
    ["busy-reply-threshold", R72],
    ["lua-replicate-commands", R62],
    ["watchdog-period", R60],
    ["tls-port", R62],
    ["masteruser", R60],
  ] as Array<[string, ServerVersion]>) {
    it(`${name} is settable on ${named(server)}`, () => {
      expect(settableAtRuntime(name, server)).toBe(true);
    });
  }

  it("dir and dbfilename become settable when protected configs are allowed", () => {
    expect(settableAtRuntime("dir", R70, { protectedConfigsAllowed: true })).toBe(true);
    expect(settableAtRuntime("dbfilename", V80, { protectedConfigsAllowed: true })).toBe(true);
    expect(settableAtRuntime("daemonize", R70, { protectedConfigsAllowed: true })).toBe(false);
  });
});

describe("the file's wishes from Debian 12's stock redis.conf", () => {
  it("merges, converts and names values as Redis 7.0's CONFIG GET reports them", () => {
    const w = wanted(STOCK, R70);
    expect(w.values.get("client-output-buffer-limit")).toBe("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    expect(w.values.get("auto-aof-rewrite-min-size")).toBe("67108864");
    expect(w.values.get("bind")).toBe("127.0.0.1 -::1");
    expect(w.values.get("notify-keyspace-events")).toBe("");
    expect(w.values.get("proc-title-template")).toBe("{title} {listen-addr} {server-mode}");
    expect(w.values.get("hash-max-listpack-entries")).toBe("512");
    expect(w.values.get("dir")).toBe("/var/lib/redis");
    expect(w.values.get("daemonize")).toBe("yes");
    expect(w.values.has("save")).toBe(false);
    expect(w.replicaof).toBeUndefined();
    expect(w.unverifiable).toEqual([]);
    expect(w.ignored).toEqual([]);
    expect(w.values.size).toBe(69);
  });

  it("on 5.0 asks for no save points (5.0 clears them when a config file is given) and cannot check two file-only directives", () => {
    const w = wanted(STOCK, R50);
    expect(w.values.get("save")).toBe("");
    expect(w.unverifiable).toEqual(["always-show-logo", "appendfilename"]);
  });

  it("against redis-server 7.0.15 started from it with overrides, differs exactly in what was overridden", () => {
    // CONFIG GET of Debian 12's redis-server 7.0.15 started as `redis-server debian-7.0.conf
    // --bind 127.0.0.248 --port 7430 --dir /tmp/probe/stock --pidfile /tmp/probe/stock/pid
    // --logfile /tmp/probe/stock/log --daemonize no --supervised no`, one CONFIG GET per name.
    const running: Record<string, string> = {
      bind: "127.0.0.248", "protected-mode": "yes", port: "7430", "tcp-backlog": "511", timeout: "0",
      "tcp-keepalive": "300", daemonize: "no", pidfile: "/tmp/probe/stock/pid", loglevel: "notice",
      logfile: "/tmp/probe/stock/log", databases: "16", "always-show-logo": "no", "set-proc-title": "yes",
      "proc-title-template": "{title} {listen-addr} {server-mode}", "stop-writes-on-bgsave-error": "yes",
      rdbcompression: "yes", rdbchecksum: "yes", dbfilename: "dump.rdb", "rdb-del-sync-files": "no",
      dir: "/tmp/probe/stock", "replica-serve-stale-data": "yes", "replica-read-only": "yes",
      "repl-diskless-sync": "yes", "repl-diskless-sync-delay": "5", "repl-diskless-sync-max-replicas": "0",
      "repl-diskless-load": "disabled", "repl-disable-tcp-nodelay": "no", "replica-priority": "100",
      "acllog-max-len": "128", "lazyfree-lazy-eviction": "no", "lazyfree-lazy-expire": "no",
      "lazyfree-lazy-server-del": "no", "replica-lazy-flush": "no", "lazyfree-lazy-user-del": "no",
      "lazyfree-lazy-user-flush": "no", "oom-score-adj": "no", "oom-score-adj-values": "0 200 800",
      "disable-thp": "yes", appendonly: "no", appendfilename: "appendonly.aof", appenddirname: "appendonlydir",
      appendfsync: "everysec", "no-appendfsync-on-rewrite": "no", "auto-aof-rewrite-percentage": "100",
      "auto-aof-rewrite-min-size": "67108864", "aof-load-truncated": "yes", "aof-use-rdb-preamble": "yes",
      "aof-timestamp-enabled": "no", "slowlog-log-slower-than": "10000", "slowlog-max-len": "128",
      "latency-monitor-threshold": "0", "notify-keyspace-events": "", "hash-max-listpack-entries": "512",
      "hash-max-listpack-value": "64", "list-max-listpack-size": "-2", "list-compress-depth": "0",
      "set-max-intset-entries": "512", "zset-max-listpack-entries": "128", "zset-max-listpack-value": "64",
      "hll-sparse-max-bytes": "3000", "stream-node-max-bytes": "4096", "stream-node-max-entries": "100",
      activerehashing: "yes", "client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
      hz: "10", "dynamic-hz": "yes", "aof-rewrite-incremental-fsync": "yes", "rdb-save-incremental-fsync": "yes",
      "jemalloc-bg-thread": "yes",
    };
    expect(runtimeDeltas(wanted(STOCK, R70), running, R70)).toEqual([
      { name: "bind", running: "127.0.0.248", wanted: "127.0.0.1 -::1", via: "set" },
      { name: "port", running: "7430", wanted: "6379", via: "set" },
      { name: "pidfile", running: "/tmp/probe/stock/pid", wanted: "/run/redis/redis-server.pid", via: "restart", reason: "pidfile cannot change at runtime on Redis 7.0" },
      { name: "logfile", running: "/tmp/probe/stock/log", wanted: "/var/log/redis/redis-server.log", via: "restart", reason: "logfile cannot change at runtime on Redis 7.0" },
      {
        name: "dir",
        running: "/tmp/probe/stock",
        wanted: "/var/lib/redis",
        via: "restart",
        reason: "dir is a protected config on Redis 7.0: CONFIG SET refuses it unless enable-protected-configs allows it",
      },
    ]);
  });
});

describe("the file's wishes from the rendered template", () => {
  const topology = { primary: "node-1", primary_address: "127.0.0.11", primary_port: 6379, replicas: ["node-2", "node-3"] };
  const fact = (s: ServerVersion): Record<string, unknown> => ({ flavor: s.flavor, version: s.version, redis_compat: s.redisCompat });
  async function rendered(server: ServerVersion | undefined, extra: Record<string, unknown> = {}): Promise<string> {
    const vars = {
      inventory_hostname: "node-2",
      ansible_host: "127.0.0.12",
      redis_password: PASSWORD,
      redis_topology: topology,
      ...(server ? { redis_server: fact(server) } : {}),
      ...extra,
    };
    return renderFile(TEMPLATE, vars, { file: "templates/redis.conf.hbs", host: "node-2" });
  }

  it("a replica's file on Redis 7.0: its primary, its own address, the password, sizes in bytes", async () => {
    const w = wanted(await rendered(undefined), R70);
    expect(w.replicaof).toEqual({ host: "127.0.0.11", port: 6379 });
    expect(w.values.has("replicaof")).toBe(false);
    expect(w.values.get("bind")).toBe("127.0.0.12");
    expect(w.values.get("replica-announce-ip")).toBe("127.0.0.12");
    expect(w.values.get("requirepass")).toBe(PASSWORD);
    expect(w.values.get("masterauth")).toBe(PASSWORD);
    expect(w.values.get("repl-backlog-size")).toBe("67108864");
    expect(w.values.get("client-output-buffer-limit")).toBe("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    expect(w.values.get("appendonly")).toBe("yes");
    expect(w.values.get("appendfsync")).toBe("everysec");
    expect(w.unverifiable).toEqual([]);
  });

  it("maxmemory with a unit and an upper-case policy read as CONFIG GET prints them", async () => {
    const w = wanted(await rendered(R74, { redis_maxmemory: "2gb", redis_maxmemory_policy: "ALLKEYS-LRU", redis_repl_backlog_size: "128MB" }), R74);
    expect(w.values.get("maxmemory")).toBe("2147483648");
    expect(w.values.get("maxmemory-policy")).toBe("allkeys-lru");
    expect(w.values.get("repl-backlog-size")).toBe("134217728");
  });

  it("Valkey 8.0's file names the password primaryauth", async () => {
    const w = wanted(await rendered(V80), V80);
    expect(w.values.get("primaryauth")).toBe(PASSWORD);
    expect(w.values.has("masterauth")).toBe(false);
  });

  it("Redis 6.2's file uses the ziplist names and the default save points", async () => {
    const w = wanted(await rendered(R62), R62);
    expect(w.values.get("hash-max-ziplist-entries")).toBe("512");
    expect(w.values.has("hash-max-listpack-entries")).toBe(false);
    expect(w.values.has("save")).toBe(false);
  });

  it("Redis 5.0's file: no save points, and only what 5.0 knows", async () => {
    const w = wanted(await rendered(R50), R50);
    expect(w.values.get("save")).toBe("");
    expect(w.values.has("jemalloc-bg-thread")).toBe(false);
    expect(w.values.get("list-max-ziplist-size")).toBe("-2");
    expect(w.unverifiable).toEqual(["always-show-logo", "appendfilename"]);
  });
});

describe("directives that occur several times", () => {
  it.each<[string, ServerVersion, string, string | undefined]>([
    ["save lines accumulate", R70, "save 900 1\nsave 300 10", "900 1 300 10"],
    ["save \"\" clears the earlier ones", R70, 'save 900 1\nsave ""\nsave 60 5', "60 5"],
    ["save \"\" alone asks for none", R62, 'save ""', ""],
    ["7.0 takes several pairs on one line", R70, "save 3600 1 300 100", "3600 1 300 100"],
    ["6.2 ignores a line with several pairs (after clearing the defaults)", R62, "save 3600 1 300 100", ""],
    ["5.0 ignores a line with several pairs", R50, "save 3600 1 300 100\nsave 900 1", "900 1"],
    ["7.0 ignores an odd count (the server refuses the file)", R70, "save 900 1\nsave 10", "900 1"],
    ["no save line on 7.0 leaves the defaults alone", R70, "port 6379", undefined],
    ["no save line on 6.0 asks for none", R60, "port 6379", ""],
  ])("%s", (_what, server, text, expected) => {
    expect(wanted(text, server).values.get("save")).toBe(expected);
  });

  it("each client-output-buffer-limit line replaces its class; replica and slave are one class; others keep defaults", () => {
    const w = wanted("client-output-buffer-limit replica 128mb 32mb 30\nclient-output-buffer-limit slave 1gb 0 0\nclient-output-buffer-limit PUBSUB 1mb 1kb 5", R70);
    expect(w.values.get("client-output-buffer-limit")).toBe("normal 0 0 0 slave 1073741824 0 0 pubsub 1048576 1024 5");
  });

  it("7.0 takes several client-output-buffer-limit classes on one line", () => {
    const w = wanted("client-output-buffer-limit normal 1mb 0 0 pubsub 0 0 0", R72);
    expect(w.values.get("client-output-buffer-limit")).toBe("normal 1048576 0 0 slave 268435456 67108864 60 pubsub 0 0 0");
  });

  it("a later bind line replaces the earlier one", () => {
    expect(wanted("bind 127.0.0.1 -::1\nbind 10.0.0.5   127.0.0.1", R70).values.get("bind")).toBe("10.0.0.5 127.0.0.1");
  });

  it("a repeated directive: the last one wins, at the place it first appeared", () => {
    const w = wanted("maxmemory 1gb\nport 6379\nmaxmemory 2mb", R70);
    expect(w.values.get("maxmemory")).toBe("2097152");
    expect([...w.values.keys()]).toEqual(["maxmemory", "port"]);
  });

  it("an alias and its name are one directive, under the server's name", () => {
    const w = wanted("slave-priority 10\nreplica-priority 20\nhash-max-ziplist-entries 64", R70);
    expect(w.values.get("replica-priority")).toBe("20");
    expect(w.values.get("hash-max-listpack-entries")).toBe("64");
    expect(w.values.has("slave-priority")).toBe(false);
  });

  it.each<[string, ServerVersion, string, { host: string; port: number } | undefined]>([
    ["the last replicaof/slaveof wins", R70, "slaveof 10.0.0.1 6379\nreplicaof 10.0.0.2 6380", { host: "10.0.0.2", port: 6380 }],
    ["replicaof no one clears it from 6.0.9", R62, "replicaof 10.0.0.1 6379\nreplicaof NO ONE", undefined],
    ["before 6.0.9 it is a replica of host \"no\", port 0", R50, "replicaof no one", { host: "no", port: 0 }],
    ["6.0.8 still reads it as a host", redis("6.0.8"), "replicaof no one", { host: "no", port: 0 }],
    ["a line with a wrong argument count is not one", R70, "replicaof 10.0.0.1", undefined],
  ])("%s", (_what, server, text, expected) => {
    expect(wanted(text, server).replicaof).toEqual(expected);
  });
});

describe("directives that cannot be compared", () => {
  it("include, rename-command, loadmodule, user, sentinel and module configs are unverifiable, each named once", () => {
    const text = [
      "include /etc/redis/local.conf",
      'rename-command FLUSHALL ""',
      "rename-command CONFIG cfg",
      "loadmodule /usr/lib/redis/modules/x.so",
      "user app on >pw ~* +@all",
      "sentinel monitor m 10.0.0.1 6379 2",
      "search.timeout 500",
      "port 6379",
    ].join("\n");
    const w = wanted(text, R74);
    expect(w.unverifiable).toEqual(["include", "rename-command", "loadmodule", "user", "sentinel", "search.timeout"]);
    expect([...w.values.keys()]).toEqual(["port"]);
  });

  for (const [server, unverifiable, ignored] of [
    [R50, ["cluster-config-file", "lua-replicate-commands"], ["list-max-ziplist-entries"]],
    [R62, ["cluster-config-file"], ["list-max-ziplist-entries"]],
    [R70, [], ["lua-replicate-commands", "list-max-ziplist-entries"]],
  ] as Array<[ServerVersion, string[], string[]]>) {
    it(`on ${named(server)}: unverifiable ${JSON.stringify(unverifiable)}, ignored ${JSON.stringify(ignored)}`, () => {
      const w = wanted("cluster-config-file nodes.conf\nlua-replicate-commands yes\nlist-max-ziplist-entries 10", server);
      expect(w.unverifiable).toEqual(unverifiable);
      expect(w.ignored).toEqual(ignored);
    });
  }

  it("io-threads-do-reads is discarded by Valkey 8.1, a value on 8.0", () => {
    expect(wanted("io-threads-do-reads yes", V81).ignored).toEqual(["io-threads-do-reads"]);
    expect(wanted("io-threads-do-reads yes", V80).values.get("io-threads-do-reads")).toBe("yes");
  });

  it("a relative dir resolves against an earlier absolute one, else is unverifiable", () => {
    expect(wanted("dir /var/lib\ndir redis/", R70).values.get("dir")).toBe("/var/lib/redis");
    expect(wanted("dir /var/lib/redis\ndir ..", R70).values.get("dir")).toBe("/var/lib");
    const w = wanted("dir ./data\nport 6379", R70);
    expect(w.values.has("dir")).toBe(false);
    expect(w.unverifiable).toEqual(["dir"]);
  });

  it("NOT_COMPARED holds what the service manager overrides", () => {
    expect([...NOT_COMPARED].sort()).toEqual(["daemonize", "supervised"]);
  });
});

describe("differences with the running server", () => {
  it("equal after normalisation is no delta", () => {
    const w = wanted("maxmemory 1gb\nappendonly YES\nbind 10.0.0.5\nsave 900 1\nnotify-keyspace-events KEA\ndir /data/", R70);
    const running = { maxmemory: "1073741824", appendonly: "yes", bind: "10.0.0.5", save: "900 1", "notify-keyspace-events": "AKE", dir: "/data" };
    expect(runtimeDeltas(w, running, R70)).toEqual([]);
  });

  it("daemonize and supervised are never compared", () => {
    const w = wanted("daemonize yes\nsupervised no", R70);
    expect(runtimeDeltas(w, { daemonize: "no", supervised: "systemd" }, R70)).toEqual([]);
  });

  it("settable differences are set, the rest restart with a reason, in file order", () => {
    const w = wanted("databases 32\nmaxmemory 2gb\nport 6380\ndisable-thp no", R70);
    const running = { databases: "16", maxmemory: "0", port: "6379", "disable-thp": "yes" };
    expect(runtimeDeltas(w, running, R70)).toEqual([
      { name: "databases", running: "16", wanted: "32", via: "restart", reason: "databases cannot change at runtime on Redis 7.0" },
      { name: "maxmemory", running: "0", wanted: "2147483648", via: "set" },
      { name: "port", running: "6379", wanted: "6380", via: "set" },
      { name: "disable-thp", running: "yes", wanted: "no", via: "restart", reason: "disable-thp cannot change at runtime on Redis 7.0" },
    ]);
  });

  for (const [server, via] of [
    [R50, "restart"],
    [R60, "restart"],
    [R62, "set"],
    [R70, "set"],
    [V80, "set"],
  ] as Array<[ServerVersion, "set" | "restart"]>) {
    it(`a new bind address on ${named(server)}: ${via}`, () => {
      const [d] = runtimeDeltas(wanted("bind 10.0.0.6 127.0.0.1", server), { bind: "10.0.0.5" }, server);
      expect(d).toMatchObject({ name: "bind", running: "10.0.0.5", wanted: "10.0.0.6 127.0.0.1", via });
    });
  }

  it.each<[string, Record<string, string>, boolean, "set" | "restart"]>([
    ["protected configs off", {}, false, "restart"],
    ["enable-protected-configs no", { "enable-protected-configs": "no" }, true, "restart"],
    ["enable-protected-configs yes", { "enable-protected-configs": "yes" }, false, "set"],
    ["local, over a local connection", { "enable-protected-configs": "local" }, true, "set"],
    ["local, over a remote connection", { "enable-protected-configs": "local" }, false, "restart"],
  ])("dir on 7.0 with %s: %s", (_what, extra, localConnection, via) => {
    const [d] = runtimeDeltas(wanted("dir /data/redis", R70), { dir: "/var/lib/redis", ...extra }, R70, { localConnection });
    expect(d?.via).toBe(via);
  });

  it("dir is set on 6.2, where it is not protected", () => {
    expect(runtimeDeltas(wanted("dir /data/redis", R62), { dir: "/var/lib/redis" }, R62)).toEqual([
      { name: "dir", running: "/var/lib/redis", wanted: "/data/redis", via: "set" },
    ]);
  });

  it("a parameter the server does not report needs a restart", () => {
    expect(runtimeDeltas(wanted("dual-channel-replication-enabled yes", V72), {}, V72)).toEqual([
      { name: "dual-channel-replication-enabled", running: "", wanted: "yes", via: "restart", reason: "unknown to the running server (Valkey 7.2 does not report dual-channel-replication-enabled)" },
    ]);
  });

  it("finds the running value under an alias the caller asked for", () => {
    const w = wanted(`masterauth "${PASSWORD}"\nslave-priority 5`, V80);
    expect(runtimeDeltas(w, { masterauth: PASSWORD, "slave-priority": "5" }, V80)).toEqual([]);
    expect(runtimeDeltas(w, { masterauth: "old", "slave-priority": "5" }, V80)).toEqual([
      { name: "primaryauth", running: "old", wanted: PASSWORD, via: "set" },
    ]);
  });

  it("the client-output-buffer-limit class names and units do not make a delta", () => {
    const w = wanted("client-output-buffer-limit replica 256mb 64mb 60\nclient-output-buffer-limit pubsub 32mb 8mb 60", R50);
    expect(runtimeDeltas(w, { "client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", save: "" }, R50)).toEqual([]);
  });

  it("no reason ever holds a password", () => {
    const text = `requirepass "${PASSWORD}"\nmasterauth "${PASSWORD}"\nmasteruser "${PASSWORD}"\nlogfile "${PASSWORD}"`;
    for (const server of ALL) {
      const w = wanted(text, server);
      for (const running of [{}, { requirepass: "x", masterauth: "x", primaryauth: "x", masteruser: "x", primaryuser: "x", logfile: "x" }]) {
        for (const d of runtimeDeltas(w, running, server)) expect(d.reason ?? "").not.toContain(PASSWORD);
      }
    }
  });
});
