// The redis_* modules against every server version redplay supports: Redis 5.0.7, 6.2.16, 7.0
// (Debian's), 7.2.6, 7.4.1, Valkey 7.2.7 and 8.0.1, each a real primary and two replicas on
// loopback (127.0.0.101-103, one port per version), reached through LocalConnection.forward as
// in redis-modules.test.ts. Builds come from src/lab/server-builds.ts (built once per machine,
// in beforeAll); a missing binary fails the tests. State is checked with independent clients.
// Then the manual switchover (5.0) under heavy SET and EVAL load (127.0.0.113-114), and what a
// first contact that goes wrong looks like (127.0.0.110-112).
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseInfo, parseInfoSections } from "../../src/facts/redis-info.js";
import { ensureBuild } from "../../src/lab/server-builds.js";
import { redisCommandModule } from "../../src/modules/redis/redis-command.js";
import { redisFactsModule } from "../../src/modules/redis/redis-facts.js";
import { redisHealthModule } from "../../src/modules/redis/redis-health.js";
import { redisPromoteModule } from "../../src/modules/redis/redis-promote.js";
import { redisReplicationModule } from "../../src/modules/redis/redis-replication.js";
import { redisSwitchoverModule } from "../../src/modules/redis/redis-switchover.js";
import { redisTopologyModule } from "../../src/modules/redis/redis-topology.js";
import { isGroupModule, type GroupModule, type Module } from "../../src/modules/types.js";
import { redisGroupContext, type RedisGroupContext } from "../helpers/redis-context.js";
import { startRedis, stopRedis, type RedisServer } from "../helpers/redis-servers.js";
import { runGroupModule, runModule, type ModuleRun } from "../helpers/task-context.js";

const PASSWORD = "Vq8-versions-secret-27";
const DEBIAN_REDIS = "/usr/bin/redis-server";

/** One server version under test. */
interface Version {
  label: string;
  /** An upstream build (src/lab/server-builds.ts), or a binary already on the machine. */
  build?: string;
  binary?: string;
  flavor: "redis" | "valkey";
  version: RegExp;
  /** What redis_switchover must use on it. */
  method: "failover" | "manual";
}

const VERSIONS: Version[] = [
  { label: "Redis 5.0.7", build: "redis-5.0.7", flavor: "redis", version: /^5\.0\.7$/, method: "manual" },
  { label: "Redis 6.2.16", build: "redis-6.2.16", flavor: "redis", version: /^6\.2\.16$/, method: "failover" },
  { label: "Redis 7.0 (Debian)", binary: DEBIAN_REDIS, flavor: "redis", version: /^7\.0\.\d+$/, method: "failover" },
  { label: "Redis 7.2.6", build: "redis-7.2.6", flavor: "redis", version: /^7\.2\.6$/, method: "failover" },
  { label: "Redis 7.4.1", build: "redis-7.4.1", flavor: "redis", version: /^7\.4\.1$/, method: "failover" },
  { label: "Valkey 7.2.7", build: "valkey-7.2.7", flavor: "valkey", version: /^7\.2\.7$/, method: "failover" },
  { label: "Valkey 8.0.1", build: "valkey-8.0.1", flavor: "valkey", version: /^8\.0\.1$/, method: "failover" },
];

const NODES = ["node-1", "node-2", "node-3"] as const;
const address = (n: number) => `127.0.0.${100 + n}`;

