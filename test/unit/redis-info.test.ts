// INFO parsing, table-style over INFO captured from real redis-server 7.0.15 instances
// (test/fixtures/redis/info/*.txt, CRLF line endings as the server sends them).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseInfo, parseInfoSections, parseReplicaLine } from "../../src/facts/redis-info.js";

const dir = join(import.meta.dirname, "../fixtures/redis/info");
const load = (name: string) => parseInfo(readFileSync(join(dir, `${name}.txt`), "utf8"));

const replicationCases: Array<[string, Record<string, unknown>]> = [
  ["standalone", { role: "master", connected_slaves: 0, slaves: [], master_repl_offset: 0, master_failover_state: "no-failover" }],
  ["fresh-no-password", { role: "master", connected_slaves: 0, master_replid: "afa455ee1b7b6fdc824a91ece6746b690e4628a7" }],
  [
    "primary-two-replicas",
    {
      role: "master",
      connected_slaves: 2,
      master_replid: "a4bc2b9e69d958d33250e8015579f2b40c1f4e92",
      master_repl_offset: 81,
      slaves: [
        { index: 0, ip: "127.0.0.74", port: 6379, state: "online", offset: 81, lag: 1 },
        { index: 1, ip: "127.0.0.73", port: 6379, state: "online", offset: 81, lag: 1 },
      ],
    },
  ],
  ["primary-replica-syncing", { role: "master", connected_slaves: 1, master_repl_offset: 357288963, slaves: [{ index: 0, ip: "127.0.0.77", port: 6379, state: "wait_bgsave", offset: 0, lag: 0 }] }],
  [
    "replica-up",
    {
      role: "slave",
      master_host: "127.0.0.72",
      master_port: 6379,
      master_link_status: "up",
      master_sync_in_progress: false,
      master_last_io_seconds_ago: 1,
      slave_repl_offset: 81,
      slave_read_only: true,
      replica_priority: 100,
      master_replid: "a4bc2b9e69d958d33250e8015579f2b40c1f4e92",
    },
  ],
  ["replica-no-masterauth", { role: "slave", master_link_status: "down", master_last_io_seconds_ago: -1, slave_repl_offset: 1, master_link_down_since_seconds: -1 }],
  ["replica-master-unreachable", { role: "slave", master_host: "127.0.0.79", master_link_status: "down", master_link_down_since_seconds: -1 }],
  ["replica-link-lost", { role: "slave", master_link_status: "down", slave_repl_offset: 95, master_link_down_since_seconds: 3 }],
  ["replica-sync-in-progress", { role: "slave", master_host: "127.0.0.78", master_sync_in_progress: true, master_link_status: "down" }],
  [
    "promoted-replica",
    {
      role: "master",
      master_replid2: "a4bc2b9e69d958d33250e8015579f2b40c1f4e92",
      second_repl_offset: 96,
      master_repl_offset: 95,
    },
  ],
];

describe("parseInfo replication", () => {
  it.each(replicationCases)("%s parses to the expected replication facts", (name, expected) => {
    expect(load(name).replication).toMatchObject(expected);
  });

  it("a replica whose link is up has no master_link_down_since_seconds at all", () => {
    expect(load("replica-up").replication).not.toHaveProperty("master_link_down_since_seconds");
  });

  it("a primary carries no replica-only fields", () => {
    const r = load("primary-two-replicas").replication!;
    for (const key of ["master_host", "master_port", "master_link_status", "slave_repl_offset"]) {
      expect(r).not.toHaveProperty(key);
    }
  });

  it("min_slaves_good_slaves is absent when min-replicas is not configured and read when printed", () => {
    expect(load("primary-two-replicas").replication).not.toHaveProperty("min_slaves_good_slaves");
    const r = parseInfo("# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmin_slaves_good_slaves:1\r\n").replication;
    expect(r?.min_slaves_good_slaves).toBe(1);
  });
});

describe("parseInfo server and persistence", () => {
  it.each([
    ["standalone", { redis_version: "7.0.15", run_id: "44fd478a2e489bd81821f850e8a2fab9f229dae7", config_file: null, tcp_port: 6379 }],
    ["primary-config-file-aof", { redis_version: "7.0.15", config_file: "/tmp/cap/78/redis.conf" }],
  ])("%s server section", (name, expected) => {
    expect(load(name).server).toMatchObject(expected);
  });

  it.each([
    ["standalone", { aof_enabled: false, loading: false, rdb_bgsave_in_progress: false, rdb_last_bgsave_status: "ok", aof_last_write_status: "ok" }],
    ["primary-config-file-aof", { aof_enabled: true }],
  ])("%s persistence section", (name, expected) => {
    expect(load(name).persistence).toMatchObject(expected);
  });
});

describe("partial INFO", () => {
  it("only the sections present are parsed", () => {
    const info = parseInfo("# Replication\nrole:slave\nmaster_host:10.0.0.1\nmaster_port:6380\n");
    expect(info.server).toBeUndefined();
    expect(info.persistence).toBeUndefined();
    expect(info.replication).toMatchObject({ role: "slave", master_host: "10.0.0.1", master_port: 6380 });
  });

  it("text without a role line yields no replication facts", () => {
    expect(parseInfo("# Replication\n").replication).toBeUndefined();
    expect(parseInfo("").sections).toEqual({});
  });

  it("raw sections keep every key, values with colons included", () => {
    const s = parseInfoSections("# Server\r\nexecutable:/usr/bin/redis-server\r\nx:a:b\r\n");
    expect(s.server).toEqual({ executable: "/usr/bin/redis-server", x: "a:b" });
  });

  it("a replica line with unknown fields keeps the known ones", () => {
    expect(parseReplicaLine(3, "ip=10.0.0.3,port=6379,state=send_bulk,offset=5,lag=0,extra=1")).toEqual({
      index: 3, ip: "10.0.0.3", port: 6379, state: "send_bulk", offset: 5, lag: 0,
    });
  });
});
