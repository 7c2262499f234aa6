// Runs one task on one host: loop, when, render arguments, plan, apply (never under --check),
// changed_when / failed_when, until / retries, register. A failure is a result; only transport
// faults (UnreachableError) and template errors are turned into results here from exceptions.
import { existsSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { BecomeOptions } from "../connection/types.js";
import { ExpressionError, InternalError, RedplayError, TemplateError, UnreachableError, formatLocation } from "../errors.js";
import { validateModuleArgs } from "../schema/module-args.js";
import type { TaskSpec } from "../load/types.js";
import { getModule } from "../modules/registry.js";
import type { Applied, GroupContext, GroupModule, HostDown, Module, Plan, TaskContext } from "../modules/types.js";
import { asBoolean, evalConditions, evaluate } from "../template/expressions.js";
import { renderFile, renderValue } from "../template/handlebars.js";
import type { HostResult, HostStatus } from "./events.js";
import type { ConnectionPool } from "./connections.js";
import type { RunOptions } from "./options.js";
import type { RunResourcePool } from "./resources.js";
import type { VarStore } from "./vars.js";
import { finalVerdict, moduleVerdict, planDecision } from "./verdict.js";

type Vars = Record<string, unknown>;

/** Settings a block passes down to the tasks inside it. */
export interface Inherited {
  vars: Vars;
  when: string[];
  /** As written (a boolean or a template); rendered per host by resolveBecome. */
  become?: boolean | string;
  becomeUser?: string;
  /** `remote_user` of the play or an enclosing block (or include). */
  remoteUser?: string;
  /** `check_mode` of an enclosing block, when it sets one. */
  checkMode?: boolean;
  /** Variables that differ by host (an include's loop item), over `vars`. */
  hostVars?: Map<string, Vars>;
  /** Parameters of the enclosing roles and includes: above registered results and set_fact. */
  params?: Vars;
}

/** Everything shared by the tasks of one play. */
export interface ExecDeps {
  options: RunOptions;
  vars: VarStore;
  conns: ConnectionPool;
  resources: RunResourcePool;
  playbookDir: string;
  playHosts: string[];
  /** Every host the play's pattern matches, before --limit and serial batches. */
  groupHosts?: string[];
  /** Hosts that failed or became unreachable earlier in this run. */
  left?: () => string[];
}

/** A host's outcome for one task (loops aggregated). */
export interface HostOutcome {
  result: HostResult;
  /** One result per loop item (empty without a loop). */
  items: HostResult[];
  /** What `register` stores. */
  record: Vars;
  facts: Vars;
}

export async function executeTask(
  deps: ExecDeps,
  task: TaskSpec,
  host: string,
  inherited: Inherited,
): Promise<HostOutcome> {
  const started = Date.now();
  const scoped = { ...inherited.vars, ...inherited.hostVars?.get(host), ...task.vars };
  try {
    if (task.loop === undefined) {
      const vars = deps.vars.forHost(host, scoped, task.role, inherited.params);
      const one = await executeOnce(deps, task, host, vars, inherited);
      return { ...one, items: [] };
    }
    const baseVars = deps.vars.forHost(host, scoped, task.role, inherited.params);
    const items = renderValue(task.loop, baseVars, { loc: task.loc, host });
    if (!Array.isArray(items)) {
      throw new TemplateError(
        `${formatLocation(task.loc)}: loop must be a list, got ${typeof items} (host ${host})`,
        task.loc,
      );
    }
    const results: HostResult[] = [];
    const records: Vars[] = [];
    const facts: Vars = {};
    for (const item of items) {
      const vars = deps.vars.forHost(host, { ...scoped, [task.loopVar]: item }, task.role, inherited.params);
      const one = await executeOnce(deps, task, host, vars, inherited, item);
      results.push({ ...one.result, item });
      records.push({ ...one.record, [task.loopVar]: item });
      Object.assign(facts, one.facts);
      if (one.result.status === "unreachable") break;
    }
    const status = aggregate(results);
    const record: Vars = {
      results: records,
      changed: results.some((r) => r.status === "changed"),
      failed: results.some((r) => r.status === "failed" && !r.ignored),
      skipped: results.length > 0 && results.every((r) => r.status === "skipped"),
    };
    const result: HostResult = {
      host,
      status,
      msg: status === "failed" ? "one or more items failed" : undefined,
      ignored: status === "failed" && results.every((r) => r.status !== "failed" || r.ignored),
      noLog: task.noLog,
      durationMs: Date.now() - started,
    };
    return { result, items: results, record, facts };
  } catch (err) {
    return { result: errorResult(host, task, err, started), items: [], record: {}, facts: {} };
  }
}

function aggregate(results: HostResult[]): HostStatus {
  if (results.some((r) => r.status === "unreachable")) return "unreachable";
  if (results.some((r) => r.status === "failed")) return "failed";
  if (results.some((r) => r.status === "changed")) return "changed";
  if (results.length > 0 && results.every((r) => r.status === "skipped")) return "skipped";
  return "ok";
}

function errorResult(host: string, task: TaskSpec, err: unknown, started: number): HostResult {
  const durationMs = Date.now() - started;
  if (err instanceof UnreachableError) {
    return { host, status: "unreachable", msg: err.message, durationMs };
  }
  const msg =
    err instanceof TemplateError || err instanceof ExpressionError || err instanceof RedplayError
      ? err.message
      : `${task.module ?? "task"} raised an unexpected error: ${(err as Error)?.message ?? String(err)}`;
  return {
    host,
    status: "failed",
    msg,
    ignored: task.ignoreErrors,
    noLog: task.noLog,
    durationMs,
    data: err instanceof Error && !(err instanceof RedplayError) ? { stack: err.stack } : undefined,
  };
}

async function executeOnce(
  deps: ExecDeps,
  task: TaskSpec,
  host: string,
  vars: Vars,
  inherited: Inherited,
  item?: unknown,
): Promise<Omit<HostOutcome, "items">> {
  const started = Date.now();
  const where = { loc: task.loc, host };
  const when = [...inherited.when, ...(task.when ?? [])];
  if (when.length > 0 && !evalConditions(when, vars, where)) {
    const record = { changed: false, skipped: true, skip_reason: "Conditional result was False" };
    return {
      result: { host, status: "skipped", msg: "Conditional result was False", noLog: task.noLog, durationMs: Date.now() - started },
      record,
      facts: {},
    };
  }

  const mod = getModule(task.module ?? "") as Module<Vars>;
  const args = renderArgs(mod, task, vars, where);
  const argErrors = validateModuleArgs(mod, args, { templated: false });
  if (argErrors.length > 0) {
    const detail = argErrors.map((e) => `${e.path}: ${e.message}`).join("; ");
    return failedOutcome(host, task, `${formatLocation(task.loc)}: invalid arguments for ${mod.name}: ${detail}`, started);
  }

  const checkMode = task.checkMode ?? inherited.checkMode;
  const check = checkMode === false ? false : checkMode === true ? true : deps.options.check;
  const ctx = buildContext(deps, task, host, vars, inherited, check, mod.local === true);
  const attempts = task.until ? Math.max(1, task.retries + 1) : 1;

  let outcome: Omit<HostOutcome, "items"> | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    outcome = await planAndApply(deps, mod, ctx, task, args, host, vars, check, started);
    if (!task.until || outcome.result.status === "skipped" || outcome.result.status === "unreachable") break;
    outcome.record.attempts = attempt;
    const untilVars = withRegistered(vars, task, outcome.record);
    if (evalConditions(task.until, untilVars, where)) break;
    if (attempt === attempts) {
      outcome.result.status = "failed";
      outcome.result.ignored = task.ignoreErrors;
      outcome.result.msg = `condition (until) still false after ${attempts} attempts: ${task.until.join(" and ")}`;
      outcome.record.failed = true;
      outcome.record.msg = outcome.result.msg;
      break;
    }
    deps.options.log(`[${host}] ${task.name ?? mod.name}: retrying (${attempt}/${attempts - 1})`, 1);
    await sleep(task.delay * 1000);
  }
  if (item !== undefined) outcome!.result.item = item;
  return outcome!;
}

