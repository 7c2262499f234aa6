// `setup`: gathers the host's facts in one command (what `gather_facts: true` runs before a
// play's first task). Reading only: it runs under --check too and never changes anything.
import { failureText } from "../errors.js";
import { FACTS_SCRIPT, parseHostFacts } from "../facts/host-facts.js";
import type { Module } from "./types.js";

export const setupModule: Module<Record<string, never>> = {
  name: "setup",
  check: "full",
  schema: { type: "object", properties: {}, additionalProperties: false },
  async plan(ctx) {
    try {
      const r = await (await ctx.conn()).exec(FACTS_SCRIPT);
      if (r.code !== 0 && r.stdout.trim() === "") return { changes: [], failed: `cannot gather facts on ${ctx.host}: ${r.stderr.trim() || `exit ${r.code}`}` };
      const facts = parseHostFacts(r.stdout);
      return { changes: [], noop: "facts gathered", facts, data: { ansible_facts: facts.ansible_facts } };
    } catch (err) {
      return { changes: [], failed: failureText(err) };
    }
  },
  async apply() {
    return {};
  },
};
