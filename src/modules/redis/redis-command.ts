// `redis_command`: sends one command to the task's Redis and returns the reply for `register`.
// Whether a command changes anything cannot be known in advance (even for "read-only" names, the
// arguments decide), so the plan is `unknown`: skipped under --check and shown as the command it
// would send, passwords masked. A read-only probe uses `changed_when: false`, and `check_mode:
// false` when it must run under --check too. An error reply fails the task with the host, the
// command (masked) and the server's words, like every redis_* module (src/redis/command-error.ts).
import { failureText } from "../../errors.js";
import { getRedis } from "../../redis/client.js";
import { maskCommand } from "../../redis/command-mask.js";
import { scrub } from "../../redis/errors.js";
import type { Module } from "../types.js";

/** Arguments of `redis_command`. */
export interface RedisCommandArgs {
  /** The command and its arguments, one list item each: ["CONFIG", "SET", "maxmemory", "1gb"]. */
  command: string[];
}

export const redisCommandModule: Module<RedisCommandArgs> = {
  name: "redis_command",
  check: "partial",
  schema: {
    type: "object",
    properties: {
      command: { type: "array", items: { type: "string" }, minItems: 1 },
    },
    required: ["command"],
    additionalProperties: false,
  },
  async plan(ctx, args) {
    const masked = maskCommand(args.command);
    for (const s of masked.secrets) ctx.addSecret(s);
    return { changes: [{ summary: `SEND ${masked.display}` }], unknown: true };
  },
  async apply(ctx, args) {
    const masked = maskCommand(args.command);
    try {
      const client = await getRedis(ctx, ctx.host);
      const reply = await client.call(args.command[0]!, ...args.command.slice(1));
      return { data: { reply: plain(reply) } };
    } catch (e) {
      return { failed: scrub(failureText(e), masked.secrets) };
    }
  },
};

/** Replies as JSON-friendly values: Buffers become strings, nested arrays are kept. */
function plain(reply: unknown): unknown {
  if (Buffer.isBuffer(reply)) return reply.toString("utf8");
  if (Array.isArray(reply)) return reply.map(plain);
  return reply;
}
