// Small helpers for group modules (src/modules/types.ts: GroupModule): one plan for every host.
import type { GroupContext, GroupPlan, Plan } from "./types.js";
import { unknownHostFailure } from "./host-args.js";
import type { ModuleInfo } from "./types.js";

/** The same plan on every host the task runs for (a failure found for the whole group, a probe's result). */
export function forEveryHost<S>(g: Pick<GroupContext<any>, "hosts">, plan: Plan, state?: S): GroupPlan<S> {
  const out: GroupPlan<S> = { hosts: Object.fromEntries(g.hosts.map((h) => [h, plan])) };
  if (state !== undefined) out.state = state;
  return out;
}

/** A failure for every host when a rendered host argument is not an inventory host. */
export function unknownHostPlan<S = never>(g: GroupContext<any>, mod: Pick<ModuleInfo, "name" | "hostArgs">, args: Record<string, unknown>): GroupPlan<S> | undefined {
  const failed = unknownHostFailure(g.ctx(g.hosts[0] ?? g.playHosts[0]!), mod, args);
  return failed ? forEveryHost<S>(g, { changes: [], failed }) : undefined;
}
