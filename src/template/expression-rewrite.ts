// Source rewrite from Ansible/Jinja condition syntax to jexl, on tokens, never inside quoted
// strings: `x is [not] defined` -> `x|is("defined",true|false)`, `a not in b` -> `a not_in b`,
// `True`/`False` -> `true`/`false`, `None`/`none` -> `none()`. Everything else is jexl already
// (`and`, `or`, `not`, `in` and the filters are added to the grammar by expressions.ts).

/** Tests usable after `is`; the transform named `is` implements them. */
export const TESTS = new Set(["defined", "undefined", "none", "changed", "failed", "succeeded", "success", "skipped"]);

interface Token {
  kind: "string" | "word" | "space" | "other";
  text: string;
}

/** A rewrite problem found before jexl sees the text (for example an unknown test). */
export class RewriteError extends Error {}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== ch) j += src[j] === "\\" ? 2 : 1;
      if (j >= src.length) throw new RewriteError(`unterminated string starting at column ${i + 1}`);
      out.push({ kind: "string", text: src.slice(i, j + 1) });
      i = j + 1;
    } else if (/[A-Za-z_$]/.test(ch)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(src.slice(i))!;
      out.push({ kind: "word", text: m[0] });
      i += m[0].length;
    } else if (/\s/.test(ch)) {
      const m = /^\s+/.exec(src.slice(i))!;
      out.push({ kind: "space", text: m[0] });
      i += m[0].length;
    } else {
      out.push({ kind: "other", text: ch });
      i++;
    }
  }
  return out;
}

/** jexl accepts some unclosed groups (`(a`) silently; Ansible would not. */
function checkBalanced(toks: Token[]): void {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (const t of toks) {
    if (t.kind !== "other") continue;
    if (t.text === "(" || t.text === "[" || t.text === "{") stack.push(t.text);
    else if (t.text in pairs && stack.pop() !== pairs[t.text]) throw new RewriteError(`unexpected "${t.text}"`);
  }
  if (stack.length > 0) throw new RewriteError(`unclosed "${stack[stack.length - 1]}"`);
}

export function rewriteExpression(src: string): string {
  const toks = tokenize(src);
  checkBalanced(toks);
  const out: string[] = [];
  const next = (from: number): number => {
    let j = from;
    while (j < toks.length && toks[j]!.kind === "space") j++;
    return j;
  };
  let prev: Token | undefined;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind !== "word") {
      out.push(t.text);
      if (t.kind !== "space") prev = t;
      continue;
    }
    const afterDotOrPipe = prev?.kind === "other" && (prev.text === "." || prev.text === "|");
    if (afterDotOrPipe) {
      out.push(t.text);
      prev = t;
      continue;
    }
    if (t.text === "is") {
      let j = next(i + 1);
      let negate = false;
      if (toks[j]?.text === "not") {
        negate = true;
        j = next(j + 1);
      }
      const test = toks[j];
      if (!test || test.kind !== "word") throw new RewriteError(`"is" must be followed by a test such as "defined"`);
      if (!TESTS.has(test.text)) {
        throw new RewriteError(`unknown test "${test.text}" after "is"; known tests: ${[...TESTS].join(", ")}`);
      }
      // Drop the space before `is` so the transform binds to the operand, as Jinja's tests do.
      while (out.length > 0 && /^\s+$/.test(out[out.length - 1]!)) out.pop();
      out.push(`|is("${test.text}",${negate})`);
      i = j;
      prev = { kind: "other", text: ")" };
      continue;
    }
    if (t.text === "not") {
      const j = next(i + 1);
      if (toks[j]?.text === "in") {
        out.push("not_in");
        i = j;
        prev = t;
        continue;
      }
    }
    if (t.text === "True" || t.text === "False") out.push(t.text.toLowerCase());
    else if (t.text === "None" || t.text === "none") out.push("none()");
    else out.push(t.text);
    prev = t;
  }
  return out.join("");
}
