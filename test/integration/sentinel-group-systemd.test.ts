// Sentinels on the hosts of an inventory group `sentinels` rather than on the Redis nodes: on a
// 4-host systemd lab (Debian 12), Redis runs on node-1..3 and the Sentinels on node-2, node-3 and
// node-4 (a host with no role in the Redis group). sentinel.yaml installs and configures Sentinel
// there only, and setup.yaml asks those Sentinels who the primary is.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse, stringify } from "yaml";
import { readFileSync } from "node:fs";
import { recap, runCli } from "../helpers/cli.js";
import { sshRun, startLab, stopLab, type TestLab } from "../helpers/lab.js";

// Installing a package and booting hosts on a loaded machine: more than the default 120 s per test.
vi.setConfig({ testTimeout: 300_000 });

const PASSWORD = "lab-only-password";
const REDIS = ["node-1", "node-2", "node-3"];
const SENTINELS = ["node-2", "node-3", "node-4"];

describe("Sentinels on the hosts of the inventory group `sentinels` (Debian 12, Redis 7.0)", () => {
  let lab: TestLab | undefined;
  let inventory = "";
  const theLab = () => {
    if (!lab) throw new Error("lab did not start");
    return lab;
  };
  const addr = (n: string) => theLab().address[n]!;
  const run = (playbook: string, ...extra: string[]) => runCli(["run", `playbooks/${playbook}`, "-i", inventory, ...extra], { timeoutMs: 300_000 });
  const sentinel = async (node: string, ...args: string[]): Promise<unknown> => {
    const c = new Redis({ host: addr(node), port: 26379, password: PASSWORD, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false, connectTimeout: 3000 });
    c.on("error", () => undefined);
    try {
      await c.connect();
      return await c.call(args[0]!, ...args.slice(1));
    } finally {
      c.disconnect();
    }
  };
  const installed = async (n: string) => (await sshRun(theLab(), n, "dpkg-query -W -f='${Status}' redis-sentinel 2>/dev/null")).stdout;

  beforeAll(async () => {
    lab = await startLab({ nodes: 4, base: "127.0.0.204", os: "bookworm", server: "redis" });
    // The lab's own inventory, with the groups of this test.
    const doc = parse(readFileSync(lab.paths.inventory, "utf8")) as { all: { children: Record<string, { hosts: Record<string, unknown>; vars?: unknown }> } };
    const hosts = doc.all.children.redis!.hosts;
    const vars = doc.all.children.redis!.vars;
    doc.all.children = {
      redis: { hosts: Object.fromEntries(REDIS.map((n) => [n, hosts[n]])), vars },
      sentinels: { hosts: Object.fromEntries(SENTINELS.map((n) => [n, hosts[n]])), vars },
    };
    inventory = join(lab.dir, "sentinels.yaml");
    await writeFile(inventory, stringify(doc));
  }, 900_000);
  afterAll(async () => {
    if (lab) await stopLab(lab);
  }, 120_000);

  it("sentinel.yaml deploys Sentinel on node-2, node-3 and node-4 only; each names node-1 the primary, sees the other two and both replicas, CKQUORUM passes; reruns change nothing", async () => {
    const setup = await run("setup.yaml");
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    const r = await run("sentinel.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("3 Sentinel(s) agree: primary node-1 (redis)");
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(await installed("node-1")).toBe("");
    for (const n of SENTINELS) {
      expect(await installed(n), n).toBe("install ok installed");
      const m = (await sentinel(n, "SENTINEL", "MASTER", "redis")) as string[];
      const f = Object.fromEntries(m.flatMap((v, i) => (i % 2 === 0 ? [[v, m[i + 1]!]] : [])));
      expect(`${f.ip}:${f.port} quorum ${f.quorum} sentinels ${f["num-other-sentinels"]} replicas ${f["num-slaves"]}`, n).toBe(`${addr("node-1")}:6379 quorum 2 sentinels 2 replicas 2`);
      expect(String(await sentinel(n, "SENTINEL", "CKQUORUM", "redis")), n).toMatch(/^OK 3 usable Sentinels/);
    }
    const again = await run("sentinel.yaml");
    expect(again.code, again.stdout).toBe(0);
    for (const [host, c] of Object.entries(recap(again.stdout))) expect(c.changed, `${host}\n${again.stdout}`).toBe(0);
    // setup asks the Sentinels of the `sentinels` group, and follows them.
    const forced = await run("setup.yaml", "-e", "redis_primary=node-3");
    expect(forced.code, forced.stdout).toBe(2);
    expect(forced.stdout).toContain("Sentinel manages this group and names node-1 the primary");
    expect(forced.stdout).toContain(`the Sentinel of node-4 (${addr("node-4")}:26379): primary ${addr("node-1")}:6379`);
    const setupAgain = await run("setup.yaml");
    expect(setupAgain.code, setupAgain.stdout).toBe(0);
    for (const [host, c] of Object.entries(recap(setupAgain.stdout))) expect(c.changed, host).toBe(0);
  });
});
