// The redis_* modules against real redis-server 7.0 processes on 127.0.0.71-75, reached through
// LocalConnection.forward (the same Connector path an SSH channel takes). State is checked with
// independent ioredis clients, never through the modules themselves.
import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { Redis } from "ioredis";
import { LocalConnection } from "../../src/connection/local.js";
import { RunResourcePool } from "../../src/engine/resources.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseInfo } from "../../src/facts/redis-info.js";
import { redisCommandModule } from "../../src/modules/redis/redis-command.js";
import { redisFactsModule } from "../../src/modules/redis/redis-facts.js";
import { redisHealthModule } from "../../src/modules/redis/redis-health.js";
import { redisReplicationModule } from "../../src/modules/redis/redis-replication.js";
import { redisTopologyModule } from "../../src/modules/redis/redis-topology.js";
import { isGroupModule, type GroupModule, type Module } from "../../src/modules/types.js";
import { redisGroupContext } from "../helpers/redis-context.js";
import { startRedis, stopRedis, type RedisServer } from "../helpers/redis-servers.js";
import { makeTaskContext, runGroupModule, runModule, type ModuleRun } from "../helpers/task-context.js";

const PASSWORD = "Zq7-test-secret-41";
const addr = (n: number) => `127.0.0.${70 + n}`;
const group = {
  "node-1": { redis_host: addr(1), redis_password: PASSWORD },
  "node-2": { redis_host: addr(2), redis_password: PASSWORD },
  "node-3": { redis_host: addr(3), redis_password: PASSWORD },
  "node-4": { redis_host: addr(4), redis_password: PASSWORD, redis_connect: "direct" },
  "node-5": { redis_host: addr(5), redis_password: PASSWORD },
};
const g = redisGroupContext(group);
const servers: RedisServer[] = [];
const probes = new Map<number, Redis>();
/** Every plan and applied result, checked at the end for the password. */
const seen: unknown[] = [];

async function run<A>(mod: Module<A> | GroupModule<A>, host: string, args: A, check = false): Promise<ModuleRun> {
  const r = isGroupModule(mod) ? (await runGroupModule(mod, g.all(args, { check }), args)).hosts[host]! : await runModule(mod, g.on(host, { check }), args);
  seen.push(r);
  return r;
}

/** An independent client (not the modules' cache) on node n. */
function probe(n: number): Redis {
  let c = probes.get(n);
  if (!c) {
    c = new Redis({ host: addr(n), port: 6379, password: n === 4 ? undefined : PASSWORD, lazyConnect: true, retryStrategy: () => null });
    probes.set(n, c);
  }
  return c;
}
const replication = async (n: number) => parseInfo(await probe(n).info("replication")).replication!;

beforeAll(async () => {
  for (const n of [1, 2, 3]) servers.push(await startRedis({ address: addr(n), password: PASSWORD, masterauth: PASSWORD }));
  servers.push(await startRedis({ address: addr(4) }));
  servers.push(await startRedis({ address: addr(5), password: PASSWORD, masterauth: "not-the-password" }));
});

afterAll(async () => {
  await g.resources.dispose();
  for (const c of probes.values()) c.disconnect();
  for (const s of servers) await stopRedis(s);
});

