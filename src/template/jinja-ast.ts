// Jinja2 templates parsed by nunjucks' parser (a maintained Jinja2 dialect: the same delimiters,
// filters, tests, `-` whitespace control, if/elif/else, for, set, raw), with the whitespace rule
// Ansible's `template` module renders with: trim_blocks (the first newline after a block tag or
// a comment is dropped), lstrip_blocks off. nunjucks trims after block tags only, so the
// tokenizer is wrapped to trim after comments too, and to keep the comments for the converter.
// Loaded lazily: only a template that holds Jinja2 (or `redplay convert`) pays for it.
import { createRequire } from "node:module";

/** A node of nunjucks' parse tree; `typename` says which ("Output", "If", "Filter", "Symbol", ...). */
export interface JNode {
  readonly typename: string;
  /** 0-based. */
  lineno: number;
  /** 0-based. */
  colno: number;
  [field: string]: unknown;
}

/** A `{# ... #}` comment as written, with its 0-based position. */
export interface JComment {
  text: string;
  lineno: number;
  colno: number;
}

/** A parsed Jinja2 template: the tree and its comments (which the tree does not keep). */
export interface JinjaTemplate {
  root: JNode;
  comments: JComment[];
}

/** A Jinja2 syntax error nunjucks found, at a 1-based line and column when it knows them. */
export class JinjaSyntaxError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message);
  }
}

interface Token {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}
interface Tokenizer {
  nextToken(): Token | null;
  current(): string;
  forward(): void;
  back(): void;
  /** Offset of the next character. */
  index: number;
  _extractRegex(re: RegExp): RegExpMatchArray | null;
}
interface NunjucksParser {
  parseAsRoot(): JNode;
}
interface Nunjucks {
  lexer: { lex(src: string, opts: Record<string, unknown>): Tokenizer };
  Parser: new (tokens: Tokenizer) => NunjucksParser;
}

let loaded: Nunjucks | undefined;

function nunjucks(): Nunjucks {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = {
      lexer: require("nunjucks/src/lexer.js") as Nunjucks["lexer"],
      Parser: (require("nunjucks/src/parser.js") as { Parser: Nunjucks["Parser"] }).Parser,
    };
  }
  return loaded;
}

/**
 * Parses Jinja2 text as Ansible's template module reads it: trim_blocks on (after block tags and
 * comments, unless the tag ends with `+%}`), lstrip_blocks off (so `{%+` changes nothing).
 */
export function parseJinja(source: string): JinjaTemplate {
  const nj = nunjucks();
  // nunjucks knows neither `+%}` nor `{%+`: blank the `+` (columns stay) and remember where.
  const keepNewline = new Set<number>();
  const text = source.replace(/\+%\}|\{%\+/g, (m, offset: number) => {
    if (m === "+%}") keepNewline.add(offset + 1);
    return m === "+%}" ? " %}" : "{% ";
  });
  // Jinja2 lets a test take one argument without parentheses (`x is sameas false`); nunjucks only
  // reads `x is sameas(false)`. Same line, so positions stay right for everything before it.
  const tests = text.replace(
    /\bis(\s+not)?\s+(\w+)\s+(true|false|none|True|False|None|-?\d+(?:\.\d+)?|'[^'\n]*'|"[^"\n]*")(?=\s*(?:[-+]?%\}|-?\}\}|\)|and\b|or\b|else\b|if\b))/g,
    (_m, not: string | undefined, test: string, arg: string) => `is${not ?? ""} ${test}(${arg})`,
  );
  const tokens = nj.lexer.lex(tests, { trimBlocks: false });
  const comments: JComment[] = [];
  const next = tokens.nextToken.bind(tokens);
  const trimNewline = () => {
    if (tokens.current() === "\n") tokens.forward();
    else if (tokens.current() === "\r") {
      tokens.forward();
      if (tokens.current() === "\n") tokens.forward();
      else tokens.back();
    }
  };
  tokens.nextToken = () => {
    const tok = next();
    if (tok?.type === "comment") {
      comments.push({ text: tok.value, lineno: tok.lineno, colno: tok.colno });
      trimNewline();
    } else if (tok?.type === "block-end" && !keepNewline.has(tokens.index - 2)) {
      trimNewline();
    }
    return tok;
  };
  // {% raw %} is read by a regular expression over the text, past the tokenizer: trim after its
  // {% endraw %} here.
  const extractRegex = tokens._extractRegex.bind(tokens);
  tokens._extractRegex = (re: RegExp) => {
    const m = extractRegex(re);
    if (m && m[2] === "endraw" && m[1] === "" && !keepNewline.has(tokens.index - 2)) trimNewline();
    return m;
  };
  try {
    return { root: new nj.Parser(tokens).parseAsRoot(), comments };
  } catch (err) {
    const e = err as { message?: string; lineno?: number; colno?: number };
    // nunjucks prefixes "(unknown path) [Line 3, Column 5]\n  " to its messages.
    const msg = String(e.message ?? err).replace(/^\(unknown path\)\s*(\[Line \d+, Column \d+\])?\s*/s, "").trim();
    const line = typeof e.lineno === "number" ? e.lineno + 1 : undefined;
    const col = typeof e.colno === "number" ? e.colno + 1 : undefined;
    throw new JinjaSyntaxError(msg, line, col);
  }
}

/** Parses one Jinja2 expression (what stands between `{{` and `}}`); its root expression node. */
export function parseJinjaExpression(expr: string): JNode {
  const { root } = parseJinja(`{{ ${expr} }}`);
  const output = (root.children as JNode[])[0];
  const node = (output?.children as JNode[] | undefined)?.[0];
  if (!output || output.typename !== "Output" || !node || (root.children as JNode[]).length !== 1) {
    throw new JinjaSyntaxError(`not one expression: ${expr}`);
  }
  return node;
}
