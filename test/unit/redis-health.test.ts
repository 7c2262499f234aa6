// assessHealth over INFO captured from real servers: a healthy primary with two replicas, and
// each way a replica can look fine (role:slave) while it is not.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseInfo, type ReplicationInfo } from "../../src/facts/redis-info.js";
import { describeUsers } from "../../src/modules/redis/redis-health.js";
import { assessHealth, type HealthNode } from "../../src/redis/health.js";

const dir = join(import.meta.dirname, "../fixtures/redis/info");
const info = (name: string): ReplicationInfo => parseInfo(readFileSync(join(dir, `${name}.txt`), "utf8")).replication!;
const at = (host: string, last: number, i?: ReplicationInfo): HealthNode => ({ host, address: `127.0.0.${last}`, port: 6379, ...(i ? { info: i } : { error: "connection refused" }) });

const primary = at("node-2", 72, info("primary-two-replicas"));
const up = info("replica-up");

describe("assessHealth", () => {
  it("a primary listing both replicas online, each up with the same replid, is healthy", () => {
    const a = assessHealth(primary, [at("node-3", 73, up), at("node-4", 74, { ...up })]);
    expect(a.problems).toEqual([]);
    expect(a.healthy).toBe(true);
    expect(a.replicas).toEqual([{ host: "node-3", offset: 81, lag: 1 }, { host: "node-4", offset: 81, lag: 1 }]);
  });

  it("a primary with more replicas than checked (a member this run could not reach over SSH) is healthy", () => {
    const a = assessHealth(primary, [at("node-3", 73, up)]);
    expect(a.problems).toEqual([]);
    expect(a.healthy).toBe(true);
  });

  it.each<[string, HealthNode, HealthNode[], RegExp]>([
    ["replica without masterauth", primary, [at("node-3", 73, up), at("node-4", 74, info("replica-no-masterauth"))], /^node-4: master_link_status:down, never connected \(replica cannot reach or authenticate to 127\.0\.0\.72:6379 — check masterauth\)$/],
    ["replica whose link was lost", primary, [at("node-3", 73, up), at("node-4", 74, info("replica-link-lost"))], /^node-4: master_link_status:down \(replica cannot reach/],
    ["replica following another address", primary, [at("node-3", 73, up), at("node-4", 74, info("replica-master-unreachable"))], /^node-4: follows 127\.0\.0\.79:6379, expected node-2 \(127\.0\.0\.72:6379\)$/],
    ["replica that is a master", primary, [at("node-3", 73, up), at("node-4", 74, info("standalone"))], /^node-4: role:master, expected a replica of node-2/],
    ["unreadable replica", primary, [at("node-3", 73, up), at("node-4", 74)], /^node-4: cannot read INFO \(connection refused\)$/],
    ["replica not listed by the primary", primary, [at("node-3", 73, up), at("node-5", 75, up)], /^node-2: does not list node-5 \(127\.0\.0\.75:6379\) among its replicas/],
    ["fewer replicas connected than expected", at("node-8", 78, info("primary-replica-syncing")), [at("node-7", 77, info("replica-sync-in-progress")), at("node-9", 79, up)], /^node-8: connected_slaves:1, expected at least 2$/],
    ["primary that is a replica", at("node-3", 73, up), [at("node-2", 72, info("primary-two-replicas"))], /^node-3: role:slave \(follows 127\.0\.0\.72:6379\), expected the primary$/],
    ["unreadable primary", at("node-2", 72), [at("node-3", 73, up)], /^node-2: cannot read INFO/],
    ["full sync running", at("node-8", 78, info("primary-replica-syncing")), [at("node-7", 77, info("replica-sync-in-progress"))], /^node-7: master_sync_in_progress:1 \(full sync running\)$/],
    ["primary listing a replica not yet online", at("node-8", 78, info("primary-replica-syncing")), [at("node-7", 77, info("replica-sync-in-progress"))], /^node-8: lists node-7 with state=wait_bgsave/],
    ["replica on another history", primary, [at("node-3", 73, up), at("node-4", 74, { ...up, master_replid: "f".repeat(40) })], /^node-4: master_replid f+ differs from node-2's a4bc2b9e/],
    ["failover running on the primary", at("node-2", 72, { ...info("primary-two-replicas"), master_failover_state: "failover-in-progress" }), [at("node-3", 73, up), at("node-4", 74, up)], /^node-2: master_failover_state:failover-in-progress/],
  ])("%s is unhealthy with a clear line", (_name, p, rs, line) => {
    const a = assessHealth(p, rs);
    expect(a.healthy).toBe(false);
    expect(a.problems.some((x) => line.test(x))).toBe(true);
  });
});

describe("describeUsers", () => {
  it("names the users that are on, then those that are off", () => {
    expect(
      describeUsers([
        { name: "app", on: true },
        { name: "default", on: false },
        { name: "redplay", on: true },
      ]),
    ).toBe("users: app, redplay; off: default");
    expect(describeUsers([{ name: "default", on: true }])).toBe("users: default");
    expect(describeUsers([{ name: "default", on: false }])).toBe("users: none; off: default");
  });
});
