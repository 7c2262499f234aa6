// playbooks/setup.yaml on a 3-node lab (127.0.0.195-197) when a run that wrote a bad redis.conf
// (a setting the server's check accepts but that keeps it from starting) was killed before the
// node restarted. What such a run leaves is reproduced byte for byte: the bad file exactly as
// setup renders it (captured from the node's disk during a real run with the same setting), a
// backup of the config the node ran with, and the restart-pending marker naming that backup,
// written as the template module writes them, while the node keeps running its old config.
// Outcomes are read back independently of redplay: redis-cli on each node's address (PING,
// run_id), the bytes and modes of files under each node's directory, exit codes.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timestamp } from "../../src/modules/file-content.js";
import { BIN, REPO, recap, runCli, type CliResult } from "../helpers/cli.js";
import { eventually } from "../helpers/lab-redis.js";
import { infoFields, redisCliAt } from "../helpers/redis-cli.js";
import { sshRun, startLab, stopLab, type TestLab } from "../helpers/lab.js";

const BASE = "127.0.0.195";
const PASSWORD = "Known-Good-Pw-4t7w";
const NODES = ["node-1", "node-2", "node-3"] as const;
type Node = (typeof NODES)[number];
const ADDRESS: Record<Node, string> = { "node-1": "127.0.0.195", "node-2": "127.0.0.196", "node-3": "127.0.0.197" };
// A log file in a directory the server's user cannot write (root's home, mode 0700): the config
// check (run as root) passes it, the server refuses to start with it.
const BAD_LINE = "logfile /root/redplay-bad.log";
const BAD = ["-e", JSON.stringify({ redis_extra_config: [BAD_LINE] })];
/** The path of redis.conf on every node (Debian's), as the marker names its backups. */
const CONF = "/etc/redis/redis.conf";

let lab: TestLab | undefined;
const outputs: string[] = [];
/** Filled by the capture test: the node a bad run stops on, and the exact file setup writes there. */
let badNode: Node | undefined;
let badText: string | undefined;

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

function redisCli(node: Node, args: string[]): Promise<string> {
  return redisCliAt(node, ADDRESS[node], args, PASSWORD);
}

async function info(node: Node, section: string): Promise<Record<string, string>> {
  return infoFields(await redisCli(node, ["info", section]));
}

const runIds = async () => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, (await info(n, "server")).run_id] as const)));
const etcDir = (node: Node) => join(theLab().dir, "nodes", node, "etc-redis");
const confPath = (node: Node) => join(etcDir(node), "redis.conf");
const markerPath = (node: Node) => join(etcDir(node), "redis.conf.restart-pending");
const conf = (node: Node) => readFile(confPath(node), "utf8");
/** Backups of redis.conf beside it, oldest first. */
const backups = (node: Node) => {
  // By time stamp, then by the number a second backup within the same second gets (".1~" would
  // sort before "~" by name).
  const key = (f: string) => {
    const m = /^redis\.conf\.(\d{14})(?:\.(\d+))?~$/.exec(f)!;
    return [Number(m[1]), Number(m[2] ?? 0)] as const;
  };
  return readdirSync(etcDir(node))
    .filter((f) => /^redis\.conf\.\d{14}(\.\d+)?~$/.test(f))
    .sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
};


/** node-1 primary, both others in sync with it. */
async function expectInSync(): Promise<void> {
  await eventually(async () => {
    expect(await info("node-1", "replication")).toMatchObject({ role: "master", connected_slaves: "2" });
    for (const n of ["node-2", "node-3"] as const) {
      expect(await info(n, "replication")).toMatchObject({ role: "slave", master_host: ADDRESS["node-1"], master_link_status: "up" });
    }
  }, 75);
}

/**
 * What a `setup -e BAD` killed right after writing `node`'s redis.conf leaves there: a backup of
 * the config the node runs (cp -p, mode 0640), the marker naming it (0600), then the bad file.
 * The node keeps running its old config. Returns the backup's path on the node.
 */
async function leaveInterruptedRun(node: Node, bad: string): Promise<string> {
  const backup = `${CONF}.${timestamp(new Date())}~`;
  const r = await sshRun(theLab(), node, `cp -p ${CONF} ${backup} && chmod 0640 ${backup}`);
  expect(r.code, r.stderr).toBe(0);
  await writeFile(markerPath(node), `${backup}\n`, { mode: 0o600 });
  await writeFile(confPath(node), bad);
  return backup;
}

beforeAll(async () => {
  lab = await startLab({ nodes: 3, base: BASE });
});

afterAll(async () => {
  if (lab) await stopLab(lab);
});

