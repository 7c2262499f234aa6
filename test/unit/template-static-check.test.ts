import { describe, expect, it } from "vitest";
import { buildInventory } from "../../src/inventory/inventory.js";
import type { Playbook, TaskSpec } from "../../src/load/types.js";
import { handlebarsEnv } from "../../src/template/handlebars.js";
import { checkPlaybookTemplates, sharedRefs } from "../../src/template/static-check.js";
import { templateRefs } from "../../src/template/template-refs.js";

const loc = (line: number) => ({ file: "playbooks/setup.yaml", line, col: 5 });

function task(line: number, t: Partial<TaskSpec>): TaskSpec {
  return { loopVar: "item", notify: [], listen: [], retries: 3, delay: 5, ignoreErrors: false, tags: [], runOnce: false, noLog: false, vars: {}, loc: loc(line), ...t };
}

function playbook(tasks: TaskSpec[], vars: Record<string, unknown> = {}): Playbook {
  return {
    file: "playbooks/setup.yaml",
    dir: "/pb",
    plays: [{ name: "p", hosts: "redis", vars, varsFilesData: { from_file: 1 }, anyErrorsFatal: false, tags: [], tasks, handlers: [], loc: loc(1) }],
  };
}

const inventory = buildInventory({
  file: "inventory.yaml",
  dir: "/inv",
  groups: [{ name: "redis", hosts: [{ name: "node-1", vars: { redis_port: 6379 }, loc: loc(2) }], vars: {}, children: [], loc: loc(1) }],
  groupVars: {},
  hostVars: {},
});

describe("static template check", () => {
  it("finds a variable defined nowhere, located at the argument", () => {
    const pb = playbook([
      task(10, { module: "template", args: { dest: "/etc/redis/{{ redis_prot }}.conf" }, argLocs: { dest: loc(11) } }),
    ]);
    const errors = checkPlaybookTemplates(pb, { inventory });
    expect(errors.map((e) => e.format())).toEqual(['playbooks/setup.yaml:11:5: undefined variable "redis_prot"; did you mean "redis_port"?']);
  });

  it("does not flag registered, set_fact, loop, play, vars_files, extra, magic or module facts", () => {
    const pb = playbook(
      [
        task(10, { module: "command", args: { cmd: "redis-cli -p {{ redis_port }} {{ play_var }} {{ from_file }}" }, register: "ping" }),
        task(12, { module: "set_fact", args: { new_primary: "{{ inventory_hostname }}" } }),
        task(14, { module: "debug", args: { msg: "{{ ping.stdout }} {{ new_primary }} {{ item }} {{ extra }} {{ role }} {{ ansible_host }}" }, loop: "{{ groups.redis }}" }),
        task(16, { module: "debug", args: { msg: "x" }, when: ["ping.rc == 0 and new_primary in groups.redis", "maybe is defined", "other|default(1) == 1"] }),
        task(18, { module: "debug", args: { msg: "{{default optional 1}} {{#if opt2}}{{/if}} {{#each groups.redis}}{{name}}{{/each}}" } }),
      ],
      { play_var: 1 },
    );
    expect(checkPlaybookTemplates(pb, { inventory, extraVars: { extra: 1 }, moduleFacts: ["role"] })).toEqual([]);
  });

  it("flags an undefined name in a condition", () => {
    const pb = playbook([task(20, { module: "debug", args: {}, when: ["resutl.rc == 0"] , register: "result" })]);
    const errors = checkPlaybookTemplates(pb, { inventory });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.format()).toBe('playbooks/setup.yaml:20:5: undefined variable "resutl"; did you mean "result"?');
  });

  it("reports template and expression syntax errors even without an inventory", () => {
    const pb = playbook([
      task(30, { module: "debug", args: { msg: "{{ broken }" } }),
      task(32, { module: "debug", args: {}, when: ["a =="] }),
      task(34, { module: "debug", args: { msg: "{{ nowhere }}" } }),
    ]);
    const errors = checkPlaybookTemplates(pb, {});
    expect(errors.map((e) => e.loc?.line)).toEqual([30, 32]);
    expect(errors[0]!.message).toContain("template syntax error");
    expect(errors[1]!.message).toContain('cannot evaluate "a =="');
  });

  it("reports an unknown helper", () => {
    const pb = playbook([task(40, { module: "debug", args: { msg: "{{ uppercase redis_port }}" } })]);
    expect(checkPlaybookTemplates(pb, { inventory }).map((e) => e.message)).toEqual(['unknown template helper "uppercase"']);
  });
});

describe("strings checked without a Handlebars parse", () => {
  // A string whose mustaches only name variables gets its references without parsing; they must
  // be exactly those of the parse tree, and any other string must go to the parser.
  it.each([
    "{{a}}",
    "echo {{ dir }}/{{file}}.conf",
    "{{check_0.stdout}}",
    "{{ a.b.c }} and {{d}}",
    "{{default}}",
    "{{upper}}",
    "{{ if }}",
    "{{this.x}}",
    "{{true}}",
    "{{null}}",
    "{{else}}",
    "{{a-b}}",
    "{{@index}}",
    "{{../x}}",
    "{{~a~}}",
    "{{a b}}",
    "{{#if a}}{{b}}{{/if}}",
    "{{{raw}}}",
    "x } {{a}}",
    "\\{{a}}",
    "{{a.[0]}}",
    "{{!comment}}",
    "{{\na\n}}",
  ])("%s", (source) => {
    const shared = sharedRefs(source);
    let parsed;
    try {
      parsed = templateRefs(handlebarsEnv.parse(source));
    } catch {
      parsed = undefined;
    }
    if (shared.refs !== undefined) expect(shared.refs).toEqual(parsed);
  });

  it("takes the short way for plain variables and the parser for everything else", () => {
    expect(sharedRefs("echo {{ dir }}/{{file}}.conf").refs?.roots).toEqual(new Set(["dir", "file"]));
    expect(sharedRefs("{{check_0.stdout}}").refs?.roots).toEqual(new Set(["check_0"]));
    expect(sharedRefs("{{upper}}").refs?.roots).toEqual(new Set());
    for (const s of ["{{this.x}}", "{{true}}", "{{a b}}", "{{#if a}}{{b}}{{/if}}", "{{{raw}}}", "x } {{a}}", "{{a-b}}"]) {
      expect(sharedRefs(s).refs, s).toBeUndefined();
    }
    // Strings that differ only outside their mustaches share one parse.
    expect(sharedRefs("a {{x y}} b").key).toBe(sharedRefs("c {{x y}} d").key);
  });
});
