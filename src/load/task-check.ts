// Checks what the schema cannot: which key of a task is its action (a module the registry has,
// under any of Ansible's names for it, or an include/import), that there is exactly one, that
// block-only and handler-only keywords sit where they belong, and that the action's arguments
// fit its schema. Reports every problem, located, with hints.
import type { ValidateFunction } from "ajv";
import { LoadError } from "../errors.js";
import { getModule, moduleNames } from "../modules/registry.js";
import { INCLUDE_ACTION_SCHEMAS, TASK_KEYWORDS } from "../schema/keywords.js";
import { toIssues } from "../schema/issues.js";
import { moduleArgIssues } from "../schema/module-args.js";
import { validatorFor } from "../schema/validators.js";
import { includeActionOf, INCLUDE_ACTIONS, isBuiltinCollectionName, moduleNameOf, shortActionName, type IncludeAction } from "./action-names.js";
import { didYouMean, issueToError } from "./issue-errors.js";
import { locate, type PathSegment, type YamlSource } from "./yaml.js";

/** Keywords that make no sense on a block (they describe one module run). */
const NOT_ON_BLOCK = ["loop", "loop_control", "register", "notify", "until", "retries", "delay", "changed_when", "failed_when", "run_once", "listen", "delegate_to"];
const NESTED = ["block", "rescue", "always"] as const;
/** Keywords that repeat one host's module run, which a group module (one run for every host) cannot take. */
const GROUP_NOT_ALLOWED = ["loop", "until", "retries", "delay", "delegate_to"];
/** Keywords about one module run, which an include or import (a list of tasks) cannot take. */
const NOT_ON_INCLUDE = ["register", "notify", "until", "retries", "delay", "changed_when", "failed_when", "run_once", "delegate_to", "listen", "check_mode", "diff"];

/** Ansible keywords redplay does not have, with what to do instead. */
const UNSUPPORTED_KEYWORDS: Record<string, string> = {
  local_action: "use delegate_to: localhost with the module as the task's action",
  async: "redplay waits for every task; long waits belong in the module's timeout",
  poll: "redplay waits for every task; long waits belong in the module's timeout",
  environment: "set variables in the command itself (FOO=1 cmd) with shell",
  connection: "set ansible_connection on the host, or use -c",
  delegate_facts: "facts stay on the task's own host",
  throttle: "use --forks or serial:",
  any_errors_fatal: "set any_errors_fatal on the play",
  ignore_unreachable: "an unreachable host leaves the play",
  module_defaults: "write the arguments on each task",
  collections: "redplay has no collections; use the modules it lists",
  args: "write the arguments under the module's own key",
  include: "include was removed from Ansible (2.16): use include_tasks (at run time) or import_tasks (at load time)",
};

