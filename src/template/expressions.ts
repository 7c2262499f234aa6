// `when`, `until`, `changed_when`, `failed_when`: Ansible-style expressions without braces,
// evaluated by jexl with Jinja's words (`and`, `or`, `not`, `in`, `not in`, `is defined`) and
// filters (`|length`, `|default(v)`, ...). The jexl instance is private and can call nothing but
// the filters registered here; see expression-safety.ts for how property access is fenced.
import jexlModule from "jexl";
import { ExpressionError, formatLocation, type Location } from "../errors.js";
import { FORBIDDEN, guard, unguard } from "./expression-safety.js";
import { rewriteExpression, RewriteError } from "./expression-rewrite.js";

/** Where an expression comes from, for messages. */
export interface ExpressionWhere {
  loc?: Location;
  host?: string;
}

type Fn = (...args: any[]) => unknown;
interface Grammar {
  elements: Record<string, Record<string, unknown>>;
  functions: Record<string, Fn>;
  transforms: Record<string, Fn>;
}

/**
 * A value given where a yes/no is expected (module arguments, `become`, `-e force=true`), read as
 * Ansible's `boolean()` does: true/yes/on/1 and false/no/off/0 (any case; a number 1 or 0), the
 * empty string as false. Anything else is undefined, for the caller to refuse.
 */
export function asBoolean(v: unknown): boolean | undefined {
  const x = unguard(v);
  if (typeof x === "boolean") return x;
  if (x === 1 || x === 0) return x === 1;
  if (typeof x !== "string") return undefined;
  const word = x.trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(word)) return true;
  if (["false", "no", "off", "0", ""].includes(word)) return false;
  return undefined;
}

/** Python truthiness, as Jinja uses in `when`: empty lists and mappings are false. */
export function truthy(v: unknown): boolean {
  const x = unguard(v);
  if (Array.isArray(x)) return x.length > 0;
  if (x !== null && typeof x === "object") return Object.keys(x).length > 0;
  return Boolean(x);
}

function same(a: unknown, b: unknown): boolean {
  const x = unguard(a);
  const y = unguard(b);
  if (x === y) return true;
  if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return false;
  return JSON.stringify(x) === JSON.stringify(y);
}

function contains(item: unknown, container: unknown): boolean {
  const c = unguard(container);
  const i = unguard(item);
  if (typeof c === "string") return typeof i === "string" && c.includes(i);
  if (Array.isArray(c)) return c.some((e) => same(e, i));
  if (c !== null && typeof c === "object") return typeof i === "string" && Object.hasOwn(c, i);
  return false;
}

function isTest(value: unknown, test: string, negate: boolean): boolean {
  const v = unguard(value) as Record<string, unknown> | null | undefined;
  const field = (k: string): unknown => (v !== null && typeof v === "object" && Object.hasOwn(v, k) ? v[k] : undefined);
  let r: boolean;
  switch (test) {
    case "defined":
      r = v !== undefined;
      break;
    case "undefined":
      r = v === undefined;
      break;
    case "none":
      r = v === null;
      break;
    case "changed":
      r = field("changed") === true;
      break;
    case "failed":
      r = field("failed") === true;
      break;
    case "skipped":
      r = field("skipped") === true;
      break;
    default:
      r = v !== undefined && field("failed") !== true;
  }
  return negate ? !r : r;
}

function toBool(v: unknown): boolean {
  const x = unguard(v);
  if (typeof x === "string") return ["yes", "true", "on", "1", "y"].includes(x.trim().toLowerCase());
  if (typeof x === "number") return x !== 0;
  return x === true;
}

function length(v: unknown): number {
  const x = unguard(v);
  if (typeof x === "string" || Array.isArray(x)) return x.length;
  if (x !== null && typeof x === "object") return Object.keys(x).length;
  throw new Error(`"length" needs a string, list or mapping, got ${x === undefined ? "an undefined value" : typeof x}`);
}

function text(v: unknown): string {
  const x = unguard(v);
  if (x === undefined) throw new Error("cannot use an undefined value as text");
  if (x === null) return "None";
  return typeof x === "object" ? JSON.stringify(x) : String(x);
}

