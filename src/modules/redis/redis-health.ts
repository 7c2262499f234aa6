// `redis_health`: waits until a primary and its replicas are healthy (src/redis/health.ts says
// what that means), polling INFO on every node, then proves it end to end with a canary: a key
// written on the primary, WAIT for every replica, read back on each, deleted. A group module: it
// runs once for the play's hosts and reports on each. The plan polls INFO; the canary is a probe
// that apply carries out (a write that leaves nothing changed), so --check judges INFO only. With
// redis_acl it also reports each node's users (which exist, which are off), as the server lists them.
import { fieldsOf } from "../../redis/reply.js";
import { errorText } from "../../errors.js";
import { randomUUID } from "node:crypto";
import { getRedis, getRedisSession, servedOverTls } from "../../redis/client.js";
import { aclUsers } from "../../redis/acl-canonical.js";
import { atLeast } from "../../redis/server-version.js";
import { assessHealth, type HealthAssessment } from "../../redis/health.js";
import type { GroupModule, GroupPlan, Plan, TaskContext } from "../types.js";
import { forEveryHost, unknownHostPlan } from "../group.js";
import { observeNode, sleep } from "./node-read.js";

/** Arguments of `redis_health`. */
export interface RedisHealthArgs {
  /** Inventory name of the primary. */
  primary: string;
  /** Inventory names of its replicas. @default [] */
  replicas?: string[];
  /** Seconds to wait for health. @default 60 */
  timeout?: number;
  /** Write, WAIT for and read back a canary key. @default true */
  canary?: boolean;
}

const POLL_MS = 200;
/** Longest single WAIT; the overall timeout still bounds the whole check. */
const MAX_WAIT_MS = 5000;

interface HealthState {
  deadline: number;
  timeoutMs: number;
}

export const redisHealthModule: GroupModule<RedisHealthArgs, HealthState> = {
  name: "redis_health",
  scope: "group",
  hostArgs: ["primary", "replicas"],
  check: "full",
  schema: {
    type: "object",
    properties: {
      primary: { type: "string", minLength: 1 },
      replicas: { type: "array", items: { type: "string", minLength: 1 } },
      timeout: { type: "number", minimum: 0 },
      canary: { type: "boolean" },
    },
    required: ["primary"],
    additionalProperties: false,
  },
  async plan(g, args) {
    const unknownHost = unknownHostPlan(g, redisHealthModule, args as unknown as Record<string, unknown>);
    if (unknownHost) return unknownHost;
    const { replicas, skipped } = judged(g, args);
    if (replicas.includes(args.primary)) {
      return forEveryHost<HealthState>(g, { changes: [], failed: `${args.primary} is listed both as primary and as a replica` });
    }
    const ctx = g.ctx(g.hosts[0]!);
    const timeoutMs = (args.timeout ?? 60) * 1000;
    const deadline = Date.now() + timeoutMs;
    const last = await untilHealthy(ctx, args.primary, replicas, deadline);
    if (!last.healthy) return forEveryHost<HealthState>(g, failedPlan(timeoutMs, last.problems));
    const canary = args.canary ?? true;
    const n = replicas.length;
    const summary =
      `healthy: ${args.primary} primary, ${n} replica${n === 1 ? "" : "s"} in sync` +
      (skipped.length > 0 ? ` (not checked, having left the play unreachable or failed: ${skipped.join(", ")})` : "");
    const out: GroupPlan<HealthState> = { hosts: {}, state: { deadline, timeoutMs } };
    const users = Object.fromEntries(await Promise.all([args.primary, ...replicas].map(async (h) => [h, await nodeUsers(ctx, h)] as const)));
    const tls = Object.fromEntries(await Promise.all([args.primary, ...replicas].map(async (h) => [h, await nodeTls(ctx, h)] as const)));
    for (const host of g.hosts) {
      const standing = last.replicas.find((r) => r.host === host);
      const own = host === args.primary ? "primary" : standing ? `replica in sync (offset ${standing.offset}, lag ${standing.lag}s)` : "not checked";
      const mine = users[host];
      const myTls = tls[host];
      out.hosts[host] = {
        changes: [],
        noop: `${summary}; ${host}: ${own}${mine ? `; ${describeUsers(mine)}` : ""}${myTls ? `; ${describeTls(myTls)}` : ""}${canary && g.check ? " (INFO only: canary write skipped under --check)" : ""}`,
        data: { primary: args.primary, replicas: last.replicas, ...(mine ? { users: mine } : {}), ...(myTls ? { tls: myTls } : {}) },
      };
    }
    // The canary is a write: a probe carried out by apply (never under --check), leaving nothing changed.
    if (canary && out.hosts[args.primary]) {
      out.hosts[args.primary]!.probes = [{ summary: `canary key written on ${args.primary}, WAIT for ${n}, read back on each replica, deleted` }];
    } else if (canary && g.hosts.length > 0) {
      out.hosts[g.hosts[0]!]!.probes = [{ summary: `canary key written on ${args.primary}, WAIT for ${n}, read back on each replica, deleted` }];
    }
    return out;
  },
  async apply(g, args, plan) {
    const ctx = g.ctx(g.hosts[0]!);
    const { replicas } = judged(g, args);
    const { deadline, timeoutMs } = plan.state!;
    for (;;) {
      const problem = await runCanary(ctx, args.primary, replicas, deadline);
      if (!problem) return { hosts: {} };
      if (Date.now() >= deadline) {
        const failed = failedPlan(timeoutMs, [problem]);
        return { hosts: Object.fromEntries(g.hosts.map((h) => [h, { failed: failed.failed, data: failed.data }])) };
      }
      await sleep(POLL_MS);
      const again = await untilHealthy(ctx, args.primary, replicas, deadline);
      if (!again.healthy) {
        const failed = failedPlan(timeoutMs, again.problems);
        return { hosts: Object.fromEntries(g.hosts.map((h) => [h, { failed: failed.failed, data: failed.data }])) };
      }
    }
  },
};

