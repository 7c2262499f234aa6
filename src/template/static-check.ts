// `redplay validate` for templates and conditions: every templated string parses, and no
// variable is read that is certainly defined nowhere (not in the inventory, any vars, a register,
// a set_fact, a loop variable, a magic variable, extra vars or a module's facts). "Certainly" is
// the rule: names tested with `is defined`, `default`, `#if`, or read inside `#each` are not flagged.
import { distance } from "fastest-levenshtein";
import { LoadError, TemplateError, ExpressionError, type Location } from "../errors.js";
import type { Inventory } from "../inventory/types.js";
import type { Playbook, PlaySpec, TaskSpec } from "../load/types.js";
import { handlebarsEnv } from "./handlebars.js";
import { expressionAst, type Ast } from "./expressions.js";
import { isHelperName, templateRefs, type TemplateRefs } from "./template-refs.js";
import { factError, looksLikeFact } from "../facts/host-facts.js";
import { findJinja } from "./jinja-detect.js";
import { jinjaText, toTemplateError } from "./template-error.js";

/** What is known to exist besides the playbook itself. */
export interface KnownVars {
  inventory?: Inventory;
  extraVars?: Record<string, unknown>;
  /** Facts that modules set on hosts (for example by a redis facts module). */
  moduleFacts?: string[];
}

const MAGIC = new Set([
  "inventory_hostname",
  "inventory_hostname_short",
  "groups",
  "hostvars",
  "group_names",
  "play_hosts",
  "check_mode",
  "item",
  "omit",
  "playbook_dir",
  "inventory_dir",
  "inventory_file",
]);

const SET_FACT = new Set(["set_fact", "ansible.builtin.set_fact"]);

function allTasks(play: PlaySpec): TaskSpec[] {
  const out: TaskSpec[] = [];
  const walk = (list: TaskSpec[] | undefined): void => {
    for (const t of list ?? []) {
      out.push(t);
      walk(t.block);
      walk(t.rescue);
      walk(t.always);
    }
  };
  walk(play.tasks);
  walk(play.handlers);
  return out;
}

/** Registered results and set_fact values live on across plays, so any play's count for all. */
function hostFactNames(pb: Playbook): Set<string> {
  const names = new Set<string>();
  for (const play of pb.plays) {
    for (const t of allTasks(play)) {
      if (t.register) names.add(t.register);
      if (t.module && SET_FACT.has(t.module)) for (const k of Object.keys(t.args ?? {})) names.add(k);
      for (const k of t.varsDefined ?? []) names.add(k);
    }
  }
  return names;
}

/** Names every play can read whatever it defines: magic variables, facts, extra vars, inventory vars. */
function commonNames(known: KnownVars, facts: Set<string>): Set<string> {
  const names = new Set<string>([...MAGIC, ...(known.moduleFacts ?? []), ...facts]);
  for (const k of Object.keys(known.extraVars ?? {})) names.add(k);
  for (const h of known.inventory?.hosts() ?? []) for (const k of known.inventory!.hostVarNames(h)) names.add(k);
  return names;
}

/** The names a play defines: a set, and mappings whose keys are looked up in place (a large vars file is never copied). */
class DefinedNames implements Iterable<string> {
  constructor(
    private readonly names: Set<string>,
    private readonly mappings: ReadonlyArray<Record<string, unknown>>,
  ) {}

  has(name: string): boolean {
    return this.names.has(name) || this.mappings.some((m) => Object.hasOwn(m, name));
  }

  *[Symbol.iterator](): Iterator<string> {
    yield* this.names;
    for (const m of this.mappings) yield* Object.keys(m);
  }
}

function definedNames(play: PlaySpec, common: Set<string>): DefinedNames {
  const names = new Set<string>(common);
  const add = (obj: Record<string, unknown> | undefined): void => {
    for (const k of Object.keys(obj ?? {})) names.add(k);
  };
  for (const r of play.roles ?? []) {
    add(r.defaults);
    add(r.vars);
  }
  for (const t of allTasks(play)) {
    add(t.vars);
    if (t.register) names.add(t.register);
    names.add(t.loopVar);
    if (t.module && SET_FACT.has(t.module)) add(t.args);
  }
  return new DefinedNames(names, [play.vars ?? {}, play.varsFilesData ?? {}]);
}

