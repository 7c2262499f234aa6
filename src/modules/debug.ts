// `debug`: shows a message, or a variable's value as `name = <json>`. It reads and changes
// nothing, so it plans a noop that carries the message.
import type { Module } from "./types.js";

/** Arguments of `debug`: msg or var, not both. */
export interface DebugArgs {
  msg?: unknown;
  /** An expression (usually a variable name) evaluated against the host's variables. */
  var?: string;
}

export const debugModule: Module<DebugArgs> = {
  name: "debug",
  check: "full",
  local: true,
  freeForm: "msg",
  rawArgs: ["var"],
  schema: {
    type: "object",
    properties: { msg: {}, var: { type: "string", minLength: 1 } },
    additionalProperties: false,
  },
  async plan(ctx, args) {
    // Checked here rather than in the schema, whose "must NOT be valid" would say nothing useful.
    if (args.var !== undefined && args.msg !== undefined) {
      return { changes: [], failed: "debug takes msg or var, not both" };
    }
    if (args.var !== undefined) {
      let value: unknown;
      try {
        value = ctx.evaluate(args.var);
      } catch (err) {
        return { changes: [], failed: `cannot evaluate ${JSON.stringify(args.var)}: ${err instanceof Error ? err.message : String(err)}` };
      }
      const shown = value === undefined ? "undefined" : JSON.stringify(value, null, 2);
      return { changes: [], noop: "debug", msg: `${args.var} = ${shown}`, data: { [args.var]: value ?? null } };
    }
    const msg = args.msg === undefined ? "Hello world!" : typeof args.msg === "string" ? args.msg : JSON.stringify(args.msg, null, 2);
    return { changes: [], noop: "debug", msg, data: { msg } };
  },
  async apply() {
    return {};
  },
};
