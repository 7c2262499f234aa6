// Redis Sentinel (and Valkey Sentinel) deployed, verified and respected, on real systemd hosts:
// Debian 12 with its redis-server 7.0 package, Debian 13 with its valkey-server 8.1 package; the
// Sentinel package is not installed: the playbook installs it. Every check
// reads the Sentinels (SENTINEL MASTER / REPLICAS / SENTINELS / CKQUORUM / GET-MASTER-ADDR-BY-NAME),
// the servers (INFO, keys, run_id) or the hosts (dpkg, journal, files, ps), not redplay's report.
import { Redis } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { labKill, labStart, type LabServer, type LabSuite } from "../../src/lab/lab.js";
import { recap, runCli } from "../helpers/cli.js";
import { sshRun } from "../helpers/lab.js";
import { until } from "../helpers/lab-redis.js";
import { useLab } from "../helpers/use-lab.js";

// Installing a package and booting hosts on a loaded machine: more than the default 120 s per test.
vi.setConfig({ testTimeout: 600_000 });

const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];
/** Sentinel declares a primary down after 1 s instead of 5 s: the crash test fails over sooner. */
const FAST = ["-e", "sentinel_down_after_milliseconds=1000"];

interface Target {
  title: string;
  os: LabSuite;
  server: LabServer;
  base: string;
  /** The Sentinel package, its service and its config. */
  pkg: string;
  conf: string;
  /** The server's own config (Sentinel rewrites it on failover), and its service. */
  serverConf: string;
  serverService: string;
  /** The version apt offers, as --check names it. */
  candidate: RegExp;
}

const TARGETS: Target[] = [
  {
    title: "Debian 12, Redis 7.0, redis-sentinel",
    os: "bookworm",
    server: "redis",
    base: "127.0.0.224",
    pkg: "redis-sentinel",
    conf: "/etc/redis/sentinel.conf",
    serverConf: "/etc/redis/redis.conf",
    serverService: "redis-server",
    candidate: /5:7\.0\.\d+-\S+/,
  },
  {
    title: "Debian 13, Valkey 8.1, valkey-sentinel",
    os: "trixie",
    server: "valkey",
    base: "127.0.0.227",
    pkg: "valkey-sentinel",
    conf: "/etc/valkey/sentinel.conf",
    serverConf: "/etc/valkey/valkey.conf",
    serverService: "valkey-server",
    candidate: /8\.1\.\d+\S*/,
  },
];

/** A replica or primary flag, whichever word the server uses for it. */
const roleWord = (flags: string | undefined) => (flags ?? "").replace(/^slave$/, "replica").replace(/^master$/, "primary");

