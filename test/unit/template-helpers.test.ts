import { afterEach, describe, expect, it } from "vitest";
import { TemplateError } from "../../src/errors.js";
import { renderString } from "../../src/template/handlebars.js";

const r = (tpl: string, vars: Record<string, unknown> = {}) => renderString(tpl, vars, {});

describe("template helpers", () => {
  afterEach(() => {
    delete process.env.REDPLAY_TEST_SECRET;
  });

  it.each([
    ["{{default redis_port 6379}}", {}, "6379"],
    ["{{default redis_port 6379}}", { redis_port: 7000 }, "7000"],
    ["{{default cfg.port 1}}", {}, "1"],
    ["{{#if (eq role 'primary')}}P{{else}}R{{/if}}", { role: "primary" }, "P"],
    ["{{#if (ne role 'primary')}}R{{/if}}", { role: "primary" }, ""],
    ["{{lt a b}} {{gt a b}}", { a: 1, b: 2 }, "true false"],
    ["{{and a b c}} {{or a x}} {{not a}}", { a: 1, b: "x", c: 0, x: 0 }, "false true false"],
    ["{{join hosts ' '}}", { hosts: ["a", "b"] }, "a b"],
    ["{{json v}}", { v: { a: [1, "x"] } }, '{"a":[1,"x"]}'],
    ["{{upper s}} {{lower s}}", { s: "MiX" }, "MIX mix"],
    ["requirepass {{quote p}}", { p: "plain" }, "requirepass plain"],
    ["requirepass {{quote p}}", { p: 'a b"c\\d' }, 'requirepass "a b\\"c\\\\d"'],
    ["x {{quote p}}", { p: "" }, 'x ""'],
  ])("%s with %j renders %j", (tpl, vars, expected) => {
    expect(r(tpl, vars)).toBe(expected);
  });

  it("env reads an environment variable", () => {
    process.env.REDPLAY_TEST_SECRET = "s3cret";
    expect(r('{{env "REDPLAY_TEST_SECRET"}}')).toBe("s3cret");
  });

  it("env on an unset variable is a TemplateError naming it, with the line", () => {
    let err: unknown;
    try {
      renderString('a\n{{env "REDPLAY_TEST_SECRET"}}', {}, { file: "templates/x.hbs", host: "node-1" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).message).toContain('templates/x.hbs:2: environment variable "REDPLAY_TEST_SECRET" is not set');
    expect((err as TemplateError).variable).toBe("REDPLAY_TEST_SECRET");
  });

  it("a value helper given an undefined variable fails instead of printing nothing", () => {
    expect(() => r("{{upper nope}}")).toThrow(TemplateError);
  });

  it("an unknown helper is reported", () => {
    expect(() => r("{{frobnicate x}}", { x: 1 })).toThrow(/"frobnicate"/);
  });

  it("helpers are not registered on the global Handlebars", async () => {
    const { default: Handlebars } = await import("handlebars");
    expect(Handlebars.helpers.quote).toBeUndefined();
  });
});

describe("helpers for Jinja2's filters and tests", () => {
  it.each([
    ["{{int a}} {{int b}} {{int c}} {{int d}} {{int e}}", { a: "12", b: "12.7", c: "x", d: 3.9, e: true }, "12 12 0 3 1"],
    ["{{bool a}} {{bool b}} {{bool c}} {{bool d}} {{bool e}}", { a: "Yes", b: "on", c: "2", d: 1, e: false }, "true true false true false"],
    ["{{string a}} {{string b}} {{string c}} {{string d}}", { a: true, b: null, c: ["a", 1, false], d: { k: "v" } }, "True None ['a', 1, False] {'k': 'v'}"],
    ["{{#if (defined a)}}d{{/if}}{{#if (defined nope)}}n{{/if}}", { a: "" }, "d"],
    ["{{#each xs}}{{add @index 1}}{{/each}}", { xs: ["a", "b"] }, "12"],
    ["{{concat a b}}", { a: "x", b: 1 }, "x1"],
    ["{{contains xs 'a'}} {{contains s 'ell'}} {{contains m 'k'}}", { xs: ["a"], s: "hello", m: { k: 1 } }, "true true true"],
    ["{{ternary c 'y' 'n'}} {{ternary e 'y' 'n'}}", { c: [1], e: [] }, "y n"],
    ["{{le 1 1}} {{ge 1 2}}", {}, "true false"],
    ["{{trim s}}", { s: "  x \n" }, "x"],
    ["{{comment s}}", { s: "Ansible managed" }, "#\n# Ansible managed\n#"],
    ["{{comment s 'c'}}", { s: "a\nb" }, "//\n// a\n// b\n//"],
    ["{{comment s 'cblock'}}", { s: "a" }, "/*\n *\n * a\n *\n */"],
  ])("%s with %j renders %j", (tpl, vars, expected) => {
    expect(r(tpl, vars)).toBe(expected);
  });
});
