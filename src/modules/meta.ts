// `meta`: instructions for the engine (flush handlers, end a play or host). The engine reads
// the action from the task; the module only validates it and plans a noop.
import type { Module } from "./types.js";

/** The meta actions redplay knows. */
export const META_ACTIONS = ["flush_handlers", "noop", "end_play", "end_host", "clear_host_errors"] as const;

/** Arguments of `meta`. */
export interface MetaArgs {
  action: (typeof META_ACTIONS)[number];
}

export const metaModule: Module<MetaArgs> = {
  name: "meta",
  check: "full",
  local: true,
  freeForm: "action",
  schema: {
    type: "object",
    properties: { action: { enum: [...META_ACTIONS] } },
    required: ["action"],
    additionalProperties: false,
  },
  async plan(_ctx, args) {
    return { changes: [], noop: `meta: ${args.action}`, data: { action: args.action } };
  },
  async apply() {
    return {};
  },
};
