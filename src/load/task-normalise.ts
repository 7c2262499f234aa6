// Builds TaskSpecs from tasks that already passed task-check.ts: free-form arguments expanded,
// notify and conditions turned into lists, tags inherited, Ansible defaults filled in.
import type { Condition, RoleScope, TaskSpec } from "./types.js";
import type { IncludeAction } from "./action-names.js";
import { moduleNameOf } from "./action-names.js";
import { includeKeyOf, moduleArgs, moduleKeysOf } from "./task-check.js";
import { locate, type PathSegment, type YamlSource } from "./yaml.js";
import type { Location } from "../errors.js";

/** Ansible's defaults for `until` loops. */
export const DEFAULT_RETRIES = 3;
export const DEFAULT_DELAY = 5;

/** `a` or `[a, b]` -> list; a comma-separated tag string is split like Ansible does. */
export function toList(value: unknown, splitCommas = false): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value.map(String) : [String(value)];
  return splitCommas ? list.flatMap((s) => s.split(",").map((t) => t.trim())).filter((t) => t !== "") : list;
}

/** Tags in order of first appearance: inherited first, then the task's own. */
export function mergeTags(inherited: string[], own: unknown): string[] {
  return [...new Set([...inherited, ...toList(own, true)])];
}

/** `when`-style value -> list of expressions; booleans become "true"/"false". */
export function toCondition(value: unknown): Condition | undefined {
  if (value === undefined || value === null) return undefined;
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

/** What an include or import task is, for the loader that brings in its tasks. */
export interface IncludeRequest {
  action: IncludeAction;
  /** The argument as written (a file name, or a mapping). */
  value: unknown;
  /** The task with everything but what it includes: name, when, vars, tags, loop, ... */
  spec: TaskSpec;
  /** Tags the include inherits from its play and blocks (without its own). */
  inheritedTags: string[];
  path: PathSegment[];
  src: YamlSource;
}

/** Where a task list is normalised. */
export interface NormaliseOptions {
  /** Logical root of locations' paths (`plays` in a playbook, empty in a task file). */
  root?: string;
  /** The role these tasks belong to. */
  role?: RoleScope;
  /** Turns an include/import into a block of the tasks it brings in (undefined: nothing to run). */
  include?: (req: IncludeRequest) => TaskSpec | undefined;
}

/** Normalises a checked task list; entries the checks refused are left out (their errors are reported). */
export function normaliseTaskList(list: unknown, path: PathSegment[], src: YamlSource, inheritedTags: string[], opts: NormaliseOptions = {}): TaskSpec[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((task, i) => {
    if (typeof task !== "object" || task === null || Array.isArray(task)) return [];
    const spec = normaliseTask(task as Record<string, unknown>, [...path, i], src, inheritedTags, opts);
    return spec ? [spec] : [];
  });
}

function normaliseTask(task: Record<string, unknown>, path: PathSegment[], src: YamlSource, inheritedTags: string[], opts: NormaliseOptions): TaskSpec | undefined {
  const root = opts.root ?? "plays";
  const tags = mergeTags(inheritedTags, task.tags);
  const loopControl = task.loop_control as { loop_var?: string } | undefined;
  const spec: TaskSpec = {
    loopVar: loopControl?.loop_var ?? "item",
    notify: toList(task.notify),
    listen: toList(task.listen),
    retries: typeof task.retries === "number" ? task.retries : DEFAULT_RETRIES,
    delay: typeof task.delay === "number" ? task.delay : DEFAULT_DELAY,
    ignoreErrors: task.ignore_errors === true,
    tags,
    runOnce: task.run_once === true,
    noLog: task.no_log === true,
    vars: (task.vars as Record<string, unknown> | undefined) ?? {},
    loc: locate(src, path, { root }),
  };
  if (opts.role) spec.role = opts.role;
  if (typeof task.remote_user === "string") spec.remoteUser = task.remote_user;
  if (typeof task.delegate_to === "string") spec.delegateTo = task.delegate_to;
  if (typeof task.name === "string") spec.name = task.name;
  const when = toCondition(task.when);
  if (when) spec.when = when;
  if ("loop" in task) spec.loop = task.loop;
  if (typeof task.register === "string") spec.register = task.register;
  const until = toCondition(task.until);
  if (until) spec.until = until;
  const changedWhen = toCondition(task.changed_when);
  if (changedWhen) spec.changedWhen = changedWhen;
  const failedWhen = toCondition(task.failed_when);
  if (failedWhen) spec.failedWhen = failedWhen;
  if (typeof task.become === "boolean" || typeof task.become === "string") spec.become = task.become;
  if (typeof task.become_user === "string") spec.becomeUser = task.become_user;
  if (typeof task.check_mode === "boolean") spec.checkMode = task.check_mode;
  if (typeof task.diff === "boolean") spec.diff = task.diff;

  if ("block" in task) {
    spec.block = normaliseTaskList(task.block, [...path, "block"], src, tags, opts);
    if ("rescue" in task) spec.rescue = normaliseTaskList(task.rescue, [...path, "rescue"], src, tags, opts);
    if ("always" in task) spec.always = normaliseTaskList(task.always, [...path, "always"], src, tags, opts);
    return spec;
  }
  const include = includeKeyOf(task);
  if (include) {
    return opts.include?.({ action: include.action, value: task[include.key], spec, inheritedTags, path: [...path, include.key], src });
  }
  const keys = moduleKeysOf(task);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  const name = moduleNameOf(key)!;
  const shaped = moduleArgs(name, task[key]);
  if (!shaped) return undefined;
  spec.module = name;
  spec.args = shaped.args;
  const argLocs: Record<string, Location> = {};
  if (shaped.freeForm !== undefined) {
    argLocs[shaped.freeForm] = locate(src, [...path, key], { root });
  } else {
    for (const [argKey, value] of Object.entries(shaped.args)) {
      argLocs[argKey] = locate(src, [...path, key, argKey], { root });
      // List items get their own entry (`hosts[1]`), so a bad item can be pointed at.
      if (Array.isArray(value)) value.forEach((_, i) => (argLocs[`${argKey}[${i}]`] = locate(src, [...path, key, argKey, i], { root })));
    }
  }
  spec.argLocs = argLocs;
  return spec;
}
