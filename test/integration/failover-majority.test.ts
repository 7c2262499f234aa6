// The majority fence on a 4-node lab (127.0.0.61-64): min-replicas-to-write defaults to 2, so a
// failover that leaves the new primary with fewer than 3 nodes is refused unless forced, a forced
// one says writes wait for another replica (and does not wait for a canary), and when the dead old
// primary and a replica still configured to follow it come back, neither side takes a write.
// Roles and refusals are read straight from each Redis with ioredis, independently of redplay.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { startLab, stopLab, type TestLab } from "../helpers/lab.js";
import { labRedis, until } from "../helpers/lab-redis.js";

const BASE = "127.0.0.61";
const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3", "node-4"];

let lab: TestLab | undefined;

function theLab(): TestLab {
  if (!lab) throw new Error("lab did not start");
  return lab;
}

const { clients, call, trySet, role, playbook } = labRedis(theLab, PASSWORD);


/** INFO replication field of a node. */
async function field(node: string, name: string): Promise<string | undefined> {
  const info = String(await call(node, "INFO", "replication"));
  return new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

describe("failover.yaml on 4 nodes: only a majority can write", () => {
  beforeAll(async () => {
    lab = await startLab({ nodes: 4, base: BASE });
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    if (lab) await stopLab(lab);
  }, 120_000);

  it("setup.yaml fences every node with min-replicas-to-write 2 (floor(4/2))", async () => {
    for (const n of NODES) expect(await call(n, "CONFIG", "GET", "min-replicas-to-write"), n).toEqual(["min-replicas-to-write", "2"]);
    expect(await trySet("node-1", "before:failover")).toBe("OK");
  });

  it("with the primary and a replica dead, refuses to promote a node that could not take writes", async () => {
    await labKill("node-1", { dir: theLab().dir });
    await labKill("node-2", { dir: theLab().dir });
    await until("replicas to see the primary gone", async () =>
      (await role("node-3")).endsWith("link down") && (await role("node-4")).endsWith("link down"));

    const r = await playbook("failover.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(
      /refusing to fail over: node-3 plus the 1 reachable node\(s\) that would follow it \(node-4\) are fewer than the 3 nodes its min-replicas-to-write 2 needs/,
    );
    expect(r.stdout).toMatch(/until 1 more replica\(s\) follow it.*add -e force=true/s);
    expect(r.stdout).not.toMatch(/clients must now use/);
    expect(await role("node-3")).toBe("replica of 127.0.0.61 link down");
    expect(await role("node-4")).toBe("replica of 127.0.0.61 link down");
  });

  it("with -e force=true, promotes, says writes wait for one more replica, and does not wait for a canary", async () => {
    const started = Date.now();
    const r = await playbook("failover.yaml", "-e", "force=true");
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/WARNING: forced failover: node-3 plus the 1 reachable node\(s\)/);
    expect(r.stdout).toMatch(/primary node-3: writes are refused until 1 more replica\(s\) follow node-3/);
    expect(r.stdout).not.toMatch(/clients must now use/);
    expect(seconds).toBeLessThan(45);
    expect(await role("node-3")).toBe("master");
    expect(await role("node-4")).toBe("replica of 127.0.0.63 link up");
    expect(await trySet("node-3", "forced:write")).toMatch(/NOREPLICAS/);
  });

  it("when the old primary and its stale replica come back, neither primary takes a write", async () => {
    await labStart("node-1", { dir: theLab().dir });
    await labStart("node-2", { dir: theLab().dir });
    // node-2's redis.conf still says replicaof node-1: node-1 regains a replica.
    await until("node-2 to follow node-1 again", async () => (await role("node-2")) === "replica of 127.0.0.61 link up");
    await until("node-1 to count node-2 as a good replica", async () => (await field("node-1", "min_slaves_good_slaves")) === "1");
    expect(await role("node-1")).toBe("master");
    expect(await role("node-3")).toBe("master");

    expect(await trySet("node-1", "stale:write")).toMatch(/NOREPLICAS/);
    const accepted: string[] = [];
    for (const n of NODES) {
      if ((await role(n)) !== "master") continue;
      if ((await trySet(n, `split:${n}`)) === "OK") accepted.push(n);
    }
    expect(accepted.length, `accepted by ${accepted.join(", ")}`).toBeLessThanOrEqual(1);
    expect(accepted).toEqual([]);
  });

  it("setup.yaml -e redis_primary=node-3 settles the group, and node-3 takes writes again", async () => {
    const r = await playbook("setup.yaml", "-e", "redis_primary=node-3");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await Promise.all(NODES.map(role))).toEqual([
      "replica of 127.0.0.63 link up",
      "replica of 127.0.0.63 link up",
      "master",
      "replica of 127.0.0.63 link up",
    ]);
    expect(await trySet("node-3", "after:settle")).toBe("OK");
    expect(await trySet("node-1", "after:settle")).toMatch(/READONLY/);
    expect(await call("node-1", "GET", "before:failover")).toBe("1");
  });
});
