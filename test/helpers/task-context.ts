// A real TaskContext for module tests: LocalConnection (or a given one), jexl for expressions,
// Handlebars for templates, and runModule applying the engine's plan/apply rule.
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import Handlebars from "handlebars";
import jexl from "jexl";
import { LocalConnection } from "../../src/connection/local.js";
import type { Connection } from "../../src/connection/types.js";
import type { Applied, Module, Plan, RunResources, TaskContext } from "../../src/modules/types.js";

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

/** The engine's rule: plan; apply unless check mode, an empty plan, or a failed plan. */
export async function runModule<A>(mod: Module<A>, ctx: TaskContext, args: A): Promise<ModuleRun> {
  const plan = await mod.plan(ctx, args);
  if (plan.failed) return { status: "failed", changed: false, plan };
  const empty = plan.changes.length === 0 && !plan.unknown;
  if (empty) return { status: "ok", changed: false, plan };
  if (ctx.check) {
    return plan.unknown
      ? { status: "skipped", changed: false, plan }
      : { status: "changed", changed: true, plan };
  }
  const applied = await mod.apply(ctx, args, plan);
  if (applied.failed) return { status: "failed", changed: false, plan, applied };
  const changed = applied.changed ?? plan.changes.length > 0;
  return { status: changed ? "changed" : "ok", changed, plan, applied };
}
