import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { TASK_KEYWORDS } from "../../src/schema/keywords.js";
import { buildInventorySchema, buildPlaybookSchema } from "../../src/schema/export.js";
import { schemaJson } from "../../src/schema/write-schemas.js";
import { registerTestModules } from "../fixtures/load/modules.js";
import { parseYaml } from "../../src/load/yaml.js";

beforeAll(() => registerTestModules());

describe("schemas for editors", () => {
  it("the committed inventory schema is what the code builds", async () => {
    expect(await readFile("schemas/inventory.schema.json", "utf8")).toBe(schemaJson(buildInventorySchema()));
  });

  it("the committed playbook schema is a valid JSON Schema listing every task keyword", async () => {
    const committed = JSON.parse(await readFile("schemas/playbook.schema.json", "utf8")) as {
      definitions: { task: { properties: Record<string, unknown> } };
    };
    new Ajv({ strict: false }).compile(committed);
    for (const k of TASK_KEYWORDS) expect(Object.keys(committed.definitions.task.properties)).toContain(k);
  });

  describe("the built playbook schema judges playbooks like the loader", () => {
    let validate: ReturnType<Ajv["compile"]>;
    beforeAll(() => {
      validate = new Ajv({ strict: false, allErrors: true }).compile(buildPlaybookSchema());
    });

    it.each([
      ["a module with templated arguments", "- hosts: a\n  tasks:\n    - redis_config: { port: '{{ p }}' }\n", true],
      ["a free-form module", "- hosts: a\n  tasks:\n    - command: echo hi\n", true],
      ["a block", "- hosts: a\n  tasks:\n    - block:\n        - meta: flush_handlers\n", true],
      ["a misspelt module", "- hosts: a\n  tasks:\n    - tempalte: { src: a, dest: b }\n", false],
      ["two modules", "- hosts: a\n  tasks:\n    - command: a\n      shell: b\n", false],
      ["no module", "- hosts: a\n  tasks:\n    - name: x\n", false],
      ["delegate_to", "- hosts: a\n  tasks:\n    - command: a\n      delegate_to: b\n", true],
      ["a module under its ansible.builtin name", "- hosts: a\n  tasks:\n    - ansible.builtin.command: echo hi\n", true],
      ["include_tasks", "- hosts: a\n  tasks:\n    - include_tasks: x.yml\n      loop: [1, 2]\n", true],
      ["a role entry and import_playbook", "- hosts: a\n  roles: [r, { role: s, x: 1 }]\n- import_playbook: other.yml\n", true],
      ["a bad argument", "- hosts: a\n  tasks:\n    - redis_config: { port: abc }\n", false],
    ])("%s", (_what, text, valid) => {
      expect(validate(parseYaml(text, "p.yaml").value)).toBe(valid);
    });
  });
});
