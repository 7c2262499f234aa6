// A real TaskContext for module tests: LocalConnection (or a given one), jexl for expressions,
// Handlebars for templates, and runModule applying the engine's plan/apply rule.
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import Handlebars from "handlebars";
import jexl from "jexl";
import { LocalConnection } from "../../src/connection/local.js";
import type { Connection } from "../../src/connection/types.js";
import { moduleVerdict, planDecision } from "../../src/engine/verdict.js";
import type { Applied, GroupApplied, GroupContext, GroupModule, Module, Plan, RunResources, TaskContext } from "../../src/modules/types.js";

export interface TaskContextOptions {
  host?: string;
  vars?: Record<string, unknown>;
  extraVars?: Record<string, unknown>;
  check?: boolean;
  conn?: Connection;
  playbookDir?: string;
  resources?: RunResources;
}

/** A per-test resource cache, shared between contexts when passed in. */
export function makeResources(): RunResources {
  const cache = new Map<string, unknown>();
  return {
    get<T>(key: string, create: () => T): T {
      if (!cache.has(key)) cache.set(key, create());
      return cache.get(key) as T;
    },
  };
}

export function makeTaskContext(opts: TaskContextOptions = {}): TaskContext & { logs: string[]; secrets: string[] } {
  const host = opts.host ?? "localhost";
  const vars = { inventory_hostname: host, ...(opts.vars ?? {}) };
  const conn = opts.conn ?? new LocalConnection(host);
  const playbookDir = opts.playbookDir ?? process.cwd();
  const logs: string[] = [];
  const secrets: string[] = [];
  const resolveSrc = (kind: "templates" | "files", src: string): string => {
    if (isAbsolute(src)) return src;
    const beside = join(playbookDir, kind, src);
    return existsSync(beside) ? beside : join(playbookDir, src);
  };
  return {
    host,
    vars,
    check: opts.check ?? false,
    diff: true,
    become: { enabled: false },
    playbookDir,
    loc: { file: "test.yaml", line: 1, col: 1 },
    playHosts: [host],
    extraVars: opts.extraVars ?? {},
    conn: async () => conn,
    connFor: async () => conn,
    varsFor: () => vars,
    evaluate: (expr: string) => jexl.evalSync(expr, vars),
    renderFile: async (src: string) =>
      Handlebars.compile(readFileSync(resolveSrc("templates", src), "utf8"), { noEscape: true, strict: true })(vars),
    resolveSrc,
    addSecret: (v: string) => void secrets.push(v),
    log: (m: string) => void logs.push(m),
    resources: opts.resources ?? makeResources(),
    logs,
    secrets,
  };
}

/** What the engine would report for one task on one host. */
export interface ModuleRun {
  status: "ok" | "changed" | "skipped" | "failed";
  changed: boolean;
  plan: Plan;
  applied?: Applied;
}

/** The engine's rule (src/engine/verdict.ts): plan; apply unless check mode, an empty plan, or a failed plan. */
export async function runModule<A, S>(mod: Module<A, S>, ctx: TaskContext, args: A): Promise<ModuleRun> {
  const plan = await mod.plan(ctx, args);
  const applied = planDecision(plan, ctx.check) === "apply" ? await mod.apply(ctx, args, plan) : undefined;
  const { status, didChange } = moduleVerdict(plan, ctx.check, applied, mod.name);
  return { status, changed: status === "changed" && didChange, plan, applied };
}

/** What the engine would report for a group module: each host's run, the group plan and apply. */
export interface GroupRun {
  hosts: Record<string, ModuleRun & { down?: string }>;
  applied?: GroupApplied;
}

/** The engine's rule for a group module: one plan, one apply when any host has work, a verdict per host. */
export async function runGroupModule<A, S>(mod: GroupModule<A, S>, g: GroupContext<A>, args: A): Promise<GroupRun> {
  const plan = await mod.plan(g, args);
  const planOf = (h: string): Plan => plan.hosts[h] ?? { changes: [] };
  const work = g.hosts.some((h) => !plan.down?.[h] && planDecision(planOf(h), g.check) === "apply");
  const applied = work ? await mod.apply(g, args, plan) : undefined;
  const hosts: GroupRun["hosts"] = {};
  for (const h of g.hosts) {
    const hostPlan = planOf(h);
    const down = plan.down?.[h];
    if (down) {
      hosts[h] = { status: "failed", changed: false, plan: hostPlan, down: down.msg };
      continue;
    }
    const hostApplied = planDecision(hostPlan, g.check) === "apply" ? (applied?.hosts[h] ?? {}) : undefined;
    const { status, didChange } = moduleVerdict(hostPlan, g.check, hostApplied, mod.name);
    hosts[h] = { status, changed: status === "changed" && didChange, plan: hostPlan, applied: hostApplied };
  }
  return applied ? { hosts, applied } : { hosts };
}

/** A GroupContext over task contexts made by `on(host)`. */
export function makeGroupContext<A>(hosts: string[], on: (host: string) => TaskContext, args: (host: string) => A, check = false): GroupContext<A> {
  const ctxs = new Map<string, TaskContext>();
  const ctx = (h: string): TaskContext => {
    let c = ctxs.get(h);
    if (!c) ctxs.set(h, (c = on(h)));
    return c;
  };
  return {
    hosts,
    playHosts: hosts,
    groupHosts: hosts,
    left: [],
    check,
    diff: true,
    loc: { file: "test.yaml", line: 1, col: 1 },
    ctx,
    argsFor: args,
    resources: ctx(hosts[0]!).resources,
    log: () => undefined,
  };
}
