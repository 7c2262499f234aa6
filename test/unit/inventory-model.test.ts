import { describe, expect, it } from "vitest";
import { buildInventory } from "../../src/inventory/inventory.js";
import type { InventoryDoc, InventoryGroupDoc } from "../../src/load/types.js";

const loc = (line: number) => ({ file: "inventory.yaml", line, col: 3 });
let line = 0;
const host = (name: string, vars: Record<string, unknown> = {}) => ({ name, vars, loc: loc(++line) });
const group = (
  name: string,
  hosts: InventoryGroupDoc["hosts"] = [],
  vars: Record<string, unknown> = {},
  children: InventoryGroupDoc[] = [],
): InventoryGroupDoc => ({ name, hosts, vars, children, loc: loc(++line) });

function doc(groups: InventoryGroupDoc[], extra: Partial<InventoryDoc> = {}): InventoryDoc {
  return { file: "inventory.yaml", dir: "/inv", groups, groupVars: {}, hostVars: {}, ...extra };
}

// all
//   hosts: lonely
//   children:
//     redis (vars) -> children: primary (node-1), replicas (node-2, node-3)
//     monitoring: node-3
function sample(extra: Partial<InventoryDoc> = {}) {
  return buildInventory(
    doc(
      [
        group("all", [host("lonely")], { level: "all", a: "all", b: "all", c: "all", d: "all", e: "all" }, [
          group("redis", [], { level: "redis", b: "redis", c: "redis", d: "redis", e: "redis" }, [
            group("primary", [host("node-1", { d: "host-inline", e: "host-inline" })], { level: "primary", c: "primary", d: "primary", e: "primary" }),
            group("replicas", [host("node-2"), host("node-3")], { level: "replicas", c: "replicas" }),
          ]),
          group("monitoring", [host("node-3")], { mon: true, c: "monitoring" }),
        ]),
      ],
      extra,
    ),
  );
}

describe("inventory variable precedence", () => {
  it.each([
    // key, host, expected: each row proves one step of all < parent < child < host < host_vars file
    ["a", "node-1", "all"],
    ["b", "node-1", "redis"],
    ["c", "node-1", "primary"],
    ["d", "node-1", "host-inline"],
    ["e", "node-1", "host-file"],
    ["a", "lonely", "all"],
    ["b", "lonely", "all"],
  ])("%s on %s comes from %s", (key, h, expected) => {
    const inv = sample({ hostVars: { "node-1": { e: "host-file" } } });
    expect(inv.hostVars(h)[key]).toBe(expected);
  });

  it("a group_vars file wins over the group's inline vars", () => {
    const inv = sample({ groupVars: { redis: { b: "redis-file" }, all: { a: "all-file" } } });
    expect(inv.hostVars("node-2").b).toBe("redis-file");
    expect(inv.hostVars("lonely").a).toBe("all-file");
  });

  it("child group vars win over parent group_vars files", () => {
    const inv = sample({ groupVars: { redis: { c: "redis-file" } } });
    expect(inv.hostVars("node-2").c).toBe("replicas");
  });

  it("among groups at the same depth the alphabetically later one wins", () => {
    // node-3 is in replicas (depth 2) and monitoring (depth 1): depth beats the alphabet
    const inv = sample();
    expect(inv.hostVars("node-3").c).toBe("replicas");
    const flat = buildInventory(
      doc([group("all", [], {}, [group("zeta", [host("h")], { x: "zeta" }), group("alpha", [host("h")], { x: "alpha" })])]),
    );
    expect(flat.hostVars("h").x).toBe("zeta");
  });

  it("returns a copy so callers cannot change the inventory", () => {
    const inv = sample();
    inv.hostVars("node-1").a = "changed";
    expect(inv.hostVars("node-1").a).toBe("all");
  });
});

describe("inventory membership", () => {
  it("lists hosts in first-seen order, each once", () => {
    expect(sample().hosts()).toEqual(["lonely", "node-1", "node-2", "node-3"]);
  });

  it("groups include descendants, all and ungrouped", () => {
    const g = sample().groups();
    expect(g.redis).toEqual(["node-1", "node-2", "node-3"]);
    expect(g.all).toEqual(["lonely", "node-1", "node-2", "node-3"]);
    expect(g.ungrouped).toEqual(["lonely"]);
    expect(g.monitoring).toEqual(["node-3"]);
  });

  it("group_names lists every group of the host, sorted, without all", () => {
    const inv = sample();
    expect(inv.groupNames("node-3")).toEqual(["monitoring", "redis", "replicas"]);
    expect(inv.groupNames("lonely")).toEqual(["ungrouped"]);
  });

  it("a top-level group other than all is a child of all", () => {
    const inv = buildInventory(doc([group("redis", [host("r1")], { x: 1 })], { groupVars: { all: { y: 2 } } }));
    expect(inv.groups().all).toEqual(["r1"]);
    expect(inv.hostVars("r1")).toEqual({ x: 1, y: 2 });
    expect(inv.groups().ungrouped).toEqual([]);
  });

  it("a group written twice merges its hosts and vars", () => {
    const inv = buildInventory(
      doc([group("all", [], {}, [group("a", [host("h1")], { p: 1 }), group("b", [], {}, [group("a", [host("h2")], { q: 2 })])])]),
    );
    expect(inv.groups().a).toEqual(["h1", "h2"]);
    expect(inv.groups().b).toEqual(["h1", "h2"]);
    expect(inv.hostVars("h1")).toMatchObject({ p: 1, q: 2 });
  });

  it("remembers where a host was first declared", () => {
    const d = doc([group("all", [], {}, [group("g", [{ name: "h", vars: {}, loc: { file: "inv.yaml", line: 7, col: 9 } }])])]);
    expect(buildInventory(d).hostLoc("h")).toEqual({ file: "inv.yaml", line: 7, col: 9 });
    expect(buildInventory(d).hostLoc("nope")).toBeUndefined();
  });
});