/** Root names an expression reads, leaving out those it only tests for existence. */
function expressionRoots(ast: Ast): Set<string> {
  const roots = new Set<string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    const n = node as Record<string, any>;
    if (n.type === "Identifier") {
      if (n.from) visit(n.from);
      else if (!n.relative) roots.add(n.value);
      return;
    }
    if (n.type === "FunctionCall" && n.pool === "transforms" && (n.name === "is" || n.name === "default")) {
      (n.args as unknown[]).slice(1).forEach(visit);
      return;
    }
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) v.forEach(visit);
      else visit(v);
    }
  };
  visit(ast);
  return roots;
}

/** Calls `fn` with every string inside `value` (a YAML value: strings, lists and mappings). */
function eachString(value: unknown, fn: (s: string) => void): void {
  if (typeof value === "string") fn(value);
  else if (Array.isArray(value)) for (const v of value) eachString(v, fn);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) eachString(v, fn);
}

/**
 * Strings whose text around the mustaches holds no brace and no backslash: the text is plain
 * content to Handlebars' lexer, so such strings with the same mustaches (`echo {{dir}}/1`,
 * `echo {{dir}}/2`) name the same variables and helpers. The mustaches themselves hold no brace
 * or backslash either.
 */
const PLAIN_AROUND_MUSTACHES = /^(?:[^{}\\]|\{\{[^{}\\]*\}\})*$/;
const MUSTACHE = /\{\{[^{}\\]*\}\}/g;

/**
 * A mustache that only outputs a variable (`{{ name }}`, `{{ a.b.c }}`): Handlebars reads it as a
 * path whose first part is the variable, unless that part is a literal or `this`. Any other form
 * (helpers with arguments, blocks, `~`, `@data`, `../`) goes through Handlebars' parser.
 */
const VARIABLE_MUSTACHE = /^\{\{\s*([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)*)\s*\}\}$/;
const NOT_VARIABLES = new Set(["true", "false", "null", "undefined", "this", "else"]);

/**
 * The variables and helpers of `source` (already known to have `{{`) when its mustaches are
 * all variables and the text around them is plain: the same references Handlebars' parse tree
 * gives (templateRefs), without parsing. Undefined for any other string.
 */
function variableRefs(mustaches: readonly string[]): TemplateRefs | undefined {
  const refs: TemplateRefs = { roots: new Set(), unknownHelpers: new Set() };
  for (const m of mustaches) {
    const found = VARIABLE_MUSTACHE.exec(m);
    if (!found || NOT_VARIABLES.has(found[1]!)) return undefined;
    // `{{ name }}` alone may call a helper without arguments; `{{ a.b }}` is always a path.
    if (found[2] === "" && isHelperName(found[1]!)) continue;
    refs.roots.add(found[1]!);
  }
  return refs;
}

/**
 * What can be known of `source` (a string with `{{`) without parsing it: its references when its
 * mustaches are all variables, and the key under which they may be shared with other strings.
 */
export function sharedRefs(source: string): { key?: string; refs?: TemplateRefs } {
  if (!PLAIN_AROUND_MUSTACHES.test(source)) return {};
  const mustaches = source.match(MUSTACHE) ?? [];
  return { key: mustaches.join(" "), refs: variableRefs(mustaches) };
}

