// What comes back after a failover or a switchover on a 3-node lab (127.0.0.84-86), and what setup
// makes of it. Two shapes the files alone get wrong:
//  - a replica that was down during a switchover still follows the old primary, now a replica
//    itself (a chain): setup follows the chain to the primary at its root;
//  - the old primary comes back with a replica that was killed after the promotion and before its
//    file was rewritten (so it follows the old primary again, which then takes writes): setup keeps
//    the node the failover promoted, because the primary record the failover wrote on every node it
//    reached is newer than the old primary's, and every acknowledged write survives.
// And a primary that must restart while its replicas are still reconnecting: the handover waits
// for a replica to be listed online instead of failing the run.
// Roles, keys and files are read straight from each node, independently of redplay.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { nodeDir } from "../../src/lab/paths.js";
import { runCli } from "../helpers/cli.js";
import { sshRun } from "../helpers/lab.js";
import { until } from "../helpers/lab-redis.js";
import { useLab } from "../helpers/use-lab.js";

const BASE = "127.0.0.84";
const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];
const RECORD = "/var/lib/redplay/primary-6379.json";

const { theLab, call, role, playbook } = useLab({ base: BASE }, PASSWORD);
const addr = (n: string) => theLab().address[n]!;
const record = async (n: string) => JSON.parse((await sshRun(theLab(), n, `cat ${RECORD}`)).stdout) as { generation: number; primary: string };

/** Writes `count` keys on `node`, each acknowledged by WAIT 1. */
async function ackedWrites(node: string, prefix: string, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `${prefix}:${i}`;
    expect(await call(node, "SET", key, "v")).toBe("OK");
    keys.push(key);
  }
  expect(Number(await call(node, "WAIT", "1", "5000"))).toBeGreaterThanOrEqual(1);
  return keys;
}

