// The restart guard watches the lock the arming run holds, wherever redis_lock put it: the run's
// lock path is what redis_config hands the guard, and a guard whose lock another run has taken
// since leaves the node to that run, while one whose lock is unchanged puts the old file back and
// restarts. Runs the guard's real script on this machine (sh, a short-lived pid to outlive, a
// restart command that only counts), in a throwaway directory.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalConnection } from "../../src/connection/local.js";
import { heldLockOwner, redisLockModule } from "../../src/modules/redis/redis-lock.js";
import { armCommand, GUARD_DOWN_S } from "../../src/redis/restart-guard.js";
import { makeGroupContext, makeResources, makeTaskContext, runGroupModule } from "../helpers/task-context.js";

const root = mkdtempSync(join(tmpdir(), "redplay-guard-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the restart guard and the run's lock", () => {
  it("redis_lock with its own path: the run's lock owner on the host is that path's, and none before the lock is taken", async () => {
    const resources = makeResources();
    const ctx = makeTaskContext({ resources });
    expect(heldLockOwner(ctx)).toBeUndefined();
    const path = join(root, "custom", "lock");
    const g = makeGroupContext(["localhost"], () => makeTaskContext({ resources }), () => ({ path }));
    const r = await runGroupModule(redisLockModule, g, { path });
    expect(r.hosts.localhost?.status).not.toBe("failed");
    expect(heldLockOwner(ctx)).toBe(`${path}/owner`);
    expect(readFileSync(`${path}/owner`, "utf8")).toMatch(/^\S+ \S+ \d+ \d+/);
    const conn = new LocalConnection("localhost");
    await conn.exec(`rm -rf -- '${path}'`);
  });

  it(`a guard whose lock another run took meanwhile does nothing; one whose lock is unchanged restores the file after ${GUARD_DOWN_S} s down`, async () => {
    const arm = (name: string) => {
      const dir = join(root, name);
      mkdirSync(join(dir, "lock"), { recursive: true });
      const dest = join(dir, "redis.conf");
      const backup = `${dest}.20260101000000~`;
      const marker = join(dir, "marker");
      writeFileSync(dest, "new bad file\n");
      writeFileSync(backup, "the file the node ran with\n");
      writeFileSync(marker, `${backup}\n`);
      writeFileSync(join(dir, "lock", "owner"), "arming-run-token ctl 1 1\n");
      // What the guard outlives: a process that ends in a second (the run's connection, here).
      const run = spawn("sleep", ["1"], { stdio: "ignore" });
      const cmd = armCommand(String(run.pid), marker, dest, { restart: `echo restarted >> '${join(dir, "restarts")}'`, status: "false" }, join(dir, "lock", "owner"));
      const armed = spawn("sh", ["-c", cmd], { stdio: "ignore" });
      return { dir, dest, marker, armed: new Promise((res) => armed.on("exit", res)) };
    };
    const taken = arm("taken");
    const kept = arm("kept");
    await Promise.all([taken.armed, kept.armed]);
    // Another run takes the first node's lock once the arming run is gone.
    writeFileSync(join(taken.dir, "lock", "owner"), "another-run-token ctl 2 2\n");
    const deadline = Date.now() + (GUARD_DOWN_S + 15) * 1000;
    while (existsSync(kept.marker) && Date.now() < deadline) await sleep(250);
    // The kept guard has acted; the taken one had the same time to, and must not have.
    expect(readFileSync(kept.dest, "utf8")).toBe("the file the node ran with\n");
    expect(readFileSync(join(kept.dir, "restarts"), "utf8")).toBe("restarted\n");
    expect(existsSync(kept.marker)).toBe(false);
    expect(readFileSync(taken.dest, "utf8")).toBe("new bad file\n");
    expect(existsSync(join(taken.dir, "restarts"))).toBe(false);
    expect(existsSync(taken.marker)).toBe(true);
  }, 60_000);
});