describe.each(TARGETS)("Sentinel on systemd hosts ($title, installed by sentinel.yaml)", (t) => {
  const CONF = t.conf;
  const { theLab, redis, call, role, playbook, startWriter } = useLab({ base: t.base, os: t.os, server: t.server }, PASSWORD);
  const addr = (node: string) => theLab().address[node]!;

  let sentinelPort = 26379;
  let sentinelPassword = PASSWORD;
  /** One command on the node's Sentinel (its port, the group's password), over a fresh connection. */
  const sentinel = async (node: string, ...args: string[]): Promise<unknown> => {
    const c = new Redis({ host: addr(node), port: sentinelPort, password: sentinelPassword, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, enableReadyCheck: false, connectTimeout: 3000 });
    c.on("error", () => undefined);
    try {
      await c.connect();
      return await c.call(args[0]!, ...args.slice(1));
    } finally {
      c.disconnect();
    }
  };
  const fields = (reply: unknown): Record<string, string> => {
    const flat = reply as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
    return out;
  };
  const master = async (node: string) => fields(await sentinel(node, "SENTINEL", "MASTER", "redis"));
  const listOf = async (node: string, what: "REPLICAS" | "SENTINELS") => ((await sentinel(node, "SENTINEL", what, "redis")) as unknown[]).map(fields);
  const primaryNamedBy = async (node: string) => ((await sentinel(node, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "redis")) as string[]).join(":");
  const runIds = async (): Promise<Record<string, string>> =>
    Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, /run_id:(\w+)/.exec(String(await call(n, "INFO", "server")))![1]!])));
  const sentinelRunIds = async (): Promise<Record<string, string>> =>
    Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, /run_id:(\w+)/.exec(String(await sentinel(n, "INFO", "server")))![1]!])));
  const files = async (): Promise<Record<string, string>> => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, (await sshRun(theLab(), n, `cat ${CONF}`)).stdout])));
  const primaryOf = async (): Promise<string> => {
    for (const n of NODES) if ((await role(n).catch(() => "")) === "master") return n;
    throw new Error("no primary");
  };
  const expectNoChange = (stdout: string) => {
    const counts = Object.values(recap(stdout));
    expect(counts.length).toBe(3);
    for (const c of counts) expect(c.changed, stdout).toBe(0);
  };
  /** What a user checks on every Sentinel: the same primary, the other two Sentinels, both replicas, CKQUORUM. */
  const expectSentinelsAgree = async (primary: string) => {
    for (const n of NODES) {
      const m = await master(n);
      expect(`${m.ip}:${m.port}`, n).toBe(`${addr(primary)}:6379`);
      expect(roleWord(m.flags), n).toBe("primary");
      expect(m["num-other-sentinels"], n).toBe("2");
      expect(m.quorum, n).toBe("2");
      const replicas = await listOf(n, "REPLICAS");
      expect(replicas.map((r) => `${r.ip}:${r.port} ${roleWord(r.flags)} ${r["master-link-status"]}`).sort(), n).toEqual(
        NODES.filter((x) => x !== primary).map((x) => `${addr(x)}:6379 replica ok`).sort(),
      );
      const others = await listOf(n, "SENTINELS");
      expect(others.map((s) => `${s.ip}:${s.port}`).sort(), n).toEqual(NODES.filter((x) => x !== n).map((x) => `${addr(x)}:${sentinelPort}`).sort());
      expect(String(await sentinel(n, "SENTINEL", "CKQUORUM", "redis")), n).toMatch(/^OK 3 usable Sentinels/);
    }
  };

  it("--check installs nothing; the real run installs the Sentinel package with its service held, starts each Sentinel once with redplay's config, and proves them healthy; a rerun changes nothing", async () => {
    const setup = await playbook("setup.yaml");
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    const installed = async () => Promise.all(NODES.map(async (n) => (await sshRun(theLab(), n, `dpkg-query -W -f='\${Status}' ${t.pkg} 2>/dev/null`)).stdout));
    expect(await installed()).toEqual(["", "", ""]);

    const check = await playbook("sentinel.yaml", "--check", "--diff");
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(new RegExp(`would: install ${t.pkg} ${t.candidate.source}, its service held until redplay's config is in place`));
    expect(check.stdout).toContain(`+sentinel monitor redis ${addr("node-1")} 6379 2`);
    expect(check.stdout).toContain("+requirepass ********");
    expect(check.stdout + check.stderr).not.toContain(PASSWORD);
    expect(await installed()).toEqual(["", "", ""]);

    const r = await playbook("sentinel.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(r.stdout).toContain("3 Sentinel(s) agree: primary node-1 (redis)");
    expect(await installed()).toEqual(["install ok installed", "install ok installed", "install ok installed"]);
    for (const n of NODES) {
      // Started exactly once, by redplay, with its config: the package's own start was held.
      const j = await sshRun(theLab(), n, `journalctl -u ${t.pkg} --no-pager -o cat | grep -c '^Started '; systemctl is-enabled ${t.pkg}`);
      expect(j.stdout.trim().split("\n"), n).toEqual(["1", "enabled"]);
      // The password is in no process's arguments.
      expect((await sshRun(theLab(), n, "ps -eo args")).stdout, n).not.toContain(PASSWORD);
    }
    await expectSentinelsAgree("node-1");
    // Each Sentinel requires the password.
    const anonymous = new Redis({ host: addr("node-2"), port: 26379, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
    anonymous.on("error", () => undefined);
    await anonymous.connect();
    await expect(anonymous.call("SENTINEL", "MASTER", "redis")).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();

    const ids = await sentinelRunIds();
    const before = await files();
    const again = await playbook("sentinel.yaml");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
    expect(await sentinelRunIds()).toEqual(ids);
    const checkAgain = await playbook("sentinel.yaml", "--check", "--diff", "--detailed-exitcode");
    expect(checkAgain.code, checkAgain.stdout).toBe(0);
    expect(checkAgain.stdout).not.toMatch(/^(---|\+\+\+) /m);
    // Sentinel rewrote its file in its own form (its id, epochs, the replicas and Sentinels it found): redplay left it alone.
    expect(await files()).toEqual(before);
    for (const n of NODES) expect(before[n], n).toMatch(/^sentinel myid \w+$/m);

    const json = await playbook("sentinel.yaml", "--json", "-vv");
    expect(json.code).toBe(0);
    expect(json.stdout + json.stderr).not.toContain(PASSWORD);
  });

  it("a changed setting is made at runtime (SENTINEL SET): --check --diff shows that line only, no Sentinel restarts, and Sentinel's own state in its file is kept", async () => {
    const ids = await sentinelRunIds();
    const before = await files();
    const check = await playbook("sentinel.yaml", "--check", "--diff", ...FAST);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const changed = check.stdout.split("\n").filter((l) => /^[-+](?![-+])/.test(l));
    expect(changed).toEqual(NODES.flatMap(() => ["-sentinel down-after-milliseconds redis 5000", "+sentinel down-after-milliseconds redis 1000"]));
    expect(check.stdout).toContain("would: SENTINEL SET redis down-after-milliseconds 5000 -> 1000");
    expect(await files()).toEqual(before);

    const r = await playbook("sentinel.yaml", ...FAST);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await sentinelRunIds()).toEqual(ids);
    const after = await files();
    for (const n of NODES) {
      expect((await master(n))["down-after-milliseconds"], n).toBe("1000");
      expect(after[n], n).toMatch(/^sentinel down-after-milliseconds redis 1000$/m);
      // Everything Sentinel recorded is still there.
      const state = (text: string) => text.split("\n").filter((l) => /^sentinel (myid|known-replica|known-sentinel|config-epoch|current-epoch|monitor) /.test(l)).sort();
      expect(state(after[n]!), n).toEqual(state(before[n]!));
    }
    const again = await playbook("sentinel.yaml", ...FAST);
    expectNoChange(again.stdout);
  });

  it("setup.yaml on the Sentinel-managed group changes nothing, and will not make another node the primary behind Sentinel's back", async () => {
    const ids = await runIds();
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expectNoChange(r.stdout);
    const forced = await playbook("setup.yaml", "-e", "redis_primary=node-2");
    expect(forced.code, forced.stdout).toBe(2);
    expect(forced.stdout).toContain("Sentinel manages this group and names node-1 the primary; redplay does not make node-2 the primary behind its back");
    expect(await role("node-1")).toBe("master");
    expect(await runIds()).toEqual(ids);
  });

  it("a crash of the primary's host under acknowledged writes: Sentinel promotes a replica with every acknowledged key; failover.yaml defers to it; the old primary returns as a replica; setup and sentinel.yaml then change nothing", async () => {
    const writer = startWriter("node-1", "sentinel-crash");
    await until("acknowledged writes", async () => writer.acked.length >= 30 || writer.error !== undefined);
    expect(writer.error).toBeUndefined();
    await labKill("node-1", { dir: theLab().dir });
    const killedAt = Date.now();
    await writer.stop();
    // The first write a replica accepts: measured and reported, never asserted (bench/ measures it).
    let firstWriteMs = -1;
    await until(
      "a promoted replica accepting writes",
      async () => {
        for (const n of ["node-2", "node-3"]) {
          if ((await call(n, "SET", "sentinel-crash:first", "1").catch(() => "")) === "OK") {
            firstWriteMs = Date.now() - killedAt;
            return true;
          }
        }
        return false;
      },
      60_000,
    );
    process.stderr.write(`[sentinel] kill of the primary's host to the first accepted write: ${firstWriteMs} ms (down-after-milliseconds 1000)\n`);
    const promoted = await primaryOf();
    expect(["node-2", "node-3"]).toContain(promoted);
    const other = ["node-2", "node-3"].find((n) => n !== promoted)!;
    await until("the other replica following the promoted node", async () => (await role(other)) === `replica of ${addr(promoted)} link up`);
    const c = redis(promoted);
    await c.connect();
    expect((await c.mget(...writer.acked)).filter((v) => v === null)).toEqual([]);
    c.disconnect();
    // Sentinel's failover ends once its leader has seen every reachable replica follow the new
    // primary (INFO, every second meanwhile); failover.yaml run before that says "run again once it
    // has finished" (a refusal too, but not the one this test is about).
    await until("Sentinel to finish its failover", async () => {
      for (const n of ["node-2", "node-3"]) {
        const m = await master(n);
        if (`${m.ip}:${m.port}` !== `${addr(promoted)}:6379` || /failover_in_progress/.test(m.flags ?? "")) return false;
      }
      return true;
    }, 90_000);

    // failover.yaml defers to Sentinel and changes nothing.
    const failover = await playbook("failover.yaml");
    expect(failover.code, failover.stdout).toBe(2);
    expect(failover.stdout).toContain("Sentinel manages this group and fails it over by itself");
    expect(failover.stdout).toContain(`it names ${promoted} (${addr(promoted)}:6379) the primary`);
    expect(await role(promoted)).toBe("master");

    // The old primary comes back with its stale config; Sentinel makes it a replica of the new one.
    await labStart("node-1", { dir: theLab().dir });
    await until("Sentinel to reconfigure the old primary as a replica", async () => (await role("node-1")) === `replica of ${addr(promoted)} link up`, 90_000);
    for (const n of NODES) await until(`${n}'s Sentinel naming ${promoted}`, async () => (await primaryNamedBy(n)) === `${addr(promoted)}:6379`);

    // setup follows Sentinel: it rewrites the files Sentinel rewrote (CONFIG REWRITE) to its own
    // form with the new roles, and changes nothing else: no role, no restart.
    const ids = await runIds();
    const setup = await playbook("setup.yaml", "--json");
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    const events = setup.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const changes = events.filter((e) => e.event === "host_result" && e.changed === true).map((e) => `${String(e.host)}: ${String(e.task)}: ${JSON.stringify(e.changes)}`);
    // Only redis.conf, back in redplay's form after Sentinel's CONFIG REWRITE; no REPLICAOF, no restart.
    for (const line of changes) expect(line).toContain(`: ["content of ${t.serverConf}"]`);
    const topology = events.find((e) => e.event === "host_result" && e.task === "Topology");
    expect(String(topology?.msg)).toContain(`primary ${promoted} (${addr(promoted)}:6379)`);
    expect(await runIds()).toEqual(ids);
    expect(await role(promoted)).toBe("master");
    const conf = (await sshRun(theLab(), "node-1", `grep -E '^(replicaof|# Generated by CONFIG REWRITE)' ${t.serverConf}`)).stdout;
    expect(conf.trim()).toBe(`replicaof ${addr(promoted)} 6379`);
    const again = await playbook("setup.yaml");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
    const s = await playbook("sentinel.yaml", ...FAST);
    expect(s.code, s.stdout + s.stderr).toBe(0);
    expectNoChange(s.stdout);
    await expectSentinelsAgree(promoted);
    const after = redis(promoted);
    await after.connect();
    expect((await after.mget(...writer.acked)).filter((v) => v === null)).toEqual([]);
    after.disconnect();
  });

  it("switchover.yaml moves the primary through Sentinel under a writer: no acknowledged write lost, every Sentinel names the new primary", async () => {
    const primary = await primaryOf();
    const target = "node-1";
    expect(primary).not.toBe(target);
    const writer = startWriter(primary, "sentinel-switchover");
    await until("acknowledged writes", async () => writer.acked.length >= 30 || writer.error !== undefined);
    const r = await playbook("switchover.yaml", "-e", `new_primary=${target}`, "-v");
    await writer.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("promoted by Sentinel (SENTINEL FAILOVER redis)");
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(await role(target)).toBe("master");
    for (const n of NODES.filter((x) => x !== target)) expect(await role(n)).toBe(`replica of ${addr(target)} link up`);
    for (const n of NODES) expect(await primaryNamedBy(n)).toBe(`${addr(target)}:6379`);
    const c = redis(target);
    await c.connect();
    expect(writer.acked.length).toBeGreaterThan(0);
    expect((await c.mget(...writer.acked)).filter((v) => v === null)).toEqual([]);
    c.disconnect();
    // Every node has its settings back (the fence and the priorities were for the handover only).
    for (const n of NODES) {
      expect(((await call(n, "CONFIG", "GET", "min-replicas-to-write")) as string[])[1], n).toBe("1");
      expect(((await call(n, "CONFIG", "GET", "replica-priority")) as string[])[1], n).toBe("100");
    }
    await until("the Sentinels to see the group settle", async () => {
      await expectSentinelsAgree(target);
      return true;
    });
    const setup = await playbook("setup.yaml");
    expect(setup.code, setup.stdout).toBe(0);
    expectNoChange(setup.stdout);
  });
  // The old primary, demoted by Sentinel, resyncs in full and then writes its initial AOF, during
  // which the server refuses SIGTERM without retrying: its restart waits for that first.
  it("a change that restarts every node (databases) hands the primary over through Sentinel first and restarts each node once; no acknowledged write lost; and back", async () => {
    const starts = async () =>
      Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, Number((await sshRun(theLab(), n, `journalctl -u ${t.serverService} --no-pager -o cat | grep -c '^Started '`)).stdout.trim())])));
    for (const databases of [32, 16]) {
      const before = await starts();
      const primary = await primaryOf();
      const writer = startWriter(primary, `sentinel-rolling-${databases}`);
      await until("acknowledged writes", async () => writer.acked.length >= 20 || writer.error !== undefined);
      // A rolling restart waits for each node's resync and for Sentinel's view: slow on a loaded machine.
      const r = await runCli(["run", "playbooks/setup.yaml", "-i", theLab().paths.inventory, "-e", `redis_databases=${databases}`, "-v"], { timeoutMs: 290_000 });
      await writer.stop();
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const after = await starts();
      for (const n of NODES) expect(after[n], n).toBe(before[n]! + 1);
      for (const n of NODES) expect(((await call(n, "CONFIG", "GET", "databases")) as string[])[1], n).toBe(String(databases));
      // The primary moved before its restart, and Sentinel moved it: every Sentinel names the new one.
      const now = await primaryOf();
      expect(now).not.toBe(primary);
      for (const n of NODES) await until(`${n}'s Sentinel naming ${now}`, async () => (await primaryNamedBy(n)) === `${addr(now)}:6379`);
      const c = redis(now);
      await c.connect();
      expect((await c.mget(...writer.acked)).filter((v) => v === null)).toEqual([]);
      c.disconnect();
      const again = await playbook("setup.yaml", "-e", `redis_databases=${databases}`);
      expect(again.code, again.stdout).toBe(0);
      expectNoChange(again.stdout);
    }
    await until("the Sentinels to see the group settle", async () => {
      await expectSentinelsAgree(await primaryOf());
      return true;
    });
  });

  it("a setting Sentinel reads only at start (its port) restarts each Sentinel once, one at a time, with its id, epochs and known replicas and Sentinels kept", async () => {
    const primary = await primaryOf();
    const before = await files();
    const started = async () =>
      Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, Number((await sshRun(theLab(), n, `journalctl -u ${t.pkg} --no-pager -o cat | grep -c '^Started '`)).stdout.trim())])));
    const startsBefore = await started();
    const PORT = ["-e", "sentinel_port=26380"];
    const check = await playbook("sentinel.yaml", "--check", "--diff", ...FAST, ...PORT);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`would: restart ${t.pkg} with redplay's settings merged into ${CONF}`);
    expect(check.stdout.split("\n").filter((l) => /^[-+](?![-+])/.test(l))).toEqual(NODES.flatMap(() => ["-port 26379", "+port 26380"]));
    expect(await files()).toEqual(before);

    const r = await playbook("sentinel.yaml", ...FAST, ...PORT);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    sentinelPort = 26380;
    const after = await files();
    const startsAfter = await started();
    for (const n of NODES) {
      expect(startsAfter[n], n).toBe(startsBefore[n]! + 1);
      const id = (text: string) => /^sentinel myid (\w+)$/m.exec(text)?.[1];
      expect(id(after[n]!), n).toBe(id(before[n]!));
      expect(after[n], n).toMatch(/^port 26380$/m);
      const known = (text: string) => text.split("\n").filter((l) => /^sentinel (known-replica|config-epoch|current-epoch|monitor) /.test(l)).sort();
      expect(known(after[n]!), n).toEqual(known(before[n]!));
    }
    await expectSentinelsAgree(primary);
    const again = await playbook("sentinel.yaml", ...FAST, ...PORT);
    expectNoChange(again.stdout);
    const setup = await playbook("setup.yaml", ...PORT);
    expect(setup.code, setup.stdout).toBe(0);
    expectNoChange(setup.stdout);
  });
  it("a password rotation (redis_password_previous): setup gives the Sentinels the new password while every node accepts both, sentinel.yaml then restarts each Sentinel with it; no failover, reruns change nothing", async () => {
    const NEW = "lab-only-rotated-password";
    const PORT = ["-e", "sentinel_port=26380"];
    const primary = await primaryOf();
    const epochs = async () => Promise.all(NODES.map(async (n) => (await master(n))["config-epoch"]));
    const epochsBefore = await epochs();
    const rotate = JSON.stringify({ redis_password: NEW, redis_password_previous: PASSWORD });
    const setup = await playbook("setup.yaml", ...PORT, "-e", rotate);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    for (const secret of [NEW, PASSWORD]) expect(setup.stdout + setup.stderr).not.toContain(secret);
    // The Sentinels log in to the nodes with the new password already (their own password is still the old one).
    for (const n of NODES) {
      expect((await sshRun(theLab(), n, `grep -c '^sentinel auth-pass redis ${NEW}$' ${CONF}`)).stdout.trim(), n).toBe("1");
      expect((await master(n)).flags, n).toMatch(/^(master|primary)$/);
    }
    const deploy = await playbook("sentinel.yaml", ...FAST, ...PORT, "-e", rotate);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    for (const secret of [NEW, PASSWORD]) expect(deploy.stdout + deploy.stderr).not.toContain(secret);
    sentinelPassword = NEW;
    for (const n of NODES) {
      const old = new Redis({ host: addr(n), port: sentinelPort, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
      old.on("error", () => undefined);
      await old.connect();
      await expect(old.call("AUTH", PASSWORD)).rejects.toThrow(/WRONGPASS|invalid/);
      old.disconnect();
      expect((await sshRun(theLab(), n, `grep -c '^requirepass ' ${CONF}`)).stdout.trim(), n).toBe("1");
    }
    // Sentinel never lost the group: same primary, no new epoch (no failover).
    expect(await epochs()).toEqual(epochsBefore);
    for (const n of NODES) expect(await primaryNamedBy(n)).toBe(`${addr(primary)}:6379`);
    const again = await playbook("sentinel.yaml", ...FAST, ...PORT, "-e", `redis_password=${NEW}`);
    expectNoChange(again.stdout);
    const setupAgain = await playbook("setup.yaml", ...PORT, "-e", `redis_password=${NEW}`);
    expect(setupAgain.code, setupAgain.stdout).toBe(0);
    expectNoChange(setupAgain.stdout);
  });
});
