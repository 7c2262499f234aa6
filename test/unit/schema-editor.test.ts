// The shipped schemas as editors use them: an $id that works outside this repository, the
// modeline in every shipped playbook and inventory, and no false error on them when read as
// yaml-language-server reads YAML (1.2: `yes` is a string, `0640` a decimal number).
import { readFileSync, readdirSync } from "node:fs";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { registerBuiltinModules } from "../../src/modules/index.js";
import { buildInventorySchema, buildPlaybookSchema, SCHEMA_BASE } from "../../src/schema/export.js";
import { schemaJson } from "../../src/schema/write-schemas.js";

beforeAll(() => registerBuiltinModules());

const shipped = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => `${dir}/${f}`);

describe("editor schemas", () => {
  it("the committed schemas are what the code builds with the builtin modules, each with its $id", () => {
    expect(readFileSync("schemas/playbook.schema.json", "utf8")).toBe(schemaJson(buildPlaybookSchema()));
    expect(readFileSync("schemas/inventory.schema.json", "utf8")).toBe(schemaJson(buildInventorySchema()));
    expect(buildPlaybookSchema().$id).toBe(`${SCHEMA_BASE}playbook.schema.json`);
    expect(buildInventorySchema().$id).toBe(`${SCHEMA_BASE}inventory.schema.json`);
  });

  it.each([...shipped("playbooks").map((f) => [f, "playbook"]), ...shipped("inventory").map((f) => [f, "inventory"])])(
    "%s carries the modeline and passes the %s schema as YAML 1.2",
    (file, kind) => {
      const text = readFileSync(file, "utf8");
      expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=../schemas/${kind}.schema.json`);
      const validate = new Ajv({ strict: false, allErrors: true }).compile(kind === "playbook" ? buildPlaybookSchema() : buildInventorySchema());
      const ok = validate(parse(text, { version: "1.2" }));
      expect(validate.errors ?? [], file).toEqual([]);
      expect(ok).toBe(true);
    },
  );

  it.each([
    ["a bare module with no required argument", "- hosts: a\n  tasks:\n    - redis_facts:\n", true],
    ["become: yes (a YAML 1.1 boolean)", "- hosts: a\n  become: yes\n  tasks:\n    - lineinfile: { path: /x, line: y, create: yes }\n", true],
    ["gather_facts and the new modules", "- hosts: a\n  gather_facts: true\n  tasks:\n    - systemd: { name: redis-server, daemon_reload: true, enabled: on }\n", true],
    ["a bare module that needs arguments", "- hosts: a\n  tasks:\n    - template:\n", false],
    ["a word that is no boolean", "- hosts: a\n  become: maybe\n  tasks: []\n", false],
  ])("%s", (_what, text, valid) => {
    const validate = new Ajv({ strict: false }).compile(buildPlaybookSchema());
    expect(validate(parse(text, { version: "1.2" }))).toBe(valid);
  });
});
