// Turns what Handlebars throws (strict-mode lookups, parse errors, helper failures) into one
// TemplateError that says what went wrong, where (template file and line, or the task's own
// location), and on which host. Handlebars' own texts ("x" not defined in [object Object],
// parser excerpts) are parsed here and never shown raw: excerpts may hold literal secrets.
import { formatLocation, TemplateError, type Location } from "../errors.js";
import { factError, looksLikeFact } from "../facts/host-facts.js";
import { HelperFailure } from "./helpers.js";
import type { JinjaFinding } from "./jinja-detect.js";

/** Where a template comes from, for messages: a task location, a template file, a host. */
export interface TemplateWhere {
  loc?: Location;
  host?: string;
  file?: string;
}

interface HandlebarsException {
  message: string;
  lineNumber?: number;
  column?: number;
  endLineNumber?: number;
  endColumn?: number;
}

/** Builds the "file:line" or task-location prefix; `line` is the line inside the template text. */
export function locate(where: TemplateWhere, line: number | undefined, col?: number): Location | undefined {
  if (where.file) return { file: where.file, line: line ?? 1, col: (col ?? 0) + 1 };
  return where.loc;
}

function prefix(where: TemplateWhere, line: number | undefined): string {
  if (where.file) return `${where.file}:${line ?? 1}: `;
  if (where.loc) return `${formatLocation(where.loc)}: `;
  return "";
}

function suffix(where: TemplateWhere, line: number | undefined): string {
  const parts: string[] = [];
  // Task strings are located at the task; a line inside a multi-line string is extra help.
  if (!where.file && line !== undefined && line > 1) parts.push(`line ${line} of the template`);
  if (where.host) parts.push(`host ${where.host}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** The exact text of a span of the template, e.g. the full path `cfg.port` of a failed lookup. */
function sliceSource(source: string, line: number, col: number, endLine?: number, endCol?: number): string | undefined {
  if (endLine !== line || endCol === undefined) return undefined;
  const text = source.split("\n")[line - 1];
  return text?.slice(col, endCol).trim() || undefined;
}

/** An undefined variable, reported the same way by every path (rendering and native values). */
export function undefinedVariable(name: string, where: TemplateWhere, line?: number, col?: number): TemplateError {
  const root = name.split(/[.[]/)[0] ?? name;
  if (looksLikeFact(root)) {
    return new TemplateError(`${prefix(where, line)}undefined variable "${name}"${suffix(where, line)}: ${factError(root, false)}`, locate(where, line, col), name);
  }
  return new TemplateError(
    `${prefix(where, line)}undefined variable "${name}"${suffix(where, line)}; define it in the inventory, play or task vars, or with -e, or write {{default ${root} <value>}}`,
    locate(where, line, col),
    name,
  );
}

/** Thrown by the compile step when the text holds Jinja2: turned into a located TemplateError. */
export class JinjaInTemplate extends Error {
  constructor(readonly findings: JinjaFinding[]) {
    super(`Jinja2 syntax ${findings[0]?.text ?? ""}`);
  }
}

/** What to say about one Jinja2 construct: the message and what to write instead. */
export function jinjaText(f: JinjaFinding): { message: string; hint: string } {
  // `{{ redis_password | default('hunter2') }}`: a literal next to a secret's name is not shown.
  const secretish = /pass|secret|token|auth|private|credential/i.test(f.text);
  const safe = (t: string) => (secretish ? t.replace(/(["'])(?:(?!\1)[^\\]|\\.)*\1/g, '"********"') : t);
  return {
    message: `Jinja2 syntax ${safe(f.text)}: redplay templates are Handlebars`,
    hint: f.handlebars ? `write ${safe(f.handlebars)}` : (f.why ?? "it has no Handlebars equivalent"),
  };
}

/** The TemplateError for Jinja2 found in a template: the first construct, located, and how many more. */
export function jinjaError(findings: JinjaFinding[], where: TemplateWhere): TemplateError {
  const f = findings[0]!;
  const { message, hint } = jinjaText(f);
  const more =
    findings.length > 1
      ? ` (${findings.length - 1} more Jinja2 construct(s)${where.file ? `; \`redplay convert ${where.file}\` translates a whole template` : ""})`
      : where.file
        ? ` (\`redplay convert ${where.file}\` translates a whole template)`
        : "";
  return new TemplateError(`${prefix(where, f.line)}${message}${suffix(where, f.line)}; ${hint}${more}`, locate(where, f.line, f.col - 1));
}

export function toTemplateError(err: unknown, source: string, where: TemplateWhere): TemplateError {
  if (err instanceof TemplateError) return err;
  if (err instanceof JinjaInTemplate) return jinjaError(err.findings, where);
  if (err instanceof HelperFailure) {
    const line = (err as HelperFailure & { line?: number }).line;
    return new TemplateError(`${prefix(where, line)}${err.message}${suffix(where, line)}`, locate(where, line), err.variable);
  }
  const e = err as HandlebarsException;
  const message = typeof e?.message === "string" ? e.message : String(err);
  const missing = /^"([^"]+)" not defined in /.exec(message);
  if (missing) {
    const line = e.lineNumber;
    const full =
      line !== undefined && e.column !== undefined
        ? sliceSource(source, line, e.column, e.endLineNumber, e.endColumn)
        : undefined;
    const name = full && /^[\w@.[\]\-/]+$/.test(full) ? full : missing[1]!;
    return undefinedVariable(name, where, line, e.column);
  }
  const parse = /^Parse error on line (\d+):/.exec(message);
  if (parse) {
    const line = Number(parse[1]);
    const detail = message.split("\n").pop() ?? "";
    return new TemplateError(
      `${prefix(where, line)}template syntax error: ${detail}${suffix(where, line)}; check that every {{ has a matching }}`,
      locate(where, line),
    );
  }
  const line = e.lineNumber;
  const clean = message.replace(/ - \d+:\d+$/, "");
  return new TemplateError(`${prefix(where, line)}template error: ${clean}${suffix(where, line)}`, locate(where, line), undefined, {
    cause: err,
  });
}
