// playbooks/setup.yaml against a 3-node lab on 127.0.0.21-23, run through the real CLI with the
// lab's own inventory and REDIS_PASSWORD from the environment. Every outcome is read back
// independently of redplay's report: redis-cli on each node's address, the bytes of each node's
// redis.conf under the lab dir, exit codes. Tests run in order; each starts from the converged
// group the previous one leaves (or restores it itself).
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKill, labStart, labStatus } from "../../src/lab/lab.js";
import { recap, runCli, type CliResult } from "../helpers/cli.js";
import { eventually } from "../helpers/lab-redis.js";
import { infoFields, redisCliAt } from "../helpers/redis-cli.js";
import { startLab, stopLab, type TestLab } from "../helpers/lab.js";

const BASE = "127.0.0.21";
const PASSWORD = "Setup-Pw-5p8q";
const WRONG_PASSWORD = "Not-The-Pw-77";
const NODES = ["node-1", "node-2", "node-3"] as const;
type Node = (typeof NODES)[number];
const ADDRESS: Record<Node, string> = { "node-1": "127.0.0.21", "node-2": "127.0.0.22", "node-3": "127.0.0.23" };

let lab: TestLab | undefined;
/** Every CLI output of the file, checked for the passwords at the end. */
const outputs: string[] = [];

const theLab = (): TestLab => {
  if (!lab) throw new Error("lab did not start");
  return lab;
};

async function setup(args: string[] = [], password = PASSWORD): Promise<CliResult> {
  const r = await runCli(["run", "playbooks/setup.yaml", "-i", theLab().paths.inventory, ...args], {
    env: { REDIS_PASSWORD: password },
  });
  outputs.push(r.stdout, r.stderr);
  return r;
}

/** redis-cli on a node's own address; `auth: false` connects as a client without the password. */
function redisCli(node: Node, args: string[], auth = true): Promise<string> {
  return redisCliAt(node, ADDRESS[node], args, auth ? PASSWORD : undefined);
}

/** One INFO section as a field map. */
async function info(node: Node, section: string): Promise<Record<string, string>> {
  return infoFields(await redisCli(node, ["info", section]));
}

const runId = async (node: Node) => (await info(node, "server")).run_id;
const runIds = async () => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, await runId(n)] as const)));

/** The replication fields a user compares: role and whom it follows. */
async function roleFields(node: Node): Promise<Record<string, string | undefined>> {
  const r = await info(node, "replication");
  return { role: r.role, master_host: r.master_host, master_port: r.master_port };
}
const allRoleFields = async () =>
  Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, await roleFields(n)] as const)));

const confPath = (node: Node) => join(theLab().dir, "nodes", node, "etc-redis", "redis.conf");
const conf = (node: Node) => readFile(confPath(node), "utf8");
const allConf = async () => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, await conf(n)] as const)));


/** The group a user calls healthy: `primary` with both others in sync, a fresh key readable on each. */
async function expectHealthy(primary: Node, key: string): Promise<void> {
  const replicas = NODES.filter((n) => n !== primary);
  await eventually(async () => {
    const p = await info(primary, "replication");
    expect(p.role).toBe("master");
    expect(p.connected_slaves).toBe(String(replicas.length));
    for (const r of replicas) {
      const i = await info(r, "replication");
      expect(i).toMatchObject({ role: "slave", master_host: ADDRESS[primary], master_link_status: "up" });
    }
  });
  expect(await redisCli(primary, ["set", key, `v-${key}`])).toBe("OK");
  for (const r of replicas) await eventually(async () => expect(await redisCli(r, ["get", key])).toBe(`v-${key}`));
}

function expectNoChanges(r: CliResult): void {
  const counts = recap(r.stdout);
  expect(Object.keys(counts).sort()).toEqual([...NODES]);
  for (const n of NODES) expect(counts[n]?.changed, `${n} changed`).toBe(0);
}

beforeAll(async () => {
  lab = await startLab({ nodes: 3, base: BASE });
});

afterAll(async () => {
  if (lab) await stopLab(lab);
});

