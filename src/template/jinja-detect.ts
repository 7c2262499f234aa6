// Finds Jinja2 in text that redplay renders as Handlebars: `{% ... %}` statements, `{# ... #}`
// comments, and `{{ ... }}` that only Jinja2 reads (`| filter`, `x.y()`, `x['y']`, operators,
// `a if b else c`, `is defined`, `{{-`). Handlebars would pass the first two through as text and
// choke on the third with a parser message that never says "Jinja2". Each finding is located
// and, where Handlebars has the same thing, carries it (`{{default redis_port 6379}}`).
//
// Only the delimiters are scanned here (Handlebars' own raw blocks, comments and `\{{` escapes are
// skipped, so `{{{{raw}}}}{% x %}{{{{/raw}}}}` writes a literal `{%`); the Jinja2 inside is parsed
// by nunjucks (jinja-ast.ts) for the equivalent.
import { JinjaSyntaxError, parseJinja, parseJinjaExpression, type JNode } from "./jinja-ast.js";
import { TOP, Untranslatable, expr, mustache, unwrap, type Scope } from "./jinja-translate.js";

/** One Jinja2 construct found in a Handlebars text. */
export interface JinjaFinding {
  /** 1-based, in the text scanned. */
  line: number;
  col: number;
  /** The construct as written (shortened when long). */
  text: string;
  /** The Handlebars that does the same, when there is one. */
  handlebars?: string;
  /** Why there is none ("the filter \"regex_replace\" has no Handlebars equivalent"). */
  why?: string;
}

/** Cheap test: could `s` be rendered as a template (a `{{`, or a Jinja2 statement or comment)? */
export function mayBeTemplate(s: string): boolean {
  return s.includes("{{") || mayHoldJinjaTags(s);
}

/** Cheap test: could `s` hold a Jinja2 statement or comment (which hold no `{{`)? */
export function mayHoldJinjaTags(s: string): boolean {
  const st = s.indexOf("{%");
  if (st >= 0 && s.indexOf("%}", st + 2) >= 0) return true;
  const c = s.indexOf("{#");
  return c >= 0 && s.indexOf("#}", c + 2) >= 0;
}

function lineStarts(s: string): number[] {
  const starts = [0];
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - starts[lo]! + 1 };
}

/** Index of `close` after `from`, skipping quoted strings; -1 when absent. */
function closing(s: string, from: number, close: string): number {
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (s.startsWith(close, i)) {
      return i;
    } else if (c === "\n" && close === "}}" && s.startsWith("{{", i + 1)) {
      // An unclosed quote in a mustache would swallow the rest of the file.
      return -1;
    }
  }
  return -1;
}

function shorten(text: string): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > 80 ? `${one.slice(0, 77)}...` : one;
}