/** Where a task list sits, for checks that depend on it. */
export interface TaskListContext {
  src: YamlSource;
  /** Handlers may `listen`; tasks may not. */
  handlers: boolean;
  /** Logical root of paths in messages (`plays` in a playbook, empty in a task file). */
  root?: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Module arguments as the engine gets them: a free-form string becomes `{ [freeForm]: string }`. */
export function moduleArgs(moduleName: string, value: unknown): { args: Record<string, unknown>; freeForm?: string } | undefined {
  const mod = getModule(moduleName);
  if (value === null || value === undefined) return { args: {} };
  if (typeof value === "string" || typeof value === "number") {
    return mod?.freeForm ? { args: { [mod.freeForm]: String(value) }, freeForm: mod.freeForm } : undefined;
  }
  return isPlainObject(value) ? { args: value } : undefined;
}

/** The module keys of a task as written (`copy` or `ansible.builtin.copy`). */
export function moduleKeysOf(task: Record<string, unknown>): string[] {
  return Object.keys(task).filter((k) => !TASK_KEYWORDS.includes(k) && moduleNameOf(k) !== undefined);
}

/** The include/import key of a task as written, if it has one. */
export function includeKeyOf(task: Record<string, unknown>): { key: string; action: IncludeAction } | undefined {
  for (const key of Object.keys(task)) {
    const action = includeActionOf(key);
    if (action) return { key, action };
  }
  return undefined;
}

/** Checks a list of tasks (and blocks within), returning every problem found. */
export function checkTaskList(list: unknown, path: PathSegment[], ctx: TaskListContext): LoadError[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((task, i) => (isPlainObject(task) ? checkTask(task, [...path, i], ctx) : []));
}

function unknownKeyError(key: string, modules: string[], moduleKeys: string[], isBlock: boolean, loc: ReturnType<typeof locate>): LoadError {
  if (UNSUPPORTED_KEYWORDS[key]) return new LoadError(`"${key}" is not supported by redplay`, loc, UNSUPPORTED_KEYWORDS[key]);
  const short = shortActionName(key);
  const actions = [...modules, ...INCLUDE_ACTIONS];
  if (isBuiltinCollectionName(key)) {
    const hint = didYouMean(short, actions)?.replace('"', '"ansible.builtin.') ?? `redplay has no ${short} module; known modules: ${modules.join(", ")}`;
    return new LoadError(`unknown module "${key}"`, loc, hint);
  }
  if (/^[a-z_]+\.[a-z_]+\.[a-z_]+$/.test(key)) {
    return new LoadError(`unknown module "${key}"`, loc, `modules from Ansible collections are not in redplay; known modules: ${modules.join(", ")}`);
  }
  const best = didYouMean(key, [...actions, ...TASK_KEYWORDS]);
  const target = best?.match(/"(.*)"/)?.[1];
  const looksLikeModule = target ? actions.includes(target) : moduleKeys.length === 0 && !isBlock;
  const hint = best ?? (key.startsWith("with_") ? "use loop instead" : looksLikeModule && modules.length > 0 ? `known modules: ${modules.join(", ")}` : undefined);
  return new LoadError(looksLikeModule ? `unknown module "${key}"` : `unknown task keyword "${key}"`, loc, hint);
}

function checkTask(task: Record<string, unknown>, path: PathSegment[], ctx: TaskListContext): LoadError[] {
  const { src } = ctx;
  const errors: LoadError[] = [];
  const at = (p: PathSegment[], onKey = false) => locate(src, p, { onKey, root: ctx.root ?? "plays" });
  // Sorted names are only needed to word a problem: not built for every task of a large playbook.
  let sortedModules: string[] | undefined;
  const modules = () => (sortedModules ??= moduleNames());
  const actionKeys: string[] = [];
  const unknown: string[] = [];
  const isBlock = "block" in task;

  for (const key of Object.keys(task)) {
    if (key === "listen" && !ctx.handlers) {
      errors.push(new LoadError(`"listen" is only valid in handlers`, at([...path, key], true), "use notify on the task instead"));
    } else if (TASK_KEYWORDS.includes(key)) {
      continue;
    } else if (moduleNameOf(key) || includeActionOf(key)) {
      actionKeys.push(key);
    } else {
      unknown.push(key);
    }
  }

  for (const key of unknown) errors.push(unknownKeyError(key, modules(), actionKeys, isBlock, at([...path, key], true)));

  if (isBlock) {
    for (const m of actionKeys) {
      errors.push(new LoadError(`a block cannot also run "${m}"`, at([...path, m], true), "move it into a task inside the block"));
    }
    for (const k of NOT_ON_BLOCK.filter((k) => k in task)) {
      errors.push(new LoadError(`"${k}" is not valid on a block`, at([...path, k], true), "set it on the tasks inside the block"));
    }
    for (const k of NESTED) {
      errors.push(...checkTaskList(task[k], [...path, k], ctx));
    }
    return errors;
  }

  for (const k of ["rescue", "always"].filter((k) => k in task)) {
    errors.push(new LoadError(`"${k}" needs a "block" in the same task`, at([...path, k], true), "put the tasks to protect under block:"));
  }
  if (actionKeys.length === 0 && unknown.length === 0) {
    const what = typeof task.name === "string" ? `task "${task.name}"` : "task";
    errors.push(
      new LoadError(`${what} has no module`, at(path), modules().length > 0 ? `add one module key, such as ${modules().slice(0, 4).join(", ")}` : undefined),
    );
  }
  if (actionKeys.length > 1) {
    const names = actionKeys.map((m) => `"${m}"`);
    const list = names.length === 2 ? `${names[0]} and ${names[1]}` : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
    errors.push(new LoadError(`task has ${actionKeys.length} modules, ${list}`, at([...path, actionKeys[1]!], true), "a task runs exactly one module; split it into separate tasks"));
  }
  if (actionKeys.length !== 1) return errors;
  const key = actionKeys[0]!;
  const include = includeActionOf(key);
  if (include) return [...errors, ...checkInclude(task, key, include, path, ctx)];

  const name = moduleNameOf(key)!;
  errors.push(...checkArgs(task, key, name, path, ctx));
  const mod = getModule(name)!;
  if (mod.scope === "group") {
    for (const k of GROUP_NOT_ALLOWED.filter((k) => k in task)) {
      errors.push(
        new LoadError(
          `"${k}" is not valid on ${mod.name}: it runs once for the play's hosts`,
          at([...path, k], true),
          k === "loop"
            ? "run the task once per value in a block, or give the module the list"
            : k === "delegate_to"
              ? "it reaches every host of the play itself"
              : "the module waits by itself; see its timeout argument",
        ),
      );
    }
  }
  return errors;
}

const includeValidators = new Map<string, ValidateFunction>();

function checkInclude(task: Record<string, unknown>, key: string, action: IncludeAction, path: PathSegment[], ctx: TaskListContext): LoadError[] {
  const errors: LoadError[] = [];
  const root = ctx.root ?? "plays";
  const at = (p: PathSegment[], onKey = false) => locate(ctx.src, p, { onKey, root });
  const isImport = action.startsWith("import_");
  for (const k of NOT_ON_INCLUDE.filter((k) => k in task)) {
    errors.push(new LoadError(`"${k}" is not valid on ${action}`, at([...path, k], true), "set it on the tasks it brings in"));
  }
  if (isImport && ("loop" in task || "loop_control" in task)) {
    const k = "loop" in task ? "loop" : "loop_control";
    errors.push(new LoadError(`"${k}" is not valid on ${action}: it is expanded before the run`, at([...path, k], true), `use ${action.replace("import_", "include_")} to loop`));
  }
  let validate = includeValidators.get(action);
  if (!validate) {
    validate = validatorFor("module", INCLUDE_ACTION_SCHEMAS[action]!);
    includeValidators.set(action, validate);
  }
  const value = task[key];
  if (!validate(value)) {
    for (const issue of toIssues(validate.errors)) errors.push(issueToError(ctx.src, [...path, key], issue, { root }));
    return errors;
  }
  const target = typeof value === "string" ? value : String((value as Record<string, unknown>).file ?? (value as Record<string, unknown>).name ?? (value as Record<string, unknown>)._raw_params ?? "");
  // A templated include_tasks file name is rendered per host at run time (every file it may name
  // is loaded before the run: play-structure.ts); an import is expanded before the run, and a role
  // name chooses defaults, vars and handlers that the whole play sees.
  if (target.includes("{{") && action !== "include_tasks") {
    errors.push(
      new LoadError(
        `${action} "${target}" cannot be templated`,
        at(typeof value === "string" ? [...path, key] : [...path, key, action.endsWith("_role") ? "name" : "file"]),
        action === "import_tasks"
          ? "an import is expanded before the run: use include_tasks to choose the file per host, or name the file"
          : "redplay loads every role before the run, so problems show before anything changes: name the role, and choose between roles with when:",
      ),
    );
  }
  return errors;
}

function checkArgs(task: Record<string, unknown>, key: string, name: string, path: PathSegment[], ctx: TaskListContext): LoadError[] {
  const mod = getModule(name)!;
  const root = ctx.root ?? "plays";
  const modPath = [...path, key];
  const shaped = moduleArgs(name, task[key]);
  if (!shaped) {
    const hint = typeof task[key] === "string" ? `write its arguments as a mapping under "${key}:"` : undefined;
    return [new LoadError(`module "${name}" takes a mapping of arguments`, locate(ctx.src, modPath, { root }), hint)];
  }
  return moduleArgIssues(mod, shaped.args, { templated: true }).map((issue) => {
    // A free-form string has no node per argument: point at the string itself.
    const local = shaped.freeForm !== undefined && issue.path[0] === shaped.freeForm ? { ...issue, path: [] } : issue;
    return issueToError(ctx.src, modPath, local, { root });
  });
}
