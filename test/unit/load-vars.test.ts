import { describe, expect, it } from "vitest";
import { LoadErrors, UsageError } from "../../src/errors.js";
import { loadVarsFile, parseExtraVars } from "../../src/load/vars.js";

const cwd = `${process.cwd()}/test/fixtures/load`;

describe("extra vars (-e)", () => {
  it.each([
    ["typed key=value pairs", ["port=6380 debug=true ratio=0.5 name=node-1"], { port: 6380, debug: true, ratio: 0.5, name: "node-1" }],
    ["quoted values stay strings and may hold spaces", [`port="6380" msg='hello world'`], { port: "6380", msg: "hello world" }],
    ["an empty value is an empty string", ["x="], { x: "" }],
    ["a value containing = keeps it", ["opts=a=b"], { opts: "a=b" }],
    ["an inline JSON mapping", ['{"a": 1, "b": [1, 2]}'], { a: 1, b: [1, 2] }],
    ["an inline YAML flow mapping", ["{a: yes, b: x}"], { a: true, b: "x" }],
    ["a file with @", ["@vars/extra.yaml"], { from_file: true, redis_port: 7000 }],
    ["later values win", ["@vars/extra.yaml", "redis_port=7001", '{"from_file": false}'], { from_file: false, redis_port: 7001 }],
    ["later pairs in one value win", ["a=1 a=2"], { a: 2 }],
  ])("%s", async (_what, values, expected) => {
    expect(await parseExtraVars(values, cwd)).toEqual(expected);
  });

  it.each([
    ["a bare word", ["oops"], "-e value 1: expected key=value, @file or a {mapping}"],
    ["an invalid name", ["ok=1", "bad-name=1"], '-e value 2: invalid variable name "bad-name"; use letters, digits and underscores'],
    ["an unterminated quote", ["a='x"], "-e value 1: unterminated ' quote"],
    ["a broken inline mapping", ["{a: [1}"], "-e value 1: not a valid mapping"],
  ])("%s is a usage error", async (_what, values, message) => {
    const err = await parseExtraVars(values, cwd).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message.startsWith(message)).toBe(true);
  });

  it("a malformed inline mapping does not echo its content (it may hold a password)", async () => {
    const err = (await parseExtraVars(['{"requirepass": "hunter2"'], cwd).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).not.toContain("hunter2");
  });

  it("a missing @file is a load error naming it", async () => {
    await expect(parseExtraVars(["@vars/none.yaml"], cwd)).rejects.toThrow("vars/none.yaml: file not found");
  });
});

describe("vars files", () => {
  it("an empty file is an empty mapping", async () => {
    expect(await loadVarsFile(`${cwd}/vars/empty.yaml`)).toEqual({});
  });

  it.each([
    ["bad-name.yaml", 'vars/bad-name.yaml:2:1: invalid variable name "bad-name" in a vars file; use letters, digits and underscores, not starting with a digit'],
    ["list.yaml", "vars/list.yaml:1:1: a vars file must be a mapping of variable names to values; write `name: value` lines"],
  ])("%s is rejected at its line", async (file, expected) => {
    const err = await loadVarsFile(`${cwd}/vars/${file}`, `vars/${file}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadErrors);
    expect((err as LoadErrors).errors.map((e) => e.format())).toEqual([expected]);
  });
});