/** Finds every Jinja2 construct in `source`, in order. */
export function findJinja(source: string): JinjaFinding[] {
  if (!source.includes("{")) return [];
  const found: JinjaFinding[] = [];
  let starts: number[] | undefined;
  const at = (offset: number) => position((starts ??= lineStarts(source)), offset);
  let i = source.indexOf("{");
  while (i >= 0 && i < source.length) {
    let next = i + 1;
    if (source.startsWith("{{{{", i)) {
      // A Handlebars raw block: its body is text, whatever it holds.
      const open = source.indexOf("}}}}", i + 4);
      const name = open >= 0 ? source.slice(i + 4, open).trim().split(/\s+/)[0] : "";
      const end = open >= 0 ? source.indexOf(`{{{{/${name}}}}}`, open) : -1;
      next = end >= 0 ? end + name.length + 9 : source.length;
    } else if (source.startsWith("{{!--", i)) {
      const end = source.indexOf("--}}", i + 5);
      next = end >= 0 ? end + 4 : source.length;
    } else if (source.startsWith("{{!", i)) {
      const end = source.indexOf("}}", i + 3);
      next = end >= 0 ? end + 2 : source.length;
    } else if (source.startsWith("{{", i)) {
      if (i > 0 && source[i - 1] === "\\") {
        // `\{{` is Handlebars' escape for a literal mustache.
        const end = source.indexOf("}}", i + 2);
        next = end >= 0 ? end + 2 : source.length;
      } else {
        // `{{{x}}}` (unescaped output, the same as `{{x}}` here) closes with `}}}`.
        const triple = source[i + 2] === "{";
        const end = closing(source, i + (triple ? 3 : 2), triple ? "}}}" : "}}");
        if (end >= 0) {
          const stop = end + (triple ? 3 : 2);
          const inner = source.slice(i + (triple ? 3 : 2), end);
          const f = mustacheFinding(inner);
          if (f) found.push({ ...at(i), text: shorten(source.slice(i, stop)), ...f });
          next = stop;
        } else {
          next = i + 2;
        }
      }
    } else if (source.startsWith("{%", i)) {
      const end = closing(source, i + 2, "%}");
      if (end >= 0) {
        found.push({ ...at(i), text: shorten(source.slice(i, end + 2)), ...statementEquivalent(source.slice(i + 2, end)) });
        next = end + 2;
      }
    } else if (source.startsWith("{#", i)) {
      const end = source.indexOf("#}", i + 2);
      if (end >= 0) {
        const body = source.slice(i + 2, end).replace(/^[-+]/, "").replace(/-$/, "");
        found.push({ ...at(i), text: shorten(source.slice(i, end + 2)), handlebars: `{{!--${body.replace(/--/g, "- -")}--}}` });
        next = end + 2;
      }
    }
    i = source.indexOf("{", next);
  }
  return found;
}

type Equivalent = Pick<JinjaFinding, "handlebars" | "why">;

function untranslatable(err: unknown): Equivalent {
  if (err instanceof Untranslatable) return { why: err.message };
  if (err instanceof JinjaSyntaxError) return { why: `it is not valid Jinja2 either (${err.message})` };
  throw err;
}

/** The equivalent of `{{ inner }}` when it is Jinja2; undefined when it reads as Handlebars. */
function mustacheFinding(inner: string): Equivalent | undefined {
  if (!isJinjaMustache(inner)) return undefined;
  const left = /^-/.test(inner) ? "~" : "";
  const right = /-$/.test(inner) ? "~" : "";
  const body = inner.replace(/^[-+]/, "").replace(/-$/, "");
  try {
    const m = mustache(parseJinjaExpression(body), TOP);
    return { handlebars: `{{${left}${m.slice(2, -2)}${right}}}` };
  } catch (err) {
    return untranslatable(err);
  }
}

const INFIX = new Set(["and", "or", "is", "in", "if", "else", "not"]);

