// What a failover decides from the state of the group when it starts: dead primary, a run
// interrupted after the promotion, a finished failover, a live primary.
import { describe, expect, it } from "vitest";
import type { ReplicationInfo } from "../../src/facts/redis-info.js";
import { decideFailover, type FailoverNode } from "../../src/redis/failover-decision.js";

const OLD = "a".repeat(40);
const NEW = "c".repeat(40);
const NONE = "0".repeat(40);
const addr = (h: string) => `10.0.0.${h.slice(-1)}`;

function base(): ReplicationInfo {
  return { role: "master", connected_slaves: 0, slaves: [], master_replid: OLD, master_replid2: NONE, master_repl_offset: 100, second_repl_offset: -1 };
}
function dead(host: string): FailoverNode {
  return { host, address: addr(host), port: 6379, ssh: false, error: "connection refused" };
}
function replica(host: string, of: string, opts: { link?: "up" | "down"; offset?: number; replid?: string } = {}): FailoverNode {
  const info: ReplicationInfo = {
    ...base(),
    role: "slave",
    master_replid: opts.replid ?? OLD,
    master_host: addr(of),
    master_port: 6379,
    master_link_status: opts.link ?? "down",
    slave_repl_offset: opts.offset ?? 100,
  };
  return { host, address: addr(host), port: 6379, ssh: true, info };
}
function master(host: string, opts: { replicas?: number; replid2?: string } = {}): FailoverNode {
  const info: ReplicationInfo = { ...base(), master_replid: NEW, master_replid2: opts.replid2 ?? NONE, connected_slaves: opts.replicas ?? 0 };
  return { host, address: addr(host), port: 6379, ssh: true, info };
}

