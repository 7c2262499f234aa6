// Loads a playbook file into typed plays: YAML with positions, the structural schema, per-task
// checks against the module registry, vars_files. Every problem in the file is reported in one
// LoadErrors, each located at its node, so a user fixes them all in one edit.
import { dirname, resolve } from "node:path";
import { LoadError, LoadErrors } from "../errors.js";
import { PLAY_KEYWORDS, TASK_KEYWORDS } from "../schema/keywords.js";
import { toIssues } from "../schema/issues.js";
import { playbookStructureValidator } from "../schema/playbook.js";
import { didYouMean, issueToError, sortErrors } from "./issue-errors.js";
import { secretValueErrors } from "./secret-values.js";
import { checkTaskList } from "./task-check.js";
import { mergeTags, normaliseTaskList } from "./task-normalise.js";
import type { Playbook, PlaySpec } from "./types.js";
import { loadVarsFile } from "./vars.js";
import { locate, readYamlFile, type PathSegment, type YamlSource } from "./yaml.js";

const UNSUPPORTED_PLAY_KEYS: Record<string, string> = {
  roles: "roles are not supported; list the tasks under tasks:",
  pre_tasks: "pre_tasks is not supported; put these tasks first under tasks:",
  post_tasks: "post_tasks is not supported; put these tasks last under tasks:",
  import_playbook: "import_playbook is not supported; run the playbooks one after the other",
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Loads, validates and normalises a playbook; throws LoadErrors listing every problem. */
export async function loadPlaybook(file: string): Promise<Playbook> {
  const abs = resolve(file);
  const dir = dirname(abs);
  const src = await readYamlFile(abs, file);
  const plays = src.value;
  if (plays === null || plays === undefined) {
    throw new LoadErrors([new LoadError("playbook is empty", locate(src, []), "a playbook is a list of plays, each with hosts: and tasks:")]);
  }

  const errors = [...structureErrors(src), ...secretValueErrors(src, [], "plays")];
  const varsFilesData: Array<Record<string, unknown>> = [];
  if (Array.isArray(plays)) {
    for (const [i, play] of plays.entries()) {
      if (!isPlainObject(play)) continue;
      errors.push(...checkTaskList(play.tasks, [i, "tasks"], { src, handlers: false }));
      errors.push(...checkTaskList(play.handlers, [i, "handlers"], { src, handlers: true }));
      const loaded = await loadPlayVarsFiles(play.vars_files, [i, "vars_files"], dir, src);
      errors.push(...loaded.errors);
      varsFilesData[i] = loaded.data;
    }
  }
  if (errors.length > 0) throw new LoadErrors(sortErrors(errors));

  return {
    file,
    dir,
    plays: (plays as Array<Record<string, unknown>>).map((play, i) => buildPlay(play, i, src, varsFilesData[i] ?? {})),
  };
}

function structureErrors(src: YamlSource): LoadError[] {
  const validate = playbookStructureValidator();
  if (validate(src.value)) return [];
  return toIssues(validate.errors).map((issue) =>
    issueToError(src, [], issue, {
      root: "plays",
      unknownNoun: (path) => (path.length === 1 ? "play keyword" : path.length > 1 && path.at(-1) === "loop_control" ? "loop_control key" : "key"),
      unknownHint: (key, path) => {
        if (path.length !== 1) return undefined;
        if (UNSUPPORTED_PLAY_KEYS[key]) return UNSUPPORTED_PLAY_KEYS[key];
        if (TASK_KEYWORDS.includes(key) && !PLAY_KEYWORDS.includes(key)) return `"${key}" belongs on a task; put the task under tasks:`;
        return didYouMean(key, PLAY_KEYWORDS);
      },
    }),
  );
}

async function loadPlayVarsFiles(
  value: unknown,
  path: PathSegment[],
  dir: string,
  src: YamlSource,
): Promise<{ data: Record<string, unknown>; errors: LoadError[] }> {
  const data: Record<string, unknown> = {};
  const errors: LoadError[] = [];
  const entries = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  for (const [j, rel] of entries.entries()) {
    if (typeof rel !== "string") continue;
    const entryPath = typeof value === "string" ? path : [...path, j];
    const loc = locate(src, entryPath, { root: "plays" });
    if (rel.includes("{{")) {
      errors.push(new LoadError(`vars_files path "${rel}" cannot be templated`, loc, "vars_files are read before any host is known; use a fixed path"));
      continue;
    }
    try {
      Object.assign(data, await loadVarsFile(resolve(dir, rel), rel));
    } catch (err) {
      if (!(err instanceof LoadErrors)) throw err;
      for (const e of err.errors) {
        // A missing file is the playbook's mistake: point at the line that names it.
        errors.push(e.loc ? e : new LoadError(`vars file "${rel}": ${e.message.replace(`${rel}: `, "")}`, loc, `paths are relative to the playbook directory ${dir}`));
      }
    }
  }
  return { data, errors };
}

function buildPlay(play: Record<string, unknown>, i: number, src: YamlSource, varsFilesData: Record<string, unknown>): PlaySpec {
  const hosts = Array.isArray(play.hosts) ? play.hosts.map(String).join(":") : String(play.hosts);
  const tags = mergeTags([], play.tags);
  const spec: PlaySpec = {
    name: typeof play.name === "string" ? play.name : hosts,
    hosts,
    vars: (play.vars as Record<string, unknown> | undefined) ?? {},
    varsFilesData,
    anyErrorsFatal: play.any_errors_fatal === true,
    tags,
    tasks: normaliseTaskList(play.tasks, [i, "tasks"], src, tags),
    handlers: normaliseTaskList(play.handlers, [i, "handlers"], src, tags),
    loc: locate(src, [i], { root: "plays" }),
  };
  if (play.gather_facts === true) spec.gatherFacts = true;
  if (play.vars && typeof play.vars === "object") {
    spec.varLocs = Object.fromEntries(Object.keys(play.vars).map((k) => [k, locate(src, [i, "vars", k], { root: "plays" })]));
  }
  if (typeof play.become === "boolean" || typeof play.become === "string") spec.become = play.become;
  if (typeof play.become_user === "string") spec.becomeUser = play.become_user;
  if (play.serial !== undefined) spec.serial = (Array.isArray(play.serial) ? play.serial : [play.serial]) as Array<number | string>;
  if (typeof play.max_fail_percentage === "number") spec.maxFailPercentage = play.max_fail_percentage;
  return spec;
}