describe("playbooks/setup.yaml on a 3-node lab", () => {
  it("a fresh group converges to node-1 as a password-protected primary with two replicas in sync", async () => {
    const r = await setup();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await expectHealthy("node-1", "fresh:key");

    const noAuth = await redisCli("node-1", ["get", "fresh:key"], false);
    expect(noAuth).toMatch(/^NOAUTH/);
    // `lab status` reads the roles of a locked group with the password.
    const rows = await labStatus({ dir: lab!.dir, password: PASSWORD });
    expect(rows.map((row) => row.role)).toEqual(["master", "slave", "slave"]);

    for (const n of NODES) {
      const text = await conf(n);
      expect(text).toMatch(new RegExp(`^requirepass "?${PASSWORD}"?$`, "m"));
      expect(text).toMatch(new RegExp(`^masterauth "?${PASSWORD}"?$`, "m"));
      expect(text.match(/^bind .*$/gm)).toEqual([`bind ${ADDRESS[n]}`]);
      expect(text.match(/^replicaof .*$/gm)).toEqual(n === "node-1" ? null : ["replicaof 127.0.0.21 6379"]);
    }
  });

  it("a second run reports changed=0 on every host and restarts nothing", async () => {
    const before = await runIds();
    const r = await setup(["--detailed-exitcode"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expectNoChanges(r);
    expect(await runIds()).toEqual(before);
  });

  it("a hand-edited redis.conf: --check --diff shows exactly that line and touches nothing; a real run restores the file without a restart", async () => {
    const converged = await conf("node-2");
    const drifted = converged.replace(/^repl-backlog-size .*$/m, "repl-backlog-size 3mb");
    expect(drifted).not.toBe(converged);
    await writeFile(confPath("node-2"), drifted);
    const confsBefore = await allConf();
    const rolesBefore = await allRoleFields();
    const idsBefore = await runIds();

    const check = await setup(["--check", "--diff", "--detailed-exitcode"]);
    expect(check.code, check.stdout + check.stderr).toBe(6);
    const diffLines = check.stdout.split("\n").filter((l) => /^[-+](?![-+]{2} )/.test(l));
    expect(diffLines).toEqual(["-repl-backlog-size 3mb", `+${/^repl-backlog-size .*$/m.exec(converged)![0]}`]);
    expect(await allConf()).toEqual(confsBefore);
    expect(await allRoleFields()).toEqual(rolesBefore);
    expect(await runIds()).toEqual(idsBefore);

    const fix = await setup();
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    expect(await conf("node-2")).toBe(converged);
    // Only the file was edited: the running server already has the file's value, so nothing restarts.
    expect(await runIds()).toEqual(idsBefore);
    await expectHealthy("node-1", "drift:file");
  });

  it("REPLICAOF NO ONE by hand: --check predicts REPLICAOF 127.0.0.21 6379; a real run repairs it without a restart", async () => {
    expect(await redisCli("node-3", ["replicaof", "no", "one"])).toBe("OK");
    const confsBefore = await allConf();
    const idsBefore = await runIds();

    const check = await setup(["--check"]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/REPLICAOF 127\.0\.0\.21 6379/);
    expect(await roleFields("node-3")).toEqual({ role: "master", master_host: undefined, master_port: undefined });
    expect(await allConf()).toEqual(confsBefore);

    const fix = await setup();
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    expect(await runIds()).toEqual(idsBefore);
    expect(await allConf()).toEqual(confsBefore);
    await expectHealthy("node-1", "drift:role");
  });

  it("a wrong password fails with an authentication error naming each node and changes no file", async () => {
    const confsBefore = await allConf();
    const idsBefore = await runIds();
    const r = await setup([], WRONG_PASSWORD);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    for (const n of NODES) expect(out).toMatch(new RegExp(`authentication to Redis on ${n} \\(${ADDRESS[n].replace(/\./g, "\\.")}:6379\\) failed`));
    expect(out).not.toContain(WRONG_PASSWORD);
    expect(out).not.toContain(PASSWORD);
    expect(await allConf()).toEqual(confsBefore);
    expect(await runIds()).toEqual(idsBefore);
  });

  it("a replica down is reported UNREACHABLE (exit 3) while the others stay healthy; after it starts, a re-run heals the group", async () => {
    const l = theLab();
    await labKill("node-3", { dir: l.dir });
    const down = await setup();
    expect(down.code, down.stdout + down.stderr).toBe(3);
    expect(down.stdout).toMatch(/\[node-3\]: UNREACHABLE!/);
    expect(recap(down.stdout)).toMatchObject({
      "node-1": { unreachable: 0, failed: 0 },
      "node-2": { unreachable: 0, failed: 0 },
      "node-3": { unreachable: 1 },
    });
    await eventually(async () => {
      expect(await info("node-1", "replication")).toMatchObject({ role: "master", connected_slaves: "1" });
      expect(await info("node-2", "replication")).toMatchObject({ role: "slave", master_host: "127.0.0.21", master_link_status: "up" });
    });

    expect(await labStart("node-3", { dir: l.dir })).toBe(true);
    const up = await setup();
    expect(up.code, up.stdout + up.stderr).toBe(0);
    await expectHealthy("node-1", "after:restart");
  });

  it("a directive the server refuses never reaches a disk: the run fails quoting the server (exit 2) and restarts nothing", async () => {
    await expectHealthy("node-1", "before:refused");
    const confsBefore = await allConf();
    const idsBefore = await runIds();

    const r = await setup(["-e", JSON.stringify({ redis_extra_config: ["no-such-directive yes"] })]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    // Every node's new file is checked before any node is touched: each one is refused.
    const failed = Object.entries(recap(r.stdout)).filter(([, c]) => (c.failed ?? 0) > 0).map(([h]) => h as Node);
    expect(failed.sort()).toEqual([...NODES]);
    // The server's own words, with the line of the real file.
    expect(r.stdout).toMatch(/FATAL CONFIG FILE ERROR[\s\S]*no-such-directive yes[\s\S]*Bad directive or wrong number of arguments/);
    for (const n of NODES) expect(r.stdout).toMatch(new RegExp(`fatal: \\[${n}\\]: FAILED! => ${n}: validation failed[\\s\\S]*?nothing was changed on any node`));
    expect(await allConf()).toEqual(confsBefore);
    expect(await runIds()).toEqual(idsBefore);
    await expectHealthy("node-1", "after:refused");
  });

  it("a setting that passes the check but keeps the server from starting rolls the node back, fails naming it (exit 2) and restarts no other node", async () => {
    await expectHealthy("node-1", "before:bad");
    const confsBefore = await allConf();
    const idsBefore = await runIds();

    // A log file in a directory the server's user cannot write (root's home): a valid directive,
    // and a path that exists (so the config check passes it), fatal only at start.
    const r = await setup(["-e", JSON.stringify({ redis_extra_config: ["logfile /root/redplay-bad.log"] })]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const failed = Object.entries(recap(r.stdout)).filter(([, c]) => (c.failed ?? 0) > 0).map(([h]) => h as Node);
    expect(failed).toHaveLength(1);
    const bad = failed[0]!;
    expect(r.stdout).toContain(`${bad} did not come back healthy with the new redis.conf`);

    expect(await conf(bad)).toBe(confsBefore[bad]);
    expect(await redisCli(bad, ["ping"])).toBe("PONG");
    expect(await runId(bad)).not.toBe(idsBefore[bad]);
    for (const n of NODES.filter((x) => x !== bad)) expect(await runId(n), `${n} restarted`).toBe(idsBefore[n]);
    // Files are written node by node in the restart waves: the bad line reached no other node's disk.
    for (const n of NODES) expect(await conf(n), `${n} redis.conf`).not.toContain("redplay-bad.log");

    const restore = await setup();
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(await allConf()).toEqual(confsBefore);
    await expectHealthy("node-1", "after:bad");
  });

  it("a restart left pending by an interrupted run is done by the next run, although the file no longer changes", async () => {
    const marker = join(lab.dir, "nodes", "node-3", "etc-redis", "redis.conf.restart-pending");
    await writeFile(marker, "left by an interrupted run\n");
    const idsBefore = await runIds();
    const r = await setup();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await runId("node-3")).not.toBe(idsBefore["node-3"]);
    for (const n of ["node-1", "node-2"] as const) expect(await runId(n), `${n} restarted`).toBe(idsBefore[n]);
    expect(existsSync(marker)).toBe(false);
    await expectHealthy("node-1", "after:pending");
  });

  it("after a failover by hand, setup keeps node-2 as primary, rewrites the files to match, then changes nothing", async () => {
    expect(await redisCli("node-2", ["replicaof", "no", "one"])).toBe("OK");
    expect(await redisCli("node-1", ["replicaof", "127.0.0.22", "6379"])).toBe("OK");
    expect(await redisCli("node-3", ["replicaof", "127.0.0.22", "6379"])).toBe("OK");

    const r = await setup();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await expectHealthy("node-2", "after:failover");
    expect((await conf("node-2")).match(/^replicaof .*$/gm)).toBeNull();
    for (const n of ["node-1", "node-3"] as const) {
      expect((await conf(n)).match(/^replicaof .*$/gm)).toEqual(["replicaof 127.0.0.22 6379"]);
    }

    const idsBefore = await runIds();
    const again = await setup(["--detailed-exitcode"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expectNoChanges(again);
    expect(await runIds()).toEqual(idsBefore);
    expect(await roleFields("node-2")).toMatchObject({ role: "master" });
  });

  it("no output of any run contains the password", () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const o of outputs) {
      expect(o).not.toContain(PASSWORD);
      expect(o).not.toContain(WRONG_PASSWORD);
    }
  });
});
