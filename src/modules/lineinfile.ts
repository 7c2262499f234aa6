// `lineinfile`: one line of a file present (replacing the line `regexp` matches, else added where
// insertafter/insertbefore say, EOF by default) or absent, as Ansible's lineinfile decides it.
// The new content is computed from the file read in plan; comparing, backup, validate, attributes
// and the atomic write are file-content.ts's (shared with copy and template), so --check shows
// the exact diff and the rerun finds nothing to do.
import { failureText } from "../errors.js";
import { applyContent, destSchemaProps, planContent, type ContentState, type DestArgs } from "./file-content.js";
import type { Module, Plan } from "./types.js";

/** Arguments of `lineinfile` (Ansible's names; `dest`/`name` are accepted for `path`). */
export interface LineInFileArgs extends Omit<DestArgs, "dest"> {
  path?: string;
  dest?: string;
  name?: string;
  line?: string;
  regexp?: string;
  search_string?: string;
  /** @default "present" */
  state?: "present" | "absent";
  /** "EOF" (default), "BOF" or a regular expression. */
  insertafter?: string;
  insertbefore?: string;
  /** Create the file when it is missing (state present). @default false */
  create?: boolean;
  /** `line` may use \1 or \g<name> from `regexp`; nothing is added when it does not match. */
  backrefs?: boolean;
  /** insertafter/insertbefore use the first matching line instead of the last. */
  firstmatch?: boolean;
}

/** What lineinfile computed: the new text and what it did, in Ansible's words. */
export interface LineEdit {
  text: string;
  msg: string;
}

/** A Python regular expression as JavaScript reads it (named groups `(?P<n>`; the rest is alike for common patterns). */
function pyRegex(pattern: string): RegExp {
  return new RegExp(pattern.replace(/\(\?P<(\w+)>/g, "(?<$1>").replace(/\(\?P=(\w+)\)/g, "\\k<$1>"));
}

/** Python's match.expand(): `\1`, `\g<1>`, `\g<name>`. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\\g<(\w+)>|\\(\d{1,2})|\\\\/g, (all, name: string | undefined, num: string | undefined) => {
    if (all === "\\\\") return "\\";
    const key = name ?? num!;
    const v = /^\d+$/.test(key) ? m[Number(key)] : m.groups?.[key];
    return v ?? "";
  });
}

/** Splits text into lines that keep their line endings (Python's splitlines(True) for \n files). */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/(?<=\n)/);
  return lines;
}

const strip = (l: string) => l.replace(/[\r\n]+$/, "");

/** Ansible's lineinfile `present`, on the file's text. */
export function linePresent(text: string, a: LineInFileArgs): LineEdit {
  const lines = splitLines(text);
  const line = a.line ?? "";
  const re = a.regexp !== undefined ? pyRegex(a.regexp) : undefined;
  const insertafter = a.insertafter ?? (a.insertbefore === undefined ? "EOF" : undefined);
  const insertbefore = a.insertbefore;
  const ins = insertafter && insertafter !== "EOF" && insertafter !== "BOF" ? pyRegex(insertafter) : insertbefore && insertbefore !== "BOF" ? pyRegex(insertbefore) : undefined;
  let found = -1;
  let insertAt = -1;
  let match: RegExpExecArray | null = null;
  let exact = false;
  if (re || a.search_string !== undefined) {
    for (let i = 0; i < lines.length; i++) {
      const m = re ? re.exec(strip(lines[i]!)) : strip(lines[i]!).includes(a.search_string!) ? ([] as unknown as RegExpExecArray) : null;
      if (m) {
        found = i;
        match = m;
        if (a.firstmatch) break;
      }
    }
  }
  if (!match) {
    for (let i = 0; i < lines.length; i++) {
      if (strip(lines[i]!) === line) {
        found = i;
        exact = true;
      } else if (ins && ins.test(strip(lines[i]!))) {
        insertAt = insertafter && insertafter !== "EOF" ? i + 1 : i;
        if (a.firstmatch) break;
      }
    }
  }
  if (found !== -1) {
    let newLine = a.backrefs && match && re ? expand(line, match) : line;
    if (!newLine.endsWith("\n")) newLine += "\n";
    if (lines[found] !== newLine) {
      lines[found] = newLine;
      return { text: lines.join(""), msg: "line replaced" };
    }
    void exact;
    return { text, msg: "" };
  }
  if (a.backrefs) return { text, msg: "" };
  if (insertbefore === "BOF" || insertafter === "BOF") return { text: `${line}\n${text}`, msg: "line added" };
  if (insertafter === "EOF" || insertAt === -1) {
    const sep = lines.length > 0 && !/[\r\n]$/.test(lines[lines.length - 1]!) ? "\n" : "";
    return { text: `${text}${sep}${line}\n`, msg: "line added" };
  }
  if (insertafter && insertAt === lines.length) {
    if (strip(lines[insertAt - 1]!) === line) return { text, msg: "" };
    const sep = /[\r\n]$/.test(lines[insertAt - 1]!) ? "" : "\n";
    return { text: `${text}${sep}${line}\n`, msg: "line added" };
  }
  if (insertafter && strip(lines[insertAt]!) === line) return { text, msg: "" };
  lines.splice(insertAt, 0, `${line}\n`);
  return { text: lines.join(""), msg: "line added" };
}