function createJexl(): InstanceType<typeof jexlModule.Jexl> {
  const j = new jexlModule.Jexl();
  const g = (j as unknown as { _grammar: Grammar })._grammar;
  // Null prototypes: a name like `constructor` must not resolve to Object.prototype members.
  g.elements = Object.assign(Object.create(null), g.elements);
  g.functions = Object.create(null);
  g.transforms = Object.create(null);
  const cmp = (op: (a: any, b: any) => boolean) => (a: unknown, b: unknown) => op(unguard(a), unguard(b));
  Object.assign(g.elements, {
    "==": { type: "binaryOp", precedence: 20, eval: (a: unknown, b: unknown) => same(a, b) },
    "!=": { type: "binaryOp", precedence: 20, eval: (a: unknown, b: unknown) => !same(a, b) },
    "<": { type: "binaryOp", precedence: 20, eval: cmp((a, b) => a < b) },
    "<=": { type: "binaryOp", precedence: 20, eval: cmp((a, b) => a <= b) },
    ">": { type: "binaryOp", precedence: 20, eval: cmp((a, b) => a > b) },
    ">=": { type: "binaryOp", precedence: 20, eval: cmp((a, b) => a >= b) },
    in: { type: "binaryOp", precedence: 20, eval: contains },
    not_in: { type: "binaryOp", precedence: 20, eval: (a: unknown, b: unknown) => !contains(a, b) },
    and: {
      type: "binaryOp",
      precedence: 10,
      evalOnDemand: (l: { eval(): Promise<unknown> }, r: { eval(): Promise<unknown> }) =>
        l.eval().then((lv) => (truthy(lv) ? r.eval() : lv)),
    },
    or: {
      type: "binaryOp",
      precedence: 10,
      evalOnDemand: (l: { eval(): Promise<unknown> }, r: { eval(): Promise<unknown> }) =>
        l.eval().then((lv) => (truthy(lv) ? lv : r.eval())),
    },
    // Between comparisons and and/or, as in Jinja: `not a == b` is `not (a == b)`.
    not: { type: "unaryOp", precedence: 15, eval: (v: unknown) => !truthy(v) },
  });
  g.elements["&&"] = g.elements.and!;
  g.elements["||"] = g.elements.or!;
  g.elements["!"] = { type: "unaryOp", precedence: Infinity, eval: (v: unknown) => !truthy(v) };
  Object.assign(g.transforms, {
    is: isTest,
    length,
    int: (v: unknown) => {
      const n = Number.parseInt(String(unguard(v)), 10);
      return Number.isNaN(n) ? 0 : n;
    },
    bool: toBool,
    lower: (v: unknown) => text(v).toLowerCase(),
    upper: (v: unknown) => text(v).toUpperCase(),
    trim: (v: unknown) => text(v).trim(),
    string: text,
    default: (v: unknown, fallback: unknown, orFalsy?: unknown) =>
      v === undefined || (orFalsy === true && !truthy(v)) ? fallback : v,
  });
  g.functions.none = () => null;
  return j;
}

const jexl = createJexl();
const grammar = (jexl as unknown as { _grammar: Grammar })._grammar;
type Compiled = ReturnType<typeof jexl.compile>;
/** jexl's parsed tree. */
export type Ast = ReturnType<Compiled["_getAst"]>;
const cache = new Map<string, Compiled>();
const CACHE_MAX = 1000;

function describe(expr: string, where: ExpressionWhere, detail: string): string {
  const at = where.loc ? `${formatLocation(where.loc)}: ` : "";
  const host = where.host ? ` (host ${where.host})` : "";
  return `${at}cannot evaluate "${expr}": ${detail}${host}`;
}

/** A condition written as `{{ x }}` is accepted as `x`, as Ansible does. */
function stripBraces(expr: string): string {
  const m = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(expr);
  return m && !m[1]!.includes("{{") ? m[1]! : expr;
}

function assertSafe(ast: Ast, expr: string, where: ExpressionWhere): void {
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    const n = node as Record<string, unknown>;
    const named =
      (n.type === "Identifier" && typeof n.value === "string" && n.value) ||
      (n.type === "FilterExpression" &&
        (n.expr as Ast | undefined)?.type === "Literal" &&
        String((n.expr as { value: unknown }).value));
    if (named && FORBIDDEN.has(named)) {
      throw new ExpressionError(describe(expr, where, `access to "${named}" is not allowed`), expr, where.loc);
    }
    if (n.type === "FunctionCall" && typeof n.name === "string") {
      const pool = n.pool === "transforms" ? grammar.transforms : grammar.functions;
      if (!(n.name in pool)) {
        const kind = n.pool === "transforms" ? "filter" : "function";
        const names = Object.keys(pool).filter((k) => k !== "is" && k !== "none");
        throw new ExpressionError(
          describe(expr, where, `unknown ${kind} "${n.name}"${names.length ? `; known: ${names.join(", ")}` : ""}`),
          expr,
          where.loc,
        );
      }
    }
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) v.forEach(visit);
      else visit(v);
    }
  };
  visit(ast);
}

/** Parses (and caches) an expression; syntax problems become an ExpressionError. */
export function compileExpression(expr: string, where: ExpressionWhere = {}): Compiled {
  const source = stripBraces(expr);
  let compiled = cache.get(source);
  if (compiled) return compiled;
  try {
    if (source.trim() === "") throw new Error("the expression is empty");
    compiled = jexl.compile(rewriteExpression(source));
  } catch (err) {
    const detail = err instanceof RewriteError ? err.message : cleanJexlMessage(err);
    throw new ExpressionError(describe(expr, where, `syntax error: ${detail}`), expr, where.loc, { cause: err });
  }
  assertSafe(compiled._getAst(), expr, where);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(source, compiled);
  return compiled;
}

/** The parsed tree, for static checks. */
export function expressionAst(expr: string, where: ExpressionWhere = {}): Ast {
  return compileExpression(expr, where)._getAst();
}

function cleanJexlMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/ in expression: [\s\S]*$/, "").replace(/: [\s\S]*$/, (m) => (msg.startsWith("Invalid") ? m : ""));
}

/** Evaluates one expression against the variables; an undefined variable is `undefined`, not an error. */
export function evaluate(expr: string, vars: Record<string, unknown>, where: ExpressionWhere): unknown {
  const compiled = compileExpression(expr, where);
  try {
    return unguard(compiled.evalSync(guard(vars) as Record<string, unknown>));
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ExpressionError(describe(expr, where, detail), expr, where.loc, { cause: err });
  }
}

/** True when every expression holds (an empty list holds). */
export function evalConditions(exprs: string[], vars: Record<string, unknown>, where: ExpressionWhere): boolean {
  return exprs.every((e) => truthy(evaluate(e, vars, where)));
}
