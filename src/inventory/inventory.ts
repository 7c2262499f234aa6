// The inventory the engine sees: hosts in file order, group membership, and each host's
// variables merged in Ansible's precedence order. Built once from the loaded document; every
// query afterwards is a lookup, so the engine can call hostVars() per task without cost.
import type { Location } from "../errors.js";
import type { InventoryDoc } from "../load/types.js";
import type { Inventory } from "./types.js";
import { buildGroupTree, groupDepths, groupsOfHost, type GroupTree } from "./group-tree.js";
import { matchPattern } from "./pattern.js";

export function buildInventory(doc: InventoryDoc): Inventory {
  const tree = buildGroupTree(doc);
  const depths = groupDepths(tree);
  const hosts = [...tree.hostOrder];
  const memberOf = new Map(hosts.map((h) => [h, groupsOfHost(tree, h)]));
  const groups = groupMembers(tree, hosts, memberOf);
  const varsCache = new Map<string, Record<string, unknown>>();

  const mergedVars = (host: string): Record<string, unknown> => {
    const order = [...(memberOf.get(host) ?? new Set(["all"]))].sort(
      (a, b) => depths.get(a)! - depths.get(b)! || (a < b ? -1 : a > b ? 1 : 0),
    );
    const vars: Record<string, unknown> = {};
    for (const g of order) {
      Object.assign(vars, tree.groups.get(g)?.vars, doc.groupVars[g]);
    }
    Object.assign(vars, tree.hostInlineVars.get(host), doc.hostVars[host]);
    return vars;
  };

  return {
    file: doc.file,
    hosts: () => [...hosts],
    groups: () => Object.fromEntries(Object.entries(groups).map(([g, m]) => [g, [...m]])),
    groupNames: (host) =>
      [...(memberOf.get(host) ?? [])].filter((g) => g !== "all").sort(),
    hostVars: (host) => {
      let v = varsCache.get(host);
      if (!v) {
        v = mergedVars(host);
        varsCache.set(host, v);
      }
      return { ...v };
    },
    hostLoc: (host): Location | undefined => tree.hostLocs.get(host),
    match: (pattern) => matchPattern({ hosts, groups }, pattern),
  };
}

/**
 * Group name -> hosts of the group and its descendants, in inventory order: each host is added to
 * the groups it belongs to, so the cost is the number of memberships, not groups times hosts.
 */
function groupMembers(tree: GroupTree, hosts: string[], memberOf: Map<string, Set<string>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of tree.groups.keys()) out[name] = [];
  for (const h of hosts) for (const g of memberOf.get(h)!) (out[g] ??= []).push(h);
  return out;
}