export function checkPlaybookTemplates(pb: Playbook, known: KnownVars): LoadError[] {
  const errors: LoadError[] = [];
  // A large playbook repeats the same mustaches in thousands of strings: each is parsed once.
  const refsByKey = new Map<string, TemplateRefs>();
  // The inventory's names once for the playbook, not once per play: a large inventory is read once.
  const common = commonNames(known, hostFactNames(pb));
  for (const play of pb.plays) {
    const defined = definedNames(play, common);
    const checkUndefined = known.inventory !== undefined;
    const gathers = play.gatherFacts === true || allTasks(play).some((t) => t.module === "setup" || t.module === "ansible.builtin.setup");
    const reported = new Set<string>();
    // A misspelt name repeated over many tasks is compared with every defined name once.
    const hints = new Map<string, string>();

    const undefinedName = (name: string, loc: Location): void => {
      if (!checkUndefined || defined.has(name)) return;
      if (name.startsWith("ansible_")) {
        // A fact: there when the play gathers it (or runs setup), else an error that says so.
        if (!looksLikeFact(name) || (gathers && factError(name, true).endsWith("was not found on this host"))) return;
        const key = `${loc.file}:${loc.line}:${loc.col}:${name}`;
        if (reported.has(key)) return;
        reported.add(key);
        errors.push(new LoadError(factError(name, gathers), loc));
        return;
      }
      const key = `${loc.file}:${loc.line}:${loc.col}:${name}`;
      if (reported.has(key)) return;
      reported.add(key);
      let h = hints.get(name);
      if (h === undefined) {
        h = hint(name, defined);
        hints.set(name, h);
      }
      errors.push(new LoadError(`undefined variable "${name}"`, loc, h));
    };

    const template = (source: string, loc: Location): void => {
      const jinja = findJinja(source);
      if (jinja.length > 0) {
        for (const f of jinja) {
          const { message, hint } = jinjaText(f);
          errors.push(new LoadError(f.line > 1 ? `${message} (line ${f.line} of the string)` : message, loc, hint));
        }
        return;
      }
      if (!source.includes("{{")) return;
      const shared = sharedRefs(source);
      const key = shared.key;
      let refs = shared.refs ?? (key === undefined ? undefined : refsByKey.get(key));
      if (refs === undefined) {
        let program: hbs.AST.Program;
        try {
          program = handlebarsEnv.parse(source);
        } catch (err) {
          errors.push(new LoadError((toTemplateError(err, source, {}) as TemplateError).message, loc));
          return;
        }
        refs = templateRefs(program);
        if (key !== undefined) refsByKey.set(key, refs);
      }
      for (const h of refs.unknownHelpers) {
        errors.push(new LoadError(`unknown template helper "${h}"`, loc, "see the template helpers in the documentation"));
      }
      for (const r of refs.roots) undefinedName(r, loc);
    };

    const condition = (expr: string, loc: Location): void => {
      let ast: Ast;
      try {
        ast = expressionAst(expr);
      } catch (err) {
        if (err instanceof ExpressionError) errors.push(new LoadError(err.message, loc));
        else throw err;
        return;
      }
      for (const r of expressionRoots(ast)) undefinedName(r, loc);
    };

    for (const [k, v] of Object.entries(play.vars)) eachString(v, (s) => template(s, play.varLocs?.[k] ?? play.loc));
    eachString(play.varsFilesData, (s) => template(s, play.loc));
    for (const t of allTasks(play)) {
      if (t.name) template(t.name, t.loc);
      for (const [key, value] of Object.entries(t.args ?? {})) {
        eachString(value, (s) => template(s, t.argLocs?.[key] ?? t.loc));
      }
      eachString(t.vars, (s) => template(s, t.loc));
      eachString(t.loop, (s) => template(s, t.loc));
      for (const s of [t.delegateTo, t.remoteUser, t.choose]) if (s !== undefined) template(s, t.loc);
      for (const list of [t.when, t.until, t.changedWhen, t.failedWhen]) {
        for (const e of list ?? []) condition(e, t.loc);
      }
    }
  }
  return errors;
}

function hint(name: string, defined: Iterable<string>): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const d of defined) {
    const dist = distance(name, d);
    if (dist < bestD) {
      best = d;
      bestD = dist;
    }
  }
  const limit = name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 4));
  if (best !== undefined && bestD <= limit) return `did you mean "${best}"?`;
  return "define it in the inventory, the play or task vars, or with -e";
}
