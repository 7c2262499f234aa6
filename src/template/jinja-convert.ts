// `redplay convert`: a Jinja2 template (as Ansible's template module renders it) -> a Handlebars
// template that renders the same bytes with the same variables, for the common subset: output,
// if/elif/else, for (loop.index, loop.first, loop.last, loop.length, `.items()`), comments, the
// filters and tests jinja-translate.ts knows, ansible_managed. Whatever has no exact equivalent
// is listed (file:line:col, what) and written as `{{jinja2_untranslated "..."}}`, a helper that
// does not exist: validate and every render refuse the file until a person has decided.
//
// Whitespace: nunjucks' tree (jinja-ast.ts) holds exactly the text Jinja2 writes (trim_blocks
// and `-` applied). Handlebars then removes a block tag's line when the tag stands alone on it,
// so a tag that starts a line is written on its own line (Handlebars removes exactly that line),
// and a tag after indentation is preceded by `{{!}}` so Handlebars keeps the indentation as
// Jinja2 does.
import { parseJinja, type JComment, type JNode } from "./jinja-ast.js";
import { forOpenNode } from "./jinja-detect.js";
import { Untranslatable, expr, hbsString, unwrap, type Scope } from "./jinja-translate.js";

/** One construct left untranslated: where it is (1-based) and why. */
export interface Untranslated {
  line: number;
  col: number;
  what: string;
}

/** A converted template and what it could not translate. */
export interface Conversion {
  hbs: string;
  untranslated: Untranslated[];
}

/** Ansible's default for `ansible_managed` (ansible-core's DEFAULT_MANAGED_STR). */
export const ANSIBLE_MANAGED = "Ansible managed";

class Emitter {
  out = "";

  private guardBackslash(): void {
    // `\{{` escapes a mustache in Handlebars; a text's own trailing backslash must not.
    if (this.out.endsWith("\\")) this.out += "\\";
  }