/** The binary for a version; throws (the test fails) when it cannot be had. */
async function binaryOf(v: Version): Promise<string> {
  if (v.build) return (await ensureBuild(v.build)).server;
  if (!v.binary || !existsSync(v.binary)) throw new Error(`${v.label}: ${v.binary} is missing (install Debian's redis-server)`);
  return v.binary;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** SET + WAIT 1 in a loop on one client; a key counts as acknowledged when SET answered OK. */
function startWriter(client: Redis, prefix: string) {
  const acked: string[] = [];
  const refused: string[] = [];
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const key = `${prefix}:${i}`;
      try {
        if ((await client.set(key, String(i))) === "OK") acked.push(key);
        await client.call("WAIT", "1", "200");
      } catch (e) {
        refused.push((e as Error).message);
        await sleep(5);
      }
    }
  })();
  return {
    acked,
    refused,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Every plan and result of the whole file, checked at the end for the password. */
const seen: unknown[] = [];

describe.each(VERSIONS.map((v, i) => ({ ...v, index: i })))("$label", (v) => {
  const port = 6400 + v.index;
  const group = Object.fromEntries(NODES.map((h, i) => [h, { redis_host: address(i + 1), redis_port: port, redis_password: PASSWORD }]));
  let g: RedisGroupContext;
  const servers = new Map<string, RedisServer>();
  const probes = new Map<string, Redis>();

  const run = async <A>(mod: Module<A> | GroupModule<A>, host: string, args: A, check = false): Promise<ModuleRun> => {
    const r = isGroupModule(mod) ? (await runGroupModule(mod, g.all(args, { check }), args)).hosts[host]! : await runModule(mod, g.on(host, { check }), args);
    seen.push(r);
    return r;
  };
  /** An independent client on a node (not the modules' cache). */
  const probe = (host: string): Redis => {
    let c = probes.get(host);
    if (!c) {
      c = new Redis({ host: group[host]!.redis_host, port, password: PASSWORD, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 });
      probes.set(host, c);
    }
    return c;
  };
  const replication = async (host: string) => parseInfo(await probe(host).info("replication")).replication!;
  const roles = async () => Promise.all([...servers.keys()].map(async (h) => [h, (await replication(h)).role] as const));

  beforeAll(async () => {
    const binary = await binaryOf(v);
    g = redisGroupContext(group);
    for (const [i, h] of NODES.entries()) {
      servers.set(h, await startRedis({ address: address(i + 1), port, password: PASSWORD, masterauth: PASSWORD, binary }));
    }
  }, 600_000);

  afterAll(async () => {
    await g?.resources.dispose();
    for (const c of probes.values()) c.disconnect();
    for (const s of servers.values()) await stopRedis(s);
  });

  it("redis_facts reads server, replication and persistence in the form this version understands", async () => {
    const r = await run(redisFactsModule, "node-1", {});
    expect(r.status, r.plan.failed).toBe("ok");
    const facts = (r.plan.facts as { redis: Record<string, any> }).redis;
    expect(facts.version.flavor).toBe(v.flavor);
    expect(facts.version.version).toMatch(v.version);
    expect(facts.role).toBe("master");
    expect(facts.server.run_id).toMatch(/^[0-9a-f]{40}$/);
    expect(facts.persistence).toMatchObject({ loading: false, aof_enabled: false });
    const some = await run(redisFactsModule, "node-1", { sections: ["replication", "memory", "Replication"] });
    expect(Object.keys((some.plan.data as { sections: object }).sections).sort()).toEqual(["memory", "replication"]);
  });

  it("redis_replication makes two synced replicas and redis_topology finds the primary", async () => {
    for (const h of ["node-2", "node-3"]) {
      const r = await run(redisReplicationModule, h, { replica_of: "node-1", timeout: 20 });
      expect(r.status, r.applied?.failed ?? r.plan.failed).toBe("changed");
    }
    // Replica fields read the same on every version (slave_priority, slave_read_only; no master_failover_state before 6.2).
    const replica = await run(redisFactsModule, "node-2", {});
    expect((replica.plan.facts as { redis: object }).redis).toMatchObject({
      role: "slave",
      replication: { master_host: address(1), master_port: port, master_link_status: "up", slave_read_only: true, replica_priority: 100 },
    });
    const t = await run(redisTopologyModule, "node-1", { hosts: [...NODES] });
    expect(t.plan.facts).toEqual({
      redis_topology: { primary: "node-1", primary_address: address(1), primary_port: port, replicas: ["node-2", "node-3"], fresh: false, role: "primary", sentinel: false, generation: 1 },
    });
  });

  it("redis_health passes, canary included", async () => {
    const r = await run(redisHealthModule, "node-1", { primary: "node-1", replicas: ["node-2", "node-3"], timeout: 20 });
    expect(r.plan.noop, r.plan.failed).toBe("healthy: node-1 primary, 2 replicas in sync; node-1: primary");
  });

  it("a switchover whose target cannot catch up leaves the old primary primary and writable", async () => {
    const args = { new_primary: "node-3", timeout_ms: 800 };
    const all = g.all(args);
    const plan = await redisSwitchoverModule.plan(all, args);
    expect(plan.hosts["node-1"]!.failed).toBeUndefined();
    const node3 = servers.get("node-3")!;
    process.kill(node3.pid, "SIGSTOP");
    let applied;
    try {
      for (let i = 0; i < 20; i++) expect(await probe("node-1").set(`behind:${i}`, "x")).toBe("OK");
      applied = (await redisSwitchoverModule.apply(all, args, plan)).hosts["node-1"]!;
      seen.push(applied);
    } finally {
      process.kill(node3.pid, "SIGCONT");
    }
    expect(applied.failed).toMatch(/^switchover aborted: node-3 did not catch up with node-1 within 800 ms.*node-1 is still the primary/s);
    expect((await replication("node-1")).role).toBe("master");
    expect(await probe("node-1").set("after:abort", "1")).toBe("OK");
    expect(await probe("node-1").config("GET", "min-replicas-to-write")).toEqual(["min-replicas-to-write", "0"]);
    await until("node-3 to catch up", async () => (await probe("node-3").get("after:abort")) === "1");
  });

  it(`redis_switchover (${v.method}) under a SET + WAIT 1 writer loses no acknowledged write`, async () => {
    const synced = await run(redisHealthModule, "node-1", { primary: "node-1", replicas: ["node-2", "node-3"], timeout: 20 });
    expect(synced.status, synced.plan.failed).toBe("ok");
    const statsBefore = parseInfoSections(await probe("node-2").info("stats")).stats!;
    const writerClient = new Redis({ host: address(1), port, password: PASSWORD, maxRetriesPerRequest: 1 });
    const writer = startWriter(writerClient, `w${v.index}`);
    let r: ModuleRun;
    try {
      await until("the writer to get going", async () => writer.acked.length >= 50);
      r = await run(redisSwitchoverModule, "node-1", { new_primary: "node-2", timeout_ms: 5000 });
      await sleep(200);
    } finally {
      await writer.stop();
      writerClient.disconnect();
    }
    expect(r.status, r.applied?.failed ?? r.plan.failed).toBe("changed");
    expect(r.applied?.data).toMatchObject({ old_primary: "node-1", new_primary: "node-2", method: v.method });
    expect(r.plan.changes[0]!.summary).toMatch(v.method === "failover" ? /^FAILOVER TO / : /without FAILOVER: handover by hand/);

    // Every acknowledged key is on the new primary.
    expect(writer.acked.length).toBeGreaterThanOrEqual(50);
    const missing: string[] = [];
    for (let i = 0; i < writer.acked.length; i += 500) {
      const keys = writer.acked.slice(i, i + 500);
      const values = await probe("node-2").mget(...keys);
      keys.forEach((k, j) => values[j] === null && missing.push(k));
    }
    expect(missing).toEqual([]);
    // The writer kept going and was refused once node-1 stopped being the primary.
    expect(writer.refused.some((m) => /READONLY|NOREPLICAS/.test(m))).toBe(true);

    // Exactly one primary; the old one follows the new one, resumed without a full sync.
    expect((await roles()).filter(([, role]) => role === "master").map(([h]) => h)).toEqual(["node-2"]);
    await until("node-1 to follow node-2", async () => {
      const i = await replication("node-1");
      return i.role === "slave" && i.master_host === address(2) && i.master_port === port && i.master_link_status === "up";
    });
    const statsAfter = parseInfoSections(await probe("node-2").info("stats")).stats!;
    expect(Number(statsAfter.sync_partial_ok)).toBeGreaterThan(Number(statsBefore.sync_partial_ok));
    expect(statsAfter.sync_full).toBe(statsBefore.sync_full);
    expect(await probe("node-1").config("GET", "min-replicas-to-write")).toEqual(["min-replicas-to-write", "0"]);

    // As switchover.yaml goes on: the last replica is repointed, then the group is healthy.
    const repoint = await run(redisReplicationModule, "node-3", { replica_of: "node-2", timeout: 20 });
    expect(repoint.status, repoint.applied?.failed).toBe("changed");
    const health = await run(redisHealthModule, "node-2", { primary: "node-2", replicas: ["node-1", "node-3"], timeout: 20 });
    expect(health.plan.noop, health.plan.failed).toBe("healthy: node-2 primary, 2 replicas in sync; node-2: primary");
    const again = await run(redisSwitchoverModule, "node-1", { new_primary: "node-2" });
    expect(again.plan.noop).toBe("node-2 is already the primary");
  });

  it("redis_promote turns a replica of a stopped primary into the primary, keeping its history", async () => {
    const before = await replication("node-3");
    const node2 = servers.get("node-2")!;
    await stopRedis(node2);
    servers.delete("node-2");
    probes.get("node-2")?.disconnect();
    const r = await run(redisPromoteModule, "node-3", {});
    expect(r.status, r.applied?.failed ?? r.plan.failed).toBe("changed");
    // CLIENT KILL TYPE normal closed every other client of node-3, our probe included.
    await until("the probe of node-3 to be disconnected", async () => probes.get("node-3")!.status === "end");
    probes.delete("node-3");
    expect(r.applied?.msg).toMatch(/^node-3 is now a primary \(history [0-9a-f]{40} kept as master_replid2/);
    const after = await replication("node-3");
    expect(after).toMatchObject({ role: "master", master_replid2: before.master_replid });
    const follow = await run(redisReplicationModule, "node-1", { replica_of: "node-3", timeout: 20 });
    expect(follow.status, follow.applied?.failed).toBe("changed");
    expect((await roles()).filter(([, role]) => role === "master").map(([h]) => h)).toEqual(["node-3"]);
    const health = await run(redisHealthModule, "node-3", { primary: "node-3", replicas: ["node-1"], timeout: 20 });
    expect(health.plan.noop, health.plan.failed).toBe("healthy: node-3 primary, 1 replica in sync; node-3: primary");
  });
});

describe("Redis 5.0.7: manual switchover under 20 writers, half of them EVAL (which min-replicas-to-write does not fence)", () => {
  const group = {
    a: { redis_host: "127.0.0.113", redis_port: 6450, redis_password: PASSWORD },
    b: { redis_host: "127.0.0.114", redis_port: 6450, redis_password: PASSWORD },
  };
  const servers: RedisServer[] = [];
  let g: RedisGroupContext;

  beforeAll(async () => {
    const binary = (await ensureBuild("redis-5.0.7")).server;
    g = redisGroupContext(group);
    // A backlog as REDIS.md recommends: a retried handover resumes partially, not by a full sync.
    const extra = ["--repl-backlog-size", "64mb"];
    for (const h of Object.values(group)) servers.push(await startRedis({ address: h.redis_host, port: 6450, password: PASSWORD, masterauth: PASSWORD, binary, extra }));
  }, 600_000);

  afterAll(async () => {
    await g?.resources.dispose();
    for (const s of servers) await stopRedis(s);
  });

  it("hands over back and forth four times; every acknowledged write is on the new primary", async () => {
    const first = await runModule(redisReplicationModule, g.on("b"), { replica_of: "a", timeout: 20 });
    expect(first.status, first.applied?.failed).toBe("changed");
    let [primary, other] = ["a", "b"] as Array<keyof typeof group>;
    for (let round = 0; round < 4; round++) {
      const client = new Redis({ host: group[primary].redis_host, port: 6450, password: PASSWORD, maxRetriesPerRequest: 1 });
      client.on("error", () => {}); // killed by a draining demotion; it reconnects
      const acked: string[] = [];
      let stop = false;
      const writers = Array.from({ length: 20 }, (_, w) =>
        (async () => {
          for (let i = 0; !stop; i++) {
            const key = `s${round}:w${w}:${i}`;
            try {
              const reply = w % 2 ? await client.eval("return redis.call('set', KEYS[1], 'v')", 1, key) : await client.set(key, "v");
              if (reply === "OK") acked.push(key);
            } catch {
              await sleep(2);
            }
          }
        })(),
      );
      let r: ModuleRun;
      try {
        await until("the writers to get going", async () => acked.length >= 500);
        const args = { new_primary: other, timeout_ms: 10_000 };
        r = (await runGroupModule(redisSwitchoverModule, g.all(args), args)).hosts[primary]!;
        seen.push(r);
        await sleep(100);
      } finally {
        stop = true;
        await Promise.all(writers);
        client.disconnect();
      }
      expect(r.status, r.applied?.failed ?? r.plan.failed).toBe("changed");
      const check = new Redis({ host: group[other].redis_host, port: 6450, password: PASSWORD });
      try {
        const missing: string[] = [];
        for (let i = 0; i < acked.length; i += 1000) {
          const keys = acked.slice(i, i + 1000);
          (await check.mget(...keys)).forEach((v, j) => v === null && missing.push(keys[j]!));
        }
        expect(missing).toEqual([]);
        expect(parseInfo(await check.info("replication")).replication!.role).toBe("master");
      } finally {
        check.disconnect();
      }
      [primary, other] = [other, primary];
      await until(`${other} to follow ${primary} again`, async () => {
        const c = new Redis({ host: group[other].redis_host, port: 6450, password: PASSWORD, lazyConnect: true, retryStrategy: () => null });
        try {
          return parseInfo(await c.info("replication")).replication!.master_link_status === "up";
        } finally {
          c.disconnect();
        }
      });
    }
  });
});

describe("first contact that goes wrong, on real servers", () => {
  const servers: RedisServer[] = [];
  const group = {
    "no-info": { redis_host: "127.0.0.110", redis_password: PASSWORD },
    "no-replicaof": { redis_host: "127.0.0.111", redis_password: PASSWORD },
    "old-primary": { redis_host: "127.0.0.112", redis_password: PASSWORD },
  };
  let g: RedisGroupContext;

  beforeAll(async () => {
    const binary = (await ensureBuild("redis-5.0.7")).server;
    g = redisGroupContext(group);
    const common = { password: PASSWORD, masterauth: PASSWORD, binary };
    servers.push(await startRedis({ address: "127.0.0.110", ...common, extra: ["--rename-command", "INFO", ""] }));
    servers.push(await startRedis({ address: "127.0.0.111", ...common, extra: ["--rename-command", "REPLICAOF", ""] }));
    servers.push(await startRedis({ address: "127.0.0.112", ...common }));
  }, 600_000);

  afterAll(async () => {
    await g?.resources.dispose();
    for (const s of servers) await stopRedis(s);
  });

  it("a server that refuses INFO server is reported with the host, the command and its reply", async () => {
    const r = await runModule(redisFactsModule, g.on("no-info"), {});
    seen.push(r);
    expect(r.status).toBe("failed");
    expect(r.plan.failed).toMatch(/^Redis on no-info replied to INFO: ERR unknown command [`']INFO[`'].* \(sent to 127\.0\.0\.110:6379: INFO server\)$/);
  });

  it("a module's command that the server refuses names the host, the command sent and the reply", async () => {
    const r = await runModule(redisReplicationModule, g.on("no-replicaof"), { replica_of: "old-primary", timeout: 5 });
    seen.push(r);
    expect(r.status).toBe("failed");
    expect(r.applied?.failed).toMatch(
      /^Redis on no-replicaof replied to REPLICAOF: ERR unknown command [`']REPLICAOF[`'].* \(sent to 127\.0\.0\.111:6379: REPLICAOF 127\.0\.0\.112 6379\)$/,
    );
  });

  it("a refused command that carries a password shows it masked", async () => {
    const r = await runModule(redisCommandModule, g.on("old-primary"), { command: ["CONFIG", "SET", "masterauth", PASSWORD, "no-such-directive", "1"] });
    seen.push(r);
    expect(r.status).toBe("failed");
    expect(r.applied?.failed).toMatch(/^Redis on old-primary replied to CONFIG: ERR .* \(sent to 127\.0\.0\.112:6379: CONFIG SET masterauth \*\*\* no-such-directive 1\)$/);
  });

  it("the password never appears in any plan, result or error of this file", () => {
    expect(seen.length).toBeGreaterThan(20);
    expect(JSON.stringify(seen)).not.toContain(PASSWORD);
  });
});
