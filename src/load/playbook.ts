// Loads a playbook file into typed plays: YAML with positions, the structural schema, per-task
// checks against the module registry, vars_files, and everything the plays bring in from other
// files (import_playbook, include_tasks/import_tasks, roles). Every problem in every file is
// reported in one LoadErrors, each located at its node, so a user fixes them all in one edit.
import path from "node:path";
import { LoadError, LoadErrors } from "../errors.js";
import { PLAY_KEYWORDS, TASK_KEYWORDS } from "../schema/keywords.js";
import { toIssues } from "../schema/issues.js";
import { importPlaybookValidator, playValidator } from "../schema/playbook.js";
import { didYouMean, issueToError, sortErrors } from "./issue-errors.js";
import { PlayStructureLoader } from "./play-structure.js";
import { defaultRolesPath } from "./roles.js";
import { checkIncludeVars } from "./include-vars.js";
import { secretValueErrors } from "./secret-values.js";
import { checkTaskList } from "./task-check.js";
import { mergeTags, normaliseTaskList } from "./task-normalise.js";
import type { Playbook, PlaySpec, TaskSpec } from "./types.js";
import { loadVarsFile } from "./vars.js";
import { locate, readYamlFile, type PathSegment, type YamlSource } from "./yaml.js";

/** Ansible play keywords redplay does not have, with what to do instead. */
const UNSUPPORTED_PLAY_KEYS: Record<string, string> = {
  connection: "set ansible_connection on the hosts, or use -c",
  environment: "set variables in the command itself (FOO=1 cmd) with shell",
  vars_prompt: "pass the values with -e",
  strategy: "redplay runs the linear strategy",
  collections: "redplay has no collections; use the modules it lists",
  module_defaults: "write the arguments on each task",
  order: "hosts run in inventory order",
  force_handlers: "use --force-handlers",
};
const TASK_LISTS = ["pre_tasks", "tasks", "post_tasks", "handlers"] as const;

