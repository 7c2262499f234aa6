// Ansible-style native types: a string that is exactly one mustache (`"{{ groups.redis }}"`,
// `"{{ default port 6379 }}"`) yields the value itself (list, number, object), not its text.
// Only plain paths, literals and our own helpers are evaluated here; anything else (block
// helpers, hashes, @data, ../ paths) returns `undefined` and the caller renders it as text.
/// <reference types="handlebars" />
import { helpers, HelperFailure } from "./helpers.js";
import { toTemplateError, undefinedVariable, type TemplateWhere } from "./template-error.js";

type Node = hbs.AST.Node;
type Expr = hbs.AST.Expression;

/** The single-mustache statement of a program, when that is all the program holds. */
export function singleMustache(program: hbs.AST.Program): hbs.AST.MustacheStatement | undefined {
  if (program.body.length !== 1) return undefined;
  const only = program.body[0] as Node;
  return only.type === "MustacheStatement" ? (only as hbs.AST.MustacheStatement) : undefined;
}

class NotNative extends Error {}

/** `{ value }` when the mustache can be evaluated natively, else `undefined`. */
export function nativeValue(
  m: hbs.AST.MustacheStatement,
  vars: Record<string, unknown>,
  where: TemplateWhere,
  source: string,
): { value: unknown } | undefined {
  try {
    return { value: evalCall(m.path, m.params, m.hash, vars, true, m.loc?.start.line) };
  } catch (err) {
    if (err instanceof NotNative) return undefined;
    if (err instanceof HelperFailure) (err as HelperFailure & { line?: number }).line = m.loc?.start.line;
    throw toTemplateError(err, source, where);
  }

  function evalCall(path: Expr, params: Expr[], hash: hbs.AST.Hash | undefined, ctx: Record<string, unknown>, strict: boolean, line?: number): unknown {
    if (hash && hash.pairs.length > 0) throw new NotNative();
    if (path.type !== "PathExpression") throw new NotNative();
    const p = path as hbs.AST.PathExpression;
    const helper = p.parts.length === 1 && !p.data && Object.hasOwn(helpers, p.parts[0]!) ? helpers[p.parts[0]!] : undefined;
    if (helper) {
      const values = params.map((x) => evalParam(x, ctx));
      return helper(...values, {});
    }
    if (params.length > 0) throw new NotNative();
    return lookup(p, ctx, strict, line);
  }

  function evalParam(x: Expr, ctx: Record<string, unknown>): unknown {
    switch (x.type) {
      case "StringLiteral":
      case "NumberLiteral":
      case "BooleanLiteral":
        return (x as hbs.AST.StringLiteral).value;
      case "UndefinedLiteral":
        return undefined;
      case "NullLiteral":
        return null;
      case "PathExpression":
        // Helper arguments are not strict in Handlebars either: `default` must see undefined.
        return lookup(x as hbs.AST.PathExpression, ctx, false);
      case "SubExpression": {
        const s = x as hbs.AST.SubExpression;
        return evalCall(s.path, s.params, s.hash, ctx, false);
      }
      default:
        throw new NotNative();
    }
  }

  function lookup(p: hbs.AST.PathExpression, ctx: Record<string, unknown>, strict: boolean, line?: number): unknown {
    if (p.data || p.depth > 0 || p.parts.length === 0) throw new NotNative();
    let cur: unknown = ctx;
    for (const part of p.parts) {
      const ok = cur !== null && typeof cur === "object" && Object.hasOwn(cur, part);
      if (!ok) {
        if (strict) throw undefinedVariable(p.original, where, line);
        return undefined;
      }
      cur = (cur as Record<string, unknown>)[part];
    }
    if (strict && cur === undefined) throw undefinedVariable(p.original, where, line);
    return cur;
  }
}