describe("setup after a failover or switchover with nodes that missed it", () => {
  it("setup records node-1 as the primary on every node", async () => {
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const n of NODES) expect(await record(n), n).toMatchObject({ primary: "node-1" });
  });

  it("an old primary back with a stale replica does not take the role back: the promoted node keeps it, with every acknowledged write", async () => {
    const before = await record("node-1");
    // node-3's file as it is before the failover: it follows node-1.
    const staleConf = (await sshRun(theLab(), "node-3", "cat /etc/redis/redis.conf")).stdout;
    expect(staleConf).toContain(`replicaof ${addr("node-1")} 6379`);

    await labKill("node-1", { dir: theLab().dir });
    await until("replicas to see the primary gone", async () => (await role("node-2")).endsWith("link down") && (await role("node-3")).endsWith("link down"));
    const failover = await playbook("failover.yaml", "-e", "new_primary=node-2");
    expect(failover.code, failover.stdout + failover.stderr).toBe(0);
    expect(await role("node-3")).toBe(`replica of ${addr("node-2")} link up`);
    for (const n of ["node-2", "node-3"]) expect(await record(n), n).toEqual(expect.objectContaining({ primary: "node-2", generation: before.generation + 1 }));
    const acked = await ackedWrites("node-2", "after-failover", 20);

    // node-3 dies before anything else; its file goes back to following node-1 (as if the failover's
    // rewrite had never reached it). Then node-1 returns with its old file, and node-3 after it.
    await labKill("node-3", { dir: theLab().dir });
    await writeFile(join(nodeDir(theLab().paths, "node-3"), "etc-redis", "redis.conf"), staleConf);
    await labStart("node-1", { dir: theLab().dir });
    await labStart("node-3", { dir: theLab().dir });
    await until("node-3 following the old primary", async () => (await role("node-3").catch(() => "")) === `replica of ${addr("node-1")} link up`);
    expect(await role("node-1")).toBe("master");
    expect(await role("node-2")).toBe("master");
    expect((await record("node-1")).generation).toBe(before.generation);
    // The split the fence cannot stop: node-1 and its stale replica are a majority of 3.
    const stale = await ackedWrites("node-1", "stale-primary", 3);

    const check = await playbook("setup.yaml", "--check", "-v");
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/node-2 is the primary of the newest record \(generation \d+, redis_failover at [^)]+\); node-1 holds an older one/);
    expect(check.stdout.match(new RegExp(`would: REPLICAOF ${addr("node-2").replace(/\./g, "\\.")} 6379`, "g"))).toHaveLength(2);
    expect(check.stdout).toMatch(/WARNING: node-1 was a primary holding data/);
    expect(await role("node-1")).toBe("master");

    const setup = await playbook("setup.yaml");
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(setup.stdout).toMatch(/WARNING: node-1 was a primary holding data/);
    expect(await role("node-2")).toBe("master");
    for (const n of ["node-1", "node-3"]) {
      await until(`${n} following node-2`, async () => (await role(n)) === `replica of ${addr("node-2")} link up`);
      expect(await call(n, "MGET", ...acked), n).toEqual(acked.map(() => "v"));
    }
    expect(await call("node-2", "MGET", ...acked)).toEqual(acked.map(() => "v"));
    // What the README says a demoted primary loses, and setup's WARNING named.
    expect(await call("node-2", "MGET", ...stale)).toEqual(stale.map(() => null));
    for (const n of NODES) expect(await record(n), n).toMatchObject({ primary: "node-2", generation: before.generation + 1 });
    const again = await playbook("setup.yaml");
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/node-1\s+: ok=\d+\s+changed=0/);
  });

  it("a replica that missed a switchover follows the old primary, now a replica itself: setup follows the chain to the primary", async () => {
    // node-2 is the primary now; node-1 misses a switchover to node-3.
    await labKill("node-1", { dir: theLab().dir });
    const switchover = await playbook("switchover.yaml", "-e", "new_primary=node-3");
    // Done, and node-1 named as not reached (exit 3: a host was unreachable).
    expect(switchover.code, switchover.stdout + switchover.stderr).toBe(3);
    expect(switchover.stdout).toContain(`clients must now use ${addr("node-3")}:6379`);
    expect(switchover.stdout).toMatch(/node-1\s+: ok=\d+\s+changed=0\s+unreachable=1/);
    expect(await role("node-3")).toBe("master");
    expect(await role("node-2")).toBe(`replica of ${addr("node-3")} link up`);
    await labStart("node-1", { dir: theLab().dir });
    await until("node-1 following node-2 (its file)", async () => (await role("node-1").catch(() => "")) === `replica of ${addr("node-2")} link up`);

    const setup = await playbook("setup.yaml");
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(setup.stdout).toContain("primary node-3 (");
    expect(await role("node-3")).toBe("master");
    await until("node-1 following node-3", async () => (await role("node-1")) === `replica of ${addr("node-3")} link up`);
    const acked = await ackedWrites("node-3", "after-chain", 5);
    for (const n of ["node-1", "node-2"]) await until(`${n} holding the new keys`, async () => JSON.stringify(await call(n, "MGET", ...acked)) === JSON.stringify(acked.map(() => "v")));
    for (const n of NODES) expect(await record(n), n).toMatchObject({ primary: "node-3" });
  });

  it("a promoted node killed before its redis.conf is persisted comes back a primary with its writes, not a replica of the old primary that would resync them away", async () => {
    // node-3 is the primary now; node-1 and node-2 follow it.
    await labKill("node-3", { dir: theLab().dir });
    await until("replicas to see the primary gone", async () => (await role("node-1")).endsWith("link down") && (await role("node-2")).endsWith("link down"));
    const promote = await runCli(["run", "test/fixtures/redis/promote-only.yaml", "-i", theLab().paths.inventory, "-e", "new_primary=node-1"]);
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    expect(await role("node-1")).toBe("master");
    // The file no longer follows anybody, though redis.conf was never persisted by this run.
    expect((await sshRun(theLab(), "node-1", "grep -Eic '^[[:space:]]*replicaof' /etc/redis/redis.conf || true")).stdout.trim()).toBe("0");
    expect((await sshRun(theLab(), "node-2", "grep -E '^replicaof' /etc/redis/redis.conf")).stdout.trim()).toBe(`replicaof ${addr("node-3")} 6379`);
    // The repoint sets node-2's file before its REPLICAOF: killed right after, it comes back following node-1.
    const repoint = await runCli(["run", "test/fixtures/redis/repoint-only.yaml", "-i", theLab().paths.inventory, "-e", "new_primary=node-1", "-e", "repoint=node-2"]);
    expect(repoint.code, repoint.stdout + repoint.stderr).toBe(0);
    expect((await sshRun(theLab(), "node-2", "grep -Ei '^[[:space:]]*(replicaof|slaveof)' /etc/redis/redis.conf")).stdout.trim()).toBe(`replicaof ${addr("node-1")} 6379`);
    await labKill("node-2", { dir: theLab().dir });
    await labStart("node-2", { dir: theLab().dir });
    await until("node-2 following node-1", async () => (await role("node-2").catch(() => "")) === `replica of ${addr("node-1")} link up`);
    const acked = await ackedWrites("node-1", "promoted-then-killed", 10);
    // Killed right there, and back with its file.
    await labKill("node-1", { dir: theLab().dir });
    await labStart("node-1", { dir: theLab().dir });
    await until("node-1 answering", async () => (await role("node-1").catch(() => "")) !== "");
    expect(await role("node-1")).toBe("master");
    expect(await call("node-1", "MGET", ...acked)).toEqual(acked.map(() => "v"));
    // The old primary returns; setup keeps node-1 (the newest record, and the node node-2 follows).
    await labStart("node-3", { dir: theLab().dir });
    const setup = await playbook("setup.yaml");
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(await role("node-1")).toBe("master");
    for (const n of ["node-2", "node-3"]) {
      await until(`${n} following node-1`, async () => (await role(n)) === `replica of ${addr("node-1")} link up`);
      await until(`${n} holding the keys`, async () => JSON.stringify(await call(n, "MGET", ...acked)) === JSON.stringify(acked.map(() => "v")));
    }
  });

  it("a primary that must restart while its replicas are still reconnecting waits for them, then hands over; nothing fails", async () => {
    // node-1 is the primary. Its replicas drop their links and cannot log in again for 2 s (as
    // after a restart of either side): the primary lists none of them meanwhile.
    for (const n of ["node-2", "node-3"]) expect(await call(n, "CONFIG", "SET", "masterauth", "not-the-password")).toBe("OK");
    await call("node-1", "CLIENT", "KILL", "TYPE", "replica");
    await until("the primary listing no replica", async () => String(await call("node-1", "INFO", "replication")).includes("connected_slaves:0"));
    const back = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        Promise.all(["node-2", "node-3"].map((n) => call(n, "CONFIG", "SET", "masterauth", PASSWORD))).then(() => resolve(), reject);
      }, 2000);
    });
    // A change only a restart applies: the primary hands over first, to a replica listed online.
    const setup = await playbook("setup.yaml", "-e", "redis_databases=17");
    await back;
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    for (const n of NODES) expect(await call(n, "CONFIG", "GET", "databases"), n).toEqual(["databases", "17"]);
    expect(await role("node-1")).toMatch(/^replica of /);
  });

  it("a switchover cut short right after the handover: the new primary's file already follows nobody, so killed there it comes back the primary", async () => {
    const primary = (await Promise.all(NODES.map(async (n) => [n, await role(n)] as const))).find(([, r]) => r === "master")![0];
    expect(primary).not.toBe("node-1");
    expect((await sshRun(theLab(), "node-1", "grep -Ec '^replicaof' /etc/redis/redis.conf")).stdout.trim()).toBe("1");
    const handover = await runCli(["run", "test/fixtures/redis/switchover-only.yaml", "-i", theLab().paths.inventory, "-e", "new_primary=node-1"]);
    expect(handover.code, handover.stdout + handover.stderr).toBe(0);
    expect(await role("node-1")).toBe("master");
    expect((await sshRun(theLab(), "node-1", "grep -Eic '^[[:space:]]*replicaof' /etc/redis/redis.conf || true")).stdout.trim()).toBe("0");
    const acked = await ackedWrites("node-1", "after-handover", 5);
    await labKill("node-1", { dir: theLab().dir });
    await labStart("node-1", { dir: theLab().dir });
    await until("node-1 answering", async () => (await role("node-1").catch(() => "")) !== "");
    expect(await role("node-1")).toBe("master");
    // The group keeps the previous test's databases 17: no restart, so no handover moves the primary.
    const setup = await playbook("setup.yaml", "-e", "redis_databases=17");
    
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    for (const n of ["node-2", "node-3"]) {
      await until(`${n} following node-1`, async () => (await role(n)) === `replica of ${addr("node-1")} link up`);
      await until(`${n} holding the keys`, async () => JSON.stringify(await call(n, "MGET", ...acked)) === JSON.stringify(acked.map(() => "v")));
    }
  });
});
