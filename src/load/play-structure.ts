// Brings a play's other files in before anything runs: task files (include_tasks, import_tasks)
// and roles (roles:, include_role, import_role, and their meta dependencies). Everything is read
// and checked at load time, so a mistake in any file is reported, located, before any host is
// touched. Static imports become plain blocks (their `when` is added to every task they bring);
// dynamic includes become blocks the engine treats as Ansible treats includes (own tags decide
// whether they run, `when` decided once per host, `loop` repeats them).
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { LoadError, LoadErrors, type Location } from "../errors.js";
import { toIssues } from "../schema/issues.js";
import { IDENTIFIER } from "../schema/keywords.js";
import { taskListValidator } from "../schema/playbook.js";
import { didYouMean, issueToError } from "./issue-errors.js";
import { findRole, knownRoles, roleFiles, roleSearchDirs } from "./roles.js";
import { secretValueErrors } from "./secret-values.js";
import { templatedFiles } from "./templated-name.js";
import { checkTaskList } from "./task-check.js";
import { mergeTags, normaliseTaskList, toCondition, type IncludeRequest } from "./task-normalise.js";
import type { RoleScope, TaskSpec } from "./types.js";
import { checkVarsMapping } from "./vars.js";
import { decodeUtf8, locate, parseYaml, type YamlSource } from "./yaml.js";

const identifier = new RegExp(IDENTIFIER);

/** Keywords of a `roles:` entry (every other key is a role parameter). */
const ROLE_ENTRY_KEYWORDS = ["role", "name", "when", "tags", "vars", "become", "become_user", "remote_user"];

