import { describe, expect, it } from "vitest";
import { buildInventory } from "../../src/inventory/inventory.js";
import { splitPattern } from "../../src/inventory/pattern.js";
import type { InventoryGroupDoc } from "../../src/load/types.js";

const loc = { file: "inventory.yaml", line: 1, col: 1 };
const g = (name: string, hosts: string[], children: InventoryGroupDoc[] = []): InventoryGroupDoc => ({
  name,
  hosts: hosts.map((h) => ({ name: h, vars: {}, loc })),
  vars: {},
  children,
  loc,
});

const inv = buildInventory({
  file: "inventory.yaml",
  dir: "/inv",
  groups: [
    g("all", ["bastion"], [
      g("redis", [], [g("primary", ["node-1"]), g("replicas", ["node-2", "node-3"])]),
      g("web", ["web-1", "node-3"]),
    ]),
  ],
  groupVars: {},
  hostVars: {},
});

describe("host patterns", () => {
  it.each([
    ["all", ["bastion", "node-1", "node-2", "node-3", "web-1"]],
    ["*", ["bastion", "node-1", "node-2", "node-3", "web-1"]],
    ["node-2", ["node-2"]],
    ["replicas", ["node-2", "node-3"]],
    ["node-*", ["node-1", "node-2", "node-3"]],
    ["node-[12]", ["node-1", "node-2"]],
    ["rep*", ["node-2", "node-3"]],
    ["~node-[23]$", ["node-2", "node-3"]],
    ["web:primary", ["node-1", "node-3", "web-1"]],
    ["web,primary", ["node-1", "node-3", "web-1"]],
    ["redis:&web", ["node-3"]],
    ["redis:!web", ["node-1", "node-2"]],
    ["redis:!node-3:&replicas", ["node-2"]],
    ["!redis", ["bastion", "web-1"]],
    ["node-3:replicas:node-3", ["node-2", "node-3"]],
    ["nothing", []],
    ["nothing:node-1", ["node-1"]],
  ])("%s matches %j", (pattern, expected) => {
    expect(inv.match(pattern)).toEqual(expected);
  });

  it("keeps brackets whole when splitting on separators", () => {
    expect(splitPattern("node-[1:3]:web")).toEqual(["node-[1:3]", "web"]);
  });
});
