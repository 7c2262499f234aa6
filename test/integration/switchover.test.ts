// playbooks/switchover.yaml on a 3-node lab (127.0.0.54-56): a planned handover under a writer
// loses no acknowledged write, leaves redis.conf agreeing with the running roles (a restart of
// every node keeps them), and a target that cannot catch up aborts with the old primary still
// writable. Everything is read straight from each Redis and each node's files.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recap } from "../helpers/cli.js";
import { sshRun, startLab, stopLab, type TestLab } from "../helpers/lab.js";
import { labRedis, until } from "../helpers/lab-redis.js";

const BASE = "127.0.0.54";
const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];

let lab: TestLab | undefined;

function theLab(): TestLab {
  if (!lab) throw new Error("lab did not start");
  return lab;
}

const { clients, redis, call, role, playbook } = labRedis(theLab, PASSWORD);

async function replicaofLine(node: string): Promise<string | null> {
  const text = await readFile(join(theLab().dir, "nodes", node, "etc-redis", "redis.conf"), "utf8");
  return /^replicaof .*$/m.exec(text)?.[0] ?? null;
}

describe("switchover.yaml", () => {
  beforeAll(async () => {
    lab = await startLab({ nodes: 3, base: BASE });
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    if (lab) await stopLab(lab);
  }, 120_000);

  it("hands over to node-2 under a writer without losing an acknowledged write, and persists the roles", async () => {
    const acked: string[] = [];
    let refused = 0;
    let stop = false;
    const writer = redis("node-1");
    await writer.connect();
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await writer.set(`sw:${i}`, String(i));
          acked.push(`sw:${i}`);
        } catch {
          refused++;
          if (writer.status !== "ready") return;
        }
      }
    })();
    await until("writes before the switchover", async () => acked.length >= 200);
    const r = await playbook("switchover.yaml", "-e", "new_primary=node-2");
    stop = true;
    await loop;
    writer.disconnect();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/primary node-2 \(was node-1\): clients must now use 127\.0\.0\.55:6379/);
    expect(refused).toBeGreaterThan(0); // the writer kept going until the old primary refused it

    expect(await Promise.all(NODES.map(role))).toEqual(["replica of 127.0.0.55 link up", "master", "replica of 127.0.0.55 link up"]);
    const primary = redis("node-2");
    await primary.connect();
    const values = await primary.mget(...acked);
    primary.disconnect();
    expect(values.filter((v) => v === null)).toEqual([]);
    expect(await Promise.all(NODES.map(replicaofLine))).toEqual(["replicaof 127.0.0.55 6379", null, "replicaof 127.0.0.55 6379"]);

    const again = await playbook("switchover.yaml", "-e", "new_primary=node-2");
    expect(again.code, again.stdout).toBe(0);
    for (const counts of Object.values(recap(again.stdout))) expect(counts.changed).toBe(0);

    for (const node of NODES) {
      const restart = await sshRun(theLab(), node, "service redis-server restart");
      expect(restart.code, restart.stderr).toBe(0);
    }
    await until("replicas to resync after the restarts", async () =>
      (await role("node-1")) === "replica of 127.0.0.55 link up" && (await role("node-3")) === "replica of 127.0.0.55 link up");
    expect(await role("node-2")).toBe("master");
  });

  it("aborts when the target cannot catch up within the timeout, leaving the old primary writable", async () => {
    const stopped = await sshRun(theLab(), "node-3", "kill -STOP $(cat /run/redis/redis-server.pid)");
    expect(stopped.code, stopped.stderr).toBe(0);
    try {
      for (let i = 0; i < 20; i++) expect(await call("node-2", "SET", `behind:${i}`, "x")).toBe("OK");
      const r = await playbook("switchover.yaml", "-e", "new_primary=node-3", "-e", "switchover_timeout_ms=1000");
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/switchover aborted: node-3 did not catch up with node-2 within 1000 ms.*node-2 is still the primary/s);
      expect(await role("node-2")).toBe("master");
      expect(await call("node-2", "SET", "after:abort", "1")).toBe("OK");
      expect(await role("node-1")).toBe("replica of 127.0.0.55 link up");
    } finally {
      await sshRun(theLab(), "node-3", "kill -CONT $(cat /run/redis/redis-server.pid)");
    }
    await until("node-3 to catch up", async () => (await call("node-3", "GET", "after:abort")) === "1");
    expect(await replicaofLine("node-3")).toBe("replicaof 127.0.0.55 6379");
  });
});
