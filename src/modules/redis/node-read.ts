// Reading INFO from inventory hosts for the redis_* modules, and turning the ways that can fail
// into task failures. SSH-level unreachability of the task's own host still throws (the engine
// reports the host unreachable); a Redis that is down or refuses our password fails the task.
// Error messages come ready-made from src/redis: a RedisAccessError says why a Redis could not be
// used, a RedisCommandError names the host, the command sent (masked) and the server's reply.
import type { RedisInfo } from "../../facts/redis-info.js";
import { errorText, UnreachableError } from "../../errors.js";
import { getRedisSession, type RedisSession } from "../../redis/client.js";
import { redisEndpoint } from "../../redis/endpoint.js";
import { readRecord } from "../../redis/primary-record.js";
import type { HealthNode } from "../../redis/health.js";
import type { ServerVersion } from "../../redis/server-version.js";
import { readInfoSections } from "../../redis/session-commands.js";
import type { ObservedNode } from "../../redis/topology.js";
import type { TaskContext } from "../types.js";

/** INFO read from one host, with the session that read it. */
export interface NodeRead {
  session: RedisSession;
  info: RedisInfo;
}

/**
 * Reads `INFO <sections>` from `host`'s Redis, in the form its version understands.
 * Throws RedisAccessError / RedisCommandError / UnreachableError.
 */
export async function readInfo(ctx: TaskContext, host: string, sections: string[]): Promise<NodeRead> {
  const session = await getRedisSession(ctx, host);
  return { session, info: await readInfoSections(session, sections) };
}

/** What observeNode saw: the replication state, and which server answered. */
export type NodeObservation = ObservedNode & HealthNode & { version?: ServerVersion; keyspace?: Record<string, string> };

/** observeNode, with the node's primary record read beside it (none when it has none or SSH fails). */
export async function observeRecorded(ctx: TaskContext, host: string, opts: { keyspace?: boolean } = {}): Promise<NodeObservation> {
  const [seen, record] = await Promise.all([observeNode(ctx, host, opts), readRecord(ctx, host).catch(() => undefined)]);
  return record ? { ...seen, record } : seen;
}

/**
 * One node's replication state for topology and health; never throws, failures become `error`.
 * With `keyspace`, INFO keyspace comes in the same read (`keyspace`: empty when the node holds nothing).
 */
export async function observeNode(ctx: TaskContext, host: string, opts: { keyspace?: boolean } = {}): Promise<NodeObservation> {
  let address = host;
  let port = 6379;
  try {
    const e = redisEndpoint(host, host === ctx.host ? ctx.vars : ctx.varsFor(host));
    address = e.address;
    port = e.port;
    const { session, info } = await readInfo(ctx, host, opts.keyspace ? ["replication", "keyspace"] : ["replication"]);
    if (!info.replication) return { host, address, port, reachable: false, error: "INFO has no replication section" };
    const seen: NodeObservation = { host, address, port, reachable: true, info: info.replication, version: session.version };
    return opts.keyspace ? { ...seen, keyspace: info.sections.keyspace ?? {} } : seen;
  } catch (e) {
    return { host, address, port, reachable: false, error: errorText(e) };
  }
}

/** Resolves after `ms`; timers are unref'd so a pending wait never holds the process open. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
