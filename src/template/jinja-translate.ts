// Jinja2 expressions (nunjucks' parse tree) -> Handlebars expressions with redplay's helpers,
// for `redplay convert` and for the "write this instead" of a Jinja2 error. Only what has an
// exact Handlebars counterpart is translated; anything else throws Untranslatable naming it,
// so a converted template never silently means something else.
import type { JNode } from "./jinja-ast.js";

/** A construct with no Handlebars counterpart here ("the filter \"regex_replace\""). */
export class Untranslatable extends Error {
  constructor(
    readonly what: string,
    readonly node?: JNode,
  ) {
    super(`${what} has no Handlebars equivalent`);
  }
}

/** One enclosing `for`: its loop variables, and the list (for loop.length). */
export interface LoopFrame {
  vars: string[];
  list: string;
}

/** What a translation needs to know about where it stands. */
export interface Scope {
  /** Enclosing loops, innermost last. Inside `{{#each}}` the context is the item: other names need `@root.`. */
  loops: LoopFrame[];
}

export const TOP: Scope = { loops: [] };

/** Filters with a helper of the same meaning; the value filtered is the helper's first argument. */
const SIMPLE_FILTERS: Record<string, string> = {
  upper: "upper",
  lower: "lower",
  length: "length",
  count: "length",
  int: "int",
  bool: "bool",
  string: "string",
  trim: "trim",
  comment: "comment",
};

const COMPARE: Record<string, string> = { "==": "eq", "!=": "ne", "<": "lt", ">": "gt", "<=": "le", ">=": "ge" };

const ID = /^[A-Za-z_][A-Za-z0-9_]*$/;

function kids(n: JNode): JNode[] {
  return (n.children as JNode[] | undefined) ?? [];
}

/** A Handlebars string literal. */
export function hbsString(s: string): string {
  if (s.includes('"') && !s.includes("'")) return `'${s}'`;
  return `"${s.replace(/"/g, '\\"')}"`;
}

function literal(v: unknown): string {
  if (typeof v === "string") return hbsString(v);
  if (v === null || v === undefined) return "null";
  return String(v);
}

