// decideTopology, table-style: who is primary for every shape a group can be found in.
import { describe, expect, it } from "vitest";
import type { ReplicationInfo } from "../../src/facts/redis-info.js";
import { decideTopology, type ObservedNode } from "../../src/redis/topology.js";

const addr = (h: string) => `10.0.0.${h.slice(-1)}`;
function master(slaves = 0): ReplicationInfo {
  return {
    role: "master", connected_slaves: slaves, master_replid: "r", master_replid2: "0", master_repl_offset: 0, second_repl_offset: -1,
    slaves: Array.from({ length: slaves }, (_, i) => ({ index: i, ip: `10.9.9.${i}`, port: 6379, state: "online", offset: 0, lag: 0 })),
  };
}
function replicaOf(target: string, port = 6379): ReplicationInfo {
  return { ...master(), role: "slave", master_host: target, master_port: port, master_link_status: "up", master_sync_in_progress: false };
}
function down(target: string, offset: number): ReplicationInfo {
  return { ...replicaOf(target), master_link_status: "down", slave_repl_offset: offset };
}
function node(host: string, info?: ReplicationInfo, extra: Partial<ObservedNode> = {}): ObservedNode {
  return info
    ? { host, address: addr(host), port: 6379, reachable: true, info, ...extra }
    : { host, address: addr(host), port: 6379, reachable: false, error: "connection refused", ...extra };
}
/** A primary record naming `primary` at `generation`. */
const rec = (generation: number, primary: string) => ({ record: { generation, primary } });

