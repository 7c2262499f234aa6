// Arguments that name inventory hosts (a module's `hostArgs`). A name that is not in the
// inventory would otherwise fall back to being used as an address (`REPLICAOF node-9 6379`),
// so literal names are rejected at load time and rendered ones by the module before it acts.
import { didYouMean } from "../load/issue-errors.js";
import type { ModuleInfo, TaskContext } from "./types.js";

/** One host name found in a host argument: `index` is set for an item of a list. */
export interface HostArgName {
  key: string;
  index?: number;
  name: string;
}

/** The string values (and string list items) of `mod.hostArgs` in `args`. */
export function hostArgNames(mod: Pick<ModuleInfo, "hostArgs">, args: Record<string, unknown>): HostArgName[] {
  const out: HostArgName[] = [];
  for (const key of mod.hostArgs ?? []) {
    const value = args[key];
    if (typeof value === "string") out.push({ key, name: value });
    else if (Array.isArray(value)) value.forEach((v, index) => typeof v === "string" && out.push({ key, index, name: v }));
  }
  return out;
}

/** `did you mean "node-1"?`, or the inventory's hosts when no name is close. */
export function unknownHostHint(name: string, inventoryHosts: readonly string[]): string {
  return didYouMean(name, inventoryHosts) ?? `inventory hosts: ${inventoryHosts.join(", ") || "(none)"}`;
}

/** A failure message when a rendered host argument is not an inventory host; undefined when all are. */
export function unknownHostFailure(ctx: TaskContext, mod: Pick<ModuleInfo, "name" | "hostArgs">, args: Record<string, unknown>): string | undefined {
  const groups = ctx.vars.groups as Record<string, string[]> | undefined;
  const known = groups?.all ?? [];
  const bad = hostArgNames(mod, args).filter((n) => n.name !== "" && !known.includes(n.name));
  if (bad.length === 0) return undefined;
  return bad
    .map((n) => `${mod.name} ${n.key}${n.index !== undefined ? `[${n.index}]` : ""} "${n.name}" is not an inventory host; ${unknownHostHint(n.name, known)}`)
    .join("\n");
}
