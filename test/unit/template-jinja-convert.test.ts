// `redplay convert`: the fixture template (the constructs Redis roles use, in their layouts)
// converts to the committed Handlebars, which renders byte for byte what Ansible's template
// module wrote for the same variables (committed *.ansible files, made with ansible-core 2.14;
// test/integration/convert-ansible.test.ts renders them again with Ansible itself).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseYaml } from "../../src/load/yaml.js";
import { renderString } from "../../src/template/handlebars.js";
import { convertJinja } from "../../src/template/jinja-convert.js";
import { findJinja } from "../../src/template/jinja-detect.js";
import { runMain } from "../helpers/main.js";

const dir = "test/fixtures/jinja2/convert";
const read = (f: string) => readFileSync(`${dir}/${f}`, "utf8");
const vars = (f: string) => parseYaml(read(f), f).value as Record<string, unknown>;

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), "redplay-convert-"));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

describe("convert", () => {
  it("translates the whole fixture, nothing left out, into the committed Handlebars (which holds no Jinja2)", () => {
    const c = convertJinja(read("redis.conf.j2"));
    expect(c.untranslated).toEqual([]);
    expect(c.hbs).toBe(read("redis.conf.hbs"));
    expect(findJinja(c.hbs)).toEqual([]);
  });

  it.each(["vars", "vars-other"])("the converted template renders Ansible's bytes with %s.yaml", (v) => {
    expect(renderString(read("redis.conf.hbs"), vars(`${v}.yaml`), { file: "redis.conf.hbs" })).toBe(read(`redis.conf.${v}.ansible`));
  });

  it.each([
    // Jinja2 drops the last newline and Ansible adds newlines back up to the template's count:
    // trailing_newlines does the same when the end is not static text.
    ["port 1\n", "port 1\n"],
    ["{% if a %}\nx\n{% endif %}\n", "{{#trailing_newlines 1}}\n{{#if a}}\nx\n{{/if}}\n{{/trailing_newlines}}\n"],
    ["a {{ b | default('c') }}\n", '{{#trailing_newlines 1}}\na {{default b "c"}}{{/trailing_newlines}}'],
    // A tag after indentation keeps it (lstrip_blocks is off): {{!}} stops Handlebars removing the line.
    ["  {% if a %}\nx\n  {% endif %}\ny\n", "  {{!}}{{#if a}}x\n  {{!}}{{/if}}y\n"],
    [
      "{% for h in hosts %}{{ h }}{% if not loop.last %},{% endif %}{% endfor %}\n",
      "{{#trailing_newlines 1}}\n{{#each hosts as |h|}}\n{{h}}{{#if (not @last)}},{{/if}}{{/each}}{{/trailing_newlines}}",
    ],
    ["{# note #}\nport 1\n", "{{!-- note --}}\nport 1\n"],
  ])("%j -> %j", (jinja, hbs) => {
    expect(convertJinja(jinja).hbs).toBe(hbs);
  });

  it("lists what it cannot translate at file:line:col, writes a marker validate refuses, exit 2", async () => {
    const r = await runMain(["convert", `${dir}/untranslatable.j2`, "-o", join(out, "u.hbs")]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      `${dir}/untranslatable.j2:2:1: not translated: {% set %} has no Handlebars equivalent`,
      `${dir}/untranslatable.j2:3:6: not translated: the filter "regex_replace" has no Handlebars equivalent`,
      `${dir}/untranslatable.j2:4:1: not translated: the call range() has no Handlebars equivalent`,
      "3 construct(s) not translated; they are written as {{jinja2_untranslated ...}}, which redplay refuses to render until they are replaced",
    ]);
    const hbs = readFileSync(join(out, "u.hbs"), "utf8");
    expect(hbs).toContain(`{{jinja2_untranslated "{{ inventory_hostname | regex_replace('-', '_') }}"}}`);
    expect(() => renderString(hbs, { redis_port: 1, inventory_hostname: "a-b" }, { file: "u.hbs" })).toThrow(/jinja2_untranslated/);
  });

  it("writes to stdout without -o, exit 0; a file nunjucks cannot read is a located error, exit 4", async () => {
    const r = await runMain(["convert", `${dir}/redis.conf.j2`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(read("redis.conf.hbs"));
    const bad = await runMain(["convert", "test/fixtures/jinja2/validate/templates/broken.hbs"]);
    expect([bad.code, bad.stderr]).toEqual([4, "error: test/fixtures/jinja2/validate/templates/broken.hbs:3:4: not a Jinja2 template nunjucks can read: unexpected token: #\n"]);
    const missing = await runMain(["convert", `${dir}/nope.j2`]);
    expect([missing.code, missing.stderr]).toEqual([4, `error: ${dir}/nope.j2: file not found\n`]);
  });
});
