// ACL users on systemd hosts (Debian 12, Redis 7.0): a running password-only group turned to
// least-privilege users (replication, redplay's own, an application's; the default user off), then
// a rerun, a user added, runtime drift, a failover and a switchover with the restricted users.
// Every check logs in as each user with an independent client and asks the servers.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { recap } from "../helpers/cli.js";
import { sshRun } from "../helpers/lab.js";
import { until } from "../helpers/lab-redis.js";
import { useLab } from "../helpers/use-lab.js";

const PASSWORD = "lab-only-password";
const ADMIN = "acl-admin-pw-71";
const REPL = "acl-repl-pw-72";
const APP = "acl-app-pw-73";
const REPORTS = "acl-reports-pw-74";
const SECRETS = [PASSWORD, ADMIN, REPL, APP, REPORTS];
const NODES = ["node-1", "node-2", "node-3"];
const app = { name: "app", password: APP, keys: ["app:*"], commands: ["+@read", "+@write", "-@dangerous"] };
const reports = { name: "reports", password: REPORTS, keys: ["report:*"], commands: ["+@read"] };
const vars = (users: object[]) => ["-e", JSON.stringify({ redis_acl: true, redis_admin_password: ADMIN, redis_replication_password: REPL, redis_users: users })];

describe("ACL users on systemd hosts (Debian 12, Redis 7.0)", () => {
  const { theLab, playbook: run, outputs } = useLab({ base: "127.0.0.135", os: "bookworm", server: "redis" }, PASSWORD);
  const addr = (n: string) => theLab().address[n]!;
  /** A client logged in as `user` (default user: no name). */
  const as = async (node: string, user: string | undefined, password: string): Promise<Redis> => {
    const c = new Redis({ host: addr(node), port: 6379, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
    c.on("error", () => undefined);
    await c.connect();
    await (user ? c.call("AUTH", user, password) : c.call("AUTH", password));
    return c;
  };
  const admin = (node: string) => as(node, "redplay", ADMIN);
  const adminCall = async (node: string, ...args: string[]) => {
    const c = await admin(node);
    try {
      return await c.call(args[0]!, ...args.slice(1));
    } finally {
      c.disconnect();
    }
  };
  const runIds = async () => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, /run_id:(\w+)/.exec(String(await adminCall(n, "INFO", "server")))![1]!])));
  const roleOf = async (n: string) => {
    const info = String(await adminCall(n, "INFO", "replication"));
    return /role:master/.test(info) ? "master" : `replica of ${/master_host:(\S+)/.exec(info)![1]} link ${/master_link_status:(\w+)/.exec(info)![1]}`;
  };
  const expectNoChange = (stdout: string) => {
    for (const c of Object.values(recap(stdout))) expect(c.changed, stdout).toBe(0);
  };

  it("turns a running password-only group to ACL users: each user can do only what it needs, the default user is off", async () => {
    const plain = await run("setup.yaml");
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);

    const r = await run("setup.yaml", ...vars([app]));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const n of NODES) {
      // The replication user: PING, nothing else.
      const repl = await as(n, "replication", REPL);
      expect(await repl.ping()).toBe("PONG");
      await expect(repl.set("x", "1")).rejects.toThrow(/NOPERM/);
      await expect(repl.call("CONFIG", "GET", "maxmemory")).rejects.toThrow(/NOPERM/);
      repl.disconnect();
      // The default user is off: its old password opens nothing.
      await expect(as(n, undefined, PASSWORD)).rejects.toThrow(/WRONGPASS|disabled|invalid/);
      // The file holds hashes, never a password.
      const file = await sshRun(theLab(), n, "cat /etc/redis/users.acl; grep -E '^(aclfile|masteruser) ' /etc/redis/redis.conf");
      for (const s of SECRETS) expect(file.stdout).not.toContain(s);
      expect(file.stdout).toContain("aclfile /etc/redis/users.acl");
      expect(file.stdout).toContain("masteruser replication");
    }
    // Replicas sync as the replication user.
    const primary = (await roleOf("node-1")) === "master" ? "node-1" : (await roleOf("node-2")) === "master" ? "node-2" : "node-3";
    const replicaClients = String(await adminCall(primary, "CLIENT", "LIST", "TYPE", "replica"));
    expect(replicaClients.trim().split("\n").map((l) => /user=(\S+)/.exec(l)![1])).toEqual(["replication", "replication"]);
    // The application user: its keys, read and write, nothing dangerous.
    const a = await as(primary, "app", APP);
    expect(await a.set("app:1", "v")).toBe("OK");
    await expect(a.set("other:1", "v")).rejects.toThrow(/NOPERM/);
    await expect(a.call("FLUSHALL")).rejects.toThrow(/NOPERM/);
    a.disconnect();
    for (const n of NODES.filter((x) => x !== primary)) {
      const ra = await as(n, "app", APP);
      await until(`app:1 on ${n}`, async () => (await ra.get("app:1")) === "v", 10_000);
      ra.disconnect();
    }
    for (const o of outputs) for (const s of SECRETS) expect(o).not.toContain(s);
  });

  it("a rerun changes nothing; its health report names each node's users", async () => {
    const ids = await runIds();
    const again = await run("setup.yaml", ...vars([app]), "-v");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
    expect(await runIds()).toEqual(ids);
    for (const n of NODES) expect(again.stdout, n).toMatch(new RegExp(`${n}: (primary|replica in sync [^;]*); users: app, redplay, replication; off: default`));
  });

  it("adding a user changes only the users, at runtime: nothing restarts", async () => {
    const ids = await runIds();
    const r = await run("setup.yaml", ...vars([app, reports]));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await runIds()).toEqual(ids);
    for (const n of NODES) {
      const c = await as(n, "reports", REPORTS);
      expect(await c.get("report:none")).toBeNull();
      await expect(c.set("report:1", "v")).rejects.toThrow(/NOPERM/);
      c.disconnect();
    }
  });

  it("a user changed by hand is drift: --check shows ACL LOAD, a real run puts the file's users back without a restart", async () => {
    expect(await adminCall("node-2", "ACL", "SETUSER", "app", ">hand-set-password")).toBe("OK");
    const ids = await runIds();
    const check = await run("setup.yaml", ...vars([app, reports]), "--check");
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/would: ACL LOAD \(running users differ: app\)/);
    const fix = await run("setup.yaml", ...vars([app, reports]));
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    await expect(as("node-2", "app", "hand-set-password")).rejects.toThrow(/WRONGPASS|invalid/);
    (await as("node-2", "app", APP)).disconnect();
    expect(await runIds()).toEqual(ids);
  });

  it("a command rule changed by hand is drift too: --check names the user, a real run puts the file's rules back", async () => {
    // The application user loses its writes on the primary, by hand; nothing else about it changes.
    const primary = (await roleOf("node-1")) === "master" ? "node-1" : (await roleOf("node-2")) === "master" ? "node-2" : "node-3";
    expect(await adminCall(primary, "ACL", "SETUSER", "app", "-@write")).toBe("OK");
    const before = await as(primary, "app", APP);
    await expect(before.set("app:by-hand", "1")).rejects.toThrow(/NOPERM/);
    before.disconnect();
    const ids = await runIds();
    const check = await run("setup.yaml", ...vars([app, reports]), "--check");
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/would: ACL LOAD \(running users differ: app\)/);
    expect(check.stdout.match(/running users differ/g)).toHaveLength(1);
    const fix = await run("setup.yaml", ...vars([app, reports]));
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    const after = await as(primary, "app", APP);
    expect(await after.set("app:by-hand", "1")).toBe("OK");
    after.disconnect();
    expect(await runIds()).toEqual(ids);
    expectNoChange((await run("setup.yaml", ...vars([app, reports]))).stdout);
    // The throwaway servers that listed the file's users are gone, with their temp dirs.
    for (const n of NODES) {
      // (The command names the dir through a variable, so that it does not match itself.)
      const left = await sshRun(theLab(), n, "p=redplay-acl; ls -d ${TMPDIR:-/tmp}/$p-check.* 2>/dev/null | wc -l; ps -eo args | grep -c '[r]edplay-acl-check' || true");
      expect(left.stdout.trim().split("\n"), n).toEqual(["0", "0"]);
    }
  });

  it("a failover and a switchover work with the restricted users", async () => {
    const primary = (await roleOf("node-1")) === "master" ? "node-1" : (await roleOf("node-2")) === "master" ? "node-2" : "node-3";
    await labKill(primary, { dir: theLab().dir });
    const others = NODES.filter((n) => n !== primary);
    await until("replicas to see the primary gone", async () => (await roleOf(others[0]!)).endsWith("link down"));
    const f = await run("failover.yaml", ...vars([app, reports]));
    expect(f.code, f.stdout + f.stderr).toBe(0);
    const promoted = /primary (node-\d): clients must now use/.exec(f.stdout)![1]!;
    const a = await as(promoted, "app", APP);
    expect(await a.set("app:after-failover", "1")).toBe("OK");
    a.disconnect();
    await labStart(primary, { dir: theLab().dir });
    const heal = await run("setup.yaml", ...vars([app, reports]));
    expect(heal.code, heal.stdout + heal.stderr).toBe(0);
    expect(await roleOf(primary)).toBe(`replica of ${addr(promoted)} link up`);

    const s = await run("switchover.yaml", "-e", `new_primary=${primary}`, ...vars([app, reports]));
    expect(s.code, s.stdout + s.stderr).toBe(0);
    expect(await roleOf(primary)).toBe("master");
    for (const n of NODES.filter((x) => x !== primary)) await until(`${n} to follow ${primary}`, async () => (await roleOf(n)) === `replica of ${addr(primary)} link up`);
    const again = await run("setup.yaml", ...vars([app, reports]));
    expectNoChange(again.stdout);
    for (const o of outputs) for (const sec of SECRETS) expect(o).not.toContain(sec);
  });
});
