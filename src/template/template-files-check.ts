// `redplay validate` opens every template file a playbook names (a module's `templateArgs`, such
// as template.src), resolved as the run resolves it: a missing file, Jinja2 in it, a Handlebars
// syntax error or an unknown helper is reported now, located in the file, instead of on the
// first host at run time. A templated name (`src: "{{ conf }}.hbs"`) is only known per host and
// is left to the run.
/// <reference types="handlebars" />
import { readFileSync } from "node:fs";
import path from "node:path";
import { LoadError, TemplateError, type Location } from "../errors.js";
import { resolveSource } from "../engine/execute-task.js";
import type { Playbook, TaskSpec } from "../load/types.js";
import { getModule } from "../modules/registry.js";
import { handlebarsEnv } from "./handlebars.js";
import { findJinja } from "./jinja-detect.js";
import { jinjaText, toTemplateError } from "./template-error.js";
import { templateRefs } from "./template-refs.js";

/** At most this many Jinja2 constructs are listed per file; the rest are counted. */
const MAX_LISTED = 10;

/** Every task of the playbook, with the directory its play's templates/ are beside. */
function tasksOf(pb: Playbook): Array<{ task: TaskSpec; dir: string }> {
  const out: Array<{ task: TaskSpec; dir: string }> = [];
  const walk = (list: TaskSpec[] | undefined, dir: string): void => {
    for (const t of list ?? []) {
      out.push({ task: t, dir });
      walk(t.block, dir);
      walk(t.rescue, dir);
      walk(t.always, dir);
    }
  };
  for (const play of pb.plays) {
    walk(play.tasks, play.dir ?? pb.dir);
    walk(play.handlers, play.dir ?? pb.dir);
  }
  return out;
}

/** The path to show: relative to the working directory when inside it. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

/** Errors for every template file the playbook names, each file checked once. */
export function checkTemplateFiles(pb: Playbook): LoadError[] {
  const errors: LoadError[] = [];
  const seen = new Set<string>();
  // Thousands of tasks name the same few templates: each name is looked up on disk once.
  const resolved = new Map<string, string>();
  for (const { task: t, dir } of tasksOf(pb)) {
    const mod = t.module ? getModule(t.module) : undefined;
    for (const key of mod?.templateArgs ?? []) {
      const src = t.args?.[key];
      if (typeof src !== "string" || src.includes("{{")) continue;
      // Looked up as the run looks it up: the role's templates/ first, then beside the play's playbook.
      const lookup = `${dir}\0${src}\0${t.role?.dir ?? ""}`;
      let file = resolved.get(lookup);
      if (file === undefined) {
        file = resolveSource(dir, "templates", src, t.role?.dir);
        resolved.set(lookup, file);
      }
      const at = t.argLocs?.[key] ?? t.loc;
      if (seen.has(file)) continue;
      seen.add(file);
      errors.push(...checkTemplateFile(file, src, at));
    }
  }
  return errors;
}

/** Errors for one template file named `src` at `at`. */
export function checkTemplateFile(file: string, src: string, at: Location): LoadError[] {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "not found" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? String(err)})`;
    return [new LoadError(`template ${src} ${why} (looked at ${shown(file)})`, at, "templates are found in templates/ beside the playbook, beside it, or one level up")];
  }
  const name = shown(file);
  const jinja = findJinja(source);
  if (jinja.length > 0) {
    const errors = jinja.slice(0, MAX_LISTED).map((f) => {
      const { message, hint } = jinjaText(f);
      return new LoadError(message, { file: name, line: f.line, col: f.col }, hint);
    });
    const more = jinja.length > MAX_LISTED ? `${jinja.length - MAX_LISTED} more besides those listed; ` : "";
    errors.push(
      new LoadError(
        `template ${src} is Jinja2 (${jinja.length} construct(s)); redplay templates are Handlebars`,
        at,
        `${more}\`redplay convert ${name} -o ${name.replace(/\.j2$/, "")}.hbs\` translates it and lists what it cannot`,
      ),
    );
    return errors;
  }
  let program: hbs.AST.Program;
  try {
    program = handlebarsEnv.parse(source);
  } catch (err) {
    const e = toTemplateError(err, source, { file: name }) as TemplateError;
    return [new LoadError(e.message.replace(`${name}:${e.loc?.line ?? 1}: `, ""), e.loc ?? { file: name, line: 1, col: 1 })];
  }
  return [...templateRefs(program).unknownHelpers].map((h) => {
    const m = new RegExp(`[{(]\\s*[#^]?${h.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[\\s)}]`).exec(source);
    const before = source.slice(0, m?.index ?? 0);
    const line = before.split("\n").length;
    const col = before.length - before.lastIndexOf("\n");
    return new LoadError(`unknown template helper "${h}"`, { file: name, line, col }, "see the template helpers in the documentation");
  });
}
