// The schemas as standalone JSON Schema documents for editors (yaml-language-server): the
// playbook one lists every registered module with its argument schema, templated values allowed.
import { getModule, moduleNames } from "../modules/registry.js";
import { inventorySchema } from "./inventory.js";
import { playbookStructureSchema } from "./playbook.js";
import { INCLUDE_ACTION_SCHEMAS } from "./keywords.js";
import { templatedSchema } from "./templated.js";

const DRAFT = "http://json-schema.org/draft-07/schema#";

/** Where the published schemas live (the npm package ships schemas/), for editors outside this repository. */
export const SCHEMA_BASE = "https://unpkg.com/redplay/schemas/";

/**
 * YAML 1.1 booleans (`become: yes`): redplay reads them as booleans, as Ansible does, but editors
 * read YAML 1.2, where they are strings. The editor schema accepts those words where a boolean goes.
 */
const YAML11_BOOLEANS = ["yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE"];

function withYaml11Booleans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withYaml11Booleans);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) out[k] = k === "enum" || k === "required" ? v : withYaml11Booleans(v);
  if (out.type === "boolean") {
    const { type: _t, ...rest } = out;
    return { ...rest, anyOf: [{ type: "boolean" }, { enum: YAML11_BOOLEANS }] };
  }
  return out;
}

/** Module argument schema as an editor should see it: templates allowed, free-form string if the module takes one. */
function moduleValueSchema(name: string): Record<string, unknown> {
  const mod = getModule(name)!;
  const { $schema: _ignored, ...schema } = mod.schema;
  const args = templatedSchema(schema).schema;
  // A bare `redis_facts:` (YAML null) is a module with no arguments.
  const bare = Array.isArray(schema.required) && schema.required.length > 0 ? [] : [{ type: "null" }];
  if (mod.freeForm) return { anyOf: [{ type: "string", description: `Shorthand for ${mod.freeForm}:` }, args, ...bare] };
  return bare.length > 0 ? { anyOf: [args, ...bare] } : args;
}

/** The playbook JSON Schema with the modules registered right now. */
export function buildPlaybookSchema(): Record<string, unknown> {
  const names = moduleNames();
  // Each action under its own name and Ansible's ansible.builtin./ansible.legacy. names, sharing one definition.
  const actions: Record<string, Record<string, unknown>> = {
    ...Object.fromEntries(names.map((n) => [n, moduleValueSchema(n)])),
    ...INCLUDE_ACTION_SCHEMAS,
  };
  const spellings = (n: string) => [n, `ansible.builtin.${n}`, `ansible.legacy.${n}`];
  const properties = Object.fromEntries(
    Object.keys(actions).flatMap((n) => spellings(n).map((s) => [s, { $ref: `#/definitions/actions/${n}` }])),
  );
  // The loader's structural schema, with the tasks closed over the known modules.
  const base = playbookStructureSchema() as { definitions: { play: unknown; import_playbook: unknown; task: { properties: Record<string, unknown> } } };
  return withYaml11Booleans({
    $schema: DRAFT,
    $id: `${SCHEMA_BASE}playbook.schema.json`,
    title: "redplay playbook",
    ...base,
    definitions: {
      play: base.definitions.play,
      import_playbook: base.definitions.import_playbook,
      actions,
      task: {
        ...base.definitions.task,
        properties: { ...base.definitions.task.properties, ...properties },
        additionalProperties: false,
        // Exactly one module (or include/import), or a block.
        oneOf: [...Object.keys(properties).map((n) => ({ required: [n] })), { required: ["block"] }],
      },
    },
  }) as Record<string, unknown>;
}

/** The inventory JSON Schema. */
export function buildInventorySchema(): Record<string, unknown> {
  return withYaml11Booleans({
    $schema: DRAFT,
    $id: `${SCHEMA_BASE}inventory.schema.json`,
    title: "redplay inventory",
    ...inventorySchema(),
  }) as Record<string, unknown>;
}