describe("redis modules on real servers", () => {
  it("redis_topology on a fresh group picks the preferred node", async () => {
    const r = await run(redisTopologyModule, "node-1", { hosts: ["node-1", "node-2", "node-3"], preferred: "node-2" });
    expect(r.status).toBe("ok");
    expect(r.plan.facts).toEqual({
      redis_topology: { primary: "node-2", primary_address: addr(2), primary_port: 6379, replicas: ["node-1", "node-3"], fresh: true, role: "replica", sentinel: false, generation: 1 },
    });
  });

  it("redis_replication: check run changes nothing, real run makes a synced replica, second run reports no change", async () => {
    const check = await run(redisReplicationModule, "node-2", { replica_of: "node-1" }, true);
    expect(check.status).toBe("changed");
    expect(check.plan.changes[0]!.summary).toContain(`REPLICAOF ${addr(1)} 6379`);
    expect((await replication(2)).role).toBe("master");

    const real = await run(redisReplicationModule, "node-2", { replica_of: "node-1" });
    expect(real.status).toBe("changed");
    const info = await replication(2);
    expect(info).toMatchObject({ role: "slave", master_host: addr(1), master_port: 6379, master_link_status: "up", master_sync_in_progress: false });

    const again = await run(redisReplicationModule, "node-2", { replica_of: "node-1" });
    expect(again.status).toBe("ok");
    expect(again.plan.noop).toBe(`node-2 is a replica of node-1 (${addr(1)}:6379)`);

    expect((await run(redisReplicationModule, "node-3", { replica_of: "node-1" })).status).toBe("changed");
    expect((await run(redisReplicationModule, "node-1", { role: "primary" })).plan.noop).toBe("node-1 is a primary");
  });

  it("redis_health passes on a healthy group and leaves no canary key behind", async () => {
    const r = await run(redisHealthModule, "node-1", { primary: "node-1", replicas: ["node-2", "node-3"], timeout: 20 });
    expect(r.status).toBe("ok");
    expect(r.plan.noop).toBe("healthy: node-1 primary, 2 replicas in sync; node-1: primary");
    const data = r.plan.data as { primary: string; replicas: Array<{ host: string; offset: number; lag: number }> };
    expect(data.primary).toBe("node-1");
    expect(data.replicas.map((x) => x.host)).toEqual(["node-2", "node-3"]);
    expect(data.replicas.every((x) => x.offset >= 0 && x.lag >= 0)).toBe(true);
    // The canary's DEL reached the primary; WAIT makes the replicas' view settle before we look.
    await probe(1).call("WAIT", "2", "2000");
    for (const n of [1, 2, 3]) expect(await probe(n).keys("__redplay:*")).toEqual([]);
  });

  it("redis_health under --check judges INFO only and says the canary was skipped", async () => {
    const setCalls = async () => parseInfo(await probe(1).info("commandstats")).sections.commandstats?.cmdstat_set ?? "none";
    const before = await setCalls();
    const r = await run(redisHealthModule, "node-1", { primary: "node-1", replicas: ["node-2", "node-3"], timeout: 20 }, true);
    expect(r.plan.noop).toBe("healthy: node-1 primary, 2 replicas in sync; node-1: primary (INFO only: canary write skipped under --check)");
    expect(before).toMatch(/^calls=1,/);
    expect(await setCalls()).toBe(before);
  });

  it("redis_topology after a manual REPLICAOF picks the real primary, not the preferred one", async () => {
    await probe(3).replicaof("NO", "ONE");
    await probe(1).replicaof(addr(3), 6379);
    await probe(2).replicaof(addr(3), 6379);
    const r = await run(redisTopologyModule, "node-1", { hosts: ["node-1", "node-2", "node-3"], preferred: "node-1" });
    expect(r.status).toBe("ok");
    expect(r.plan.facts).toMatchObject({ redis_topology: { primary: "node-3", primary_address: addr(3), replicas: ["node-1", "node-2"], fresh: false } });
    const health = await run(redisHealthModule, "node-3", { primary: "node-3", replicas: ["node-1", "node-2"], timeout: 20 });
    expect(health.plan.noop).toBe("healthy: node-3 primary, 2 replicas in sync; node-3: primary");
  });

  it("redis_health fails with a per-node report when a replica's masterauth is wrong", async () => {
    await probe(5).replicaof(addr(3), 6379);
    const r = await run(redisHealthModule, "node-3", { primary: "node-3", replicas: ["node-1", "node-2", "node-5"], timeout: 2 });
    expect(r.status).toBe("failed");
    expect(r.plan.failed).toContain(
      `node-5: master_link_status:down, never connected (replica cannot reach or authenticate to ${addr(3)}:6379 — check masterauth)`,
    );
    expect(r.plan.failed).toContain("node-3: connected_slaves:2, expected at least 3");
    expect(r.plan.failed).not.toMatch(/node-1:|node-2:/);
  });

  it("a node with no password yet is used without one and reported as auth none", async () => {
    const r = await run(redisFactsModule, "node-4", {});
    expect(r.status).toBe("ok");
    expect(r.plan.facts).toMatchObject({ redis: { auth: "none", role: "master", address: addr(4), server: { redis_version: "7.0.15" } } });
    const secured = await run(redisFactsModule, "node-1", {});
    expect(secured.plan.facts).toMatchObject({ redis: { auth: "password", role: "slave", replication: { master_host: addr(3) } } });
  });

  it("a wrong redis_password fails with a clear message that names the node, not the password", async () => {
    const ctx = g.on("node-1");
    const wrong = Object.assign(ctx, { vars: { ...ctx.vars, redis_password: "definitely-wrong-pw" } });
    const r = await runModule(redisFactsModule, wrong, {});
    seen.push(r);
    expect(r.status).toBe("failed");
    expect(r.plan.failed).toBe(`authentication to Redis on node-1 (${addr(1)}:6379) failed: wrong password (redis_password)`);
    expect(ctx.secrets).toContain("definitely-wrong-pw");
  });

  it("redis_command plans an unknown change with the password masked, and returns the reply when applied", async () => {
    const ctx = g.on("node-3", { check: true });
    const planned = await runModule(redisCommandModule, ctx, { command: ["CONFIG", "SET", "masterauth", PASSWORD] });
    seen.push(planned);
    expect(planned.status).toBe("skipped");
    expect(planned.plan.changes).toEqual([{ summary: "SEND CONFIG SET masterauth ***" }]);

    const set = await run(redisCommandModule, "node-3", { command: ["SET", "greeting", "hello"] });
    expect(set.status).toBe("changed");
    expect(set.applied?.data).toEqual({ reply: "OK" });
    expect(await probe(3).get("greeting")).toBe("hello");

    const bad = await run(redisCommandModule, "node-3", { command: ["NOSUCHCMD", "x"] });
    expect(bad.status).toBe("failed");
    expect(bad.applied?.failed).toMatch(/^Redis on node-3 replied to NOSUCHCMD: ERR unknown command/);
  });

  it("the client works over a bare Duplex without socket methods, as an ssh2 channel is", async () => {
    const local = new LocalConnection("node-3");
    const channelLike = (sock: Socket): Duplex => {
      const d = new Duplex({
        read() {},
        write(chunk, _enc, cb) { sock.write(chunk, cb); },
        final(cb) { sock.end(); cb(); },
      });
      sock.on("data", (c) => d.push(c));
      sock.on("end", () => d.push(null));
      return d;
    };
    let forwarded = 0;
    const conn = Object.assign(Object.create(local) as LocalConnection, {
      forward: async (h: string, p: number) => {
        forwarded++;
        return channelLike((await local.forward(h, p)) as Socket);
      },
    });
    const resources = new RunResourcePool();
    const ctx = makeTaskContext({ host: "node-3", vars: group["node-3"], conn, resources });
    const r = await runModule(redisFactsModule, ctx, {});
    seen.push(r);
    await resources.dispose();
    expect(forwarded).toBe(1);
    expect(r.plan.facts).toMatchObject({ redis: { auth: "password", role: "master", address: addr(3) } });
  });

  it("the password never appears in any plan, result or error", () => {
    expect(seen.length).toBeGreaterThan(10);
    expect(JSON.stringify(seen)).not.toContain(PASSWORD);
  });
});
