// The replica chosen for promotion, the way Sentinel orders them: same history, lowest
// replica-priority (0 = never), highest offset, then inventory order.
import { describe, expect, it } from "vitest";
import type { ReplicationInfo } from "../../src/facts/redis-info.js";
import { chooseCandidate, type CandidateNode } from "../../src/redis/candidate.js";

function replica(host: string, offset: number, opts: { priority?: number; replid?: string } = {}): CandidateNode {
  const info: ReplicationInfo = {
    role: "slave",
    connected_slaves: 0,
    slaves: [],
    master_replid: opts.replid ?? "a".repeat(40),
    master_replid2: "0".repeat(40),
    master_repl_offset: offset,
    second_repl_offset: -1,
    master_host: "10.0.0.1",
    master_port: 6379,
    master_link_status: "down",
    slave_repl_offset: offset,
    replica_priority: opts.priority ?? 100,
  };
  return { host, info };
}

describe("chooseCandidate", () => {
  it.each([
    { name: "the highest offset wins at equal priority", nodes: [replica("n2", 100), replica("n3", 250)], want: "n3" },
    { name: "a lower replica-priority wins over a higher offset", nodes: [replica("n2", 900), replica("n3", 100, { priority: 10 })], want: "n3" },
    { name: "inventory order breaks a full tie", nodes: [replica("n3", 100), replica("n2", 100)], want: "n3" },
    { name: "replica-priority 0 is never chosen, even far ahead", nodes: [replica("n2", 100), replica("n3", 900, { priority: 0 })], want: "n2" },
    {
      name: "a replica on another history is set aside, whatever its offset",
      nodes: [replica("n2", 100), replica("n3", 120), replica("n4", 9000, { replid: "b".repeat(40) })],
      want: "n3",
    },
  ])("$name", ({ nodes, want }) => {
    const c = chooseCandidate(nodes);
    expect("error" in c ? c.error : c.host).toBe(want);
  });

  it("names why each excluded replica was set aside", () => {
    const c = chooseCandidate([replica("n2", 100), replica("n3", 900, { priority: 0 }), replica("n4", 5, { replid: "b".repeat(40) })]);
    if ("error" in c) throw new Error(c.error);
    expect(c.excluded).toEqual([
      { host: "n3", why: "replica-priority 0 (never promoted)" },
      { host: "n4", why: expect.stringContaining("another history") },
    ]);
    expect(c.ranked).toEqual(["n2"]);
  });

  it("fails, naming the reason, when every replica has priority 0", () => {
    const c = chooseCandidate([replica("n2", 1, { priority: 0 }), replica("n3", 2, { priority: 0 })]);
    expect(c).toMatchObject({ error: expect.stringMatching(/no replica may be promoted.*n2: replica-priority 0/) });
  });

  it("honours a requested replica and warns that it is behind the best one", () => {
    const c = chooseCandidate([replica("n2", 100), replica("n3", 250)], "n2");
    if ("error" in c) throw new Error(c.error);
    expect(c.host).toBe("n2");
    expect(c.warnings.join("\n")).toMatch(/n2 is 150 bytes behind n3/);
  });

  it("refuses a requested node that is not a replica of the failed primary", () => {
    const c = chooseCandidate([replica("n2", 100)], "n9");
    expect(c).toMatchObject({ error: expect.stringMatching(/new_primary n9 is not a reachable replica/) });
  });

  it("refuses a requested replica with replica-priority 0", () => {
    const c = chooseCandidate([replica("n2", 100), replica("n3", 100, { priority: 0 })], "n3");
    expect(c).toMatchObject({ error: expect.stringMatching(/n3 cannot be promoted: replica-priority 0/) });
  });
});
