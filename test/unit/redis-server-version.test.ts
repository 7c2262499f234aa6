// Which server and version a node runs, and what redplay may therefore send it.
import { describe, expect, it } from "vitest";
import {
  atLeast,
  compareVersions,
  describeVersion,
  featuresOf,
  infoCommands,
  unsupportedReason,
  versionFromBinary,
  versionFromInfo,
  type ServerVersion,
} from "../../src/redis/server-version.js";

const redis = (version: string): ServerVersion => ({ flavor: "redis", version, redisCompat: version });
const valkey = (version: string): ServerVersion => ({ flavor: "valkey", version, redisCompat: "7.2.4" });

describe("compareVersions", () => {
  it.each([
    ["5.0.7", "6.2.16", -1],
    ["6.2.16", "6.2.2", 1],
    ["7.0", "7.0.0", 0],
    ["7.10.0", "7.9.9", 1],
    ["10.0.0", "9.9.9", 1],
  ])("%s vs %s is %i", (a, b, want) => {
    expect(compareVersions(a, b)).toBe(want);
  });
});

describe("versionFromInfo", () => {
  it("reads Redis from redis_version", () => {
    expect(versionFromInfo({ redis_version: "5.0.7", redis_mode: "standalone" })).toEqual(redis("5.0.7"));
  });

  it("reads Valkey 8 by server_name and valkey_version, keeping the Redis version it is compatible with", () => {
    expect(versionFromInfo({ redis_version: "7.2.4", server_name: "valkey", valkey_version: "8.0.1" })).toEqual({
      flavor: "valkey",
      version: "8.0.1",
      redisCompat: "7.2.4",
    });
  });

  it("reads a Valkey without valkey_version as the Redis it forked from", () => {
    expect(versionFromInfo({ redis_version: "7.2.4", server_name: "valkey" })).toEqual({ flavor: "valkey", version: "7.2.4", redisCompat: "7.2.4" });
  });

  it("refuses INFO server without a version", () => {
    expect(() => versionFromInfo({ redis_mode: "standalone" })).toThrow(/no redis_version/);
  });
});

describe("versionFromBinary", () => {
  it.each([
    ["Redis server v=5.0.7 sha=00000000:0 malloc=jemalloc-5.1.0 bits=64 build=c9336bf607e01ad4", "", redis("5.0.7")],
    ["Valkey server v=8.0.1 sha=00000000:1 malloc=jemalloc-5.3.0 bits=64", "", valkey("8.0.1")],
    ["Server v=7.2.7 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64", "/usr/bin/valkey-server", valkey("7.2.7")],
  ])("%s", (line, binary, want) => {
    expect(versionFromBinary(line, binary)).toEqual(want);
  });

  it("is null for an unrecognised line", () => {
    expect(versionFromBinary("KeyDB server v=6.3.4 sha=0")).toBeNull();
    expect(versionFromBinary("hello")).toBeNull();
  });
});

describe("features by version", () => {
  // One row per server redplay is tested against, plus the 6.0 boundary.
  it.each([
    [redis("5.0.7"), { multiSectionInfo: false, failoverCommand: false, clientPauseWrite: false, clientUnpause: false, failoverStateInInfo: false, acl: false }],
    [redis("6.0.16"), { multiSectionInfo: false, failoverCommand: false, clientPauseWrite: false, clientUnpause: false, failoverStateInInfo: false, acl: true }],
    [redis("6.2.16"), { multiSectionInfo: false, failoverCommand: true, clientPauseWrite: true, clientUnpause: true, failoverStateInInfo: true, acl: true }],
    [redis("7.0.15"), { multiSectionInfo: true, failoverCommand: true, clientPauseWrite: true, clientUnpause: true, failoverStateInInfo: true, acl: true }],
    [redis("7.4.1"), { multiSectionInfo: true, failoverCommand: true, clientPauseWrite: true, clientUnpause: true, failoverStateInInfo: true, acl: true }],
    [valkey("7.2.7"), { multiSectionInfo: true, failoverCommand: true, clientPauseWrite: true, clientUnpause: true, failoverStateInInfo: true, acl: true }],
    [valkey("8.0.1"), { multiSectionInfo: true, failoverCommand: true, clientPauseWrite: true, clientUnpause: true, failoverStateInInfo: true, acl: true }],
  ])("%j", (v, want) => {
    expect(featuresOf(v)).toEqual(want);
  });

  it("judges Valkey by the Redis version it is compatible with, not by its own number", () => {
    expect(atLeast(valkey("8.0.1"), "7.2")).toBe(true);
    expect(atLeast(valkey("8.0.1"), "7.4")).toBe(false);
  });
});

describe("infoCommands", () => {
  it("asks for several sections in one call from 7.0 on", () => {
    expect(infoCommands(redis("7.0.15"), ["server", "replication", "persistence"])).toEqual([["INFO", "server", "replication", "persistence"]]);
    expect(infoCommands(valkey("8.0.1"), ["server", "replication"])).toEqual([["INFO", "server", "replication"]]);
  });

  it("asks one section per call before 7.0, where `INFO a b` is a syntax error", () => {
    expect(infoCommands(redis("6.2.16"), ["server", "replication", "persistence"])).toEqual([
      ["INFO", "server"],
      ["INFO", "replication"],
      ["INFO", "persistence"],
    ]);
  });

  it("sends a single section as it is, on every version", () => {
    expect(infoCommands(redis("5.0.7"), ["replication"])).toEqual([["INFO", "replication"]]);
  });

  it("lower-cases names and asks a repeated section once", () => {
    expect(infoCommands(redis("5.0.7"), ["Server", "server", "REPLICATION"])).toEqual([
      ["INFO", "server"],
      ["INFO", "replication"],
    ]);
  });

  it("sends plain INFO when no section is named", () => {
    expect(infoCommands(redis("5.0.7"), [])).toEqual([["INFO"]]);
  });
});

describe("describeVersion and unsupportedReason", () => {
  it("names the flavour and the version", () => {
    expect(describeVersion(redis("7.0.15"))).toBe("Redis 7.0.15");
    expect(describeVersion(valkey("8.0.1"))).toBe("Valkey 8.0.1");
  });

  it("refuses servers older than 5.0, naming the version", () => {
    expect(unsupportedReason(redis("4.0.14"))).toBe("Redis 4.0.14 is older than the oldest supported version (Redis 5.0.0); upgrade it first");
    expect(unsupportedReason(redis("3.2.12"))).toMatch(/^Redis 3\.2\.12 is older/);
  });

  it("accepts 5.0 and everything after it", () => {
    for (const v of [redis("5.0.0"), redis("5.0.7"), redis("6.2.16"), redis("8.0.2"), valkey("7.2.7"), valkey("8.0.1")]) {
      expect(unsupportedReason(v)).toBeNull();
    }
  });
});
