// Jinja2 in text rendered as Handlebars is found, located and answered with its Handlebars
// equivalent, at validate time and at run time; Handlebars itself is never mistaken for it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TemplateError } from "../../src/errors.js";
import { renderString, renderValue } from "../../src/template/handlebars.js";
import { findJinja } from "../../src/template/jinja-detect.js";
import { runMain } from "../helpers/main.js";

const where = { loc: { file: "pb.yaml", line: 3, col: 7 }, host: "node-1" };

describe("Jinja2 detection", () => {
  it.each([
    ["{{ redis_port | default(6379) }}", "{{default redis_port 6379}}"],
    ["{{ redis_port|default(6379) }}", "{{default redis_port 6379}}"],
    ["{{ hosts | join(',') }}", '{{join hosts ","}}'],
    ["{{ name | upper }}", "{{upper name}}"],
    ["{{ redis_save | length }}", "{{length redis_save}}"],
    ["{{ maxmemory | int }}", "{{int maxmemory}}"],
    ["{{ groups['redis'] }}", "{{groups.redis}}"],
    ["{{ redis_save[0] }}", "{{redis_save.[0]}}"],
    ["{{ a if b else c }}", "{{ternary b a c}}"],
    ["{{ x is defined }}", "{{defined x}}"],
    ["{{- x -}}", "{{~x~}}"],
    ["{{ a ~ b }}", "{{concat a b}}"],
    ["{{ lookup('env', 'HOME') }}", '{{env "HOME"}}'],
    ["{{ ansible_managed | comment }}", "{{comment ansible_managed}}"],
    ["{% if redis_requirepass %}", "{{#if redis_requirepass}}"],
    ["{% if x | bool and y == 'a' %}", '{{#if (and (bool x) (eq y "a"))}}'],
    ["{% if x is not defined %}", "{{#if (not (defined x))}}"],
    ["{% elif redis_port > 6379 %}", "{{else if (gt redis_port 6379)}}"],
    ["{% else %}", "{{else}}"],
    ["{% endif %}", "{{/if}}"],
    ["{% for s in redis_save %}", "{{#each redis_save as |s|}}"],
    ["{% for k, v in redis_conf.items() %}", "{{#each redis_conf as |v k|}}"],
    ["{% endfor %}", "{{/each}}"],
    ["{# a note #}", "{{!-- a note --}}"],
  ])("%s -> %s", (jinja, hbs) => {
    const [f, ...rest] = findJinja(`x\n  ${jinja}`);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ line: 2, col: 3, text: jinja, handlebars: hbs });
  });

  it.each([
    ["{{ x | regex_replace('a', 'b') }}", 'the filter "regex_replace" has no Handlebars equivalent'],
    ["{{ x.split(',') }}", "the call x.split() has no Handlebars equivalent"],
    ["{{ a * 2 }}", "the operator * has no Handlebars equivalent"],
    ["{% set x = 1 %}", "{% set %} has no Handlebars equivalent: define the variable under vars: (play, task or vars file) or with set_fact"],
    ["{% macro q(v) %}", "{% macro %} has no Handlebars equivalent"],
  ])("%s is named with why it has no equivalent", (jinja, why) => {
    expect(findJinja(jinja)).toEqual([{ line: 1, col: 1, text: jinja, why }]);
  });

  it.each([
    "{{default redis_port 6379}}",
    "{{#if (eq role 'primary')}}P{{else if x}}Q{{else}}R{{/if}}",
    "{{#each redis_save as |s i|}}{{s}} {{@index}}{{/each}}",
    "{{join hosts ', '}} {{{raw_value}}} {{../parent}} {{@root.x}} {{> partial}} {{lookup hostvars inventory_hostname}}",
    "{{!-- {% not jinja %} --}} {{! {# neither #} }} \\{{ escaped | literal }}",
    "{{{{raw}}}}{% literal %}{{ x | y }}{{{{/raw}}}}",
    "echo ${#arr[@]} and printf '{%s}' and a-b/c",
    "{{redis_conf_check redis_server}} %s",
    "{{directive \"appenddirname\" '\"appendonlydir\"'}}",
  ])("Handlebars %s has no finding", (hbs) => {
    expect(findJinja(hbs)).toEqual([]);
  });

  it("the shipped templates and playbooks hold no Jinja2", () => {
    for (const f of ["templates/redis.conf.hbs", "playbooks/setup.yaml", "playbooks/failover.yaml", "playbooks/switchover.yaml"]) {
      expect(findJinja(readFileSync(f, "utf8")), f).toEqual([]);
    }
  });
});

