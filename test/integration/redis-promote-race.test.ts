// redis_promote when two failover runs overlap, against real redis-server processes on
// 127.0.0.231-236: the promotion disconnects the node's clients but not redplay's own sessions
// (another run's probe must not see a live node die), and it re-checks the decision when it acts,
// refusing (changing nothing) when the group moved since. State is checked with independent clients.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseInfo } from "../../src/facts/redis-info.js";
import { redisPromoteModule } from "../../src/modules/redis/redis-promote.js";
import { getRedisSession } from "../../src/redis/client.js";
import { transaction } from "../../src/redis/session-commands.js";
import { redisGroupContext, type GroupVars, type RedisGroupContext } from "../helpers/redis-context.js";
import { startRedis, stopRedis, type RedisServer } from "../helpers/redis-servers.js";
import { runModule } from "../helpers/task-context.js";

const PASSWORD = "Rk4-promote-race-93";
const servers = new Map<string, RedisServer>();
const clients: Redis[] = [];
const contexts: RedisGroupContext[] = [];

/** An independent client (retryStrategy null, as redplay's: a kill shows as `end`). */
function client(address: string, port = 6379): Redis {
  const c = new Redis({ host: address, port, password: PASSWORD, lazyConnect: true, retryStrategy: () => null });
  c.on("error", () => undefined);
  clients.push(c);
  return c;
}
const replication = async (c: Redis) => parseInfo(await c.info("replication")).replication!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve().then(ok).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The fact redis_failover publishes, as far as redis_promote reads it. */
function failoverFact(oldPrimary: string, newPrimary: string, reachable: string[]) {
  return { needed: true, action: "promote", old_primary: oldPrimary, new_primary: newPrimary, reachable, repoint: reachable.filter((h) => h !== newPrimary) };
}

async function start(name: string, address: string, port = 6379): Promise<void> {
  servers.set(name, await startRedis({ address, port, password: PASSWORD, masterauth: PASSWORD }));
}

async function stop(name: string): Promise<void> {
  await stopRedis(servers.get(name)!);
  servers.delete(name);
}

afterAll(async () => {
  for (const g of contexts) await g.resources.dispose();
  for (const c of clients) c.disconnect();
  for (const s of servers.values()) await stopRedis(s);
});

describe("redis_promote spares redplay's sessions", () => {
  const addr = (n: number) => `127.0.0.${230 + n}`;
  const group: GroupVars = {
    "node-1": { redis_host: addr(1), redis_password: PASSWORD },
    "node-2": { redis_host: addr(2), redis_password: PASSWORD },
    "node-3": { redis_host: addr(3), redis_password: PASSWORD },
  };
  let g: RedisGroupContext;

  beforeAll(async () => {
    for (const n of [1, 2, 3]) await start(`node-${n}`, addr(n));
    g = redisGroupContext(group);
    contexts.push(g);
    for (const n of [2, 3]) await client(addr(n)).replicaof(addr(1), 6379);
    await until("replicas in sync", async () => (await replication(client(addr(2)))).master_link_status === "up");
    await stop("node-1");
    for (const h of Object.keys(group)) group[h]!.redis_failover = failoverFact("node-1", "node-2", ["node-2", "node-3"]);
  });

  it("kills the other clients of the node, not another run's session on it", async () => {
    // Another failover run (its own resource pool, its own process-wide name) probing node-2.
    const other = redisGroupContext(group);
    contexts.push(other);
    const rival = await getRedisSession(other.on("node-3"), "node-2");
    expect(await rival.client.ping()).toBe("PONG");
    const plain = client(addr(2));
    expect(await plain.ping()).toBe("PONG");
    const subscriber = client(addr(2));
    await subscriber.subscribe("news");
    const named = String(await client(addr(2)).call("CLIENT", "LIST", "TYPE", "normal"));
    expect(named).toMatch(/ name=redplay:\d+ /);

    const r = await runModule(redisPromoteModule, g.on("node-2"), {});
    expect(r.status, r.applied?.failed ?? r.plan.failed).toBe("changed");
    expect(r.plan.changes[1]!.summary).toContain("not redplay's");
    expect(r.applied?.msg).toMatch(/^node-2 is now a primary \(history [0-9a-f]{40} kept as master_replid2 .*; \d+ client\(s\) disconnected\)$/);
    expect(r.applied?.data?.clients_killed).toBeGreaterThanOrEqual(3);

    await until("the unnamed clients to be disconnected", () => plain.status === "end" && subscriber.status === "end");
    // The other run's session was left alone: same connection, no reconnect (retryStrategy null).
    expect(rival.client.status).toBe("ready");
    expect(await rival.client.ping()).toBe("PONG");
    expect((await replication(client(addr(2)))).role).toBe("master");
  });

  it("a kill of a client that is gone by EXEC does not fail the transaction", async () => {
    const session = await getRedisSession(g.on("node-2"), "node-2");
    const replies = await transaction(session, [["PING"], ["CLIENT", "KILL", "ID", "987654321"]], {
      accept: (command, err) => command[1] === "KILL" && /no such client/i.test(err.message),
    });
    expect(replies[0]).toBe("PONG");
    // CLIENT KILL ID <gone> replies 0 (the filter form); the old form replies "No such client".
    expect(replies[1]).toBe(0);
    const old = await transaction(session, [["CLIENT", "KILL", "127.0.0.9:1"]], {
      accept: (command, err) => command[1] === "KILL" && /no such client/i.test(err.message),
    });
    expect(String(old[0])).toMatch(/No such client/);
  });
});

