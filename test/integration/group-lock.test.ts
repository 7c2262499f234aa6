// Runs that change a group's roles exclude each other (redis_lock), on the namespace lab
// (127.0.0.221-223): two failovers at once leave exactly one primary, a run finding the group
// locked by a live run changes nothing (also under --check), a lock whose run was killed expires,
// and no lock is left behind by a run that ends. Roles are read from the servers directly.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { until } from "../helpers/lab-redis.js";
import { useLab } from "../helpers/use-lab.js";

const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];
const { theLab, role, trySet, playbook } = useLab({ base: "127.0.0.221" }, PASSWORD);
/** The lock directory of a node: its private /run, as the node sees /run/redplay/lock. */
const lockDir = (node: string) => join(theLab().dir, "nodes", node, "run", "redplay", "lock");
const noLocks = () => NODES.every((n) => !existsSync(lockDir(n)));

async function holdLock(node: string, since: number): Promise<void> {
  await mkdir(lockDir(node), { recursive: true, mode: 0o700 });
  await writeFile(join(lockDir(node), "owner"), `someone-else-token ctl-host 4242 ${since}`, { mode: 0o600 });
}

describe("redis_lock", () => {
  beforeAll(async () => {
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 240_000);

  it("a run leaves no lock behind", () => {
    expect(noLocks()).toBe(true);
  });

  it("a group locked by a live run is not touched, under --check or not, and the message names the holder", async () => {
    await holdLock("node-2", Math.floor(Date.now() / 1000));
    for (const extra of [["--check"], []]) {
      const r = await playbook("setup.yaml", "-e", "redis_maxmemory=10mb", ...extra);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout).toMatch(/node-2: another run is changing this group \(lock \/run\/redplay\/lock held by pid 4242 on ctl-host since \S+\); nothing was changed/);
      expect(r.stdout).not.toMatch(/TASK \[Which node is the primary\]/);
    }
    // The run gave back the locks it had taken on node-1 before it met node-2's.
    expect(existsSync(lockDir("node-1"))).toBe(false);
    expect(existsSync(lockDir("node-2"))).toBe(true);
  });

  it("a lock whose run was killed long ago expires, and the run proceeds", async () => {
    await holdLock("node-2", Math.floor(Date.now() / 1000) - 3600);
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(noLocks()).toBe(true);
  });

  it("a lock left by a killed run of this controller (its process gone) is taken over at once", async () => {
    const gone = spawnSync("true").pid;
    await mkdir(lockDir("node-2"), { recursive: true, mode: 0o700 });
    await writeFile(join(lockDir("node-2"), "owner"), `killed-run-token ${hostname()} ${gone} ${Math.floor(Date.now() / 1000)}`, { mode: 0o600 });
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(noLocks()).toBe(true);
  });

  it("two failovers at once: one promotes, the other is refused or finds the failover done; exactly one primary", async () => {
    await labKill("node-1", { dir: theLab().dir });
    await until("replicas to see the primary gone", async () => (await role("node-2")).endsWith("link down"));
    const [a, b] = await Promise.all([playbook("failover.yaml"), playbook("failover.yaml")]);
    const outcomes = [a, b].map((r) => ({
      code: r.code,
      locked: /another run is changing this group/.test(r.stdout),
      done: /clients must now use/.test(r.stdout),
    }));
    // At least one run did the failover; a run that did not was refused by the lock (exit 2) or
    // came after and found nothing to do (exit 0).
    expect(outcomes.some((o) => o.code === 0 && o.done), a.stdout + b.stdout).toBe(true);
    for (const o of outcomes) expect(o.code === 0 || (o.code === 2 && o.locked), a.stdout + b.stdout).toBe(true);
    const roles = await Promise.all(["node-2", "node-3"].map((n) => role(n)));
    expect(roles.filter((r) => r === "master")).toHaveLength(1);
    const primary = roles[0] === "master" ? "node-2" : "node-3";
    expect(await trySet(primary, "lock:after")).toBe("OK");
    expect(noLocks()).toBe(true);
    await labStart("node-1", { dir: theLab().dir });
    const heal = await playbook("setup.yaml");
    expect(heal.code, heal.stdout + heal.stderr).toBe(0);
    expect(await role("node-1")).toMatch(/^replica of /);
  });
});
