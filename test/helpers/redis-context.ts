// A TaskContext over a small Redis group: per-host variables, the play's hosts, and one shared,
// disposable resource pool (so cached Redis clients are closed like at the end of a real run).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunResourcePool } from "../../src/engine/resources.js";
import type { GroupContext, TaskContext } from "../../src/modules/types.js";
import { makeGroupContext, makeTaskContext } from "./task-context.js";

/** Inventory of the group: host -> its variables. */
export type GroupVars = Record<string, Record<string, unknown>>;

export interface RedisGroupContext {
  /** A context for a task on `host`. */
  on(host: string, opts?: { check?: boolean }): TaskContext & { logs: string[]; secrets: string[] };
  /** A group task's context over every host of the group (the same arguments for each). */
  all<A>(args: A, opts?: { check?: boolean; hosts?: string[] }): GroupContext<A>;
  resources: RunResourcePool;
}

export function redisGroupContext(group: GroupVars): RedisGroupContext {
  const resources = new RunResourcePool();
  const hosts = Object.keys(group);
  // `groups.all` as the engine sets it: modules check host arguments against it.
  // These hosts share this machine's filesystem: each gets its own state dir (primary records).
  const stateRoot = mkdtempSync(join(tmpdir(), "redplay-state-"));
  const varsOf = (h: string) => ({ inventory_hostname: h, groups: { all: hosts }, redplay_state_dir: join(stateRoot, h), ...(group[h] ?? {}) });
  const on: RedisGroupContext["on"] = (host, opts = {}) => {
    const base = makeTaskContext({ host, vars: varsOf(host), check: opts.check ?? false, resources });
    return Object.assign(base, { varsFor: varsOf, playHosts: hosts });
  };
  return {
    resources,
    on,
    all: (args, opts = {}) => makeGroupContext(opts.hosts ?? hosts, (h) => on(h, opts), () => args, opts.check ?? false),
  };
}
