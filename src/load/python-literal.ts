// The values of an INI inventory are read as Ansible reads them: Python's ast.literal_eval of
// the text, and the text itself when that fails. This is the small part of Python's literal
// syntax that inventories use: numbers, strings, True/False/None, lists, tuples and dicts.
// Anything else (names, expressions, `010`) is not a literal, so the caller keeps the text.

const NOT_LITERAL = Symbol("not a literal");

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  /** Skips whitespace and a `#` comment (Python's tokenizer drops both). */
  skip(): void {
    for (;;) {
      while (this.pos < this.text.length && /[ \t\f]/.test(this.text[this.pos]!)) this.pos++;
      if (this.text[this.pos] === "#") this.pos = this.text.length;
      else return;
    }
  }

  peek(): string | undefined {
    this.skip();
    return this.text[this.pos];
  }

  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }
}

function fail(): never {
  throw NOT_LITERAL;
}

const NUMBER =
  /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?)/;

function number(r: Reader): number {
  const m = NUMBER.exec(r.text.slice(r.pos));
  if (!m) fail();
  const raw = m[0].replace(/_/g, "");
  r.pos += m[0].length;
  if (/[A-Za-z_0-9.]/.test(r.text[r.pos] ?? "")) fail();
  const sign = raw.startsWith("-") ? -1 : 1;
  const body = raw.replace(/^[+-]/, "");
  if (/^0[xXoObB]/.test(body)) return sign * Number(body.toLowerCase());
  // Python 3 refuses decimal integers with leading zeros (`010`), except zero itself.
  if (/^0[0-9]+$/.test(body)) fail();
  return sign * Number(body);
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", v: "\v", "0": "\0", "\n": "" };

function string(r: Reader): string {
  let out = "";
  // Adjacent literals concatenate, as in Python: 'a' "b" is "ab".
  while (r.peek() === "'" || r.peek() === '"') {
    const quote = r.text[r.pos]!;
    const triple = r.text.startsWith(quote.repeat(3), r.pos);
    const close = triple ? quote.repeat(3) : quote;
    r.pos += close.length;
    for (;;) {
      if (r.pos >= r.text.length) fail();
      if (r.text.startsWith(close, r.pos)) {
        r.pos += close.length;
        break;
      }
      const c = r.text[r.pos++]!;
      if (c === "\\") {
        const e = r.text[r.pos++];
        if (e === undefined) fail();
        if (e === "x" || e === "u") {
          const len = e === "x" ? 2 : 4;
          const hex = r.text.slice(r.pos, r.pos + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) fail();
          out += String.fromCharCode(parseInt(hex, 16));
          r.pos += len;
        } else {
          out += ESCAPES[e] ?? `\\${e}`;
        }
      } else {
        if (c === "\n" && !triple) fail();
        out += c;
      }
    }
  }
  return out;
}

function sequence(r: Reader, close: string): unknown[] {
  const items: unknown[] = [];
  while (!r.eat(close)) {
    items.push(value(r));
    if (r.eat(",")) continue;
    if (!r.eat(close)) fail();
    break;
  }
  return items;
}

function value(r: Reader): unknown {
  const c = r.peek();
  if (c === undefined) fail();
  if (c === "'" || c === '"') return string(r);
  if (c === "[") {
    r.pos++;
    return sequence(r, "]");
  }
  if (c === "(") {
    r.pos++;
    const start = r.pos;
    const items = sequence(r, ")");
    // `(1)` is the number 1; only a comma (or `()`) makes a tuple.
    const inner = r.text.slice(start, r.pos - 1).trim();
    return items.length === 1 && !inner.endsWith(",") ? items[0] : items;
  }
  if (c === "{") {
    r.pos++;
    const out: Record<string, unknown> = {};
    while (!r.eat("}")) {
      const key = value(r);
      if (!r.eat(":")) fail();
      if (typeof key !== "string" && typeof key !== "number" && typeof key !== "boolean") fail();
      out[String(key)] = value(r);
      if (r.eat(",")) continue;
      if (!r.eat("}")) fail();
      break;
    }
    return out;
  }
  for (const [word, v] of [["True", true], ["False", false], ["None", null]] as const) {
    if (r.text.startsWith(word, r.pos) && !/[A-Za-z0-9_]/.test(r.text[r.pos + word.length] ?? "")) {
      r.pos += word.length;
      return v;
    }
  }
  return number(r);
}

/** `{ value }` when the whole text is a Python literal, else undefined (the text stays a string). */
export function pythonLiteral(text: string): { value: unknown } | undefined {
  const r = new Reader(text);
  try {
    if (/^\s/.test(text)) fail();
    const v = value(r);
    r.skip();
    if (r.pos !== text.length) fail();
    return { value: v };
  } catch (err) {
    if (err === NOT_LITERAL) return undefined;
    throw err;
  }
}
