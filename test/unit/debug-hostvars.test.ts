// `debug: var=hostvars` (and any expression reaching hostvars) reads the engine's real variable
// store: it used to fail with a Proxy invariant TypeError, because hostvars is a read-only,
// non-configurable property that the expression guard tried to wrap.
import { describe, expect, it } from "vitest";
import { VarStore } from "../../src/engine/vars.js";
import { buildInventory } from "../../src/inventory/inventory.js";
import { loadInventoryDoc } from "../../src/load/inventory.js";
import { debugModule } from "../../src/modules/debug.js";
import { Secrets } from "../../src/output/redact.js";
import { evaluate } from "../../src/template/expressions.js";
import { makeTaskContext } from "../helpers/task-context.js";

async function hostVars() {
  const inventory = buildInventory(await loadInventoryDoc("test/fixtures/load/host-args/hosts.yaml"));
  const store = new VarStore(inventory, { file: "p.yaml", dir: process.cwd(), plays: [] }, {}, false, new Secrets());
  return store.forHost("node-1");
}

describe("hostvars in expressions", () => {
  it("debug var=hostvars prints every host's variables", async () => {
    const vars = await hostVars();
    const ctx = { ...makeTaskContext({ host: "node-1", vars }), evaluate: (expr: string) => evaluate(expr, vars, { host: "node-1" }) };
    const plan = await debugModule.plan(ctx, { var: "hostvars" });
    expect(plan.failed).toBeUndefined();
    expect(plan.msg).toMatch(/^hostvars = \{/);
    const shown = JSON.parse(plan.msg!.replace(/^hostvars = /, "")) as Record<string, Record<string, unknown>>;
    expect(Object.keys(shown)).toEqual(["node-1", "node-2", "node-3"]);
    expect(shown["node-2"]).toMatchObject({ ansible_host: "127.0.0.12", inventory_hostname: "node-2" });
  });

  it("one host's variable through hostvars, and other magic variables, read through the guard", async () => {
    const vars = await hostVars();
    expect(evaluate("hostvars['node-3'].ansible_host", vars, {})).toBe("127.0.0.13");
    expect(evaluate("groups.all[1]", vars, {})).toBe("node-2");
  });
});
