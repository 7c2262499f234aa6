// `fail`: fails the task with a message (usually under `when`).
import type { Module } from "./types.js";

/** Arguments of `fail`. */
export interface FailArgs {
  /** @default "Failed as requested from task" */
  msg?: string;
}

export const failModule: Module<FailArgs> = {
  name: "fail",
  check: "full",
  local: true,
  freeForm: "msg",
  schema: {
    type: "object",
    properties: { msg: { type: "string" } },
    additionalProperties: false,
  },
  async plan(_ctx, args) {
    return { changes: [], failed: args.msg ?? "Failed as requested from task" };
  },
  async apply() {
    return {};
  },
};