function renderArgs(mod: Module<Vars>, task: TaskSpec, vars: Vars, where: { loc: TaskSpec["loc"]; host: string }): Vars {
  const raw = task.args ?? {};
  const keep = new Set(mod.rawArgs ?? []);
  const out: Vars = {};
  for (const [key, value] of Object.entries(raw)) {
    const loc = task.argLocs?.[key] ?? where.loc;
    out[key] = keep.has(key) ? value : renderValue(value, vars, { loc, host: where.host });
  }
  return out;
}

async function planAndApply(
  deps: ExecDeps,
  mod: Module<Vars>,
  ctx: TaskContext,
  task: TaskSpec,
  args: Vars,
  host: string,
  vars: Vars,
  check: boolean,
  started: number,
): Promise<Omit<HostOutcome, "items">> {
  const plan: Plan = await mod.plan(ctx, args);
  if (plan.unknown && mod.check === "full") {
    throw new InternalError(`${mod.name} declares a full check mode but could not predict its effect on ${host}`);
  }
  const applied: Applied | undefined = planDecision(plan, check) === "apply" ? await mod.apply(ctx, args, plan) : undefined;
  return judged(task, mod.name, host, vars, plan, applied, check, started);
}

/** A host's outcome from its plan and what apply did there: the verdict, the conditions, the record. */
function judged(
  task: TaskSpec,
  moduleName: string,
  host: string,
  vars: Vars,
  plan: Plan,
  applied: Applied | undefined,
  check: boolean,
  started: number,
): Omit<HostOutcome, "items"> {
  const verdict = moduleVerdict(plan, check, applied, moduleName);
  let msg = verdict.msg;
  const record: Vars = {
    ...(plan.data ?? {}),
    ...(applied?.data ?? {}),
    changed: verdict.status === "changed",
    failed: verdict.status === "failed",
  };
  if (verdict.status === "skipped") record.skipped = true;
  if (msg !== undefined) record.msg = msg;

  let status: HostStatus = verdict.status;
  if (status !== "skipped" && (task.changedWhen || task.failedWhen)) {
    const evalVars = withRegistered(vars, task, record);
    const where = { loc: task.loc, host };
    const conditions = {
      changedWhen: task.changedWhen ? evalConditions(task.changedWhen, evalVars, where) : undefined,
      failedWhen: task.failedWhen ? evalConditions(task.failedWhen, evalVars, where) : undefined,
    };
    const final = finalVerdict(verdict, conditions);
    status = final.status;
    if (final.failedByCondition) msg = `failed_when condition met: ${task.failedWhen!.join(" and ")}`;
    record.changed = status === "changed";
    if (task.failedWhen) {
      record.failed = conditions.failedWhen;
      record.msg = msg;
    }
  }

  const facts: Vars = { ...(plan.facts ?? {}), ...(applied?.facts ?? {}) };
  const result: HostResult = {
    host,
    status,
    msg,
    changes: plan.changes.map((c) => c.summary),
    diff: task.diff === false ? undefined : (applied?.diff ?? plan.diff),
    ignored: status === "failed" ? task.ignoreErrors : undefined,
    noLog: task.noLog,
    data: record,
    durationMs: Date.now() - started,
  };
  return { result, record, facts: status === "failed" ? {} : facts };
}

