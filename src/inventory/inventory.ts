// The inventory the engine sees: hosts in inventory order, group membership, and each host's
// variables merged in Ansible's precedence order. Built once from the loaded documents; every
// query afterwards is a lookup, so the engine can call hostVars() per task without cost.
import type { Location } from "../errors.js";
import type { InventoryDoc, VarsDirs } from "../load/types.js";
import type { Inventory } from "./types.js";
import { buildGroupTree, groupDepths, groupsOfHost, type GroupTree } from "./group-tree.js";
import { matchPattern } from "./pattern.js";

/** Names Ansible gives its implicit localhost when the inventory does not list it. */
export const LOCALHOST_NAMES: readonly string[] = ["localhost", "127.0.0.1", "::1"];

/** What else an inventory is built with. */
export interface InventoryOptions {
  /** group_vars/ and host_vars/ beside the playbook: above the inventory's own, as in Ansible. */
  playbookVars?: VarsDirs;
}

/**
 * Builds the inventory from its sources (several `-i`, in order). Variables follow Ansible's
 * precedence, lowest first: the `all` group's inline vars, every other group's inline vars
 * (parents before children, then by name), group_vars/all beside each inventory then beside the
 * playbook, group_vars/<group> beside each inventory then beside the playbook (same group order),
 * the host's inline vars, host_vars/ beside each inventory, then beside the playbook.
 */
export function buildInventory(sources: InventoryDoc | InventoryDoc[], options: InventoryOptions = {}): Inventory {
  const docs = Array.isArray(sources) ? sources : [sources];
  const tree = buildGroupTree(docs);
  const depths = groupDepths(tree);
  const hosts = [...tree.hostOrder];
  const memberOf = new Map(hosts.map((h) => [h, groupsOfHost(tree, h)]));
  const groups = groupMembers(tree, hosts, memberOf);
  const varsCache = new Map<string, Record<string, unknown>>();
  const play = options.playbookVars;

  // Every layer below the host's own comes from its groups: hosts in the same groups share it.
  const groupLayers = new Map<string, Record<string, unknown>>();
  const groupLayer = (order: string[]): Record<string, unknown> => {
    const key = order.join("\0");
    let layer = groupLayers.get(key);
    if (layer === undefined) {
      layer = { ...tree.groups.get("all")?.vars };
      for (const g of order) Object.assign(layer, tree.groups.get(g)?.vars);
      for (const d of docs) Object.assign(layer, d.groupVars.all);
      Object.assign(layer, play?.groupVars.all);
      for (const d of docs) for (const g of order) Object.assign(layer, d.groupVars[g]);
      for (const g of order) Object.assign(layer, play?.groupVars[g]);
      groupLayers.set(key, layer);
    }
    return layer;
  };

  const mergedVars = (host: string): Record<string, unknown> => {
    const implicitLocal = !memberOf.has(host) && LOCALHOST_NAMES.includes(host);
    const order = [...(memberOf.get(host) ?? [])]
      .filter((g) => g !== "all")
      .sort((a, b) => depths.get(a)! - depths.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    const vars: Record<string, unknown> = { ...groupLayer(order) };
    // Ansible's implicit localhost: the `all` group's vars, and the local connection.
    Object.assign(vars, implicitLocal ? { ansible_connection: "local" } : tree.hostInlineVars.get(host));
    for (const d of docs) Object.assign(vars, d.hostVars[host]);
    Object.assign(vars, play?.hostVars[host]);
    return vars;
  };

  const cachedVars = (host: string): Record<string, unknown> => {
    let v = varsCache.get(host);
    if (!v) {
      v = mergedVars(host);
      varsCache.set(host, v);
    }
    return v;
  };

  return {
    file: docs.map((d) => d.file).filter((f, i, all) => all.indexOf(f) === i).join(","),
    hosts: () => [...hosts],
    groups: () => Object.fromEntries(Object.entries(groups).map(([g, m]) => [g, [...m]])),
    groupNames: (host) =>
      [...(memberOf.get(host) ?? [])].filter((g) => g !== "all").sort(),
    hostVars: (host) => ({ ...cachedVars(host) }),
    hostVarNames: (host) => Object.keys(cachedVars(host)),
    hostLoc: (host): Location | undefined => tree.hostLocs.get(host),
    match: (pattern) => matchPattern({ hosts, groups }, pattern),
    tree: () => ({
      groups: [...tree.groups.values()].map((g) => ({ name: g.name, hosts: [...g.hosts], children: [...g.children], vars: { ...g.vars } })),
    }),
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
