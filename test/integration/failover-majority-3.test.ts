// The fence on 3 nodes (127.0.0.65-67) with two dead: the survivor alone is no majority
// (min-replicas-to-write 1), so failover.yaml refuses; forced, it promotes it quickly without a
// canary and says writes wait for one more replica; when the old primary comes back with its
// stale replica, neither primary takes a write.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { startLab, stopLab, type TestLab } from "../helpers/lab.js";
import { labRedis, until } from "../helpers/lab-redis.js";

const BASE = "127.0.0.65";
const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];

let lab: TestLab | undefined;

function theLab(): TestLab {
  if (!lab) throw new Error("lab did not start");
  return lab;
}

const { clients, call, trySet, role, playbook } = labRedis(theLab, PASSWORD);


describe("failover.yaml on 3 nodes with 2 dead", () => {
  beforeAll(async () => {
    lab = await startLab({ nodes: 3, base: BASE });
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    if (lab) await stopLab(lab);
  }, 120_000);

  it("refuses to promote the lone survivor, and with force promotes it saying writes wait for 1 more replica", async () => {
    expect(await call("node-1", "CONFIG", "GET", "min-replicas-to-write")).toEqual(["min-replicas-to-write", "1"]);
    await labKill("node-1", { dir: theLab().dir });
    await labKill("node-2", { dir: theLab().dir });
    await until("node-3 to see the primary gone", async () => (await role("node-3")).endsWith("link down"));

    const refused = await playbook("failover.yaml");
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stdout).toMatch(/refusing to fail over: node-3 plus the 0 reachable node\(s\) that would follow it \(none\) are fewer than the 2 nodes/);
    expect(await role("node-3")).toBe("replica of 127.0.0.65 link down");

    const started = Date.now();
    const r = await playbook("failover.yaml", "-e", "force=true");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((Date.now() - started) / 1000).toBeLessThan(45);
    expect(r.stdout).toMatch(/primary node-3: writes are refused until 1 more replica\(s\) follow node-3/);
    expect(r.stdout).not.toMatch(/clients must now use/);
    expect(await role("node-3")).toBe("master");
    expect(await trySet("node-3", "forced:write")).toMatch(/NOREPLICAS/);
  });

  it("when the old primary and its stale replica come back, at most one primary takes writes", async () => {
    await labStart("node-1", { dir: theLab().dir });
    await labStart("node-2", { dir: theLab().dir });
    await until("node-2 to follow node-1 again", async () => (await role("node-2")) === "replica of 127.0.0.65 link up");
    await until("node-1 to count node-2 as a good replica", async () =>
      /min_slaves_good_slaves:1/.test(String(await call("node-1", "INFO", "replication"))));
    // node-1 and node-2 are a majority of 3 here: node-1 may write, node-3 (alone) must not.
    const accepted: string[] = [];
    for (const n of NODES) {
      if ((await role(n)) !== "master") continue;
      if ((await trySet(n, `split:${n}`)) === "OK") accepted.push(n);
    }
    expect(accepted.length, `accepted by ${accepted.join(", ")}`).toBeLessThanOrEqual(1);
    expect(await trySet("node-3", "split:again")).toMatch(/NOREPLICAS/);
  });
});
