// Flattens the nested inventory document into one node per group name. A group may be written
// in several places (Ansible allows it); every mention adds hosts, vars and children to the
// same node, so precedence and membership are computed from one graph, not from the YAML shape.
import type { Location } from "../errors.js";
import type { InventoryDoc, InventoryGroupDoc } from "../load/types.js";

/** One group after merging every place it is written. */
export interface GroupNode {
  name: string;
  /** Hosts listed directly under this group, in file order. */
  hosts: string[];
  /** Inline vars from every mention, later mentions winning. */
  vars: Record<string, unknown>;
  children: Set<string>;
  parents: Set<string>;
}

/** The flattened inventory: groups by name, hosts in first-seen order with inline vars. */
export interface GroupTree {
  groups: Map<string, GroupNode>;
  hostOrder: string[];
  hostInlineVars: Map<string, Record<string, unknown>>;
  hostLocs: Map<string, Location>;
  /** Host -> the groups that list it directly: membership questions are lookups, not scans of every group. */
  hostGroups: Map<string, Set<string>>;
}

/** One graph from every inventory source, in order: later sources add hosts and groups and win for the same variable. */
export function buildGroupTree(docs: InventoryDoc | InventoryDoc[]): GroupTree {
  const tree: GroupTree = {
    groups: new Map(),
    hostOrder: [],
    hostInlineVars: new Map(),
    hostLocs: new Map(),
    hostGroups: new Map(),
  };
  node(tree, "all");
  node(tree, "ungrouped");
  link(tree, "all", "ungrouped");
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    // A top-level group is a child of `all` only if no other group lists it (Ansible's reconcile step, below).
    for (const top of doc.groups) visit(tree, top, undefined);
  }
  // Ansible's `ungrouped`: exactly the hosts whose only group is `all` (or `ungrouped` itself).
  const ungrouped = tree.groups.get("ungrouped")!;
  for (const h of ungrouped.hosts) tree.hostGroups.get(h)!.delete("ungrouped");
  ungrouped.hosts = [];
  for (const host of tree.hostOrder) {
    const direct = tree.hostGroups.get(host)!;
    if (![...direct].some((g) => g !== "all" && g !== "ungrouped")) addHost(tree, ungrouped, host);
  }
  for (const g of tree.groups.values()) if (g.name !== "all" && g.parents.size === 0) link(tree, "all", g.name);
  return tree;
}

function visit(tree: GroupTree, doc: InventoryGroupDoc, parent: string | undefined): void {
  const g = node(tree, doc.name);
  if (parent !== undefined) link(tree, parent, doc.name);
  Object.assign(g.vars, doc.vars);
  for (const h of doc.hosts) {
    if (!tree.hostInlineVars.has(h.name)) {
      tree.hostOrder.push(h.name);
      tree.hostInlineVars.set(h.name, {});
      tree.hostLocs.set(h.name, h.loc);
    }
    Object.assign(tree.hostInlineVars.get(h.name)!, h.vars);
    addHost(tree, g, h.name);
  }
  for (const child of doc.children) visit(tree, child, doc.name);
}

/** Lists `host` directly under `g`, once. */
function addHost(tree: GroupTree, g: GroupNode, host: string): void {
  let direct = tree.hostGroups.get(host);
  if (!direct) {
    direct = new Set();
    tree.hostGroups.set(host, direct);
  }
  if (direct.has(g.name)) return;
  direct.add(g.name);
  g.hosts.push(host);
}

function node(tree: GroupTree, name: string): GroupNode {
  let g = tree.groups.get(name);
  if (!g) {
    g = { name, hosts: [], vars: {}, children: new Set(), parents: new Set() };
    tree.groups.set(name, g);
  }
  return g;
}

function link(tree: GroupTree, parent: string, child: string): void {
  if (parent === child) return;
  node(tree, parent).children.add(child);
  node(tree, child).parents.add(parent);
}

/** Depth of each group: the longest path from `all` (Ansible sorts group vars by it). */
export function groupDepths(tree: GroupTree): Map<string, number> {
  const depths = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string>): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    if (name === "all" || seen.has(name)) return 0;
    seen.add(name);
    let d = 1;
    for (const p of tree.groups.get(name)?.parents ?? []) d = Math.max(d, depthOf(p, seen) + 1);
    seen.delete(name);
    depths.set(name, d);
    return d;
  };
  for (const name of tree.groups.keys()) depthOf(name, new Set());
  depths.set("all", 0);
  return depths;
}

/** Every group containing the host, directly or through a child group (`all` included). */
export function groupsOfHost(tree: GroupTree, host: string): Set<string> {
  const out = new Set<string>();
  const climb = (name: string): void => {
    if (out.has(name)) return;
    out.add(name);
    for (const p of tree.groups.get(name)?.parents ?? []) climb(p);
  };
  for (const g of tree.hostGroups.get(host) ?? []) climb(g);
  out.add("all");
  return out;
}