describe("redis_promote re-checks the decision when it acts", () => {
  // P the dead primary; T the chosen replica; O and R the other replicas (R on a second port).
  const P = { redis_host: "127.0.0.234", redis_password: PASSWORD };
  const group: GroupVars = {
    p: P,
    t: { redis_host: "127.0.0.235", redis_password: PASSWORD },
    o: { redis_host: "127.0.0.236", redis_password: PASSWORD },
    r: { redis_host: "127.0.0.236", redis_port: 6380, redis_password: PASSWORD },
  };
  let g: RedisGroupContext;
  const t = () => client("127.0.0.235");
  const o = () => client("127.0.0.236");
  const rr = () => client("127.0.0.236", 6380);

  /** Every replica follows the (dead) primary again, as at the moment of the decision. */
  async function followDeadPrimary(): Promise<void> {
    for (const c of [t(), o(), rr()]) await c.replicaof("127.0.0.234", 6379);
  }

  beforeAll(async () => {
    await start("p", "127.0.0.234");
    await start("t", "127.0.0.235");
    await start("o", "127.0.0.236");
    await start("r", "127.0.0.236", 6380);
    await followDeadPrimary();
    await until("replicas in sync", async () => (await replication(t())).master_link_status === "up");
    await stop("p");
    g = redisGroupContext(group);
    contexts.push(g);
    for (const h of Object.keys(group)) group[h]!.redis_failover = failoverFact("p", "t", ["t", "o", "r"]);
  });

  it("refuses, changing nothing, when the target was made to follow another primary meanwhile", async () => {
    await followDeadPrimary();
    const ctx = g.on("t");
    const plan = await redisPromoteModule.plan(ctx, {});
    expect(plan.failed).toBeUndefined();
    expect(plan.changes).toHaveLength(2);
    // Meanwhile another run promoted o and repointed t to it.
    await o().replicaof("NO", "ONE");
    await t().replicaof("127.0.0.236", 6379);
    const bystander = t();
    expect(await bystander.ping()).toBe("PONG");

    const applied = await redisPromoteModule.apply(ctx, {}, plan);
    expect(applied.failed).toBe("t now follows 127.0.0.236:6379, not p (127.0.0.234:6379): the group changed since the decision; nothing was changed");
    expect(await replication(t())).toMatchObject({ role: "slave", master_host: "127.0.0.236", master_port: 6379 });
    expect(await bystander.ping()).toBe("PONG");
  });

  it("refuses, changing nothing, when another node became a primary with a replica meanwhile", async () => {
    await followDeadPrimary();
    const ctx = g.on("t");
    const plan = await redisPromoteModule.plan(ctx, {});
    expect(plan.failed).toBeUndefined();
    await o().replicaof("NO", "ONE");
    await rr().replicaof("127.0.0.236", 6379);
    const bystander = t();
    expect(await bystander.ping()).toBe("PONG");

    const applied = await redisPromoteModule.apply(ctx, {}, plan);
    expect(applied.failed).toBe("o (127.0.0.236:6379) is now a primary with replicas (r): promoting t too would make two primaries; nothing was changed");
    expect(await replication(t())).toMatchObject({ role: "slave", master_host: "127.0.0.234", master_port: 6379 });
    expect(await bystander.ping()).toBe("PONG");
  });

  it("the plan refuses a target that does not follow the primary the decision named", async () => {
    await followDeadPrimary();
    await t().replicaof("127.0.0.236", 6380);
    const plan = await redisPromoteModule.plan(g.on("t"), {});
    expect(plan.failed).toBe("t follows 127.0.0.236:6380, not p (127.0.0.234:6379) as the failover decided; nothing was changed");
  });

  it("reports a target another run already promoted, and changes nothing", async () => {
    await followDeadPrimary();
    const ctx = g.on("t");
    const plan = await redisPromoteModule.plan(ctx, {});
    expect(plan.failed).toBeUndefined();
    await t().replicaof("NO", "ONE");
    const bystander = t();
    expect(await bystander.ping()).toBe("PONG");
    const applied = await redisPromoteModule.apply(ctx, {}, plan);
    expect(applied.failed).toBeUndefined();
    expect(applied.changed).toBe(false);
    expect(applied.msg).toMatch(/^t was already promoted meanwhile/);
    expect(await bystander.ping()).toBe("PONG");
  });
});
