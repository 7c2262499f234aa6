import { describe, expect, it } from "vitest";
import { LoadErrors } from "../../src/errors.js";
import { loadInventoryDoc } from "../../src/load/inventory.js";
import type { InventoryGroupDoc } from "../../src/load/types.js";

const fixtures = "test/fixtures/load";

/** Group tree without locations, for whole-structure comparison. */
function shape(g: InventoryGroupDoc): unknown {
  return { name: g.name, vars: g.vars, hosts: g.hosts.map((h) => [h.name, h.vars]), children: g.children.map(shape) };
}

describe("inventory documents", () => {
  it("groups keep hosts, vars and children in file order; hosts without vars get {}", async () => {
    const inv = await loadInventoryDoc(`${fixtures}/inventory/hosts.yaml`);
    expect(inv.groups.map(shape)).toEqual([
      {
        name: "all",
        vars: { ansible_user: "root" },
        hosts: [],
        children: [
          {
            name: "redis",
            vars: {},
            hosts: [
              ["node-1", { ansible_host: "127.0.0.11" }],
              ["node-2", {}],
              ["node-3", { ansible_host: "127.0.0.13" }],
            ],
            children: [{ name: "primaries", vars: {}, hosts: [["node-1", {}]], children: [] }],
          },
          { name: "sentinels", vars: {}, hosts: [], children: [] },
        ],
      },
    ]);
  });

  it("hosts and groups are located at their names", async () => {
    const inv = await loadInventoryDoc(`${fixtures}/inventory/hosts.yaml`);
    const redis = inv.groups[0]!.children[0]!;
    expect(redis.loc).toMatchObject({ line: 5, col: 5, path: "all.children.redis" });
    expect(redis.hosts[1]!.loc).toMatchObject({ file: `${fixtures}/inventory/hosts.yaml`, line: 9, col: 9, path: "all.children.redis.hosts.node-2" });
  });

  it("group_vars (file or directory, merged in name order) and host_vars beside the inventory are loaded", async () => {
    const inv = await loadInventoryDoc(`${fixtures}/inventory/hosts.yaml`);
    expect(inv.groupVars).toEqual({ all: { redis_port: 6379 }, redis: { maxmemory: "100mb", role_hint: "override" } });
    expect(inv.hostVars).toEqual({ "node-1": { redis_role: "primary" } });
    expect(inv.dir).toBe(`${process.cwd()}/${fixtures}/inventory`);
  });

  it("schema violations are all reported at their lines with hints", async () => {
    const err = await loadInventoryDoc(`${fixtures}/bad-inventory/hosts.yaml`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadErrors);
    expect((err as LoadErrors).errors.map((e) => e.format())).toEqual([
      `${fixtures}/bad-inventory/hosts.yaml:2:3: unknown group key "host"; did you mean "hosts"?`,
      `${fixtures}/bad-inventory/hosts.yaml:6:13: all.children.redis.vars must be mapping or null`,
    ]);
  });
});
