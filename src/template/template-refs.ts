// Which root variables a Handlebars template reads, found from its parse tree, for
// `redplay validate`. Conservative on purpose: names read inside `#each`/`#with` bodies (whose
// context is the item, not the variables) and names only tested (`#if x`, `default x ...`) are
// not reported, because rendering would not fail on them.
/// <reference types="handlebars" />
import { helpers } from "./helpers.js";

const BUILTIN_HELPERS = new Set(["if", "unless", "each", "with", "lookup", "log", "raw", "trailing_newlines"]);
/** Helpers whose first argument may be undefined on purpose. */
const TOLERANT = new Set(["if", "unless", "default"]);
/** Block helpers whose body runs in another context. */
const NEW_CONTEXT = new Set(["each", "with"]);

/** Root variable names a template reads, and helpers it calls that do not exist. */
export interface TemplateRefs {
  roots: Set<string>;
  unknownHelpers: Set<string>;
}

/** Whether `name` is a helper: a built-in or one of redplay's. */
export function isHelperName(name: string): boolean {
  return BUILTIN_HELPERS.has(name) || Object.hasOwn(helpers, name);
}

type Node = hbs.AST.Node;

export function templateRefs(root: hbs.AST.Program): TemplateRefs {
  const refs: TemplateRefs = { roots: new Set(), unknownHelpers: new Set() };

  const path = (p: hbs.AST.PathExpression, contextual: boolean): void => {
    if (p.data) {
      if (p.parts[0] === "root" && p.parts.length > 1) refs.roots.add(p.parts[1]!);
      return;
    }
    if (contextual || p.depth > 0 || p.parts.length === 0) return;
    refs.roots.add(p.parts[0]!);
  };

  const expr = (e: Node, contextual: boolean): void => {
    if (e.type === "PathExpression") path(e as hbs.AST.PathExpression, contextual);
    else if (e.type === "SubExpression") call(e as hbs.AST.SubExpression, contextual);
  };

  const call = (
    s: { path: hbs.AST.PathExpression | hbs.AST.Expression; params: hbs.AST.Expression[]; hash?: hbs.AST.Hash },
    contextual: boolean,
  ): string | undefined => {
    const p = s.path as hbs.AST.PathExpression;
    const simpleName = p.type === "PathExpression" && !p.data && p.parts.length === 1 ? p.parts[0]! : undefined;
    const isCall = s.params.length > 0 || (s.hash?.pairs.length ?? 0) > 0;
    if (simpleName && isHelperName(simpleName)) {
      s.params.forEach((x, i) => {
        if (!(i === 0 && TOLERANT.has(simpleName))) expr(x, contextual);
      });
      s.hash?.pairs.forEach((pair) => expr(pair.value, contextual));
      return simpleName;
    }
    if (isCall) {
      if (simpleName && !contextual) refs.unknownHelpers.add(simpleName);
      s.params.forEach((x) => expr(x, contextual));
      return simpleName;
    }
    expr(s.path, contextual);
    return undefined;
  };

  const walk = (prog: hbs.AST.Program | undefined, contextual: boolean): void => {
    for (const st of prog?.body ?? []) {
      if (st.type === "MustacheStatement") call(st as hbs.AST.MustacheStatement, contextual);
      else if (st.type === "BlockStatement") {
        const b = st as hbs.AST.BlockStatement;
        const name = call(b, contextual);
        walk(b.program, contextual || (name !== undefined && NEW_CONTEXT.has(name)));
        walk(b.inverse, contextual);
      }
    }
  };

  walk(root, false);
  return refs;
}