/**
 * Runs a group module once for `hosts`: `when` per host (a host where it is false is skipped),
 * arguments rendered and checked per host, one plan for all, one apply when any host has something
 * to do (never under --check), then each host's verdict as for a per-host task. A host the plan
 * finds dead is unreachable (`expected` when the play counts on it being dead).
 */
export async function executeGroupTask(
  deps: ExecDeps,
  task: TaskSpec,
  hosts: string[],
  inherited: Inherited,
): Promise<Map<string, HostOutcome & { expectedDown?: boolean }>> {
  const started = Date.now();
  const mod = getModule(task.module ?? "") as GroupModule<Vars>;
  const scopedOf = (host: string): Vars => ({ ...inherited.vars, ...inherited.hostVars?.get(host), ...task.vars });
  const out = new Map<string, HostOutcome & { expectedDown?: boolean }>();
  const checkMode = task.checkMode ?? inherited.checkMode;
  const check = checkMode === false ? false : checkMode === true ? true : deps.options.check;
  const when = [...inherited.when, ...(task.when ?? [])];
  const running: string[] = [];
  const varsOf = new Map<string, Vars>();
  const argsOf = new Map<string, Vars>();
  const ctxOf = new Map<string, TaskContext>();
  for (const host of hosts) {
    const where = { loc: task.loc, host };
    try {
      const vars = deps.vars.forHost(host, scopedOf(host), task.role, inherited.params);
      varsOf.set(host, vars);
      if (when.length > 0 && !evalConditions(when, vars, where)) {
        const record = { changed: false, skipped: true, skip_reason: "Conditional result was False" };
        out.set(host, {
          result: { host, status: "skipped", msg: "Conditional result was False", noLog: task.noLog, durationMs: Date.now() - started },
          record,
          facts: {},
          items: [],
        });
        continue;
      }
      const args = renderArgs(mod as unknown as Module<Vars>, task, vars, where);
      const argErrors = validateModuleArgs(mod, args, { templated: false });
      if (argErrors.length > 0) {
        const detail = argErrors.map((e) => `${e.path}: ${e.message}`).join("; ");
        out.set(host, { ...failedOutcome(host, task, `${formatLocation(task.loc)}: invalid arguments for ${mod.name}: ${detail}`, started), items: [] });
        continue;
      }
      argsOf.set(host, args);
      ctxOf.set(host, buildContext(deps, task, host, vars, inherited, check));
      running.push(host);
    } catch (err) {
      out.set(host, { result: errorResult(host, task, err, started), items: [], record: {}, facts: {} });
    }
  }
  if (running.length === 0) return out;

  const first = running[0]!;
  const g: GroupContext<Vars> = {
    hosts: running,
    playHosts: deps.playHosts,
    groupHosts: deps.groupHosts ?? deps.playHosts,
    left: deps.left?.() ?? [],
    check,
    diff: task.diff === false ? false : deps.options.diff,
    loc: task.loc,
    ctx: (host) => ctxOf.get(host) ?? buildContext(deps, task, host, deps.vars.forHost(host, scopedOf(host), task.role, inherited.params), inherited, check),
    argsFor: (host) => argsOf.get(host) ?? argsOf.get(first)!,
    resources: deps.resources,
    log: (message, level = 1) => deps.options.log(`[${mod.name}] ${message}`, level),
  };
  try {
    const plan = await mod.plan(g, argsOf.get(first)!);
    const planOf = (host: string): Plan => plan.hosts[host] ?? { changes: [] };
    const live = running.filter((h) => !plan.down?.[h]);
    const applyNeeded = live.some((h) => planDecision(planOf(h), check) === "apply");
    const applied = applyNeeded ? await mod.apply(g, argsOf.get(first)!, plan) : undefined;
    for (const host of running) {
      const down: HostDown | undefined = plan.down?.[host];
      if (down) {
        out.set(host, {
          result: { host, status: "unreachable", msg: down.msg, noLog: task.noLog, durationMs: Date.now() - started, expected: down.expected },
          record: { unreachable: true, changed: false, msg: down.msg },
          facts: { ...(plan.hosts[host]?.facts ?? {}) },
          items: [],
          expectedDown: down.expected,
        });
        continue;
      }
      const hostPlan = planOf(host);
      const hostApplied = planDecision(hostPlan, check) === "apply" ? (applied?.hosts[host] ?? {}) : undefined;
      out.set(host, { ...judged(task, mod.name, host, varsOf.get(host)!, hostPlan, hostApplied, check, started), items: [] });
    }
  } catch (err) {
    for (const host of running) out.set(host, { result: errorResult(host, task, err, started), items: [], record: {}, facts: {} });
  }
  return out;
}

