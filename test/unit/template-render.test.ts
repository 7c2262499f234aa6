import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TemplateError } from "../../src/errors.js";
import { renderFile, renderString, renderValue } from "../../src/template/handlebars.js";

const taskLoc = { file: "playbooks/setup.yaml", line: 14, col: 9 };

function thrown(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error("expected a TemplateError");
}

describe("renderString", () => {
  it("renders variables without HTML escaping", () => {
    expect(renderString("bind {{addr}} <{{q}}>", { addr: "127.0.0.11", q: "a&b" }, {})).toBe("bind 127.0.0.11 <a&b>");
  });

  it("returns strings without mustaches untouched", () => {
    expect(renderString("plain {text}", {}, {})).toBe("plain {text}");
  });

  it("reports an undefined variable with the task location and host", () => {
    const e = thrown(() => renderString("port {{ redis_port }}", {}, { loc: taskLoc, host: "node-2" }));
    expect(e.message).toMatch(/^playbooks\/setup\.yaml:14:9: undefined variable "redis_port" \(host node-2\)/);
    expect(e.variable).toBe("redis_port");
    expect(e.loc).toEqual(taskLoc);
  });

  it("names the full path when a nested key is missing", () => {
    const e = thrown(() => renderString("{{cfg.port}}", { cfg: {} }, {}));
    expect(e.message).toContain('undefined variable "cfg.port"');
  });

  it("a missing parent of a nested path is still an undefined variable", () => {
    const e = thrown(() => renderString("x {{ cfg.redis.port }}", {}, { host: "node-1" }));
    expect(e.message).toContain('undefined variable "cfg.redis.port" (host node-1)');
  });

  it("reports a syntax error with its line", () => {
    const e = thrown(() => renderString("a\nb {{#if x}", {}, { loc: taskLoc }));
    expect(e.message).toMatch(/^playbooks\/setup\.yaml:14:9: template syntax error: .*line 2 of the template/);
  });

  it("block helpers work as usual", () => {
    const tpl = "{{#each hosts}}{{this}}{{#unless @last}},{{/unless}}{{/each}}{{#if on}} on{{else}} off{{/if}}";
    expect(renderString(tpl, { hosts: ["a", "b"], on: false }, {})).toBe("a,b off");
  });

  it("lookup reads keys that are not identifiers", () => {
    expect(renderString("{{lookup hostvars 'node-1'}}", { hostvars: { "node-1": "x" } }, {})).toBe("x");
  });
});

describe("renderValue", () => {
  const vars = { groups: { redis: ["node-1", "node-2"] }, port: 6379, cfg: { a: 1 }, name: "r" };

  it.each([
    ["{{ groups.redis }}", ["node-1", "node-2"]],
    ["{{port}}", 6379],
    ["{{ cfg }}", { a: 1 }],
    ["{{ default missing 6380 }}", 6380],
    ["{{ default port 1 }}", 6379],
    ["{{ join groups.redis ' ' }}", "node-1 node-2"],
    ["port {{port}}", "port 6379"],
    [" {{port}}", " 6379"],
  ])("%j renders to %j", (tpl, expected) => {
    expect(renderValue(tpl, vars, {})).toEqual(expected);
  });

  it("renders inside arrays and objects and keeps other values", () => {
    const out = renderValue({ a: ["{{name}}-1", 5, true, null], b: { c: "{{port}}" } }, vars, {});
    expect(out).toEqual({ a: ["r-1", 5, true, null], b: { c: 6379 } });
  });

  it("a single undefined mustache is still an error", () => {
    const e = thrown(() => renderValue("{{ nope }}", vars, { loc: taskLoc, host: "node-1" }));
    expect(e.message).toContain('undefined variable "nope" (host node-1)');
  });
});

describe("renderFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "redplay-tpl-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names the template file and line of an undefined variable, and the host", async () => {
    const path = join(dir, "redis.conf.hbs");
    writeFileSync(path, "bind {{bind}}\n\nport {{redis_port}}\n");
    await expect(renderFile(path, { bind: "127.0.0.1" }, { host: "node-2" })).rejects.toThrow(
      `${path}:3: undefined variable "redis_port" (host node-2)`,
    );
  });

  it("uses the display file name when one is given", async () => {
    const path = join(dir, "named.hbs");
    writeFileSync(path, "x\n{{bad}\n");
    await expect(renderFile(path, {}, { file: "templates/named.hbs" })).rejects.toThrow(/^templates\/named\.hbs:2: template syntax error/);
  });

  it("recompiles when the file changes", async () => {
    const path = join(dir, "cache.hbs");
    writeFileSync(path, "one {{v}}");
    expect(await renderFile(path, { v: 1 }, {})).toBe("one 1");
    writeFileSync(path, "two {{v}}");
    const later = new Date(Date.now() + 5000);
    utimesSync(path, later, later);
    expect(await renderFile(path, { v: 2 }, {})).toBe("two 2");
  });
});