/** A node's ACL user. */
export interface NodeUser {
  name: string;
  on: boolean;
}

/**
 * With redis_acl (redplay then logs in as its own user), the node's users as its server has them
 * (ACL LIST; Redis 6.0+ and Valkey); undefined otherwise, or when they cannot be read.
 */
async function nodeUsers(ctx: TaskContext, host: string): Promise<NodeUser[] | undefined> {
  try {
    const session = await getRedisSession(ctx, host);
    if (session.endpoint.username === undefined || !atLeast(session.version, "6.0.0")) return undefined;
    return aclUsers((await session.client.call("ACL", "LIST")) as string[]).map((u) => ({ name: u.name, on: u.rules.includes("on") }));
  } catch {
    // Health is about replication: a node whose users cannot be read is reported without them.
    return undefined;
  }
}

/** A node's TLS, as its server runs it. */
export interface NodeTls {
  /** The TLS listener's port, 0 when none. */
  port: number;
  /** The plain-text listener's port, 0 when closed. */
  plain_port: number;
  /** tls-replication: the node's own link to its primary is TLS. */
  replication: boolean;
  /** tls-auth-clients: yes, optional or no. */
  auth_clients: string;
  /** redplay's own session with the node is TLS. */
  session: boolean;
}

/**
 * With a TLS client (redis_tls, or a CA left from it), the node's listeners and replication
 * scheme (CONFIG GET); undefined otherwise, on a server without TLS, or when they cannot be read.
 */