function failedOutcome(host: string, task: TaskSpec, msg: string, started: number): Omit<HostOutcome, "items"> {
  return {
    result: { host, status: "failed", msg, ignored: task.ignoreErrors, noLog: task.noLog, durationMs: Date.now() - started },
    record: { changed: false, failed: true, msg },
    facts: {},
  };
}

function withRegistered(vars: Vars, task: TaskSpec, record: Vars): Vars {
  if (!task.register) return vars;
  const out = Object.create(vars) as Vars;
  out[task.register] = record;
  return out;
}

function buildContext(
  deps: ExecDeps,
  task: TaskSpec,
  host: string,
  vars: Vars,
  inherited: Inherited,
  check: boolean,
  local = false,
): TaskContext {
  const where = { loc: task.loc, host };
  const become = resolveBecome(task, inherited, vars, where);
  const resolveSrc = (kind: SourceKind, src: string): string => resolveSource(deps.playbookDir, kind, src, task.role?.dir);
  const userRaw = task.remoteUser ?? inherited.remoteUser;
  const user = userRaw === undefined ? deps.options.remoteUser : String(renderValue(userRaw, vars, where));
  // delegate_to: the module runs through the other host's connection, with this host's variables.
  const target = task.delegateTo === undefined ? host : String(renderValue(task.delegateTo, vars, where));
  return {
    host,
    vars,
    check,
    diff: task.diff === false ? false : deps.options.diff,
    become,
    playbookDir: deps.playbookDir,
    loc: task.loc,
    playHosts: deps.playHosts,
    extraVars: deps.options.extraVars,
    resources: deps.resources,
    // A module that runs on the controller only (debug, set_fact, ...) never opens a connection.
    conn: local
      ? async () => {
          throw new InternalError(`${task.module} runs on the controller only, but asked for a connection to ${host}`);
        }
      : async () => deps.conns.get(target, user),
    connFor: async (other) => deps.conns.get(other, user),
    varsFor: (other) => deps.vars.forHost(other),
    evaluate: (expr) => evaluate(expr, vars, where),
    renderFile: (src, overlay) => renderFile(resolveSrc("templates", src), overlay ? { ...vars, ...overlay } : vars, { host }),
    resolveSrc,
    addSecret: (value) => deps.options.secrets.add(value),
    log: (message, level = 1) => deps.options.log(`[${host}] ${message}`, level),
  };
}

