// A large inventory is built in time linear in its hosts and groups: membership is a lookup,
// never a scan of every group (or every host) per host. Guarded by counting work, not time:
// how many array elements the searching Array methods are asked to go through.
import { describe, expect, it } from "vitest";
import { buildInventory } from "../../src/inventory/inventory.js";
import type { Inventory } from "../../src/inventory/types.js";
import type { InventoryDoc, InventoryGroupDoc } from "../../src/load/types.js";
import type { Playbook } from "../../src/load/types.js";
import { checkPlaybookTemplates } from "../../src/template/static-check.js";

const HOSTS_PER_GROUP = 10;

/** `n` hosts in groups of 10 under two datacenter groups, plus one host of its own under `all`. */
function inventoryDoc(n: number): InventoryDoc {
  const loc = { file: "inventory.yaml", line: 1, col: 1 };
  const groups: InventoryGroupDoc[] = [];
  for (let g = 0; g * HOSTS_PER_GROUP < n; g++) {
    const hosts = [];
    for (let i = g * HOSTS_PER_GROUP; i < Math.min(n, (g + 1) * HOSTS_PER_GROUP); i++) {
      hosts.push({ name: `host-${i}`, vars: { ansible_host: `10.0.${i >> 8}.${i & 255}` }, loc });
    }
    groups.push({ name: `g${g}`, hosts, vars: { group_no: g }, children: [], loc });
  }
  const dc = (name: string, children: InventoryGroupDoc[]): InventoryGroupDoc => ({ name, hosts: [], vars: { dc: name }, children, loc });
  const all: InventoryGroupDoc = {
    name: "all",
    hosts: [{ name: "lonely", vars: {}, loc }],
    vars: {},
    children: [dc("dc1", groups.filter((_, i) => i % 2 === 0)), dc("dc2", groups.filter((_, i) => i % 2 === 1))],
    loc,
  };
  return { file: "inventory.yaml", dir: "/inv", groups: [all], groupVars: {}, hostVars: {} };
}

const SCANNING = ["includes", "indexOf", "lastIndexOf", "some", "every", "filter", "find", "findIndex"] as const;

/** Runs `fn` (synchronous) and counts the elements of every array a searching method was called on. */
function elementsScanned(fn: () => void): number {
  let scanned = 0;
  const proto = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = SCANNING.map((name) => [name, proto[name]!] as const);
  for (const [name, original] of originals) {
    proto[name] = function (this: unknown[], ...args: unknown[]) {
      scanned += this.length;
      return original.apply(this, args);
    };
  }
  try {
    fn();
  } finally {
    for (const [name, original] of originals) proto[name] = original;
  }
  return scanned;
}

/** Everything validate asks of an inventory: hosts, groups, every host's vars and groups, a pattern. */
function useInventory(doc: InventoryDoc): Inventory {
  const inv = buildInventory(doc);
  for (const h of inv.hosts()) {
    inv.hostVars(h);
    inv.groupNames(h);
  }
  inv.groups();
  inv.match("dc1:&g0");
  return inv;
}

describe("building a large inventory", () => {
  it("scans a number of array elements linear in the hosts, however many groups there are", () => {
    for (const n of [2_000, 8_000]) {
      let inv: Inventory | undefined;
      const scanned = elementsScanned(() => {
        inv = useInventory(inventoryDoc(n));
      });
      // Before: every host was looked for in every group's host list (n * n/10 elements and more).
      expect(scanned).toBeLessThanOrEqual(20 * n);
      expect(inv!.hosts()).toHaveLength(n + 1);
    }
  });

  it("still gives each group its hosts in inventory order, descendants included, and ungrouped the rest", () => {
    const inv = useInventory(inventoryDoc(25));
    const groups = inv.groups();
    expect(groups.g1).toEqual(Array.from({ length: 10 }, (_, i) => `host-${10 + i}`));
    expect(groups.dc1).toEqual([...groups.g0!, ...groups.g2!]);
    expect(groups.dc2).toEqual(groups.g1);
    expect(groups.ungrouped).toEqual(["lonely"]);
    // First-seen order: dc1's groups are written before dc2's.
    expect(groups.all).toEqual(["lonely", ...groups.g0!, ...groups.g2!, ...groups.g1!]);
    expect(inv.groupNames("host-12")).toEqual(["dc2", "g1"]);
    expect(inv.hostVars("host-12")).toMatchObject({ dc: "dc2", group_no: 1, ansible_host: "10.0.0.12" });
  });
});

describe("checking a playbook's templates against a large inventory", () => {
  it("reads each host's variables once for the whole playbook, not once per play", () => {
    const inv = buildInventory(inventoryDoc(500));
    let reads = 0;
    const counted: Inventory = {
      ...inv,
      hostVars: (h) => {
        reads++;
        return inv.hostVars(h);
      },
      hostVarNames: (h) => {
        reads++;
        return inv.hostVarNames(h);
      },
    };
    const loc = { file: "playbook.yaml", line: 1, col: 1 };
    const play = (i: number) => ({
      name: `play ${i}`,
      hosts: "all",
      vars: {},
      varsFilesData: {},
      anyErrorsFatal: false,
      tags: [],
      tasks: [],
      handlers: [],
      loc,
    });
    const playbook = { file: "playbook.yaml", dir: "/pb", plays: [0, 1, 2, 3, 4].map(play) } as unknown as Playbook;
    expect(checkPlaybookTemplates(playbook, { inventory: counted })).toEqual([]);
    expect(reads).toBe(501);
  });
});