async function nodeTls(ctx: TaskContext, host: string): Promise<NodeTls | undefined> {
  try {
    const session = await getRedisSession(ctx, host);
    if (!session.endpoint.tls || !atLeast(session.version, "6.0.0")) return undefined;
    const [plain, tls] = await Promise.all([session.client.call("CONFIG", "GET", "port"), session.client.call("CONFIG", "GET", "tls-*")]);
    const conf = { ...fieldsOf(plain), ...fieldsOf(tls) };
    if (conf["tls-port"] === undefined) return undefined;
    return {
      port: Number(conf["tls-port"]),
      plain_port: Number(conf.port ?? 0),
      replication: conf["tls-replication"] === "yes",
      auth_clients: conf["tls-auth-clients"] ?? "yes",
      session: servedOverTls(ctx, host) === true,
    };
  } catch {
    return undefined;
  }
}

/** `tls: clients on 6379 (plain text closed), replication over TLS, client certificates optional`. */
export function describeTls(t: NodeTls): string {
  if (t.port === 0 && !t.replication) return `tls: off (plain text on ${t.plain_port})`;
  const clients = t.port === 0 ? "no TLS listener" : `clients on ${t.port} (${t.plain_port === 0 ? "plain text closed" : `plain text still on ${t.plain_port}`})`;
  return `tls: ${clients}, replication ${t.replication ? "over TLS" : "in plain text"}, client certificates ${t.auth_clients === "yes" ? "required" : t.auth_clients}`;
}

/** `users: redplay, replication; off: default`. */
export function describeUsers(users: NodeUser[]): string {
  const on = users.filter((u) => u.on).map((u) => u.name);
  const off = users.filter((u) => !u.on).map((u) => u.name);
  return `users: ${on.length > 0 ? on.join(", ") : "none"}${off.length > 0 ? `; off: ${off.join(", ")}` : ""}`;
}

/** The replicas to judge: those listed, except hosts that have left the play (unreachable or failed earlier in the run). */
function judged(g: { left: string[] }, args: RedisHealthArgs): { replicas: string[]; skipped: string[] } {
  const listed = args.replicas ?? [];
  return { replicas: listed.filter((h) => !g.left.includes(h)), skipped: listed.filter((h) => g.left.includes(h)) };
}

function failedPlan(timeoutMs: number, problems: string[]): Plan {
  return { changes: [], failed: `not healthy after ${timeoutMs / 1000}s:\n${problems.join("\n")}`, data: { problems } };
}

/** Polls INFO on every node until the group is healthy or the deadline passes; the last assessment. */
async function untilHealthy(ctx: TaskContext, primary: string, replicas: string[], deadline: number): Promise<HealthAssessment> {
  for (;;) {
    const [p, ...rs] = await Promise.all([primary, ...replicas].map((h) => observeNode(ctx, h)));
    const last = assessHealth(p!, rs);
    if (last.healthy || Date.now() >= deadline) return last;
    await sleep(POLL_MS);
  }
}

/** Writes, WAITs for and reads back a canary; returns what went wrong, or undefined. Always deletes it. */
async function runCanary(
  ctx: TaskContext,
  primary: string,
  replicas: string[],
  deadline: number,
): Promise<string | undefined> {
  const key = `__redplay:canary:${randomUUID()}`;
  const value = String(Date.now());
  let written = false;
  try {
    const client = await getRedis(ctx, primary);
    await client.set(key, value);
    written = true;
    if (replicas.length > 0) {
      const ms = Math.max(100, Math.min(MAX_WAIT_MS, deadline - Date.now()));
      const acked = Number(await client.call("WAIT", String(replicas.length), String(ms)));
      if (acked < replicas.length) {
        return `${primary}: canary write acknowledged by ${acked} of ${replicas.length} replicas within ${ms} ms`;
      }
    }
    for (const r of replicas) {
      const got = await (await getRedis(ctx, r)).get(key);
      if (got !== value) return `${r}: canary key not replicated (read ${got === null ? "nothing" : `"${got}"`})`;
    }
    return undefined;
  } catch (e) {
    return `canary failed: ${errorText(e)}`;
  } finally {
    if (written) await getRedis(ctx, primary).then((c) => c.del(key)).catch(() => undefined);
  }
}
