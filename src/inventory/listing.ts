// What `redplay inventory` prints: the inventory as it was understood, in the shapes
// `ansible-inventory --list`, `--host` and `--graph` print it, so a user can put the two side by
// side. Pure: the caller writes the text.
import type { Inventory } from "./types.js";

type Json = Record<string, unknown>;

/** `ansible-inventory --list`: groups with their direct hosts and children, and `_meta.hostvars`. */
export function inventoryList(inv: Inventory): Json {
  const groups = new Map(inv.tree().groups.map((g) => [g.name, g]));
  const out: Json = {};
  const seen = new Set<string>();
  const format = (name: string): void => {
    const g = groups.get(name);
    if (!g) return;
    const entry: Json = {};
    if (name !== "all" && g.hosts.length > 0) entry.hosts = [...g.hosts];
    if (g.children.length > 0) entry.children = [...g.children];
    for (const child of g.children) {
      if (seen.has(child)) continue;
      seen.add(child);
      format(child);
    }
    if (Object.keys(entry).length > 0) out[name] = entry;
  };
  format("all");
  const hostvars: Json = {};
  for (const h of inv.hosts()) {
    const vars = inv.hostVars(h);
    if (Object.keys(vars).length > 0) hostvars[h] = vars;
  }
  out._meta = { hostvars };
  return out;
}

/** `ansible-inventory --graph [GROUP]`: the group tree, hosts under their groups. */
export function inventoryGraph(inv: Inventory, top = "all"): string {
  const groups = new Map(inv.tree().groups.map((g) => [g.name, g]));
  const lines: string[] = [];
  const name = (text: string, depth: number) => (depth > 0 ? `${"  |".repeat(depth)}--${text}` : text);
  const walk = (group: string, depth: number, path: Set<string>): void => {
    const g = groups.get(group);
    if (!g) return;
    lines.push(name(`@${group}:`, depth));
    for (const child of g.children) if (!path.has(child)) walk(child, depth + 1, new Set([...path, child]));
    if (group !== "all") for (const h of g.hosts) lines.push(name(h, depth + 1));
  };
  walk(top, 0, new Set([top]));
  return lines.join("\n");
}

/** JSON text as ansible-inventory writes it: keys sorted, four spaces. */
export function ansibleJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Json)[k])]));
    }
    return v;
  };
  return JSON.stringify(sorted(value), null, 4);
}
