// Sentinel with least-privilege users on systemd hosts (Debian 12 with Redis 7.0 and
// redis-sentinel, Debian 13 with Valkey 8.1 and valkey-sentinel, and with Redis 8.0 and redis-sentinel, the Sentinel package installed
// by sentinel.yaml): the default user off, Sentinel logging in to the nodes as its own
// ACL user (redis_sentinel_password), which can send what Sentinel sends and nothing else. A crash
// of the primary's host is then failed over by Sentinel with that user alone. Every check asks
// the servers and the Sentinels with independent clients, not redplay's report.
import { Redis } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { recap } from "../helpers/cli.js";
import { sshRun } from "../helpers/lab.js";
import { until, untilSentinelPromoted } from "../helpers/lab-redis.js";
import { DEBIAN12_REDIS, DEBIAN13_REDIS, DEBIAN13_VALKEY, type LabTarget } from "../helpers/systemd-targets.js";
import { useLab } from "../helpers/use-lab.js";

// Installing a package and booting hosts on a loaded machine: more than the default 120 s per test.
vi.setConfig({ testTimeout: 600_000 });

const PASSWORD = "lab-only-password";
const ADMIN = "sacl-admin-pw-81";
const REPL = "sacl-repl-pw-82";
const SENTINEL = "sacl-sentinel-pw-83";
const SECRETS = [PASSWORD, ADMIN, REPL, SENTINEL];
const NODES = ["node-1", "node-2", "node-3"];
const acl = { redis_acl: true, redis_admin_password: ADMIN, redis_replication_password: REPL };
const withSentinelUser = { ...acl, redis_sentinel_password: SENTINEL };
/** Sentinel declares a primary down after 1 s instead of 5 s: the crash test fails over sooner. */
const FAST = { sentinel_down_after_milliseconds: 1000 };
const e = (vars: object) => ["-e", JSON.stringify(vars)];

const TARGETS: LabTarget[] = [
  { ...DEBIAN12_REDIS, base: "127.0.0.250" },
  { ...DEBIAN13_VALKEY, base: "127.0.0.115" },
  { ...DEBIAN13_REDIS, base: "127.0.0.24" },
];

