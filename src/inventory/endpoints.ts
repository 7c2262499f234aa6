// Two inventory hosts that resolve to the same Redis (address and port) would make every
// module act twice on one server and take it for two nodes (a replica of itself, a group that
// looks healthy with one node missing), so the inventory is rejected before anything runs.
import { LoadError } from "../errors.js";
import type { Inventory } from "./types.js";

/** Where a host's Redis listens, by the same defaults as src/redis/endpoint.ts; undefined while templated. */
function endpointKey(host: string, vars: Record<string, unknown>): string | undefined {
  const text = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : String(v));
  const address = text(vars.redis_host) ?? text(vars.ansible_host) ?? host;
  const port = text(vars.redis_port) ?? "6379";
  if (address.includes("{{") || port.includes("{{")) return undefined;
  return `${address.toLowerCase()}:${Number.isFinite(Number(port)) ? Number(port) : port}`;
}

/** One error per host whose address and port an earlier host already has. */
export function duplicateEndpointErrors(inventory: Inventory): LoadError[] {
  const first = new Map<string, string>();
  const errors: LoadError[] = [];
  for (const host of inventory.hosts()) {
    const key = endpointKey(host, inventory.hostVars(host));
    if (key === undefined) continue;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, host);
      continue;
    }
    errors.push(
      new LoadError(
        `hosts "${earlier}" and "${host}" have the same Redis address and port (${key})`,
        inventory.hostLoc(host),
        "give each host its own ansible_host (or redis_host) or redis_port",
      ),
    );
  }
  return errors;
}