describe("Jinja2 at run time", () => {
  it("a {% if %} is a TemplateError naming Jinja2, never text passed through", () => {
    expect(() => renderString("a\n{% if x %}b{% endif %}", { x: 1 }, where)).toThrow(TemplateError);
    expect(() => renderString("a\n{% if x %}b{% endif %}", { x: 1 }, where)).toThrow(
      "pb.yaml:3:7: Jinja2 syntax {% if x %}: redplay templates are Handlebars (line 2 of the template, host node-1); write {{#if x}} (1 more Jinja2 construct(s))",
    );
  });

  it("a single-mustache value with a filter says Jinja2, not a Handlebars parser message", () => {
    expect(() => renderValue("{{ redis_port | default(6379) }}", {}, where)).toThrow(
      "pb.yaml:3:7: Jinja2 syntax {{ redis_port | default(6379) }}: redplay templates are Handlebars (host node-1); write {{default redis_port 6379}}",
    );
  });

  it("a template file is located at its own line and column, and names the converter", () => {
    let err: unknown;
    try {
      renderString("port 1\n  {{ p | int }}\n", {}, { file: "templates/r.j2", host: "node-1" });
    } catch (e) {
      err = e;
    }
    expect((err as TemplateError).message).toBe(
      "templates/r.j2:2: Jinja2 syntax {{ p | int }}: redplay templates are Handlebars (host node-1); write {{int p}} (`redplay convert templates/r.j2` translates a whole template)",
    );
    expect((err as TemplateError).loc).toEqual({ file: "templates/r.j2", line: 2, col: 3 });
  });

  it("a raw block writes a literal {% and {{", () => {
    expect(renderString("a {{{{raw}}}}{% x %}{{y}}{{{{/raw}}}} {{z}}", { z: 1 }, where)).toBe("a {% x %}{{y}} 1");
  });
});

describe("validate opens every template a playbook names", () => {
  it("reports Jinja2 in task strings and template files, a missing template, syntax errors and unknown helpers, exit 4", async () => {
    const dir = "test/fixtures/jinja2/validate";
    const r = await runMain(["validate", `${dir}/playbook.yaml`]);
    expect(r.code).toBe(4);
    const lines = r.stderr.trim().split("\n");
    const pb = `${dir}/playbook.yaml`;
    const t = `${dir}/templates`;
    expect(lines).toEqual(
      expect.arrayContaining([
        `error: ${pb}:3:13: Jinja2 syntax {{ redis_maxmemory | default('0') }}: redplay templates are Handlebars; write {{default redis_maxmemory "0"}}`,
        `error: ${pb}:11:14: Jinja2 syntax {{ redis_port | default(6379) }}: redplay templates are Handlebars; write {{default redis_port 6379}}`,
        `error: ${pb}:15:18: Jinja2 syntax {% if redis_requirepass %}: redplay templates are Handlebars (line 2 of the string); write {{#if redis_requirepass}}`,
        `error: ${t}/redis.conf.j2:3:1: Jinja2 syntax {% if redis_requirepass %}: redplay templates are Handlebars; write {{#if redis_requirepass}}`,
        `error: ${t}/redis.conf.j2:6:1: Jinja2 syntax {# snapshots #}: redplay templates are Handlebars; write {{!-- snapshots --}}`,
        `error: ${t}/redis.conf.j2:7:1: Jinja2 syntax {% for s in redis_save %}: redplay templates are Handlebars; write {{#each redis_save as |s|}}`,
        `error: ${t}/redis.conf.j2:10:11: Jinja2 syntax {{ redis_maxmemory | default('0') }}: redplay templates are Handlebars; write {{default redis_maxmemory "0"}}`,
        `error: ${pb}:7:14: template redis.conf.j2 is Jinja2 (6 construct(s)); redplay templates are Handlebars; \`redplay convert ${t}/redis.conf.j2 -o ${t}/redis.conf.hbs\` translates it and lists what it cannot`,
        `error: ${pb}:20:14: template missing.hbs not found (looked at ${t}/missing.hbs); templates are found in templates/ beside the playbook, beside it, or one level up`,
        `error: ${t}/unknown-helper.hbs:2:7: unknown template helper "frobnicate"; see the template helpers in the documentation`,
      ]),
    );
    expect(lines.filter((l) => l.startsWith(`error: ${t}/broken.hbs:4:1: template syntax error`))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("good.hbs"))).toEqual([]);
    expect(lines).toHaveLength(14);
  });

  it("the shipped playbooks still validate, their templates opened", async () => {
    const r = await runMain(["validate", "playbooks/setup.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("Jinja2 errors and secrets", () => {
  it("a literal beside a secret's name is never shown", () => {
    expect(() => renderString("requirepass {{ redis_password | default('hunter2') }}", {}, where)).toThrow(
      'pb.yaml:3:7: Jinja2 syntax {{ redis_password | default("********") }}: redplay templates are Handlebars (host node-1); write {{default redis_password "********"}}',
    );
  });
});
