// `redis_promote`: turns the task's host, a replica of a failed primary, into the primary the way
// Sentinel does (sentinel.c sentinelSendSlaveOf): REPLICAOF NO ONE together with CLIENT KILL of
// normal and pubsub clients in one MULTI, so clients that were reading from the replica reconnect
// and learn its new role. No restart (a restart right after promotion can lose data) and no
// CONFIG REWRITE (redis.conf belongs to the template). After EXEC it checks that the node is a
// primary and kept the old history as master_replid2, which lets the other replicas resync
// partially instead of fully.
import type { ReplicationInfo } from "../../facts/redis-info.js";
import { getRedisSession } from "../../redis/client.js";
import { transaction } from "../../redis/session-commands.js";
import type { Module } from "../types.js";
import { failureFor, readInfo } from "./node-read.js";

/** Arguments of `redis_promote` (none). */
export type RedisPromoteArgs = Record<string, never>;

/** Handed from plan to apply: the history the replica followed. */
interface PromoteState {
  replid: string;
}

export const redisPromoteModule: Module<RedisPromoteArgs> = {
  name: "redis_promote",
  check: "full",
  schema: { type: "object", properties: {}, additionalProperties: false },
  async plan(ctx) {
    let info: ReplicationInfo | undefined;
    try {
      info = (await readInfo(ctx, ctx.host, ["replication"])).info.replication;
    } catch (e) {
      return { changes: [], failed: failureFor(e) };
    }
    if (!info) return { changes: [], failed: `INFO on ${ctx.host} has no replication section` };
    if (info.role === "master") return { changes: [], noop: `${ctx.host} is a primary` };
    return {
      changes: [
        { summary: `REPLICAOF NO ONE on ${ctx.host} (it follows ${info.master_host}:${info.master_port}, offset ${info.slave_repl_offset ?? "?"})` },
        { summary: "CLIENT KILL TYPE normal, CLIENT KILL TYPE pubsub (same MULTI: clients reconnect and see the new role)" },
      ],
      state: { replid: info.master_replid } satisfies PromoteState,
    };
  },
  async apply(ctx, _args, plan) {
    const { replid } = plan.state as PromoteState;
    try {
      const session = await getRedisSession(ctx, ctx.host);
      // CLIENT KILL with a filter skips the calling client (SKIPME defaults to yes). REPLICAOF
      // exists from 5.0 (the oldest supported), CLIENT KILL TYPE normal|pubsub from 2.8.12.
      try {
        await transaction(session, [
          ["REPLICAOF", "NO", "ONE"],
          ["CLIENT", "KILL", "TYPE", "normal"],
          ["CLIENT", "KILL", "TYPE", "pubsub"],
        ]);
      } catch (e) {
        return { failed: `promotion of ${ctx.host} failed: ${failureFor(e)}` };
      }
      const after = (await readInfo(ctx, ctx.host, ["replication"])).info.replication;
      if (after?.role !== "master") return { failed: `${ctx.host} still reports role:${after?.role} after REPLICAOF NO ONE` };
      if (after.master_replid2 !== replid) {
        return {
          msg: `${ctx.host} is now a primary, but its master_replid2 (${after.master_replid2}) is not the old history ${replid}: the other replicas will fully resync`,
        };
      }
      return {
        msg: `${ctx.host} is now a primary (history ${replid} kept as master_replid2 up to offset ${after.second_repl_offset})`,
        data: { master_replid: after.master_replid, master_replid2: after.master_replid2, second_repl_offset: after.second_repl_offset },
      };
    } catch (e) {
      return { failed: failureFor(e) };
    }
  },
};