/** True when a mustache's inside can only be Jinja2. */
export function isJinjaMustache(inner: string): boolean {
  if (/^[-+]/.test(inner) || /-$/.test(inner)) return true;
  let s = inner.replace(/^~/, "").replace(/~$/, "").trim();
  if (s === "" || /^[!>/]/.test(s)) return false;
  if (/^[#^&]/.test(s)) s = s.slice(1);
  s = s.replace(/^else\b/, "").trim();
  type Tok = "word" | "operand" | "open" | "close" | "keyword";
  const toks: Tok[] = [];
  let spaced = true;
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      spaced = true;
      i++;
      continue;
    }
    const prev = toks[toks.length - 1];
    const adjacent = !spaced && (prev === "word" || prev === "close" || prev === "operand");
    spaced = false;
    if (c === '"' || c === "'") {
      const end = s.indexOf(c, i + 1);
      if (end < 0) return false;
      toks.push("operand");
      i = end + 1;
    } else if (c === "(") {
      if (adjacent) return true; // x.y(), default(1)
      toks.push("open");
      i++;
    } else if (c === ")") {
      toks.push("close");
      i++;
    } else if (c === "[") {
      if (adjacent) return true; // x['y'], x[0]
      const end = s.indexOf("]", i);
      if (end < 0) return true; // a list literal
      toks.push("word");
      i = end + 1;
    } else if (c === "|") {
      // Handlebars' block parameters: `as |item i|`.
      if (/\bas\s*$/.test(s.slice(0, i))) {
        const end = s.indexOf("|", i + 1);
        i = end < 0 ? s.length : end + 1;
        toks.push("word");
        continue;
      }
      return true;
    } else if (c === "=") {
      if (s[i + 1] === "=") return true;
      toks.push("open"); // a hash pair: key=value
      i++;
    } else if ("!<>+*%~,{}".includes(c)) {
      return true;
    } else if ((c === "-" || c === "/") && /\s/.test(s[i + 1] ?? " ") && toks.length > 0) {
      return true; // a - b, a / b
    } else {
      const m = /^[^\s()[\]|=!<>+*%~,{}"']+/.exec(s.slice(i));
      const word = m ? m[0] : c;
      if (INFIX.has(word) && toks.length > 0 && (prev === "word" || prev === "operand" || prev === "close")) return true;
      if (/^loop\.(index0?|first|last|length|revindex0?|cycle)$/.test(word)) return true;
      toks.push(/^-?\d/.test(word) ? "operand" : "word");
      i += word.length;
    }
  }
  return false;
}

/** The Handlebars of one `{% ... %}` statement, when it has one on its own. */
function statementEquivalent(inner: string): Equivalent {
  const body = inner.replace(/^[-+]/, "").replace(/-$/, "").trim();
  const keyword = /^\w+/.exec(body)?.[0] ?? "";
  const rest = body.slice(keyword.length).trim();
  const cond = (e: string) => {
    const x = expr(parseJinjaExpression(e), TOP, true);
    return x;
  };
  try {
    switch (keyword) {
      case "if":
        return { handlebars: `{{#if ${cond(rest)}}}` };
      case "elif":
        return { handlebars: `{{else if ${cond(rest)}}}` };
      case "else":
        return { handlebars: "{{else}}" };
      case "endif":
        return { handlebars: "{{/if}}" };
      case "endfor":
        return { handlebars: "{{/each}}" };
      case "raw":
        return { handlebars: "{{{{raw}}}}" };
      case "endraw":
        return { handlebars: "{{{{/raw}}}}" };
      case "for":
        return { handlebars: forOpen(body, TOP).open };
      case "set":
        return { why: "{% set %} has no Handlebars equivalent: define the variable under vars: (play, task or vars file) or with set_fact" };
      default:
        return { why: `{% ${keyword || body} %} has no Handlebars equivalent` };
    }
  } catch (err) {
    return untranslatable(err);
  }
}

/**
 * `{{#each LIST as |x|}}` for `for x in LIST` (and `as |v k|` for `for k, v in d.items()`), with
 * the loop frame its body translates in.
 */
export function forOpen(statement: string, scope: Scope): { open: string; vars: string[]; list: string } {
  const { root } = parseJinja(`{% ${statement} %}{% endfor %}`);
  const node = (root.children as JNode[])[0]!;
  return forOpenNode(node, scope);
}

/** The same from a parsed `For` node. */
export function forOpenNode(node: JNode, scope: Scope): { open: string; vars: string[]; list: string } {
  const arr = node.arr as JNode;
  if (arr.typename === "InlineIf") throw new Untranslatable("a for loop with an if filter", node);
  if (node.else_) throw new Untranslatable("{% for %} ... {% else %}", node);
  const name = node.name as JNode;
  const names = name.typename === "Array" ? (name.children as JNode[]).map((n) => String(n.value)) : [String(name.value)];
  let list: string;
  if (arr.typename === "FunCall" && (arr.name as JNode).typename === "LookupVal" && ((arr.name as JNode).val as JNode).value === "items") {
    if (names.length !== 2) throw new Untranslatable("a loop over .items() without key and value", node);
    list = expr((arr.name as JNode).target as JNode, scope);
    return { open: `{{#each ${unwrapList(list)} as |${names[1]} ${names[0]}|}}`, vars: names, list };
  }
  if (names.length !== 1) throw new Untranslatable("a loop that unpacks its items", node);
  list = expr(arr, scope);
  return { open: `{{#each ${unwrapList(list)} as |${names[0]}|}}`, vars: names, list };
}

function unwrapList(list: string): string {
  return list.startsWith("(") ? list : unwrap(list);
}