/** True when `e` is a path Handlebars can extend with `.name` (not a literal or a subexpression). */
function isPath(e: string): boolean {
  return /^[@A-Za-z_]/.test(e) && !/[\s()"']/.test(e) && !["true", "false", "null", "undefined"].includes(e);
}

function innermostLoop(scope: Scope, name: string): LoopFrame | undefined {
  for (let i = scope.loops.length - 1; i >= 0; i--) if (scope.loops[i]!.vars.includes(name)) return scope.loops[i];
  return undefined;
}

function symbol(name: string, scope: Scope, node: JNode): string {
  if (name === "True" || name === "true") return "true";
  if (name === "False" || name === "false") return "false";
  if (name === "None" || name === "none") return "null";
  if (name === "loop") throw new Untranslatable("`loop` on its own", node);
  if (!ID.test(name)) throw new Untranslatable(`the name ${JSON.stringify(name)}`, node);
  if (innermostLoop(scope, name)) return name;
  // Inside {{#each}} the context is the item, so the play's variables are read from the root.
  return scope.loops.length > 0 ? `@root.${name}` : name;
}

/** `loop.index` and friends inside a `for`. */
function loopAttribute(attr: string, scope: Scope, node: JNode): string {
  const frame = scope.loops[scope.loops.length - 1];
  if (!frame) throw new Untranslatable("`loop` outside a for loop", node);
  switch (attr) {
    case "index":
      return "(add @index 1)";
    case "index0":
      return "@index";
    case "first":
      return "@first";
    case "last":
      return "@last";
    case "length":
      return `(length ${frame.list})`;
    default:
      throw new Untranslatable(`loop.${attr}`, node);
  }
}

/** Drops the parentheses of a subexpression: `(default x 1)` -> `default x 1`, for a mustache or a block. */
export function unwrap(e: string): string {
  return e.startsWith("(") && e.endsWith(")") && balanced(e.slice(1, -1)) ? e.slice(1, -1) : e;
}

function balanced(s: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

function filterName(n: JNode): string {
  const name = n.name as JNode;
  return String(name.value);
}

/**
 * A Handlebars expression for a Jinja2 expression: a path, a literal or a `(helper ...)`
 * subexpression. `condition`: the value is only tested for truth (`and`/`or` are allowed).
 */
export function expr(n: JNode, scope: Scope, condition = false): string {
  const e = (x: JNode, cond = false) => expr(x, scope, cond);
  switch (n.typename) {
    case "Literal":
      return literal(n.value);
    case "Symbol":
      return symbol(String(n.value), scope, n);
    case "Group": {
      const inner = kids(n);
      if (inner.length !== 1) throw new Untranslatable("a tuple", n);
      return e(inner[0]!, condition);
    }
    case "LookupVal": {
      const target = n.target as JNode;
      const val = n.val as JNode;
      if (target.typename === "Symbol" && target.value === "loop" && !innermostLoop(scope, "loop") && val.typename === "Literal") {
        return loopAttribute(String(val.value), scope, n);
      }
      const t = e(target);
      if (val.typename === "Literal" && typeof val.value === "string" && ID.test(val.value) && isPath(t)) return `${t}.${val.value}`;
      if (val.typename === "Literal" && typeof val.value === "number" && Number.isInteger(val.value) && isPath(t)) return `${t}.[${val.value}]`;
      return `(lookup ${t} ${e(val)})`;
    }
    case "Filter": {
      const name = filterName(n);
      const [target, ...rest] = kids(n.args as JNode);
      if (!target) throw new Untranslatable(`the filter "${name}"`, n);
      if (rest.some((a) => a.typename === "KeywordArgs")) throw new Untranslatable(`the filter "${name}" with keyword arguments`, n);
      if (name === "default" || name === "d") {
        if (rest.length === 0 || rest.length > 2) throw new Untranslatable(`the filter "${name}" without a value`, n);
        return `(default ${e(target)} ${e(rest[0]!)})`;
      }
      if (name === "join") {
        if (rest.length > 1) throw new Untranslatable(`the filter "join" with an attribute`, n);
        return `(join ${e(target)} ${rest[0] ? e(rest[0]) : '""'})`;
      }
      if (name === "mandatory") return e(target);
      if (name === "ternary") {
        if (rest.length !== 2) throw new Untranslatable(`the filter "ternary" without two values`, n);
        return `(ternary ${e(target, true)} ${e(rest[0]!)} ${e(rest[1]!)})`;
      }
      if (name === "comment" && rest.length === 1 && rest[0]!.typename === "Literal") return `(comment ${e(target)} ${e(rest[0]!)})`;
      const helper = SIMPLE_FILTERS[name];
      if (!helper || rest.length > 0) throw new Untranslatable(`the filter "${name}"${rest.length > 0 && helper ? " with arguments" : ""}`, n);
      return `(${helper} ${e(target)})`;
    }
    case "FunCall": {
      const callee = n.name as JNode;
      const args = kids(n.args as JNode);
      if (callee.typename === "Symbol" && callee.value === "lookup" && args.length === 2 && args.every((a) => a.typename === "Literal") && args[0]!.value === "env") {
        return `(env ${e(args[1]!)})`;
      }
      throw new Untranslatable(`the call ${callText(n)}`, n);
    }
    case "Compare": {
      const ops = n.ops as JNode[];
      if (ops.length !== 1) throw new Untranslatable("a chained comparison", n);
      const op = ops[0]!;
      const helper = COMPARE[String(op.type)];
      if (!helper) throw new Untranslatable(`the operator ${String(op.type)}`, n);
      return `(${helper} ${e(n.expr as JNode)} ${e(op.expr as JNode)})`;
    }
    case "And":
    case "Or": {
      if (!condition) throw new Untranslatable(`"${n.typename.toLowerCase()}" outside a condition`, n);
      const word = n.typename.toLowerCase();
      const parts: string[] = [];
      const flatten = (x: JNode): void => {
        if (x.typename !== n.typename) parts.push(e(x, true));
        else {
          flatten(x.left as JNode);
          flatten(x.right as JNode);
        }
      };
      flatten(n);
      return `(${word} ${parts.join(" ")})`;
    }
    case "Not": {
      const target = n.target as JNode;
      if (target.typename === "Is") return isTest(target, scope, true);
      if (target.typename === "In") return `(not ${e(target, true)})`;
      return `(not ${e(target, true)})`;
    }
    case "Is":
      return isTest(n, scope, false);
    case "In":
      return `(contains ${e(n.right as JNode)} ${e(n.left as JNode)})`;
    case "InlineIf": {
      const no = n.else_ ? e(n.else_ as JNode) : '""';
      return `(ternary ${e(n.cond as JNode, true)} ${e(n.body as JNode)} ${no})`;
    }
    case "Add":
      return `(add ${e(n.left as JNode)} ${e(n.right as JNode)})`;
    case "Concat":
      return `(concat ${e(n.left as JNode)} ${e(n.right as JNode)})`;
    case "Neg": {
      const t = n.target as JNode;
      if (t.typename === "Literal" && typeof t.value === "number") return String(-t.value);
      throw new Untranslatable("unary minus", n);
    }
    default:
      throw new Untranslatable(describe(n), n);
  }
}

function isTest(n: JNode, scope: Scope, negate: boolean): string {
  const right = n.right as JNode;
  const test =
    right.typename === "Symbol" || right.typename === "Literal"
      ? String(right.value ?? "none")
      : right.typename === "FunCall"
        ? `${String((right.name as JNode).value ?? "...")}(...)`
        : undefined;
  const value = expr(n.left as JNode, scope);
  let out: string;
  switch (test) {
    case "defined":
      out = `(defined ${value})`;
      break;
    case "undefined":
      return negate ? `(defined ${value})` : `(not (defined ${value}))`;
    case "none":
    case "null":
      out = `(eq ${value} null)`;
      break;
    default:
      throw new Untranslatable(`the test "is ${test ?? "..."}"`, n);
  }
  return negate ? `(not ${out})` : out;
}

function describe(n: JNode): string {
  const names: Record<string, string> = {
    Array: "a list literal",
    Dict: "a mapping literal",
    Sub: "the operator -",
    Mul: "the operator *",
    Div: "the operator /",
    FloorDiv: "the operator //",
    Mod: "the operator %",
    Pow: "the operator **",
    Pos: "unary plus",
  };
  return names[n.typename] ?? `the construct ${n.typename}`;
}

/** `x.items()`, `range(3)`: a short text for a call, for messages. */
export function callText(n: JNode): string {
  const callee = n.name as JNode;
  const name = (x: JNode): string =>
    x.typename === "Symbol" ? String(x.value) : x.typename === "LookupVal" ? `${name(x.target as JNode)}.${String((x.val as JNode).value)}` : "...";
  return `${name(callee)}()`;
}

/** A mustache that prints the expression: `{{default redis_port 6379}}`. */
export function mustache(n: JNode, scope: Scope): string {
  return `{{${unwrap(expr(n, scope))}}}`;
}