describe("decideFailover", () => {
  it("promotes the most advanced replica when the primary is down and every replica lost its link", () => {
    const d = decideFailover([dead("n1"), replica("n2", "n1", { offset: 100 }), replica("n3", "n1", { offset: 180 })]);
    expect(d).toMatchObject({ action: "promote", oldPrimary: "n1", newPrimary: "n3", repoint: ["n2"], reachable: ["n2", "n3"], unreachable: ["n1"] });
  });

  it("refuses while a replica still has its link up to the unreachable primary, unless forced", () => {
    const nodes = [dead("n1"), replica("n2", "n1", { link: "up" }), replica("n3", "n1")];
    expect(decideFailover(nodes)).toMatchObject({ error: expect.stringMatching(/n2 still report master_link_status:up to n1/) });
    expect(decideFailover(nodes, { force: true })).toMatchObject({ action: "promote", warnings: [expect.stringMatching(/forced/)] });
  });

  it("refuses when the primary is alive and healthy, pointing to switchover.yaml", () => {
    const d = decideFailover([master("n1", { replicas: 2 }), replica("n2", "n1", { link: "up" }), replica("n3", "n1", { link: "up" })]);
    expect(d).toMatchObject({ error: expect.stringMatching(/primary n1 is alive and healthy.*switchover\.yaml.*force=true/) });
  });

  it("with force, fails over from a live primary and repoints it too", () => {
    const d = decideFailover([master("n1", { replicas: 2 }), replica("n2", "n1", { link: "up" }), replica("n3", "n1", { link: "up", offset: 90 })], { force: true });
    expect(d).toMatchObject({ action: "promote", oldPrimary: "n1", newPrimary: "n2", repoint: ["n1", "n3"] });
  });

  it("changes nothing on a second run: the promoted node is followed, the old one still down", () => {
    const d = decideFailover([dead("n1"), master("n2", { replicas: 1, replid2: OLD }), replica("n3", "n2", { link: "up", replid: NEW })]);
    expect(d).toMatchObject({ action: "none", newPrimary: "n2", repoint: ["n3"] });
  });

  it("resumes an interrupted run with the node already promoted, never promoting a second one", () => {
    const nodes = [dead("n1"), master("n2", { replid2: OLD }), replica("n3", "n1", { offset: 500 })];
    expect(decideFailover(nodes)).toMatchObject({ action: "resume", oldPrimary: "n1", newPrimary: "n2", repoint: ["n3"] });
    expect(decideFailover(nodes, { requested: "n3" })).toMatchObject({ error: expect.stringMatching(/n2 was already promoted/) });
  });

  it("resumes when some replicas already follow the promoted node and others still the dead one", () => {
    const d = decideFailover([dead("n1"), master("n2", { replicas: 1, replid2: OLD }), replica("n3", "n2", { link: "up", replid: NEW }), replica("n4", "n1")]);
    expect(d).toMatchObject({ action: "resume", newPrimary: "n2", repoint: ["n3", "n4"] });
  });

  it("honours new_primary and refuses one that is not a reachable replica", () => {
    const nodes = [dead("n1"), replica("n2", "n1", { offset: 100 }), replica("n3", "n1", { offset: 180 })];
    expect(decideFailover(nodes, { requested: "n2" })).toMatchObject({ action: "promote", newPrimary: "n2" });
    expect(decideFailover(nodes, { requested: "n1" })).toMatchObject({ error: expect.stringMatching(/new_primary n1 is not a reachable replica/) });
    expect(decideFailover(nodes, { requested: "n9" })).toMatchObject({ error: expect.stringMatching(/not one of the nodes/) });
  });

  it("refuses a replica that follows an address outside the group", () => {
    const stray = { ...replica("n2", "n1"), info: { ...replica("n2", "n1").info!, master_host: "192.0.2.9" } };
    expect(decideFailover([dead("n1"), stray])).toMatchObject({ error: expect.stringMatching(/not a node of this group/) });
  });

  it("refuses a promotion whose new primary and reachable followers are fewer than min-replicas-to-write + 1", () => {
    // 4 nodes, fence 2: the primary and one replica dead, n3 + n4 = 2 < 3.
    const nodes = [dead("n1"), dead("n2"), replica("n3", "n1", { offset: 180 }), replica("n4", "n1")];
    const d = decideFailover(nodes, { minReplicasToWrite: 2 });
    expect(d).toMatchObject({
      error: expect.stringMatching(/refusing to fail over: n3 plus the 1 reachable node\(s\) that would follow it \(n4\) are fewer than the 3 nodes its min-replicas-to-write 2 needs.*until 1 more replica\(s\) follow it.*force=true/),
    });
  });

  it("with force, promotes anyway and says how many replicas must come back before writes are taken", () => {
    const nodes = [dead("n1"), dead("n2"), replica("n3", "n1", { offset: 180 }), replica("n4", "n1")];
    const d = decideFailover(nodes, { minReplicasToWrite: 2, force: true });
    expect(d).toMatchObject({ action: "promote", newPrimary: "n3", repoint: ["n4"], minReplicasToWrite: 2, replicasMissing: 1 });
    expect(!("error" in d) && d.warnings).toEqual([expect.stringMatching(/^forced failover: n3 .* until 1 more replica\(s\) follow it/)]);
  });

  it("3 nodes with 2 dead: the lone survivor cannot take writes under the default fence of 1", () => {
    const nodes = [dead("n1"), dead("n2"), replica("n3", "n1")];
    expect(decideFailover(nodes, { minReplicasToWrite: 1 })).toMatchObject({ error: expect.stringMatching(/refusing to fail over: n3 plus the 0 reachable/) });
    expect(decideFailover(nodes, { minReplicasToWrite: 1, force: true })).toMatchObject({ action: "promote", newPrimary: "n3", repoint: [], replicasMissing: 1 });
  });

  it("promotes without a warning when a majority is reachable, and reads the fence of the chosen node", () => {
    const nodes = [dead("n1"), replica("n2", "n1"), replica("n3", "n1", { offset: 180 }), replica("n4", "n1")];
    const d = decideFailover(nodes, { minReplicasToWrite: (h) => (h === "n3" ? 2 : 9) });
    expect(d).toMatchObject({ action: "promote", newPrimary: "n3", minReplicasToWrite: 2, replicasMissing: 0, warnings: [] });
    expect(decideFailover(nodes, { minReplicasToWrite: 3 })).toMatchObject({ error: expect.stringMatching(/fewer than the 4 nodes/) });
  });

  it("never refuses to finish an earlier promotion: a resume short of the fence goes on and says so", () => {
    const nodes = [dead("n1"), dead("n2"), master("n3", { replid2: OLD }), replica("n4", "n1")];
    const d = decideFailover(nodes, { minReplicasToWrite: 2 });
    expect(d).toMatchObject({ action: "resume", newPrimary: "n3", repoint: ["n4"], replicasMissing: 1 });
    expect(!("error" in d) && d.warnings.join("\n")).toMatch(/would refuse writes \(NOREPLICAS\) until 1 more replica/);
  });

  it("fails when no node answers", () => {
    expect(decideFailover([dead("n1"), dead("n2")])).toMatchObject({ error: expect.stringMatching(/no node's Redis answered/) });
  });
});
