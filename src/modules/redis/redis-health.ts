// `redis_health`: waits until a primary and its replicas are healthy (src/redis/health.ts says
// what that means), polling INFO on every node, then proves it end to end with a canary: a key
// written on the primary, WAIT for every replica, read back on each, deleted. It is a probe, so
// the plan does the work and is always empty. Under --check only INFO is judged: the canary is a
// write, and check mode writes nothing.
import { errorText } from "../../errors.js";
import { randomUUID } from "node:crypto";
import { getRedis } from "../../redis/client.js";
import { assessHealth, type HealthAssessment } from "../../redis/health.js";
import type { Module, TaskContext } from "../types.js";
import { observeNode, sleep } from "./node-read.js";
import { unknownHostFailure } from "../host-args.js";

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

export const redisHealthModule: Module<RedisHealthArgs> = {
  name: "redis_health",
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
  async plan(ctx, args) {
    const unknownHost = unknownHostFailure(ctx, redisHealthModule, args as unknown as Record<string, unknown>);
    if (unknownHost) return { changes: [], failed: unknownHost };
    const replicas = args.replicas ?? [];
    if (replicas.includes(args.primary)) {
      return { changes: [], failed: `${args.primary} is listed both as primary and as a replica` };
    }
    const timeoutMs = (args.timeout ?? 60) * 1000;
    const deadline = Date.now() + timeoutMs;
    const useCanary = (args.canary ?? true) && !ctx.check;
    let last: HealthAssessment | undefined;
    let canaryProblem: string | undefined;
    for (;;) {
      const [p, ...rs] = await Promise.all([args.primary, ...replicas].map((h) => observeNode(ctx, h)));
      last = assessHealth(p!, rs);
      canaryProblem = undefined;
      if (last.healthy) {
        canaryProblem = useCanary ? await runCanary(ctx, args.primary, replicas, deadline) : undefined;
        if (!canaryProblem) break;
      }
      if (Date.now() >= deadline) {
        const problems = canaryProblem ? [canaryProblem] : last.problems;
        return {
          changes: [],
          failed: `not healthy after ${timeoutMs / 1000}s:\n${problems.join("\n")}`,
          data: { problems },
        };
      }
      await sleep(POLL_MS);
    }
    const n = replicas.length;
    const skipped = (args.canary ?? true) && ctx.check ? " (INFO only: canary write skipped under --check)" : "";
    return {
      changes: [],
      noop: `healthy: ${args.primary} primary, ${n} replica${n === 1 ? "" : "s"} in sync${skipped}`,
      data: { primary: args.primary, replicas: last.replicas },
    };
  },
  async apply() {
    return {};
  },
};

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