/** How a role is brought into a play. */
export interface RoleUse {
  /** `tasks_from`, `vars_from`, `defaults_from`, `handlers_from`. */
  from?: { tasks?: string; vars?: string; defaults?: string; handlers?: string };
  /** Parameters and `vars:` of the entry: variables of the role's tasks. */
  params?: Record<string, unknown>;
  /** Tags the role's tasks inherit. */
  tags: string[];
  /** roles: entries and dependencies run once per play (unless their parameters differ); include_role/import_role every time. */
  once: boolean;
  /** The role whose dependency or include this is (its siblings are found too). */
  fromRole?: RoleScope;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads a YAML file now (loading happens before any host is touched, and normalisation is synchronous). */
function readYamlSync(file: string, shown: string): YamlSource {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new LoadErrors([new LoadError(`${shown}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, undefined, undefined, { cause: err })]);
  }
  return parseYaml(decodeUtf8(bytes, shown), shown);
}

/** Applies `fn` to every task of a list, blocks and their insides included. */
/** Calls `fn` on every task of `tasks`, blocks' (block, rescue, always) included, depth first. */
export function eachTask(tasks: TaskSpec[], fn: (t: TaskSpec) => void): void {
  for (const t of tasks) {
    fn(t);
    eachTask(t.block ?? [], fn);
    eachTask(t.rescue ?? [], fn);
    eachTask(t.always ?? [], fn);
  }
}

/** Loads the task files and roles of the plays of one playbook run. */
export class PlayStructureLoader {
  readonly errors: LoadError[] = [];
  /** Roles of the current play, in the order they were brought in. */
  roles: RoleScope[] = [];
  /** Handlers of the current play's roles, in the same order. */
  roleHandlers: TaskSpec[] = [];
  private onceKeys = new Set<string>();
  private readonly fileStack: string[] = [];
  private readonly roleStack: string[] = [];

  constructor(
    /** The directory of the playbook file of the current play: roles/ beside it, and paths of roles named by a path. */
    private playbookDir: string,
    private readonly rolesPath: string[],
    /** How paths are shown in messages: relative to the working directory when under it. */
    private readonly show: (abs: string) => string,
  ) {}

  /**
   * Starts a play written in a playbook file in `dir` (an imported playbook finds its roles
   * beside itself, as in Ansible), forgetting the previous play's roles (dependencies and
   * roles: entries run once per play).
   */
  startPlay(dir: string): void {
    this.playbookDir = dir;
    this.roles = [];
    this.roleHandlers = [];
    this.onceKeys = new Set();
  }

  /** A `roles:` entry of a play, as a block of the role's tasks (undefined when it cannot be loaded). */
  roleEntry(entry: unknown, src: YamlSource, at: (string | number)[], inheritedTags: string[]): TaskSpec | undefined {
    const loc = locate(src, at, { root: "plays" });
    const e = typeof entry === "string" ? { role: entry } : isPlainObject(entry) ? entry : undefined;
    if (!e) return undefined;
    if (typeof (e.role ?? e.name) !== "string") {
      this.errors.push(new LoadError("a roles: entry names its role with role: (or name:)", loc, "write - role: NAME"));
      return undefined;
    }
    const name = String(e.role ?? e.name);
    const params: Record<string, unknown> = { ...((e.vars as Record<string, unknown> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(e)) {
      if (ROLE_ENTRY_KEYWORDS.includes(k)) continue;
      if (!identifier.test(k)) {
        this.errors.push(new LoadError(`invalid role parameter "${k}"`, locate(src, [...at, k], { onKey: true, root: "plays" }), "use letters, digits and underscores, not starting with a digit"));
        continue;
      }
      params[k] = v;
    }
    const tags = mergeTags(inheritedTags, e.tags);
    const block = this.role(name, loc, { params, tags, once: true });
    if (!block) return undefined;
    const when = toCondition(e.when);
    if (when) prependWhen([block], when);
    if (typeof e.become === "boolean" || typeof e.become === "string") block.become = e.become;
    if (typeof e.become_user === "string") block.becomeUser = e.become_user;
    if (typeof e.remote_user === "string") block.remoteUser = e.remote_user;
    block.loc = loc;
    return block;
  }

  /** The tasks of a task file, checked and normalised, its own includes expanded. */
  taskFile(abs: string, opts: { tags: string[]; role?: RoleScope; handlers?: boolean; from?: Location }): TaskSpec[] {
    const shown = this.show(abs);
    if (this.fileStack.includes(abs)) {
      this.errors.push(new LoadError(`${shown} includes itself (${[...this.fileStack, abs].map((f) => this.show(f)).join(" -> ")})`, opts.from, "remove the include that closes the loop"));
      return [];
    }
    let src: YamlSource;
    try {
      src = readYamlSync(abs, shown);
    } catch (err) {
      if (!(err instanceof LoadErrors)) throw err;
      this.errors.push(...err.errors);
      return [];
    }
    if (src.value === null || src.value === undefined) return [];
    const validate = taskListValidator();
    if (!validate(src.value)) {
      for (const issue of toIssues(validate.errors)) {
        this.errors.push(
          issueToError(src, [], issue, {
            root: "",
            unknownNoun: (p) => (p.at(-1) === "loop_control" ? "loop_control key" : "key"),
          }),
        );
      }
      if (!Array.isArray(src.value)) return [];
    }
    this.errors.push(...secretValueErrors(src));
    this.errors.push(...checkTaskList(src.value, [], { src, handlers: opts.handlers === true, root: "" }));
    this.fileStack.push(abs);
    try {
      return normaliseTaskList(src.value, [], src, opts.tags, {
        root: "",
        role: opts.role,
        include: (req) => this.include(req, abs, opts.role, ""),
      });
    } finally {
      this.fileStack.pop();
    }
  }

  /** An include or import found in a task list: the block of what it brings in. */
  include(req: IncludeRequest, fromFile: string, role: RoleScope | undefined, root: string): TaskSpec | undefined {
    const { action, value, spec } = req;
    const loc = locate(req.src, req.path, { root });
    const args = isPlainObject(value) ? value : {};
    const apply = isPlainObject(args.apply) ? args.apply : {};
    const dynamic = action.startsWith("include_");
    // An import's tags go to every task it brings; an include's tags only decide whether it runs (as in Ansible).
    const innerTags = dynamic ? mergeTags(req.inheritedTags, apply.tags) : spec.tags;
    let tasks: TaskSpec[] | undefined;
    let scope: RoleScope | undefined = role;
    let choose: string | undefined;
    if (action.endsWith("_tasks")) {
      const file = typeof value === "string" ? value : String(args.file ?? args._raw_params ?? "");
      if (file === "") return undefined;
      if (file.includes("{{")) {
        // include_tasks only (an import is expanded before the run; task-check says so).
        if (action !== "include_tasks") return undefined;
        tasks = this.templatedTaskFiles(file, fromFile, role, { tags: innerTags, loc });
        choose = file;
      } else {
        const abs = this.findTaskFile(file, fromFile, role);
        if (!abs) {
          this.errors.push(new LoadError(`${action} file "${file}" not found`, loc, `looked in ${this.taskFileCandidates(file, fromFile, role).map((c) => this.show(path.dirname(c))).join(", ")}`));
          return undefined;
        }
        tasks = this.taskFile(abs, { tags: innerTags, role, from: loc });
      }
      if (!tasks) return undefined;
    } else {
      const name = String(args.name ?? "");
      if (name.includes("{{") || name === "") return undefined;
      const from = {
        tasks: args.tasks_from as string | undefined,
        vars: args.vars_from as string | undefined,
        defaults: args.defaults_from as string | undefined,
        handlers: args.handlers_from as string | undefined,
      };
      const roleBlock = this.role(name, loc, { from, tags: innerTags, once: false, fromRole: role });
      if (!roleBlock) return undefined;
      tasks = [roleBlock];
      scope = roleBlock.role;
    }
    const block: TaskSpec = { ...spec, block: tasks, rescue: undefined, always: undefined };
    if (scope) block.role = scope;
    if (!dynamic) {
      // import_*: expanded here; its `when` joins every task it brings (each decides on its own).
      if (spec.when) prependWhen(tasks, spec.when);
      delete block.when;
      return block;
    }
    block.include = action === "include_role" ? "include_role" : "include_tasks";
    block.paramVars = true;
    if (choose !== undefined) block.choose = choose;
    if (typeof apply.become === "boolean" || typeof apply.become === "string") block.become = apply.become;
    if (typeof apply.become_user === "string") block.becomeUser = apply.become_user;
    if (typeof apply.remote_user === "string") block.remoteUser = apply.remote_user;
    const applyWhen = toCondition(apply.when);
    if (applyWhen) prependWhen(tasks, applyWhen);
    return block;
  }

  /**
   * The files a templated include_tasks name may render to (each `{{...}}` of the file's name
   * stands for any text without a slash; its directory must be plain), loaded and checked now, one
   * block per name: those in the first directory of a plain name's search order that holds any,
   * the including file itself excepted.
   */
  private templatedTaskFiles(file: string, fromFile: string, role: RoleScope | undefined, opts: { tags: string[]; loc: Location }): TaskSpec[] | undefined {
    const found = templatedFiles(file, (rel) => this.taskFileCandidates(rel, fromFile, role), fromFile);
    if ("error" in found) {
      this.errors.push(new LoadError(`include_tasks "${file}": ${found.error}`, opts.loc, "name the directory, and template the file name only"));
      return undefined;
    }
    if (found.files.length === 0) {
      this.errors.push(
        new LoadError(
          `include_tasks "${file}": no file matches ${found.glob}`,
          opts.loc,
          `looked in ${found.dirs.map((d) => this.show(d)).join(", ")}; the name is rendered per host when the include runs, and every file it may name is loaded before the run`,
        ),
      );
      return undefined;
    }
    return found.files.map(({ name, abs }) => ({
      ...emptyBlock(opts.loc),
      block: this.taskFile(abs, { tags: opts.tags, role, from: opts.loc }),
      choice: name,
    }));
  }

  /** Where `file` of an include may be: beside the including file (and its tasks/), the role's tasks/, the playbook's. */
  private taskFileCandidates(file: string, fromFile: string, role: RoleScope | undefined): string[] {
    if (path.isAbsolute(file)) return [file];
    const fromDir = path.dirname(fromFile);
    const dirs = [fromDir, path.join(fromDir, "tasks")];
    if (role) dirs.push(path.join(role.dir, "tasks"), role.dir);
    dirs.push(this.playbookDir, path.join(this.playbookDir, "tasks"));
    return [...new Set(dirs)].map((d) => path.join(d, file));
  }

  private findTaskFile(file: string, fromFile: string, role: RoleScope | undefined): string | undefined {
    return this.taskFileCandidates(file, fromFile, role).find((c) => existsSync(c) && statSync(c).isFile());
  }

  /** A role as a block of its dependencies' and its own tasks (undefined when it cannot be loaded). */
  role(name: string, loc: Location, use: RoleUse): TaskSpec | undefined {
    const found = findRole(name, this.playbookDir, this.rolesPath, use.fromRole?.dir);
    if (!found.dir) {
      const hint = didYouMean(name, knownRoles(found.searched)) ?? `looked in ${found.searched.map((d) => this.show(d)).join(", ")}`;
      this.errors.push(new LoadError(`role "${name}" not found`, loc, hint));
      return undefined;
    }
    const dir = found.dir;
    if (use.once) {
      const key = `${dir}\n${JSON.stringify(use.params ?? {})}\n${JSON.stringify(use.from ?? {})}`;
      if (this.onceKeys.has(key)) return { ...emptyBlock(loc), block: [] };
      this.onceKeys.add(key);
    }
    if (this.roleStack.includes(dir)) {
      this.errors.push(new LoadError(`role "${name}" depends on itself (${[...this.roleStack, dir].map((d) => path.basename(d)).join(" -> ")})`, loc, "remove the dependency that closes the loop"));
      return undefined;
    }
    this.roleStack.push(dir);
    try {
      return this.loadRole(path.basename(dir), dir, loc, use);
    } finally {
      this.roleStack.pop();
    }
  }

  private loadRole(name: string, dir: string, loc: Location, use: RoleUse): TaskSpec {
    const varsOf = (part: string, base?: string) => this.varsFiles(roleFiles(dir, part, base ?? "main"));
    // Dependencies first: their tasks run before the role's, their defaults and vars sit under its own.
    const deps: TaskSpec[] = [];
    const depScopes: RoleScope[] = [];
    for (const metaFile of roleFiles(dir, "meta")) {
      let src: YamlSource;
      try {
        src = readYamlSync(metaFile, this.show(metaFile));
      } catch (err) {
        if (!(err instanceof LoadErrors)) throw err;
        this.errors.push(...err.errors);
        continue;
      }
      const meta = isPlainObject(src.value) ? src.value : {};
      const list = meta.dependencies ?? [];
      if (!Array.isArray(list)) {
        this.errors.push(new LoadError("meta dependencies must be a list of roles", locate(src, ["dependencies"]), "write - role: NAME entries"));
        continue;
      }
      list.forEach((entry, i) => {
        const e = typeof entry === "string" ? { role: entry } : isPlainObject(entry) ? entry : undefined;
        const depLoc = locate(src, ["dependencies", i]);
        if (!e || typeof (e.role ?? e.name) !== "string") {
          this.errors.push(new LoadError("a dependency is a role name or a mapping with role:", depLoc));
          return;
        }
        const params: Record<string, unknown> = { ...((e.vars as Record<string, unknown> | undefined) ?? {}) };
        for (const [k, v] of Object.entries(e)) if (!ROLE_ENTRY_KEYWORDS.includes(k) && identifier.test(k)) params[k] = v;
        const block = this.role(String(e.role ?? e.name), depLoc, { params, tags: mergeTags(use.tags, e.tags), once: true, fromRole: { name, dir, defaults: {}, vars: {} } });
        if (!block) return;
        const when = toCondition(e.when);
        if (when) prependWhen([block], when);
        deps.push(block);
        if (block.role) depScopes.push(block.role);
      });
    }
    const scope: RoleScope = {
      name,
      dir,
      defaults: Object.assign({}, ...depScopes.map((d) => d.defaults), varsOf("defaults", use.from?.defaults)),
      vars: Object.assign({}, ...depScopes.map((d) => d.vars), varsOf("vars", use.from?.vars)),
    };
    this.roles.push(scope);
    const tasksFiles = roleFiles(dir, "tasks", use.from?.tasks ?? "main");
    if (use.from?.tasks && tasksFiles.length === 0) {
      this.errors.push(new LoadError(`role "${name}" has no tasks file "${use.from.tasks}"`, loc, `looked in ${this.show(path.join(dir, "tasks"))}`));
    }
    const tasks = tasksFiles.flatMap((f) => this.taskFile(f, { tags: use.tags, role: scope, from: loc }));
    for (const f of roleFiles(dir, "handlers", use.from?.handlers ?? "main")) {
      const handlers = this.taskFile(f, { tags: [], role: scope, handlers: true, from: loc });
      // A role's handler answers to its own name and to "role : name", as in Ansible.
      for (const h of handlers) if (h.name) h.listen = [...h.listen, `${name} : ${h.name}`];
      this.roleHandlers.push(...handlers);
    }
    return { ...emptyBlock(loc), block: [...deps, ...tasks], vars: use.params ?? {}, paramVars: true, tags: use.tags, role: scope };
  }

  /** Variables of a role's defaults/ or vars/ files, merged in order. */
  private varsFiles(files: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of files) {
      try {
        const src = readYamlSync(f, this.show(f));
        const errors = checkVarsMapping(src, [], src.value, "a role vars file");
        if (errors.length > 0) this.errors.push(...errors);
        else Object.assign(out, src.value ?? {});
      } catch (err) {
        if (!(err instanceof LoadErrors)) throw err;
        this.errors.push(...err.errors);
      }
    }
    return out;
  }
}

/** Adds `when` in front of the conditions of every task of the list (blocks and their insides too). */
export function prependWhen(tasks: TaskSpec[], when: string[]): void {
  eachTask(tasks, (t) => {
    t.when = [...when, ...(t.when ?? [])];
  });
}

function emptyBlock(loc: Location): TaskSpec {
  return { loopVar: "item", notify: [], listen: [], retries: 3, delay: 5, ignoreErrors: false, tags: [], runOnce: false, noLog: false, vars: {}, loc, block: [] };
}