type Case = [string, ObservedNode[], { preferred?: string; override?: string }, { primary?: string; fresh?: boolean; error?: RegExp }];
const cases: Case[] = [
  ["fresh group takes the preferred node", [node("node-1", master()), node("node-2", master()), node("node-3", master())], { preferred: "node-2" }, { primary: "node-2", fresh: true }],
  ["fresh group without preference takes the first node", [node("node-1", master()), node("node-2", master())], {}, { primary: "node-1", fresh: true }],
  ["replicas that agree name the primary, whatever is preferred", [node("node-1", replicaOf("10.0.0.3")), node("node-2", replicaOf("10.0.0.3")), node("node-3", master(2))], { preferred: "node-1" }, { primary: "node-3", fresh: false }],
  ["an unreachable replica does not change the decision", [node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1")), node("node-3")], {}, { primary: "node-1", fresh: false }],
  ["replicas following an unreachable primary still name it", [node("node-1"), node("node-2", replicaOf("10.0.0.1")), node("node-3", replicaOf("10.0.0.1"))], {}, { primary: "node-1", fresh: false }],
  ["a lone master beside the followed primary is not a rival", [node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1")), node("node-3", master())], {}, { primary: "node-1" }],
  ["a port mismatch is not the same node", [node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1", 6380))], {}, { error: /node-2 follows 10\.0\.0\.1:6380, which is not a node of this group/ }],
  ["replicas that disagree are ambiguous", [node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1")), node("node-3", master(1)), node("node-4", replicaOf("10.0.0.3"))], {}, { error: /follow different nodes \(node-1, node-3\)/ }],
  ["two masters each with replicas are ambiguous", [node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1")), node("node-3", master(1))], {}, { error: /node-1 and node-3 are both primaries with replicas/ }],
  ["two masters with outside replicas and no group replica are ambiguous", [node("node-1", master(1)), node("node-2", master(2))], {}, { error: /node-1 and node-2 are all primaries/ }],
  ["one master with outside replicas is the primary", [node("node-1", master()), node("node-2", master(1))], { preferred: "node-1" }, { primary: "node-2", fresh: false }],
  ["a chain's root is the primary", [node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1")), node("node-3", replicaOf("10.0.0.2"))], {}, { primary: "node-1", fresh: false }],
  // A switchover while node-2 was down: node-1 follows node-3 now, node-2's file still follows node-1.
  ["a stale replica chained through the old primary names the new one", [node("node-1", replicaOf("10.0.0.3")), node("node-2", replicaOf("10.0.0.1")), node("node-3", master(1))], { preferred: "node-1" }, { primary: "node-3", fresh: false }],
  ["a chain through an unread node ends there", [node("node-1"), node("node-2", replicaOf("10.0.0.1")), node("node-3", replicaOf("10.0.0.2"))], {}, { primary: "node-1" }],
  ["a chain and a rival primary with replicas are ambiguous", [node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1")), node("node-3", replicaOf("10.0.0.2")), node("node-4", master(1))], {}, { error: /node-1 and node-4 are both primaries/ }],
  ["replicas following each other are a loop", [node("node-1", replicaOf("10.0.0.2")), node("node-2", replicaOf("10.0.0.3")), node("node-3", replicaOf("10.0.0.2"))], {}, { error: /follow each other in a loop \(node-1 -> node-2 -> node-3 -> node-2\)/ }],
  ["a replica following an address outside the group is ambiguous", [node("node-1", replicaOf("10.0.0.9")), node("node-2", replicaOf("10.0.0.1"))], {}, { error: /node-1 follows 10\.0\.0\.9:6379, which is not a node/ }],
  // A primary killed right after a switchover came back following its old file (node-1), which
  // follows it: every link down. node-1 processed the stream up to the crash; node-2 restarted.
  ["a loop with every link down: the member that processed the most of the stream leads", [node("node-1", down("10.0.0.2", 897730), rec(78, "node-2")), node("node-2", down("10.0.0.1", 1), rec(78, "node-2")), node("node-3", { ...replicaOf("10.0.0.1"), slave_repl_offset: 897730 }, rec(78, "node-2"))], {}, { primary: "node-1", fresh: false }],
  ["a loop with every link down and equal offsets is refused", [node("node-1", down("10.0.0.2", 500)), node("node-2", down("10.0.0.1", 500))], {}, { error: /follow each other in a loop \(node-1 -> node-2 -> node-1\)/ }],
  ["a replica following itself with its link down is still refused", [node("node-1", master()), node("node-2", down("10.0.0.2", 7))], {}, { error: /loop \(node-2 -> node-2\)/ }],
  ["a replica following itself is a loop", [node("node-1", master()), node("node-2", replicaOf("10.0.0.2"))], {}, { error: /loop \(node-2 -> node-2\)/ }],
  // Primary records (a failover writes the next generation on every node it reaches).
  // The old primary came back and a stale replica (killed before its file was rewritten) follows it:
  // the promoted node keeps the role, the old one is known superseded.
  ["the newest record beats an old primary a stale replica follows", [node("node-1", master(1), rec(1, "node-1")), node("node-2", master(), rec(2, "node-2")), node("node-3", replicaOf("10.0.0.1"), rec(2, "node-2"))], {}, { primary: "node-2", fresh: false }],
  ["a leader without a record is superseded by one", [node("node-1", master(1)), node("node-2", master(), rec(1, "node-2")), node("node-3", replicaOf("10.0.0.1"))], {}, { primary: "node-2", fresh: false }],
  // A primary made outside redplay after the last record (same generation everywhere): the replicas decide.
  ["a leader as new as the record keeps the role (a hand-made failover)", [node("node-1", master(), rec(1, "node-1")), node("node-2", replicaOf("10.0.0.3"), rec(1, "node-1")), node("node-3", master(1), rec(1, "node-1"))], {}, { primary: "node-3", fresh: false }],
  ["a record naming a replica does not decide", [node("node-1", replicaOf("10.0.0.3"), rec(2, "node-1")), node("node-2", replicaOf("10.0.0.3"), rec(1, "node-3")), node("node-3", master(2), rec(1, "node-3"))], {}, { primary: "node-3" }],
  ["an unread leader is never taken for superseded", [node("node-1"), node("node-2", master(), rec(2, "node-2")), node("node-3", replicaOf("10.0.0.1"), rec(2, "node-2"))], {}, { primary: "node-1" }],
  ["two primaries with replicas: the newest record decides when the other is superseded", [node("node-1", master(1), rec(1, "node-1")), node("node-2", replicaOf("10.0.0.1"), rec(1, "node-1")), node("node-3", master(1), rec(2, "node-3")), node("node-4", replicaOf("10.0.0.3"), rec(2, "node-3"))], {}, { primary: "node-3", fresh: false }],
  ["two primaries with replicas and records of one generation stay ambiguous", [node("node-1", master(1), rec(2, "node-1")), node("node-2", replicaOf("10.0.0.1"), rec(2, "node-1")), node("node-3", master(1), rec(2, "node-1")), node("node-4", replicaOf("10.0.0.3"), rec(2, "node-1"))], {}, { error: /follow different nodes/ }],
  ["two forks and a record newer than both leaders' decide", [node("node-1", master(1), rec(1, "node-1")), node("node-2", replicaOf("10.0.0.1"), rec(1, "node-1")), node("node-3", master(1), rec(1, "node-1")), node("node-4", replicaOf("10.0.0.3")), node("node-5", master(), rec(2, "node-5"))], {}, { primary: "node-5" }],
  // Every node a lone master after a failover and a crash: not a fresh group.
  ["lone masters with a record keep the recorded primary", [node("node-1", master(), rec(1, "node-1")), node("node-2", master(), rec(2, "node-2")), node("node-3", master(), rec(2, "node-2"))], { preferred: "node-1" }, { primary: "node-2", fresh: true }],
  ["lone masters whose recorded primary is down are ambiguous", [node("node-1", master(), rec(1, "node-1")), node("node-2", undefined, rec(2, "node-2")), node("node-3", master(), rec(2, "node-2"))], {}, { error: /recorded primary node-2 \(generation 2\) is not reachable/ }],
  ["records of one generation naming different primaries are ambiguous", [node("node-1", master(), rec(2, "node-1")), node("node-2", master(), rec(2, "node-2"))], {}, { error: /name different primaries/ }],
  ["a fresh group never discards another node's keys", [node("node-1", master(), { keys: 0 }), node("node-2", master(), { keys: 12 })], { preferred: "node-1" }, { error: /node-2 holds 12 key\(s\); making node-1 the primary would discard them/ }],
  ["a fresh group whose preferred node alone holds keys is fine", [node("node-1", master(), { keys: 5 }), node("node-2", master(), { keys: 0 })], { preferred: "node-1" }, { primary: "node-1", fresh: true }],
  ["override wins over records", [node("node-1", master(1), rec(1, "node-1")), node("node-2", master(), rec(2, "node-2"))], { override: "node-1" }, { primary: "node-1" }],
  ["nothing readable is an error", [node("node-1"), node("node-2")], {}, { error: /no node could be read/ }],
  ["override settles an ambiguous group", [node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1")), node("node-3", master(1))], { override: "node-3" }, { primary: "node-3", fresh: false }],
  ["override wins over agreeing replicas", [node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1"))], { override: "node-2" }, { primary: "node-2" }],
  ["override that is no node is an error", [node("node-1", master())], { override: "node-9" }, { error: /override primary "node-9" is not one of the nodes/ }],
  ["preferred that is no node is an error", [node("node-1", master())], { preferred: "node-9" }, { error: /preferred primary "node-9"/ }],
];

describe("decideTopology", () => {
  it.each(cases)("%s", (_name, observed, opts, expected) => {
    const d = decideTopology(observed, opts);
    if (expected.error) {
      expect("error" in d && d.error).toMatch(expected.error);
    } else {
      expect(d).toMatchObject({ primary: expected.primary });
      if (expected.fresh !== undefined) expect(d).toMatchObject({ fresh: expected.fresh });
      if ("replicas" in d) expect(d.replicas).toEqual(observed.map((n) => n.host).filter((h) => h !== expected.primary));
    }
  });

  it("an ambiguous group reports who follows whom and how to settle it", () => {
    const d = decideTopology([node("node-1", master(1)), node("node-2", replicaOf("10.0.0.1")), node("node-3", master(1)), node("node-4")], {});
    expect("error" in d).toBe(true);
    expect(d.error).toMatch(/-e redis_primary=NODE/);
    expect(d.report.split("\n")).toEqual([
      "node-1 (10.0.0.1:6379): primary, 1 replica(s) connected [10.9.9.0:6379 online]",
      "node-2 (10.0.0.2:6379): replica of node-1 (10.0.0.1:6379), link up",
      "node-3 (10.0.0.3:6379): primary, 1 replica(s) connected [10.9.9.0:6379 online]",
      "node-4 (10.0.0.4:6379): unreachable (connection refused)",
    ]);
  });

  it("a loop it settles is said in the report, with what the other members lose", () => {
    const d = decideTopology([node("node-1", down("10.0.0.2", 897730)), node("node-2", down("10.0.0.1", 1)), node("node-3", replicaOf("10.0.0.1"))], {});
    expect("error" in d).toBe(false);
    expect(d.report.split("\n").at(-1)).toBe(
      "the replicas followed each other in a loop (node-1 -> node-2 -> node-1), every link down: node-1 processed the most of the " +
        "replication stream (offset 897730), so it becomes the primary; node-2 (offset 1) resyncs from it and loses what it holds " +
        "beyond it (writes never acknowledged by a replica)",
    );
  });
});
