// playbooks/failover.yaml on a 3-node lab (127.0.0.51-53): the primary is killed (SIGKILL of the
// whole node) under a writer that waits for one replica's acknowledgement, and every acknowledged
// key must be on the new primary. Roles, keys and refusals are read straight from each Redis with
// ioredis, independently of redplay's own report.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { recap } from "../helpers/cli.js";
import { sshRun, startLab, stopLab, type TestLab } from "../helpers/lab.js";
import { labRedis, until } from "../helpers/lab-redis.js";

const BASE = "127.0.0.51";
const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];

let lab: TestLab | undefined;

function theLab(): TestLab {
  if (!lab) throw new Error("lab did not start");
  return lab;
}

const { clients, redis, call, role, playbook, startWriter } = labRedis(theLab, PASSWORD);

async function confBytes(node: string): Promise<string> {
  return readFile(join(theLab().dir, "nodes", node, "etc-redis", "redis.conf"), "utf8");
}

async function setupGroup(): Promise<void> {
  const r = await playbook("setup.yaml");
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

describe("failover.yaml", () => {
  beforeAll(async () => {
    lab = await startLab({ nodes: 3, base: BASE });
    await setupGroup();
  }, 240_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    if (lab) await stopLab(lab);
  }, 120_000);

  it("refuses while the primary is alive and healthy, and points to switchover.yaml", async () => {
    const r = await playbook("failover.yaml");
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/refusing to fail over: the primary node-1 is alive and healthy.*switchover\.yaml/);
    expect(await role("node-1")).toBe("master");
    expect(await role("node-2")).toBe("replica of 127.0.0.51 link up");
  });

  it("after a kill of the primary, keeps every acknowledged write, never promotes a priority-0 replica, and a second run changes nothing", async () => {
    // node-2 comes first in the inventory and is as advanced as node-3: only its priority keeps it out.
    expect(await call("node-2", "CONFIG", "SET", "replica-priority", "0")).toBe("OK");
    const writer = startWriter("node-1", "kill1");
    await until("acknowledged writes", async () => writer.acked.length >= 50);
    await labKill("node-1", { dir: theLab().dir });
    await writer.stop();
    await until("replicas to see the primary gone", async () => (await role("node-3")).endsWith("link down"));

    const before = { two: await confBytes("node-2"), three: await confBytes("node-3") };
    const check = await playbook("failover.yaml", "--check", "--diff");
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/promoting node-3/);
    expect(check.stdout).toMatch(/would: REPLICAOF NO ONE on node-3/);
    expect(check.stdout).toMatch(/would: replicaof 127\.0\.0\.53 6379 in its redis\.conf, then REPLICAOF 127\.0\.0\.53 6379 \(node-2 follows 127\.0\.0\.51:6379\)/);
    expect(check.stdout).toMatch(/\+replicaof 127\.0\.0\.53 6379/);
    expect(await role("node-3")).toBe("replica of 127.0.0.51 link down");
    expect({ two: await confBytes("node-2"), three: await confBytes("node-3") }).toEqual(before);

    const run = await playbook("failover.yaml");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/primary node-3: clients must now use 127\.0\.0\.53:6379/);
    expect(await role("node-3")).toBe("master");
    expect(await role("node-2")).toBe("replica of 127.0.0.53 link up");
    const primary = redis("node-3");
    await primary.connect();
    const values = await primary.mget(...writer.acked);
    expect(values.filter((v) => v === null)).toEqual([]);
    expect(await primary.set("after:failover", "1")).toBe("OK");
    primary.disconnect();
    expect(await confBytes("node-3")).not.toMatch(/^replicaof /m);
    expect(await confBytes("node-2")).toMatch(/^replicaof 127\.0\.0\.53 6379$/m);

    const again = await playbook("failover.yaml");
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/nothing to fail over: node-3 is the primary/);
    for (const counts of Object.values(recap(again.stdout))) expect(counts.changed).toBe(0);
  });

  it("the returning old primary refuses writes, and setup.yaml makes it a replica of the new primary, saying its writes are discarded", async () => {
    await labStart("node-1", { dir: theLab().dir });
    await until("node-1's Redis", async () => (await role("node-1")) === "master");
    await expect(call("node-1", "SET", "stale:write", "x")).rejects.toThrow(/NOREPLICAS/);

    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/WARNING: node-1 was a primary holding data .* writes it\s+accepted since the failover are discarded/);
    const roles = await Promise.all(NODES.map(role));
    expect(roles).toEqual(["replica of 127.0.0.53 link up", "replica of 127.0.0.53 link up", "master"]);
    expect(await call("node-1", "GET", "after:failover")).toBe("1");
  });

  it("promotes the more advanced replica when the other lags behind", async () => {
    expect(await call("node-2", "CONFIG", "SET", "replica-priority", "100")).toBe("OK");
    // node-1 comes first in the inventory: stop its Redis so that it falls behind node-2.
    const stop = await sshRun(theLab(), "node-1", "kill -STOP $(cat /run/redis/redis-server.pid)");
    expect(stop.code, stop.stderr).toBe(0);
    try {
      // More than the loopback socket buffers hold, so node-1 cannot catch up from them after SIGCONT.
      const primary = redis("node-3");
      await primary.connect();
      const big = "x".repeat(100_000);
      for (let i = 0; i < 300; i++) await primary.set(`lag:${i}`, big);
      expect(Number(await primary.call("WAIT", "1", "10000"))).toBeGreaterThanOrEqual(1);
      primary.disconnect();
      await labKill("node-3", { dir: theLab().dir });
    } finally {
      await sshRun(theLab(), "node-1", "kill -CONT $(cat /run/redis/redis-server.pid)");
    }
    await until("node-1 to see the primary gone", async () => (await role("node-1")).endsWith("link down"));
    const r = await playbook("failover.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/promoting node-2: replica-priority 100, offset \d+ \(best of node-2@\d+, node-1@\d+\)/);
    expect(await role("node-2")).toBe("master");
    expect(await role("node-1")).toBe("replica of 127.0.0.52 link up");
  });

  it("promotes the node given with -e new_primary", async () => {
    await labStart("node-3", { dir: theLab().dir });
    await setupGroup();
    expect(await role("node-3")).toBe("replica of 127.0.0.52 link up");
    await labKill("node-2", { dir: theLab().dir });
    await until("replicas to see the primary gone", async () =>
      (await role("node-1")).endsWith("link down") && (await role("node-3")).endsWith("link down"));
    const refused = await playbook("failover.yaml", "-e", "new_primary=node-2");
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/new_primary node-2 is not a reachable replica/);

    const r = await playbook("failover.yaml", "-e", "new_primary=node-3");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await role("node-3")).toBe("master");
    expect(await role("node-1")).toBe("replica of 127.0.0.53 link up");
  });
});
