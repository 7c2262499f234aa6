import { describe, expect, it } from "vitest";
import { ExpressionError } from "../../src/errors.js";
import { evaluate } from "../../src/template/expressions.js";

const vars = { s: "abc", obj: { a: 1 }, list: [1, 2] };

function outcome(expr: string): unknown {
  try {
    return evaluate(expr, vars, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return "rejected";
  }
}

describe("expression safety", () => {
  it.each([
    "process",
    "globalThis",
    "global",
    "this",
    "require",
    "Function",
    "obj.constructor",
    "s.constructor",
    "list.constructor",
    "obj['constructor']",
    "obj.__proto__",
    "obj['__pro' + 'to__']",
    "s['constr' + 'uctor']",
    "list['constr' + 'uctor']",
    "obj.hasOwnProperty",
    "obj['toString']",
    "s|constructor",
    "s|__proto__",
    "s|toString",
    "constructor('return process')",
    "obj.constructor.constructor('return process')",
    "s['constr' + 'uctor']['constr' + 'uctor']",
  ])("%s reaches nothing", (expr) => {
    const result = outcome(expr);
    expect(result === undefined || result === "rejected").toBe(true);
  });

  it("never returns a function, even through a dynamic key on a string", () => {
    expect(typeof outcome("s['const' + 'ructor']")).not.toBe("function");
  });

  it("cannot change the variables it reads", () => {
    outcome("obj.a = 2");
    expect(vars.obj.a).toBe(1);
  });

  it("names the forbidden property in the message", () => {
    expect(() => evaluate("obj.__proto__", vars, {})).toThrow(/access to "__proto__" is not allowed/);
  });
});