  text(t: string): void {
    // A literal `{{` (from {% raw %}) is escaped as `\{{`; a literal `{%` or `{#` is written in a
    // raw block: Handlebars writes both as they are, and redplay does not take them for Jinja2.
    this.out += t.replace(/\{\{/g, "\\{{").replace(/\{[%#]/g, "{{{{raw}}}}$&{{{{/raw}}}}");
  }

  mustache(m: string): void {
    this.guardBackslash();
    this.out += m;
  }

  /** A block tag or a comment: see the file comment for why it is placed as it is. */
  tag(t: string): void {
    this.guardBackslash();
    const line = this.out.slice(this.out.lastIndexOf("\n") + 1);
    if (line === "") {
      this.out += `${t}\n`;
      return;
    }
    if (/^[ \t]+$/.test(line)) this.out += "{{!}}";
    this.out += t;
  }
}

function kids(n: JNode | null | undefined): JNode[] {
  return (n?.children as JNode[] | undefined) ?? [];
}

/** Converts Jinja2 text; throws JinjaSyntaxError when nunjucks cannot parse it. */
export function convertJinja(source: string): Conversion {
  // Jinja2 drops the template's last newline, and Ansible's template module then adds newlines
  // until the result ends with as many as the template did (preserve_trailing_newlines).
  const trailing = /\n*$/.exec(source)![0].length;
  const { root, comments } = parseJinja(trailing > 0 ? source.slice(0, -1) : source);
  const out = new Emitter();
  const untranslated: Untranslated[] = [];
  const pending: JComment[] = [...comments];

  const before = (n: { lineno: number; colno: number }, c: JComment) => c.lineno < n.lineno || (c.lineno === n.lineno && c.colno < n.colno);
  const flushComments = (n?: { lineno: number; colno: number }) => {
    while (pending.length > 0 && (!n || before(n, pending[0]!))) {
      const c = pending.shift()!;
      const body = c.text.replace(/^\{#-?/, "").replace(/-?#\}$/, "").replace(/--/g, "- -");
      out.tag(`{{!--${body}--}}`);
    }
  };

  const miss = (err: unknown, n: JNode, original: string): string => {
    if (!(err instanceof Untranslatable)) throw err;
    const at = err.node ?? n;
    untranslated.push({ line: at.lineno + 1, col: tagStart(source, at) + 1, what: err.message });
    return `(jinja2_untranslated ${hbsString(original)})`;
  };

  const translate = (n: JNode, scope: Scope, condition: boolean): string => {
    try {
      return expr(withManaged(n), scope, condition);
    } catch (err) {
      return miss(err, n, snippet(source, n));
    }
  };

  const walk = (nodes: JNode[], scope: Scope): void => {
    for (const n of nodes) {
      flushComments(n);
      switch (n.typename) {
        case "Output":
          for (const c of kids(n)) {
            if (c.typename === "TemplateData") out.text(String(c.value ?? ""));
            else if (c.typename === "Literal" && (typeof c.value === "string" || typeof c.value === "number")) out.text(String(c.value));
            else out.mustache(`{{${unwrap(translate(c, scope, false))}}}`);
          }
          break;
        case "If": {
          out.tag(`{{#if ${translate(n.cond as JNode, scope, true)}}}`);
          let branch: JNode = n;
          for (;;) {
            walk(kids(branch.body as JNode), scope);
            const alt = branch.else_ as JNode | null;
            if (!alt) break;
            flushComments(alt);
            if (alt.typename === "If") {
              out.tag(`{{else if ${translate(alt.cond as JNode, scope, true)}}}`);
              branch = alt;
            } else {
              out.tag("{{else}}");
              walk(kids(alt), scope);
              break;
            }
          }
          out.tag("{{/if}}");
          break;
        }
        case "For": {
          let open: ReturnType<typeof forOpenNode>;
          try {
            open = forOpenNode(n, scope);
          } catch (err) {
            out.tag(`{{#each ${miss(err, n, snippet(source, n))}}}`);
            walk(kids(n.body as JNode), { loops: [...scope.loops, { vars: [], list: "" }] });
            out.tag("{{/each}}");
            break;
          }
          // Inside the loop the play's variables are read from @root, loop.length included.
          const inner: Scope = { loops: [...scope.loops, { vars: open.vars, list: "" }] };
          const list = expr(loopList(n), { loops: inner.loops });
          inner.loops[inner.loops.length - 1] = { vars: open.vars, list };
          out.tag(open.open);
          walk(kids(n.body as JNode), inner);
          out.tag("{{/each}}");
          break;
        }
        default: {
          const what = STATEMENTS[n.typename] ?? `the construct ${n.typename}`;
          untranslated.push({ line: n.lineno + 1, col: tagStart(source, n) + 1, what: `${what} has no Handlebars equivalent` });
          out.mustache(`{{jinja2_untranslated ${hbsString(snippet(source, n))}}}`);
        }
      }
    }
  };

  walk(kids(root), { loops: [] });
  flushComments();
  if (trailing === 0) return { hbs: out.out, untranslated };
  const last = kids(root).at(-1);
  const lastText = last?.typename === "Output" ? kids(last).at(-1) : undefined;
  if (pending.length === 0 && lastText?.typename === "TemplateData" && new RegExp(`[^\\n]\\n{${trailing - 1}}$`).test(String(lastText.value))) {
    // Known to end with one newline fewer: Ansible adds exactly one.
    return { hbs: `${out.out}\n`, untranslated };
  }
  const wrapped = new Emitter();
  wrapped.tag(`{{#trailing_newlines ${trailing}}}`);
  wrapped.out += out.out;
  wrapped.tag("{{/trailing_newlines}}");
  return { hbs: wrapped.out, untranslated };
}

const STATEMENTS: Record<string, string> = {
  Set: "{% set %}",
  Macro: "{% macro %}",
  Include: "{% include %}",
  Import: "{% import %}",
  FromImport: "{% from ... import %}",
  Extends: "{% extends %}",
  Block: "{% block %}",
  FilterAsync: "{% filter %}",
  CallExtension: "a Jinja2 extension tag",
  Capture: "{% set %} ... {% endset %}",
  Switch: "{% switch %}",
  Caller: "{% call %}",
};

/** The list a `for` walks (`d` for `d.items()`). */
function loopList(n: JNode): JNode {
  const arr = n.arr as JNode;
  if (arr.typename === "FunCall" && (arr.name as JNode).typename === "LookupVal") return (arr.name as JNode).target as JNode;
  return arr;
}

/** `ansible_managed` is Ansible's string unless the play sets it: `(default ansible_managed "Ansible managed")`. */
function withManaged(n: JNode): JNode {
  if (n.typename === "Symbol" && n.value === "ansible_managed") {
    return synthetic("Filter", n, {
      name: synthetic("Symbol", n, { value: "default" }),
      args: synthetic("NodeList", n, { children: [n, synthetic("Literal", n, { value: ANSIBLE_MANAGED })] }),
    });
  }
  const copy: Record<string, unknown> = {};
  let changed = false;
  for (const [k, v] of Object.entries(n)) {
    if (k === "parent") continue;
    if (v && typeof v === "object" && "typename" in (v as object)) {
      const w = withManaged(v as JNode);
      changed ||= w !== v;
      copy[k] = w;
    } else if (Array.isArray(v)) {
      const w = v.map((x) => (x && typeof x === "object" && "typename" in x ? withManaged(x as JNode) : x));
      changed ||= w.some((x, i) => x !== v[i]);
      copy[k] = w;
    }
  }
  return changed ? Object.assign(Object.create(Object.getPrototypeOf(n) as object) as JNode, n, copy) : n;
}

function synthetic(typename: string, at: JNode, fields: Record<string, unknown>): JNode {
  return { typename, lineno: at.lineno, colno: at.colno, ...fields } as JNode;
}

/** Where the tag holding a node starts (0-based column), on the node's line. */
function tagStart(source: string, n: JNode): number {
  const line = source.split("\n")[n.lineno] ?? "";
  return Math.max(0, line.lastIndexOf("{{", n.colno), line.lastIndexOf("{%", n.colno));
}

/** The Jinja2 tag holding a node, as written (one line), for messages and markers. */
function snippet(source: string, n: JNode): string {
  const line = source.split("\n")[n.lineno] ?? "";
  const start = tagStart(source, n);
  const close = line.slice(start).search(/[}%]\}/);
  const text = close >= 0 ? line.slice(start, start + close + 2) : line.slice(start);
  return text.replace(/\s+/g, " ").slice(0, 120);
}