describe("setup.yaml after a run interrupted between writing a bad redis.conf and restarting", () => {
  it("a fresh group converges", async () => {
    const r = await setup();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await expectInSync();
  });

  it("(capture) a bad setting stops the run on the first node it reaches; the file setup wrote there is kept for the tests below", async () => {
    const seen: Partial<Record<Node, string>> = {};
    let polling = true;
    // The bad file lives on the node's disk from its write until the rollback: read it then.
    const poll = (async () => {
      while (polling) {
        for (const n of NODES) {
          try {
            const text = readFileSync(confPath(n), "utf8");
            if (text.includes(BAD_LINE)) seen[n] ??= text;
          } catch {
            // mid-rename
          }
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const r = await setup(BAD);
    polling = false;
    await poll;
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const failed = Object.entries(recap(r.stdout)).filter(([, c]) => (c.failed ?? 0) > 0).map(([h]) => h as Node);
    expect(failed).toHaveLength(1);
    badNode = failed[0]!;
    expect(Object.keys(seen)).toEqual([badNode]);
    badText = seen[badNode];
    expect(await redisCli(badNode, ["ping"])).toBe("PONG");
    expect(await conf(badNode)).not.toContain(BAD_LINE);
    await expectInSync();
  });

  it("the same bad command again: the pending restart fails, the config named in the marker is restored, the node runs, exit 2 with a clear message", async () => {
    const node = badNode!;
    const good = await conf(node);
    const known = await leaveInterruptedRun(node, badText!);
    const backupsBefore = backups(node);
    const idsBefore = await runIds();

    const r = await setup(BAD);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(Object.entries(recap(r.stdout)).filter(([, c]) => (c.failed ?? 0) > 0).map(([h]) => h)).toEqual([node]);
    expect(r.stdout).toContain(
      `${node} did not come back healthy with the new redis.conf, so the last one it ran with (${known}) was restored and the server restarted with it`,
    );
    expect(await redisCli(node, ["ping"])).toBe("PONG");
    expect(await conf(node)).toBe(good);
    expect(existsSync(markerPath(node))).toBe(false);
    // The file setup would write was already there: nothing was written, so no backup either.
    expect(backups(node)).toEqual(backupsBefore);
    const ids = await runIds();
    expect(ids[node]).not.toBe(idsBefore[node]);
    for (const n of NODES.filter((x) => x !== node)) expect(ids[n], `${n} restarted`).toBe(idsBefore[n]);
    await expectInSync();
  });

  it("a run without the bad setting: the newly rendered file replaces the bad one, the node restarts with it, exit 0", async () => {
    const node = badNode!;
    const good = await conf(node);
    const known = await leaveInterruptedRun(node, badText!);
    const idsBefore = await runIds();

    const r = await setup();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await redisCli(node, ["ping"])).toBe("PONG");
    expect(await conf(node)).toBe(good);
    expect(existsSync(markerPath(node))).toBe(false);
    // The known-good backup the marker named is still there (never pruned while named).
    expect(readFileSync(join(etcDir(node), known.slice(known.lastIndexOf("/") + 1)), "utf8")).toBe(good);
    const ids = await runIds();
    expect(ids[node]).not.toBe(idsBefore[node]);
    for (const n of NODES.filter((x) => x !== node)) expect(ids[n], `${n} restarted`).toBe(idsBefore[n]);
    await expectInSync();
  });

  it("a node left down by a run killed between stopping and starting it is started again by the next run", async () => {
    const node = badNode!;
    const good = await conf(node);
    await leaveInterruptedRun(node, good);
    const stopped = await sshRun(theLab(), node, "service redis-server stop");
    expect(stopped.code, stopped.stderr).toBe(0);
    await expect(redisCli(node, ["ping"])).rejects.toThrow();

    const r = await setup();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await redisCli(node, ["ping"])).toBe("PONG");
    expect(existsSync(markerPath(node))).toBe(false);
    expect(await conf(node)).toBe(good);
    await expectInSync();
  });

  it("a run killed while its restart with a bad file fails: the host itself puts back the file the node ran with and restarts it, with no other run", async () => {
    const goods = Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, await conf(n)] as const))) as Record<Node, string>;
    const child = spawn(process.execPath, [BIN, "run", "playbooks/setup.yaml", "-i", theLab().paths.inventory, ...BAD], {
      cwd: REPO,
      env: { ...process.env, REDIS_PASSWORD: PASSWORD },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    let down: Node | undefined;
    try {
      // The first node restarted with the bad file stops answering; the run waits on it for seconds.
      const deadline = Date.now() + 60_000;
      while (!down && Date.now() < deadline) {
        for (const n of NODES) {
          if (!existsSync(markerPath(n))) continue;
          const answers = await redisCli(n, ["ping"]).then(() => true, () => false);
          if (!answers) {
            down = n;
            break;
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect(down, "a node down after its restart with the bad file").toBeDefined();
    const node = down!;
    expect(await conf(node)).toContain(BAD_LINE);
    expect(existsSync(markerPath(node))).toBe(true);
    // No run of redplay from here on: the guard armed before the restart does it.
    await eventually(async () => expect(await redisCli(node, ["ping"])).toBe("PONG"), 150);
    expect(await conf(node)).toBe(goods[node]);
    await eventually(async () => expect(existsSync(markerPath(node))).toBe(false));
    await expectInSync();
  });

  it("after more changes than redis_conf_backups, each node keeps only that many backups, mode 0640 or stricter", async () => {
    for (const hz of [11, 12, 13]) {
      const r = await setup(["-e", JSON.stringify({ redis_conf_backups: 2, redis_extra_config: [`hz ${hz}`] })]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    for (const n of NODES) {
      const kept = backups(n);
      expect(kept, n).toHaveLength(2);
      // The newest two: the files the last two changes replaced.
      expect(kept.map((b) => (/^hz 1[12]$/m.exec(readFileSync(join(etcDir(n), b), "utf8")) ?? [""])[0]), n).toEqual(["hz 11", "hz 12"]);
      for (const b of kept) {
        const st = statSync(join(etcDir(n), b));
        expect(st.mode & 0o7777 & ~0o640, `${n} ${b} mode ${(st.mode & 0o7777).toString(8)}`).toBe(0);
        expect(st.gid, `${n} ${b} group`).toBe(statSync(confPath(n)).gid);
      }
    }
    await expectInSync();
  });

  it("no output of any run contains the password", () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const o of outputs) expect(o).not.toContain(PASSWORD);
  });
});
