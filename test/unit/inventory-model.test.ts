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

  it("a parent's group_vars file wins over a child group's inline vars, as in Ansible", () => {
    // ansible-inventory 2.14 gives "redis-file" here: every group_vars file ranks above every inline group var.
    const inv = sample({ groupVars: { redis: { c: "redis-file" } } });
    expect(inv.hostVars("node-2").c).toBe("redis-file");
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

describe("Ansible's precedence across sources and the playbook's group_vars/host_vars", () => {
  // Each row: where a value of `v` is set (lowest first in the list), and which one a host of
  // group `child` (a child of `parent`) sees. Checked against ansible-inventory 2.14.
  const layers = {
    allInline: (d: InventoryDoc) => (d.groups[0]!.vars.v = "allInline"),
    childInline: (d: InventoryDoc) => (d.groups[0]!.children[0]!.children[0]!.vars.v = "childInline"),
    invAllFile: (d: InventoryDoc) => (d.groupVars.all = { v: "invAllFile" }),
    invParentFile: (d: InventoryDoc) => (d.groupVars.parent = { v: "invParentFile" }),
    hostInline: (d: InventoryDoc) => (d.groups[0]!.children[0]!.children[0]!.hosts[0]!.vars.v = "hostInline"),
    invHostFile: (d: InventoryDoc) => (d.hostVars.h = { v: "invHostFile" }),
  };
  const base = (): InventoryDoc =>
    doc([group("all", [], {}, [group("parent", [], {}, [group("child", [host("h")])])])]);

  it.each([
    [["allInline", "childInline"], undefined, "childInline"],
    [["childInline", "invAllFile"], undefined, "invAllFile"],
    [["invAllFile"], { groupVars: { all: { v: "pbAllFile" } }, hostVars: {} }, "pbAllFile"],
    [["invParentFile"], { groupVars: { all: { v: "pbAllFile" } }, hostVars: {} }, "invParentFile"],
    [["invParentFile"], { groupVars: { child: { v: "pbChildFile" } }, hostVars: {} }, "pbChildFile"],
    [["invParentFile", "hostInline"], { groupVars: { child: { v: "pbChildFile" } }, hostVars: {} }, "hostInline"],
    [["invHostFile"], { groupVars: {}, hostVars: {} }, "invHostFile"],
    [["invHostFile"], { groupVars: {}, hostVars: { h: { v: "pbHostFile" } } }, "pbHostFile"],
  ] as const)("%j with playbook vars %j: %s wins", (set, playbookVars, expected) => {
    const d = base();
    for (const name of set) layers[name as keyof typeof layers](d);
    const inv = buildInventory(d, playbookVars ? { playbookVars: playbookVars as never } : {});
    expect(inv.hostVars("h").v).toBe(expected);
  });

  it("several sources merge in order: hosts and groups add up, the later source wins for the same variable", () => {
    const first = doc([group("redis", [host("n1", { port: 1 }), host("n2")], { a: "first" })], { file: "one.ini" });
    const second = doc([group("redis", [host("n3")], { a: "second" }), group("web", [host("n1", { port: 2 })])], { file: "two.yaml" });
    const inv = buildInventory([first, second]);
    expect(inv.hosts()).toEqual(["n1", "n2", "n3"]);
    expect(inv.groups().redis).toEqual(["n1", "n2", "n3"]);
    expect(inv.groups().web).toEqual(["n1"]);
    expect(inv.hostVars("n1")).toEqual({ a: "second", port: 2 });
    expect(inv.file).toBe("one.ini,two.yaml");
  });

  it("a later source's group_vars file for a shallow group beats an earlier source's for a deeper one", () => {
    const first = doc([group("all", [], {}, [group("parent", [], {}, [group("child", [host("h")])])])], { groupVars: { child: { v: "first-child" } } });
    const second = doc([], { groupVars: { parent: { v: "second-parent" } } });
    expect(buildInventory([first, second]).hostVars("h").v).toBe("second-parent");
  });

  it("localhost not in the inventory is Ansible's implicit localhost: all's vars and the local connection", () => {
    const inv = buildInventory(doc([group("all", [host("h")], { x: 1 })], { groupVars: { all: { y: 2 } }, hostVars: { localhost: { z: 3 } } }));
    expect(inv.hostVars("localhost")).toEqual({ x: 1, y: 2, ansible_connection: "local", z: 3 });
    expect(inv.hosts()).toEqual(["h"]);
  });

  it("ungrouped holds exactly the hosts no other group lists", () => {
    const inv = buildInventory(doc([group("ungrouped", [host("a"), host("b")]), group("g", [host("b")])]));
    expect(inv.groups().ungrouped).toEqual(["a"]);
  });
});
