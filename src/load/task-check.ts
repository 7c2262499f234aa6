// Checks what the schema cannot: which key of a task is its module (the registry decides),
// that there is exactly one, that block-only and handler-only keywords sit where they belong,
// and that the module's arguments fit its schema. Reports every problem, located, with hints.
import { LoadError } from "../errors.js";
import { getModule, moduleNames } from "../modules/registry.js";
import { TASK_KEYWORDS } from "../schema/keywords.js";
import { moduleArgIssues } from "../schema/module-args.js";
import { didYouMean, issueToError } from "./issue-errors.js";
import { locate, type PathSegment, type YamlSource } from "./yaml.js";

/** Keywords that make no sense on a block (they describe one module run). */
const NOT_ON_BLOCK = ["loop", "loop_control", "register", "notify", "until", "retries", "delay", "changed_when", "failed_when", "run_once", "listen"];
const NESTED = ["block", "rescue", "always"] as const;
/** Keywords that repeat one host's module run, which a group module (one run for every host) cannot take. */
const GROUP_NOT_ALLOWED = ["loop", "until", "retries", "delay"];

/** Where a task list sits, for checks that depend on it. */
export interface TaskListContext {
  src: YamlSource;
  /** Handlers may `listen`; tasks may not. */
  handlers: boolean;
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

/** The module keys of a task (keys that are neither keywords nor delegate_to). */
export function moduleKeysOf(task: Record<string, unknown>): string[] {
  return Object.keys(task).filter((k) => !TASK_KEYWORDS.includes(k) && getModule(k) !== undefined);
}

/** Checks a list of tasks (and blocks within), returning every problem found. */
export function checkTaskList(list: unknown, path: PathSegment[], ctx: TaskListContext): LoadError[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((task, i) => (isPlainObject(task) ? checkTask(task, [...path, i], ctx) : []));
}

function checkTask(task: Record<string, unknown>, path: PathSegment[], ctx: TaskListContext): LoadError[] {
  const { src } = ctx;
  const errors: LoadError[] = [];
  const at = (p: PathSegment[], onKey = false) => locate(src, p, { onKey, root: "plays" });
  // Sorted names are only needed to word a problem: not built for every task of a large playbook.
  let sortedModules: string[] | undefined;
  const modules = () => (sortedModules ??= moduleNames());
  const moduleKeys: string[] = [];
  const unknown: string[] = [];
  const isBlock = "block" in task;

  for (const key of Object.keys(task)) {
    if (key === "delegate_to") {
      errors.push(
        new LoadError(
          "delegate_to is not supported",
          at([...path, key], true),
          "tasks run on the play's own hosts; target the other host in its own play, or use run_once",
        ),
      );
    } else if (key === "listen" && !ctx.handlers) {
      errors.push(new LoadError(`"listen" is only valid in handlers`, at([...path, key], true), "use notify on the task instead"));
    } else if (TASK_KEYWORDS.includes(key)) {
      continue;
    } else if (getModule(key)) {
      moduleKeys.push(key);
    } else {
      unknown.push(key);
    }
  }

  for (const key of unknown) {
    const best = didYouMean(key, [...modules(), ...TASK_KEYWORDS]);
    const target = best?.match(/"(.*)"/)?.[1];
    const looksLikeModule = target ? modules().includes(target) : moduleKeys.length === 0 && !isBlock;
    const hint =
      best ??
      (key.startsWith("with_") ? "use loop instead" : looksLikeModule && modules().length > 0 ? `known modules: ${modules().join(", ")}` : undefined);
    const message = looksLikeModule ? `unknown module "${key}"` : `unknown task keyword "${key}"`;
    errors.push(new LoadError(message, at([...path, key], true), hint));
  }

  if (isBlock) {
    for (const m of moduleKeys) {
      errors.push(new LoadError(`a block cannot also run module "${m}"`, at([...path, m], true), "move it into a task inside the block"));
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
  if (moduleKeys.length === 0 && unknown.length === 0) {
    const what = typeof task.name === "string" ? `task "${task.name}"` : "task";
    errors.push(
      new LoadError(`${what} has no module`, at(path), modules().length > 0 ? `add one module key, such as ${modules().slice(0, 4).join(", ")}` : undefined),
    );
  }
  if (moduleKeys.length > 1) {
    const names = moduleKeys.map((m) => `"${m}"`);
    const list = names.length === 2 ? `${names[0]} and ${names[1]}` : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
    errors.push(new LoadError(`task has ${moduleKeys.length} modules, ${list}`, at([...path, moduleKeys[1]!], true), "a task runs exactly one module; split it into separate tasks"));
  }
  if (moduleKeys.length === 1) {
    errors.push(...checkArgs(task, moduleKeys[0]!, path, ctx));
    const mod = getModule(moduleKeys[0]!)!;
    if (mod.scope === "group") {
      for (const k of GROUP_NOT_ALLOWED.filter((k) => k in task)) {
        errors.push(
          new LoadError(
            `"${k}" is not valid on ${mod.name}: it runs once for the play's hosts`,
            at([...path, k], true),
            k === "loop" ? "run the task once per value in a block, or give the module the list" : "the module waits by itself; see its timeout argument",
          ),
        );
      }
    }
  }
  return errors;
}

function checkArgs(task: Record<string, unknown>, name: string, path: PathSegment[], ctx: TaskListContext): LoadError[] {
  const mod = getModule(name)!;
  const modPath = [...path, name];
  const shaped = moduleArgs(name, task[name]);
  if (!shaped) {
    const hint = typeof task[name] === "string" ? `write its arguments as a mapping under "${name}:"` : undefined;
    return [new LoadError(`module "${name}" takes a mapping of arguments`, locate(ctx.src, modPath, { root: "plays" }), hint)];
  }
  return moduleArgIssues(mod, shaped.args, { templated: true }).map((issue) => {
    // A free-form string has no node per argument: point at the string itself.
    const local = shaped.freeForm !== undefined && issue.path[0] === shaped.freeForm ? { ...issue, path: [] } : issue;
    return issueToError(ctx.src, modPath, local, { root: "plays" });
  });
}