/** What loading a playbook takes besides the file. */
export interface PlaybookOptions {
  /** Role directories searched after the playbook's roles/ (ansible.cfg roles_path); Ansible's defaults when absent. */
  rolesPath?: string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** How a path is shown in messages: relative to the working directory when it is under it. */
function shown(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith("..") ? rel : abs;
}

/** Loads, validates and normalises a playbook; throws LoadErrors listing every problem. */
export async function loadPlaybook(file: string, options: PlaybookOptions = {}): Promise<Playbook> {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const loader = new PlayStructureLoader(dir, options.rolesPath ?? defaultRolesPath(), shown);
  const errors: LoadError[] = [];
  const plays = await loadPlaysOf(abs, file, { tags: [], vars: {} }, loader, errors, []);
  errors.push(...loader.errors);
  if (errors.length === 0) errors.push(...(await checkIncludeVars(dir, plays, shown)));
  if (errors.length > 0) throw new LoadErrors(sortErrors(errors));
  return { file, dir, plays };
}

/** The plays of one playbook file, imported playbooks expanded in place. */
async function loadPlaysOf(
  abs: string,
  displayName: string,
  inherited: { tags: string[]; vars: Record<string, unknown> },
  loader: PlayStructureLoader,
  errors: LoadError[],
  stack: string[],
): Promise<PlaySpec[]> {
  let src: YamlSource;
  try {
    src = await readYamlFile(abs, displayName);
  } catch (err) {
    if (!(err instanceof LoadErrors)) throw err;
    errors.push(...err.errors);
    return [];
  }
  const dir = path.dirname(abs);
  const items = src.value;
  if (items === null || items === undefined) {
    errors.push(new LoadError("playbook is empty", locate(src, []), "a playbook is a list of plays, each with hosts: and tasks:"));
    return [];
  }
  if (!Array.isArray(items)) {
    errors.push(new LoadError("a playbook must be a list of plays", locate(src, []), "start each play with `- hosts: ...`"));
    return [];
  }
  errors.push(...secretValueErrors(src, [], "plays"));
  const plays: PlaySpec[] = [];
  for (const [i, item] of items.entries()) {
    if (isPlainObject(item) && ("import_playbook" in item || "ansible.builtin.import_playbook" in item)) {
      plays.push(...(await importedPlays(item, i, src, dir, inherited, loader, errors, [...stack, abs])));
      continue;
    }
    const before = errors.length;
    errors.push(...playErrors(src, item, i));
    if (!isPlainObject(item)) continue;
    for (const list of TASK_LISTS) errors.push(...checkTaskList(item[list], [i, list], { src, handlers: list === "handlers" }));
    const varsFiles = await loadPlayVarsFiles(item.vars_files, [i, "vars_files"], dir, src);
    errors.push(...varsFiles.errors);
    const play = buildPlay(item, i, src, varsFiles.data, abs, inherited, loader);
    if (errors.length === before) plays.push(play);
  }
  return plays;
}

async function importedPlays(
  item: Record<string, unknown>,
  i: number,
  src: YamlSource,
  dir: string,
  inherited: { tags: string[]; vars: Record<string, unknown> },
  loader: PlayStructureLoader,
  errors: LoadError[],
  stack: string[],
): Promise<PlaySpec[]> {
  const entry = "import_playbook" in item ? item : { ...item, import_playbook: item["ansible.builtin.import_playbook"] };
  delete entry["ansible.builtin.import_playbook"];
  const validate = importPlaybookValidator();
  if (!validate(entry)) {
    for (const issue of toIssues(validate.errors)) {
      errors.push(
        issueToError(src, [i], issue, {
          root: "plays",
          unknownNoun: () => "import_playbook key",
          unknownHint: (key) => (key === "when" ? "put the condition on the imported plays' tasks" : didYouMean(key, ["import_playbook", "name", "vars", "tags"])),
        }),
      );
    }
    return [];
  }
  const rel = String(entry.import_playbook);
  const loc = locate(src, [i, "import_playbook"], { root: "plays" });
  if (rel.includes("{{")) {
    errors.push(new LoadError(`import_playbook "${rel}" cannot be templated`, loc, "it is read before any host is known; name the file"));
    return [];
  }
  const target = path.resolve(dir, rel);
  if (stack.includes(target)) {
    errors.push(new LoadError(`import_playbook "${rel}" imports a playbook that imports it (${[...stack, target].map(shown).join(" -> ")})`, loc, "remove the import that closes the loop"));
    return [];
  }
  const before = errors.length;
  const plays = await loadPlaysOf(
    target,
    shown(target),
    { tags: mergeTags(inherited.tags, entry.tags), vars: { ...inherited.vars, ...((entry.vars as Record<string, unknown>) ?? {}) } },
    loader,
    errors,
    stack,
  );
  // A missing file is this playbook's mistake: point at the line that names it.
  for (let k = before; k < errors.length; k++) {
    if (!errors[k]!.loc) errors[k] = new LoadError(`import_playbook "${rel}": ${errors[k]!.message.replace(/^.*?: /, "")}`, loc, `paths are relative to ${shown(dir)}`);
  }
  return plays;
}

function playErrors(src: YamlSource, play: unknown, i: number): LoadError[] {
  const validate = playValidator();
  if (validate(play)) return [];
  return toIssues(validate.errors).map((issue) =>
    issueToError(src, [i], issue, {
      root: "plays",
      unknownNoun: (p) => (p.length === 1 ? "play keyword" : p.length > 1 && p.at(-1) === "loop_control" ? "loop_control key" : "key"),
      unknownHint: (key, p) => {
        if (p.length !== 1) return undefined;
        if (UNSUPPORTED_PLAY_KEYS[key]) return `redplay does not support it: ${UNSUPPORTED_PLAY_KEYS[key]}`;
        if (TASK_KEYWORDS.includes(key) && !PLAY_KEYWORDS.includes(key)) return `"${key}" belongs on a task; put the task under tasks:`;
        return didYouMean(key, PLAY_KEYWORDS);
      },
    }),
  );
}

async function loadPlayVarsFiles(
  value: unknown,
  path_: PathSegment[],
  dir: string,
  src: YamlSource,
): Promise<{ data: Record<string, unknown>; errors: LoadError[] }> {
  let data: Record<string, unknown> | undefined;
  const errors: LoadError[] = [];
  const entries = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  for (const [j, rel] of entries.entries()) {
    if (typeof rel !== "string") continue;
    const entryPath = typeof value === "string" ? path_ : [...path_, j];
    const loc = locate(src, entryPath, { root: "plays" });
    if (rel.includes("{{")) {
      errors.push(new LoadError(`vars_files path "${rel}" cannot be templated`, loc, "vars_files are read before any host is known; use a fixed path"));
      continue;
    }
    try {
      const vars = await loadVarsFile(path.resolve(dir, rel), rel);
      // The first file's mapping is new and used only here: later files are merged into it
      // rather than all copied into an empty one (a large file's keys are copied never, not once).
      data = data === undefined ? vars : Object.assign(data, vars);
    } catch (err) {
      if (!(err instanceof LoadErrors)) throw err;
      for (const e of err.errors) {
        // A missing file is the playbook's mistake: point at the line that names it.
        errors.push(e.loc ? e : new LoadError(`vars file "${rel}": ${e.message.replace(`${rel}: `, "")}`, loc, `paths are relative to the playbook directory ${dir}`));
      }
    }
  }
  return { data: data ?? {}, errors };
}

/** Ansible flushes handlers after pre_tasks, after roles and tasks, and after post_tasks. */
function flushHandlers(loc: PlaySpec["loc"]): TaskSpec {
  return {
    module: "meta",
    args: { action: "flush_handlers" },
    loopVar: "item",
    notify: [],
    listen: [],
    retries: 3,
    delay: 5,
    ignoreErrors: false,
    tags: ["always"],
    runOnce: false,
    noLog: false,
    vars: {},
    loc,
  };
}

function buildPlay(
  play: Record<string, unknown>,
  i: number,
  src: YamlSource,
  varsFilesData: Record<string, unknown>,
  file: string,
  inherited: { tags: string[]; vars: Record<string, unknown> },
  loader: PlayStructureLoader,
): PlaySpec {
  const hosts = Array.isArray(play.hosts) ? play.hosts.map(String).join(":") : String(play.hosts);
  const tags = mergeTags(inherited.tags, play.tags);
  const loc = locate(src, [i], { root: "plays" });
  loader.startPlay(path.dirname(file));
  const opts = { include: (req: Parameters<typeof loader.include>[0]) => loader.include(req, file, undefined, "plays") };
  const list = (key: (typeof TASK_LISTS)[number]) => normaliseTaskList(play[key], [i, key], src, tags, opts);
  const pre = list("pre_tasks");
  const roles = (Array.isArray(play.roles) ? play.roles : []).flatMap((entry, j) => loader.roleEntry(entry, src, [i, "roles", j], tags) ?? []);
  const tasks = list("tasks");
  const post = list("post_tasks");
  const handlers = list("handlers");
  const spec: PlaySpec = {
    name: typeof play.name === "string" ? play.name : hosts,
    hosts,
    vars: { ...((play.vars as Record<string, unknown> | undefined) ?? {}), ...inherited.vars },
    varsFilesData,
    anyErrorsFatal: play.any_errors_fatal === true,
    tags,
    tasks: [
      ...pre,
      ...(pre.length > 0 ? [flushHandlers(loc)] : []),
      ...roles,
      ...tasks,
      ...(post.length > 0 ? [flushHandlers(loc), ...post] : []),
    ],
    handlers: [...loader.roleHandlers, ...handlers],
    roles: [...loader.roles],
    dir: path.dirname(file),
    loc,
  };
  if (play.gather_facts === true) spec.gatherFacts = true;
  if (play.vars && typeof play.vars === "object") {
    spec.varLocs = Object.fromEntries(Object.keys(play.vars).map((k) => [k, locate(src, [i, "vars", k], { root: "plays" })]));
  }
  if (typeof play.become === "boolean" || typeof play.become === "string") spec.become = play.become;
  if (typeof play.become_user === "string") spec.becomeUser = play.become_user;
  if (typeof play.remote_user === "string") spec.remoteUser = play.remote_user;
  if (play.serial !== undefined) spec.serial = (Array.isArray(play.serial) ? play.serial : [play.serial]) as Array<number | string>;
  if (typeof play.max_fail_percentage === "number") spec.maxFailPercentage = play.max_fail_percentage;
  return spec;
}
