// `redis_replication`: makes the task's host a primary (`role: primary`) or a replica of another
// inventory host (`replica_of: NODE`), at runtime. The config file is the template module's
// business, so this never runs CONFIG REWRITE; with `update_file: true` (failover and switchover)
// only the replicaof line of the file the server was started with is set first, so a node killed
// before the file is rendered again restarts with its new role. A replica is done when its link is
// up and no sync runs; whether the whole group is healthy is redis_health's question.
import { failureText, errorText } from "../../errors.js";
import type { ReplicationInfo } from "../../facts/redis-info.js";
import { getRedis, getRedisSession } from "../../redis/client.js";
import { describeEndpoint, redisEndpoint, type RedisEndpoint } from "../../redis/endpoint.js";
import type { Module, TaskContext } from "../types.js";
import { readInfo, sleep } from "./node-read.js";
import { setReplicaofLine } from "./redis-promote.js";
import { unknownHostFailure } from "../host-args.js";

/** Arguments of `redis_replication`: exactly one of role / replica_of. */
export interface RedisReplicationArgs {
  role?: "primary";
  /** Inventory name of the primary to follow; its address and port come from its variables. */
  replica_of?: string;
  /** Seconds to wait for the replica's link to come up and its sync to finish. @default 30 */
  timeout?: number;
  /** Set the replicaof line of the server's config file (INFO server config_file) first. @default false */
  update_file?: boolean;
}

/** Handed from plan to apply; holds no password, since a plan may be shown or serialised. */
interface ReplicationState {
  command: string[];
  target?: Pick<RedisEndpoint, "host" | "address" | "port">;
}

const POLL_MS = 200;

export const redisReplicationModule: Module<RedisReplicationArgs, ReplicationState> = {
  name: "redis_replication",
  hostArgs: ["replica_of"],
  check: "full",
  schema: {
    type: "object",
    properties: {
      role: { enum: ["primary"] },
      replica_of: { type: "string", minLength: 1 },
      timeout: { type: "number", minimum: 0 },
      update_file: { type: "boolean" },
    },
    oneOf: [{ required: ["role"] }, { required: ["replica_of"] }],
    additionalProperties: false,
  },
  async plan(ctx, args) {
    const unknownHost = unknownHostFailure(ctx, redisReplicationModule, args as unknown as Record<string, unknown>);
    if (unknownHost) return { changes: [], failed: unknownHost };
    let info: ReplicationInfo | undefined;
    let target: RedisEndpoint | undefined;
    try {
      if (args.replica_of !== undefined) {
        if (args.replica_of === ctx.host) {
          return { changes: [], failed: `${ctx.host} cannot be a replica of itself; give replica_of the primary's name` };
        }
        target = redisEndpoint(args.replica_of, ctx.varsFor(args.replica_of));
      }
      info = (await readInfo(ctx, ctx.host, ["replication"])).info.replication;
    } catch (e) {
      return { changes: [], failed: failureText(e) };
    }
    if (!info) return { changes: [], failed: `INFO on ${ctx.host} has no replication section` };

    if (!target) {
      if (info.role === "master") return { changes: [], noop: `${ctx.host} is a primary` };
      return {
        changes: [{ summary: `${fileFirst(args, "no replicaof line")}REPLICAOF NO ONE (${ctx.host} follows ${info.master_host}:${info.master_port})` }],
        state: { command: ["REPLICAOF", "NO", "ONE"] } satisfies ReplicationState,
      };
    }
    const wanted = describeEndpoint(target);
    if (info.role === "slave" && info.master_host === target.address && info.master_port === target.port) {
      const plan = { changes: [], noop: `${ctx.host} is a replica of ${wanted}` };
      return info.master_link_status === "up"
        ? plan
        : { ...plan, msg: `note: master_link_status:${info.master_link_status ?? "unknown"} on ${ctx.host}` };
    }
    const now = info.role === "master" ? "is a primary" : `follows ${info.master_host}:${info.master_port}`;
    return {
      changes: [{ summary: `${fileFirst(args, `replicaof ${target.address} ${target.port}`)}REPLICAOF ${target.address} ${target.port} (${ctx.host} ${now})` }],
      state: {
        command: ["REPLICAOF", target.address, String(target.port)],
        target: { host: target.host, address: target.address, port: target.port },
      } satisfies ReplicationState,
    };
  },
  async apply(ctx, args, plan) {
    const state = plan.state!;
    try {
      // The file first: killed between the two, the node restarts with the role it was being given.
      const note = args.update_file
        ? await setReplicaofLine(ctx, ctx.host, await getRedisSession(ctx, ctx.host), state.target ?? null, `before ${state.command.join(" ")}`)
        : "";
      const client = await getRedis(ctx, ctx.host);
      await client.call(state.command[0]!, ...state.command.slice(1));
      if (!state.target) {
        const info = (await readInfo(ctx, ctx.host, ["replication"])).info.replication;
        if (info?.role !== "master") return { failed: `${ctx.host} still reports role:${info?.role} after REPLICAOF NO ONE` };
        return { msg: `${ctx.host} is now a primary${note}` };
      }
      const linked = await waitForLink(ctx, state.target, (args.timeout ?? 30) * 1000);
      return note && !linked.failed ? { msg: `${linked.msg}${note}` } : linked;
    } catch (e) {
      return { failed: failureText(e) };
    }
  },
};

/** The change summary's prefix when the file is set first. */
function fileFirst(args: RedisReplicationArgs, line: string): string {
  return args.update_file ? `${line} in its redis.conf, then ` : "";
}

/** Polls INFO until the link to `target` is up and no sync runs; a timeout fails with what INFO last said. */
async function waitForLink(
  ctx: TaskContext,
  target: Pick<RedisEndpoint, "host" | "address" | "port">,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  let last = "no INFO read yet";
  for (;;) {
    try {
      const r = (await readInfo(ctx, ctx.host, ["replication"])).info.replication;
      if (
        r?.role === "slave" &&
        r.master_host === target.address &&
        r.master_port === target.port &&
        r.master_link_status === "up" &&
        r.master_sync_in_progress === false
      ) {
        return { msg: `${ctx.host} is a replica of ${describeEndpoint(target)}, link up` };
      }
      last = r ? linkLines(r) : "INFO has no replication section";
    } catch (e) {
      last = errorText(e);
    }
    if (Date.now() >= deadline) {
      return {
        failed:
          `${ctx.host} did not finish syncing with ${describeEndpoint(target)} within ${timeoutMs / 1000}s: ${last}` +
          " (check that the primary is reachable from the replica and that masterauth matches its password)",
      };
    }
    await sleep(POLL_MS);
  }
}

function linkLines(r: ReplicationInfo): string {
  const parts = [
    `role:${r.role}`,
    `master_host:${r.master_host}`,
    `master_port:${r.master_port}`,
    `master_link_status:${r.master_link_status}`,
    `master_sync_in_progress:${r.master_sync_in_progress ? 1 : 0}`,
  ];
  if (r.master_link_down_since_seconds !== undefined) {
    parts.push(`master_link_down_since_seconds:${r.master_link_down_since_seconds}`);
  }
  if (r.slave_repl_offset !== undefined) parts.push(`slave_repl_offset:${r.slave_repl_offset}`);
  return parts.join(", ");
}