/**
 * The privilege escalation for one task on one host: `become` / `become_user` of the task, else
 * of its block or play, rendered against the host's variables like any other keyword; else the
 * host's `ansible_become` / `ansible_become_user` (VarStore has already rendered those).
 */
export function resolveBecome(
  task: Pick<TaskSpec, "become" | "becomeUser">,
  inherited: Pick<Inherited, "become" | "becomeUser">,
  vars: Vars,
  where: { loc: TaskSpec["loc"]; host: string },
): BecomeOptions {
  const becomeRaw = task.become ?? inherited.become;
  const userRaw = task.becomeUser ?? inherited.becomeUser;
  const enabled = becomeRaw === undefined ? asBoolean(vars.ansible_become) === true : toBoolean(renderValue(becomeRaw, vars, where), where);
  const user = userRaw === undefined ? vars.ansible_become_user : renderValue(userRaw, vars, where);
  if (user !== undefined && user !== null && typeof user !== "string") {
    throw new TemplateError(`${formatLocation(where.loc)}: become_user must be a user name, got ${typeof user} (host ${where.host})`, where.loc);
  }
  return {
    enabled,
    user: user === undefined || user === null || user === "" ? "root" : user,
    password: typeof vars.ansible_become_password === "string" ? vars.ansible_become_password : undefined,
  };
}

function toBoolean(v: unknown, where: { loc: TaskSpec["loc"]; host: string }): boolean {
  const b = asBoolean(v);
  if (b !== undefined) return b;
  const shown = typeof v === "string" ? JSON.stringify(v) : typeof v;
  throw new TemplateError(`${formatLocation(where.loc)}: become must be a boolean, got ${shown} (host ${where.host})`, where.loc);
}

/** Where a role's or playbook's own files of one kind are looked for. */
export type SourceKind = "templates" | "files" | "vars";

/**
 * Where `src` of template/copy/include_vars may be, in order: absolute as is; else the role's
 * templates/ (files/, vars/) and the role directory for a role's task, then templates/ (files/,
 * vars/) beside the playbook, the playbook dir, the kind's directory one level up, cwd.
 */
export function sourceCandidates(playbookDir: string, kind: SourceKind, src: string, roleDir?: string): string[] {
  if (path.isAbsolute(src)) return [src];
  return [
    ...(roleDir ? [path.join(roleDir, kind, src), path.join(roleDir, src)] : []),
    path.join(playbookDir, kind, src),
    path.join(playbookDir, src),
    path.join(playbookDir, "..", kind, src),
    path.resolve(kind, src),
    path.resolve(src),
  ];
}

/** The first of sourceCandidates that exists (else the first, for the message that it is missing). */
export function resolveSource(playbookDir: string, kind: SourceKind, src: string, roleDir?: string): string {
  const candidates = sourceCandidates(playbookDir, kind, src, roleDir);
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
