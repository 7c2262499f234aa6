// Configuration converged at runtime on real systemd hosts (Debian 12, its redis-server 7.0
// package): a fresh group set up without a single restart, runtime drift shown by --check and
// repaired without a restart, a runtime-only change with 0 restarts, a restart-only change with
// every node restarted exactly once and the primary switched over first under a writer that
// loses no acknowledged write, and a value the server refuses at runtime rolled back on file and
// runtime. Every check reads the servers (INFO, CONFIG GET, run_id, keys) or the hosts (files,
// journal), not redplay's own report; the JSON stream is read for what it says per host.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { recap } from "../helpers/cli.js";
import { sshRun } from "../helpers/lab.js";
import { until } from "../helpers/lab-redis.js";
import { useLab } from "../helpers/use-lab.js";

const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];
const CONF = "/etc/redis/redis.conf";

describe("redis_config on systemd hosts (Debian 12, Redis 7.0)", () => {
  const { theLab, redis, call, role, playbook } = useLab({ base: "127.0.0.201", os: "bookworm", server: "redis" }, PASSWORD);
  const addr = (node: string) => theLab().address[node]!;
  const runIds = async (): Promise<Record<string, string>> =>
    Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, /run_id:(\w+)/.exec(String(await call(n, "INFO", "server")))![1]!])));
  const configGet = async (node: string, name: string): Promise<string> => ((await call(node, "CONFIG", "GET", name)) as string[])[1]!;
  const files = async (): Promise<Record<string, string>> =>
    Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, (await sshRun(theLab(), n, `cat ${CONF}`)).stdout])));
  /** Starts of redis-server in each node's journal. */
  const starts = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      await Promise.all(NODES.map(async (n) => [n, Number((await sshRun(theLab(), n, "journalctl -u redis-server --no-pager -o cat | grep -c '^Started '")).stdout.trim())])),
    );
  const primaryOf = async (): Promise<string> => {
    for (const n of NODES) if ((await role(n)) === "master") return n;
    throw new Error("no primary");
  };
  const expectNoChange = (stdout: string) => {
    const counts = Object.values(recap(stdout));
    expect(counts.length).toBe(3);
    for (const c of counts) expect(c.changed, stdout).toBe(0);
  };

  it("--check on a fresh group predicts the changes and touches nothing; setup converges it without restarting any node; a rerun changes nothing", async () => {
    // Before: the nodes run the lab's own config, without a password and standalone.
    const idsBefore = Object.fromEntries(
      await Promise.all(
        NODES.map(async (n) => {
          const c = new Redis({ host: addr(n), port: 6379, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
          await c.connect();
          const info = String(await c.info("server"));
          c.disconnect();
          return [n, /run_id:(\w+)/.exec(info)![1]!];
        }),
      ),
    );
    const filesBefore = await files();

    const check = await playbook("setup.yaml", "--check", "--diff");
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`would: requirepass (hidden) (CONFIG SET)`);
    expect(check.stdout).toContain(`would: REPLICAOF ${addr("node-1")} 6379`);
    expect(check.stdout).not.toMatch(/would: restart/);
    expect(check.stdout).not.toContain(PASSWORD);
    expect(await files()).toEqual(filesBefore);

    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain(PASSWORD);
    // Converged without a restart: every run_id is the one the node started with.
    expect(await runIds()).toEqual(idsBefore);
    expect(await role("node-1")).toBe("master");
    for (const n of ["node-2", "node-3"]) expect(await role(n)).toBe(`replica of ${addr("node-1")} link up`);
    expect(await call("node-1", "SET", "fresh:key", "v")).toBe("OK");
    expect(Number(await call("node-1", "WAIT", "2", "5000"))).toBe(2);
    for (const n of ["node-2", "node-3"]) expect(await call(n, "GET", "fresh:key")).toBe("v");
    // The file says what runs.
    const conf = await files();
    expect(conf["node-2"]).toContain(`\nreplicaof ${addr("node-1")} 6379\n`);
    expect(await configGet("node-1", "repl-diskless-sync-max-replicas")).toBe("2");

    const again = await playbook("setup.yaml");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
    expect(await runIds()).toEqual(idsBefore);
  });

  it("runtime drift set by hand shows under --check with the running and the file's value, and a real run repairs it without a restart", async () => {
    expect(await call("node-2", "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")).toBe("OK");
    const ids = await runIds();
    const filesBefore = await files();
    const check = await playbook("setup.yaml", "--check", "--diff", "--detailed-exitcode");
    expect(check.code, check.stdout + check.stderr).toBe(6);
    expect(check.stdout).toMatch(/changed: \[node-2\]\n\s+would: maxmemory-policy allkeys-lru -> noeviction \(CONFIG SET\)/);
    expect(recap(check.stdout)["node-1"]!.changed).toBe(0);
    expect(recap(check.stdout)["node-3"]!.changed).toBe(0);
    expect(await configGet("node-2", "maxmemory-policy")).toBe("allkeys-lru");
    expect(await files()).toEqual(filesBefore);

    const fix = await playbook("setup.yaml");
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    expect(await configGet("node-2", "maxmemory-policy")).toBe("noeviction");
    expect(await runIds()).toEqual(ids);
    expect(await files()).toEqual(filesBefore);
  });

  it("a runtime-only change (maxmemory) is made on every node with 0 restarts, reported per host in the JSON stream", async () => {
    const ids = await runIds();
    const r = await playbook("setup.yaml", "-e", "redis_maxmemory=100mb", "--json");
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const config = events.filter((e) => e.event === "host_result" && String(e.task).startsWith("redis.conf from"));
    expect(config.map((e) => e.host).sort()).toEqual(NODES);
    for (const e of config) {
      expect(e.status).toBe("changed");
      expect(e.changes).toContain("maxmemory 0 -> 104857600 (CONFIG SET)");
    }
    expect(await runIds()).toEqual(ids);
    for (const n of NODES) {
      expect(await configGet(n, "maxmemory")).toBe("104857600");
      expect((await files())[n]).toContain("\nmaxmemory 100mb\n");
    }
    const again = await playbook("setup.yaml", "-e", "redis_maxmemory=100mb");
    expectNoChange(again.stdout);
  });

  it("a value the running server refuses is rolled back on file and runtime, and nothing restarts", async () => {
    const ids = await runIds();
    const filesBefore = await files();
    // maxmemory is set first, then the listener: an address this host does not have cannot be bound.
    const r = await playbook("setup.yaml", "-e", JSON.stringify({ redis_maxmemory: "200mb", redis_bind_extra: ["192.0.2.1"] }));
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/CONFIG SET bind[\s\S]*runtime change\(s\) undone/);
    expect(await files()).toEqual(filesBefore);
    for (const n of NODES) {
      expect(await configGet(n, "bind")).toBe(addr(n));
      expect(await configGet(n, "maxmemory")).toBe("104857600");
    }
    expect(await runIds()).toEqual(ids);
  });

  it("a restart-only change (databases) restarts each node exactly once, the primary last after a switchover, and loses no acknowledged write", async () => {
    const before = await starts();
    const idsBefore = await runIds();
    const oldPrimary = await primaryOf();
    // A client writing all the time to whichever node is the primary; only WAIT-acknowledged keys count.
    const acked: string[] = [];
    let stop = false;
    let longestGapMs = 0;
    const writer = (async () => {
      let target = oldPrimary;
      let lastOk = Date.now();
      for (let i = 0; !stop; i++) {
        const c = redis(target);
        try {
          await c.connect();
          for (; !stop; i++) {
            const key = `rollout:${i}`;
            await c.set(key, String(i));
            if (Number(await c.call("WAIT", "1", "1000")) >= 1) acked.push(key);
            longestGapMs = Math.max(longestGapMs, Date.now() - lastOk);
            lastOk = Date.now();
          }
        } catch {
          c.disconnect();
          target = await primaryOf().catch(() => target);
          await new Promise((res) => setTimeout(res, 5));
        }
        c.disconnect();
      }
    })();
    await until("acknowledged writes", async () => acked.length >= 20);

    const r = await playbook("setup.yaml", "-e", "redis_databases=32", "-e", "redis_maxmemory=100mb", "-v");
    stop = true;
    await writer;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`done: hand the primary role to node-\\d first \\(switchover\\), then restart as its replica`));

    // Every node restarted exactly once, and runs with the new value.
    const after = await starts();
    for (const n of NODES) expect(after[n], n).toBe(before[n]! + 1);
    const ids = await runIds();
    for (const n of NODES) expect(ids[n], n).not.toBe(idsBefore[n]);
    for (const n of NODES) expect(await configGet(n, "databases")).toBe("32");
    // The old primary was switched over before its restart: it is now a replica of the new one.
    const primary = await primaryOf();
    expect(primary).not.toBe(oldPrimary);
    for (const n of NODES.filter((x) => x !== primary)) expect(await role(n)).toBe(`replica of ${addr(primary)} link up`);
    const conf = await files();
    expect(conf[oldPrimary]).toContain(`\nreplicaof ${addr(primary)} 6379\n`);
    // No acknowledged write lost.
    expect(acked.length).toBeGreaterThan(20);
    const c = redis(primary);
    await c.connect();
    const values = await c.mget(...acked);
    c.disconnect();
    expect(values.filter((v) => v === null)).toEqual([]);
    // The longest time the writer could not write is reported, never asserted (benchmarks measure it).
    process.stderr.write(`[config-runtime] longest write gap during the rolling restart: ${longestGapMs} ms, ${acked.length} acknowledged writes\n`);

    const again = await playbook("setup.yaml", "-e", "redis_databases=32", "-e", "redis_maxmemory=100mb");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
  });

  it("rotates the password with redis_password_previous at runtime: replicas reconnecting all the while always authenticate, nothing restarts", async () => {
    const NEW = "lab-only-rotated-password";
    const ids = await runIds();
    const primary = await primaryOf();
    const replicas = NODES.filter((n) => n !== primary);
    // Cut every replica's link to the primary again and again while the run rotates the password.
    let cutting = true;
    const cuts = (async () => {
      while (cutting) {
        for (const n of replicas) await call(n, "CLIENT", "KILL", "TYPE", "master").catch(() => undefined);
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
    // Redis logs a refused AUTH to its primary ("Unable to AUTH to MASTER: -WRONGPASS ...") in its log file.
    const refusals = async (n: string) =>
      Number((await sshRun(theLab(), n, "grep -ciE 'WRONGPASS|invalid password|AUTH to MASTER' /var/log/redis/redis-server.log || true")).stdout.trim());
    const refusedBefore = Object.fromEntries(await Promise.all(replicas.map(async (n) => [n, await refusals(n)])));
    // The same settings as the previous run: only the password changes.
    const same = { redis_databases: 32, redis_maxmemory: "100mb" };
    const r = await playbook("setup.yaml", "-e", JSON.stringify({ ...same, redis_password: NEW, redis_password_previous: PASSWORD }));
    cutting = false;
    await cuts;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const secret of [NEW, PASSWORD]) expect(r.stdout + r.stderr).not.toContain(secret);
    const rotated = (n: string) => new Redis({ host: addr(n), port: 6379, password: NEW, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    for (const n of NODES) {
      const c = rotated(n);
      await c.connect();
      expect(await c.ping()).toBe("PONG");
      c.disconnect();
      // The old password no longer opens anything.
      const old = new Redis({ host: addr(n), port: 6379, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
      old.on("error", () => undefined);
      await old.connect();
      await expect(old.call("AUTH", PASSWORD)).rejects.toThrow(/WRONGPASS|invalid/);
      old.disconnect();
      expect((await sshRun(theLab(), n, `grep -c '^requirepass ' ${CONF}; grep -c '^masterauth ' ${CONF}`)).stdout.trim()).toBe("1\n1");
    }
    const idsAfter: Record<string, string> = {};
    for (const n of NODES) {
      const c = rotated(n);
      await c.connect();
      idsAfter[n] = /run_id:(\w+)/.exec(String(await c.info("server")))![1]!;
      c.disconnect();
    }
    expect(idsAfter).toEqual(ids);
    // No replica was ever refused by the primary while the links were cut.
    for (const n of replicas) expect(await refusals(n), `${n} log`).toBe(refusedBefore[n]);
    await until("replicas back in sync", async () => {
      const c = rotated(primary);
      await c.connect();
      const info = String(await c.info("replication"));
      c.disconnect();
      return (info.match(/state=online/g) ?? []).length === 2;
    });
    const again = await playbook("setup.yaml", "-e", JSON.stringify({ ...same, redis_password: NEW }));
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
  });
});