/** Ansible's lineinfile `absent`: every line matching regexp/search_string (or equal to line) removed. */
export function lineAbsent(text: string, a: LineInFileArgs): LineEdit {
  const re = a.regexp !== undefined ? pyRegex(a.regexp) : undefined;
  const matches = (l: string) =>
    re ? re.test(strip(l)) : a.search_string !== undefined ? strip(l).includes(a.search_string) : strip(l) === (a.line ?? "");
  const lines = splitLines(text);
  const kept = lines.filter((l) => !matches(l));
  const removed = lines.length - kept.length;
  return removed > 0 ? { text: kept.join(""), msg: `${removed} line(s) removed` } : { text, msg: "" };
}

const pathOf = (a: LineInFileArgs): string => (a.path ?? a.dest ?? a.name)!;

export const lineinfileModule: Module<LineInFileArgs, ContentState> = {
  name: "lineinfile",
  check: "full",
  schema: {
    type: "object",
    properties: {
      ...destSchemaProps,
      path: { type: "string", minLength: 1 },
      name: { type: "string", minLength: 1 },
      line: { type: "string" },
      regexp: { type: "string", minLength: 1 },
      search_string: { type: "string", minLength: 1 },
      state: { enum: ["present", "absent"] },
      insertafter: { type: "string", minLength: 1 },
      insertbefore: { type: "string", minLength: 1 },
      create: { type: "boolean" },
      backrefs: { type: "boolean" },
      firstmatch: { type: "boolean" },
    },
    oneOf: [{ required: ["path"] }, { required: ["dest"] }, { required: ["name"] }],
    not: { anyOf: [{ required: ["regexp", "search_string"] }, { required: ["insertafter", "insertbefore"] }] },
    additionalProperties: false,
  },
  async plan(ctx, a): Promise<Plan<ContentState>> {
    const path = pathOf(a);
    const state = a.state ?? "present";
    if (state === "present" && a.line === undefined) return { changes: [], failed: "line is required with state=present" };
    if (state === "absent" && a.line === undefined && a.regexp === undefined && a.search_string === undefined) {
      return { changes: [], failed: "one of line, regexp or search_string is required with state=absent" };
    }
    if (a.backrefs && a.regexp === undefined) return { changes: [], failed: "backrefs needs regexp" };
    let re: string | undefined;
    for (const p of [a.regexp, a.insertafter, a.insertbefore]) {
      if (p === undefined || p === "EOF" || p === "BOF") continue;
      try {
        pyRegex(p);
      } catch (err) {
        re = `invalid regular expression ${JSON.stringify(p)}: ${(err as Error).message}`;
      }
    }
    if (re) return { changes: [], failed: re };
    let old: Buffer | null;
    try {
      const conn = await ctx.conn();
      const st = await conn.stat(path, { become: ctx.become });
      if (st.isDir) return { changes: [], failed: `${path} is a directory` };
      old = st.exists ? await conn.read(path, { become: ctx.become }) : null;
    } catch (err) {
      return { changes: [], failed: failureText(err) };
    }
    if (old === null) {
      if (state === "absent") return { changes: [], noop: `${path} does not exist`, data: { path } };
      if (!a.create) return { changes: [], failed: `${path} does not exist on ${ctx.host}; create: true creates it` };
    }
    const text = old?.toString("utf8") ?? "";
    const edit = state === "present" ? linePresent(text, a) : lineAbsent(text, a);
    const plan = await planContent(ctx, { ...a, dest: path }, Buffer.from(edit.text, "utf8"));
    if (plan.changes.length === 0 && !plan.failed) plan.noop = state === "present" ? `the line is in ${path}` : `no such line in ${path}`;
    return { ...plan, data: { ...plan.data, path, ...(edit.msg ? { msg: edit.msg } : {}) } };
  },
  apply: (ctx, a, plan) => applyContent(ctx, { ...a, dest: pathOf(a) }, plan),
};
