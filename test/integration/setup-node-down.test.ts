// playbooks/setup.yaml on a 3-node lab (127.0.0.91-93) when one node is down while a config
// change would restart every node: the run must stop at discovery (any_errors_fatal), before any
// redis.conf is written or any node restarted, and say what is wrong. Two ways a node is down:
// its Redis is stopped while SSH works (a failed task: "Redis is not running"), or the whole node
// is gone (unreachable). Outcomes are read back independently: run_id from INFO server on each
// node's address, the bytes of each redis.conf under the lab dir, exit codes.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { recap, runCli, type CliResult } from "../helpers/cli.js";
import { eventually } from "../helpers/lab-redis.js";
import { infoFields, redisCliAt } from "../helpers/redis-cli.js";
import { sshRun, startLab, stopLab, type TestLab } from "../helpers/lab.js";

const BASE = "127.0.0.91";
const PASSWORD = "Down-Pw-3k9x";
const NODES = ["node-1", "node-2", "node-3"] as const;
type Node = (typeof NODES)[number];
const ADDRESS: Record<Node, string> = { "node-1": "127.0.0.91", "node-2": "127.0.0.92", "node-3": "127.0.0.93" };
const OTHERS = ["node-1", "node-2"] as const;

let lab: TestLab | undefined;
const outputs: string[] = [];

const theLab = (): TestLab => {
  if (!lab) throw new Error("lab did not start");
  return lab;
};

async function setup(args: string[] = []): Promise<CliResult> {
  const r = await runCli(["run", "playbooks/setup.yaml", "-i", theLab().paths.inventory, ...args], {
    env: { REDIS_PASSWORD: PASSWORD },
  });
  outputs.push(r.stdout, r.stderr);
  return r;
}

/** A config change that rewrites every node's redis.conf, so every node would be restarted. */
const maxmemory = (value: string) => ["-e", JSON.stringify({ redis_maxmemory: value })];

function redisCli(node: Node, args: string[]): Promise<string> {
  return redisCliAt(node, ADDRESS[node], args, PASSWORD);
}

async function info(node: Node, section: string): Promise<Record<string, string>> {
  return infoFields(await redisCli(node, ["info", section]));
}

const runIds = async (nodes: readonly Node[]) =>
  Object.fromEntries(await Promise.all(nodes.map(async (n) => [n, (await info(n, "server")).run_id] as const)));
const confPath = (node: Node) => join(theLab().dir, "nodes", node, "etc-redis", "redis.conf");
const allConf = async () => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, await readFile(confPath(n), "utf8")] as const)));


/** node-1 primary, both replicas in sync, every redis.conf saying `maxmemory <value>`. */
async function expectConverged(value: string): Promise<void> {
  await eventually(async () => {
    expect(await info("node-1", "replication")).toMatchObject({ role: "master", connected_slaves: "2" });
    for (const n of ["node-2", "node-3"] as const) {
      expect(await info(n, "replication")).toMatchObject({ role: "slave", master_host: ADDRESS["node-1"], master_link_status: "up" });
    }
  }, 75);
  for (const [n, text] of Object.entries(await allConf())) expect(text, n).toMatch(new RegExp(`^maxmemory ${value}$`, "m"));
}

/** Nothing of the run reached a node: same run_id on the reachable nodes, same bytes in every redis.conf, no restart pending. */
async function expectUntouched(idsBefore: Record<string, string>, confBefore: Record<string, string>): Promise<void> {
  expect(await runIds(OTHERS)).toEqual(idsBefore);
  expect(await allConf()).toEqual(confBefore);
  for (const n of NODES) expect(existsSync(`${confPath(n)}.restart-pending`), `${n} restart-pending`).toBe(false);
}

beforeAll(async () => {
  lab = await startLab({ nodes: 3, base: BASE });
  const r = await setup();
  expect(r.code, r.stdout + r.stderr).toBe(0);
});

afterAll(async () => {
  if (lab) await stopLab(lab);
});

describe("setup.yaml with a node down and a change that restarts every node", () => {
  it("node-3's Redis stopped (SSH up): exit 2 naming node-3's Redis as not running, no node restarted, no file changed; once started, setup converges", async () => {
    const stop = await sshRun(theLab(), "node-3", "service redis-server stop");
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    const idsBefore = await runIds(OTHERS);
    const confBefore = await allConf();

    const r = await setup(maxmemory("100mb"));
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/Redis is not running on node-3, or not listening on 127\.0\.0\.93:6379 \(/);
    expect(r.stdout).not.toMatch(/tunnel|UNREACHABLE/);
    expect(r.stdout).toMatch(/any_errors_fatal: node-3 failed, stopping the play on every host; no further task was started/);
    expect(r.stdout).not.toMatch(/TASK \[(Would redis\.conf change\?|redis\.conf from templates|restart the server)/);
    const counts = recap(r.stdout);
    expect(counts["node-3"]).toMatchObject({ failed: 1, unreachable: 0 });
    for (const n of NODES) expect(counts[n]?.changed, `${n} changed`).toBe(0);
    await expectUntouched(idsBefore, confBefore);

    const start = await sshRun(theLab(), "node-3", "service redis-server start");
    expect(start.code, start.stdout + start.stderr).toBe(0);
    const again = await setup(maxmemory("100mb"));
    expect(again.code, again.stdout + again.stderr).toBe(0);
    await expectConverged("100mb");
  });

  it("node-3 gone (killed, SSH down): exit 3 with node-3 UNREACHABLE, stopped at discovery, no node restarted, no file changed; once back, setup converges", async () => {
    const idsBefore = await runIds(OTHERS);
    const confBefore = await allConf();
    await labKill("node-3", { dir: theLab().dir });

    const r = await setup(maxmemory("200mb"));
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/\[node-3\]: UNREACHABLE!/);
    expect(r.stdout).toMatch(/any_errors_fatal: node-3 was unreachable, stopping the play on every host; no further task was started/);
    expect(r.stdout).not.toMatch(/TASK \[(Would redis\.conf change\?|redis\.conf from templates|restart the server)/);
    const counts = recap(r.stdout);
    expect(counts["node-3"]).toMatchObject({ unreachable: 1, failed: 0 });
    for (const n of OTHERS) expect(counts[n]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    await expectUntouched(idsBefore, confBefore);

    expect(await labStart("node-3", { dir: theLab().dir })).toBe(true);
    const again = await setup(maxmemory("200mb"));
    expect(again.code, again.stdout + again.stderr).toBe(0);
    await expectConverged("200mb");
  });

  it("no output of any run contains the password", () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const o of outputs) expect(o).not.toContain(PASSWORD);
  });
});
