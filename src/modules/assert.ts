// `assert`: fails the task unless every expression in `that` holds. The expressions are raw
// (not templated) and evaluated with the same rules as `when`.
import type { Module } from "./types.js";

/** Arguments of `assert`. */
export interface AssertArgs {
  that: string | string[];
  fail_msg?: string;
  /** Alias of fail_msg. */
  msg?: string;
  success_msg?: string;
  /** Do not show success_msg. */
  quiet?: boolean;
}

export const assertModule: Module<AssertArgs> = {
  name: "assert",
  check: "full",
  local: true,
  rawArgs: ["that"],
  schema: {
    type: "object",
    properties: {
      that: {
        anyOf: [
          { type: "string", minLength: 1 },
          { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
        ],
      },
      fail_msg: { type: "string" },
      msg: { type: "string" },
      success_msg: { type: "string" },
      quiet: { type: "boolean" },
    },
    required: ["that"],
    additionalProperties: false,
  },
  async plan(ctx, args) {
    const exprs = Array.isArray(args.that) ? args.that : [args.that];
    for (const expr of exprs) {
      let value: unknown;
      try {
        value = ctx.evaluate(expr);
      } catch (err) {
        return {
          changes: [],
          failed: `cannot evaluate assertion ${JSON.stringify(expr)}: ${err instanceof Error ? err.message : String(err)}`,
          data: { assertion: expr },
        };
      }
      if (!value) {
        return {
          changes: [],
          failed: args.fail_msg ?? args.msg ?? `Assertion failed: ${expr}`,
          data: { assertion: expr, evaluated_to: value ?? null },
        };
      }
    }
    const msg = args.quiet ? undefined : (args.success_msg ?? "All assertions passed");
    return { changes: [], noop: "all assertions passed", msg };
  },
  async apply() {
    return {};
  },
};
