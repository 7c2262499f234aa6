// `set_fact`: sets host variables for the rest of the run. The values arrive already rendered;
// the engine stores plan.facts. Nothing on the host changes.
import type { Module } from "./types.js";

/** Arguments of `set_fact`: any variable names; `cacheable` is accepted and ignored. */
export type SetFactArgs = Record<string, unknown> & { cacheable?: boolean };

export const setFactModule: Module<SetFactArgs> = {
  name: "set_fact",
  check: "full",
  local: true,
  schema: {
    type: "object",
    properties: { cacheable: { type: "boolean" } },
    propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
    minProperties: 1,
    additionalProperties: true,
  },
  async plan(_ctx, args) {
    const { cacheable: _ignored, ...facts } = args;
    if (Object.keys(facts).length === 0) return { changes: [], failed: "set_fact needs at least one variable" };
    return { changes: [], noop: "facts set", facts, data: { ansible_facts: facts } };
  },
  async apply() {
    return {};
  },
};
