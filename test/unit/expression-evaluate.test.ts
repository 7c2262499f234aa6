import { describe, expect, it } from "vitest";
import { ExpressionError } from "../../src/errors.js";
import { evalConditions, evaluate } from "../../src/template/expressions.js";
import { rewriteExpression } from "../../src/template/expression-rewrite.js";

const vars = {
  inventory_hostname: "node-2",
  new_primary: "node-2",
  result: { changed: false, failed: false, rc: 0, stdout: "" },
  bad: { changed: true, failed: true, rc: 2, stdout: "boom" },
  skip: { skipped: true, changed: false },
  groups: { redis: ["node-1", "node-2"] },
  hostvars: { "node-1": { redis_port: 6379 } },
  h: "node-1",
  x: "abc",
  empty: "",
  list: [],
  cfg: { maxmemory: "1gb" },
  n: "42",
  flag: "yes",
  nothing: null,
  padded: "  Hi  ",
};
const where = { loc: { file: "playbooks/failover.yaml", line: 20, col: 7 }, host: "node-2" };
const ev = (e: string) => evaluate(e, vars, where);

describe("Ansible-style expressions", () => {
  it.each([
    ["inventory_hostname == new_primary and not result.changed", true],
    ["'node-2' in groups.redis", true],
    ["'node-3' in groups.redis", false],
    ["result.rc != 0 or result.stdout == ''", true],
    ["x is defined and x|length > 0", true],
    ["missing is defined and missing|length > 0", false],
    ["missing is not defined", true],
    ["missing is undefined", true],
    ["x is undefined", false],
    ["'node-3' not in groups.redis", true],
    ["'b' in x", true],
    ["'maxmemory' in cfg", true],
    ["'minmemory' not in cfg", true],
    ["hostvars[h].redis_port == 6379", true],
    ["hostvars['node-1'].redis_port", 6379],
    ["groups.redis[1]", "node-2"],
    ["result is changed", false],
    ["bad is changed and bad is failed", true],
    ["result is succeeded", true],
    ["bad is not succeeded", true],
    ["skip is skipped", true],
    ["nothing is none", true],
    ["nothing == None and nothing == none", true],
    ["True and not False", true],
    ["true or false", true],
    ['"double" == \'double\'', true],
    ["not x == 'abc'", false],
    ["not x == 'zzz' and true", true],
    ["1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3", true],
    ["n|int + 1", 43],
    ["'abc'|int", 0],
    ["flag|bool", true],
    ["'no'|bool", false],
    ["x|upper", "ABC"],
    ["'ABC'|lower", "abc"],
    ["padded|trim", "Hi"],
    ["missing|default('fallback')", "fallback"],
    ["empty|default('fb', true)", "fb"],
    ["result.rc|string", "0"],
    ["groups.redis|length", 2],
    ["cfg|length", 1],
    ["missing == 'x'", false],
    ["missing", undefined],
    ["missing.deep.path", undefined],
    ["result.rc == '0'", false],
    ["'is defined' == 'is' + ' defined'", true],
    ["{{ x == 'abc' }}", true],
  ])("%s => %j", (expr, expected) => {
    expect(ev(expr)).toEqual(expected);
  });

  it("evalConditions needs every condition to hold, with Jinja truthiness", () => {
    expect(evalConditions(["x is defined", "result.rc == 0"], vars, where)).toBe(true);
    expect(evalConditions(["x is defined", "result.rc == 1"], vars, where)).toBe(false);
    expect(evalConditions(["list"], vars, where)).toBe(false);
    expect(evalConditions([], vars, where)).toBe(true);
  });

  it.each([["a =="], ["(a"], ["x is frobbed"], ["x|nosuchfilter"], ["'unterminated"], [""]])(
    "%j is an ExpressionError with the expression and location",
    (expr) => {
      let err: unknown;
      try {
        ev(expr);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ExpressionError);
      const e = err as ExpressionError;
      expect(e.expression).toBe(expr);
      expect(e.loc).toEqual(where.loc);
      expect(e.message).toMatch(/^playbooks\/failover\.yaml:20:7: cannot evaluate /);
    },
  );

  it("a filter on an undefined value names the problem", () => {
    expect(() => ev("missing|length > 0")).toThrow(/"length" needs a string, list or mapping, got an undefined value/);
  });
});

describe("expression rewrite", () => {
  it("never rewrites inside quoted strings", () => {
    expect(rewriteExpression(`'x is defined' == "not in None"`)).toBe(`'x is defined' == "not in None"`);
  });

  it("turns tests into filters bound to their operand", () => {
    expect(rewriteExpression("a.b is not defined or c not in d")).toBe('a.b|is("defined",true) or c not_in d');
  });

  it("leaves member names alone", () => {
    expect(rewriteExpression("r.None == True")).toBe("r.None == true");
  });
});