describe.each(TARGETS)("Sentinel logging in as its own ACL user, the default user off ($title)", (t) => {
  const { theLab, playbook, outputs } = useLab({ base: t.base, os: t.os, server: t.server }, PASSWORD);
  const addr = (n: string) => theLab().address[n]!;
  const run = (name: string, vars: object) => playbook(name, ...e(vars));
  /** A client on the node's Redis logged in as `user` (no name: the default user). */
  const as = async (node: string, user: string | undefined, password: string): Promise<Redis> => {
    const c = new Redis({ host: addr(node), port: 6379, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false, connectTimeout: 3000 });
    c.on("error", () => undefined);
    await c.connect();
    try {
      await (user ? c.call("AUTH", user, password) : c.call("AUTH", password));
    } catch (err) {
      c.disconnect();
      throw err;
    }
    return c;
  };
  const adminCall = async (node: string, ...args: string[]): Promise<unknown> => {
    const c = await as(node, "redplay", ADMIN);
    try {
      return await c.call(args[0]!, ...args.slice(1));
    } finally {
      c.disconnect();
    }
  };
  const roleOf = async (n: string): Promise<string> => {
    const info = String(await adminCall(n, "INFO", "replication"));
    return /role:master/.test(info) ? "master" : `replica of ${/master_host:(\S+)/.exec(info)![1]} link ${/master_link_status:(\w+)/.exec(info)![1]}`;
  };
  const runIds = async () => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, /run_id:(\w+)/.exec(String(await adminCall(n, "INFO", "server")))![1]!])));
  const sentinelMaster = async (node: string): Promise<Record<string, string>> => {
    const c = new Redis({ host: addr(node), port: 26379, password: PASSWORD, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false, connectTimeout: 3000 });
    c.on("error", () => undefined);
    try {
      await c.connect();
      const flat = (await c.call("SENTINEL", "MASTER", "redis")) as string[];
      const out: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
      return out;
    } finally {
      c.disconnect();
    }
  };
  /** Commands a node refused to the Sentinel user (its ACL LOG), one line each. */
  const refusedToSentinel = async (node: string): Promise<string[]> => {
    const log = (await adminCall(node, "ACL", "LOG")) as unknown[][];
    return log
      .map((entry) => {
        const f: Record<string, unknown> = {};
        for (let i = 0; i + 1 < entry.length; i += 2) f[String(entry[i])] = entry[i + 1];
        return f;
      })
      .filter((f) => f.username === "sentinel")
      .map((f) => `${String(f.reason)} ${String(f.object)}`);
  };
  const expectNoChange = (stdout: string) => {
    const counts = Object.values(recap(stdout));
    expect(counts.length).toBe(3);
    for (const c of counts) expect(c.changed, stdout).toBe(0);
  };

  it("sentinel.yaml refuses the default user that is off, and a Sentinel user the nodes do not have yet; setup.yaml adds the user without a restart", async () => {
    const setup = await run("setup.yaml", acl);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);

    const noUser = await run("sentinel.yaml", { ...acl, ...FAST });
    expect(noUser.code, noUser.stdout).toBe(2);
    expect(noUser.stdout).toContain("Sentinel needs its own user on the nodes: set redis_sentinel_password and run setup.yaml");

    const notYet = await run("sentinel.yaml", { ...withSentinelUser, ...FAST });
    expect(notYet.code, notYet.stdout).toBe(2);
    expect(notYet.stdout).toContain("Sentinel would log in to the nodes as sentinel, but node-1, node-2, node-3 have no such user with redis_sentinel_password switched on: run setup.yaml with redis_sentinel_password first");

    const before = await runIds();
    const added = await run("setup.yaml", withSentinelUser);
    expect(added.code, added.stdout + added.stderr).toBe(0);
    expect(await runIds()).toEqual(before);
    for (const n of NODES) {
      const file = (await sshRun(theLab(), n, `grep '^user sentinel ' ${t.etc}/users.acl`)).stdout.trim();
      expect(file).toMatch(/^user sentinel on #[0-9a-f]{64} resetchannels &__sentinel__:hello -@all \+ping \+info \+subscribe \+publish \+client\|setname \+client\|kill \+script\|kill \+multi \+exec \+slaveof \+config\|rewrite$/);
      // What the user may do: Sentinel's commands; not a write, not another CONFIG, not another channel.
      const s = await as(n, "sentinel", SENTINEL);
      expect(await s.ping()).toBe("PONG");
      expect(String(await s.call("INFO", "replication"))).toMatch(/role:/);
      await expect(s.set("x", "1")).rejects.toThrow(/NOPERM/);
      await expect(s.call("CONFIG", "GET", "maxmemory")).rejects.toThrow(/NOPERM/);
      await expect(s.call("PUBLISH", "other", "x")).rejects.toThrow(/NOPERM/);
      await expect(s.call("FLUSHALL")).rejects.toThrow(/NOPERM/);
      s.disconnect();
    }
    // Those refusals are the test's own: the log is cleared, so that any later entry is Sentinel's.
    for (const n of NODES) expect(await adminCall(n, "ACL", "LOG", "RESET")).toBe("OK");
  });

  it("sentinel.yaml points every Sentinel at that user: the nodes see Sentinel's links log in as it, the default user stays off, reruns change nothing", async () => {
    const r = await run("sentinel.yaml", { ...withSentinelUser, ...FAST });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const n of NODES) {
      const conf = (await sshRun(theLab(), n, `grep -E '^sentinel auth-user ' ${t.etc}/sentinel.conf`)).stdout.trim();
      expect(conf).toBe("sentinel auth-user redis sentinel");
      const m = await sentinelMaster(n);
      expect(m.flags, n).toMatch(/^(master|primary)$/);
      expect(m["num-other-sentinels"], n).toBe("2");
      expect(m["num-slaves"], n).toBe("2");
      // The default user is still off: its old password opens nothing.
      await expect(as(n, undefined, PASSWORD)).rejects.toThrow(/WRONGPASS|disabled|invalid/);
    }
    // Each node's connections from the Sentinels (named sentinel-<id>-cmd / -pubsub) are the sentinel user's.
    await until("every Sentinel's links on every node", async () => {
      for (const n of NODES) {
        const list = String(await adminCall(n, "CLIENT", "LIST"));
        const links = list.split("\n").filter((l) => / name=sentinel-/.test(l));
        if (links.length < 6 || links.some((l) => !/ user=sentinel /.test(l))) return false;
      }
      return true;
    });
    for (const n of NODES) expect(await refusedToSentinel(n), n).toEqual([]);

    expectNoChange((await run("sentinel.yaml", { ...withSentinelUser, ...FAST })).stdout);
    expectNoChange((await run("setup.yaml", withSentinelUser)).stdout);
  });

  it("a crash of the primary's host is failed over by Sentinel with its restricted user alone, and the old primary returns as a replica", async () => {
    const before = await roleOf("node-1");
    expect(before).toBe("master");
    await labKill("node-1", { dir: theLab().dir });
    const promoted = await untilSentinelPromoted(roleOf, addr);
    // Sentinel rewrote the promoted node's config (CONFIG REWRITE, as the sentinel user).
    const conf = (await sshRun(theLab(), promoted, `grep -cE '^(replicaof|slaveof) ' ${t.etc}/${t.conf} || true`)).stdout.trim();
    expect(conf).toBe("0");
    await labStart("node-1", { dir: theLab().dir });
    await until("the old primary following the promoted node", async () => (await roleOf("node-1").catch(() => "")) === `replica of ${addr(promoted)} link up`, 120_000);
    for (const n of NODES) expect(await refusedToSentinel(n), n).toEqual([]);
  });

  it("no password appears in any output", () => {
    expect(outputs.length).toBeGreaterThan(5);
    for (const out of outputs) for (const s of SECRETS) expect(out).not.toContain(s);
  });
});
