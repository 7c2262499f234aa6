// The schemas as standalone JSON Schema documents for editors (yaml-language-server): the
// playbook one lists every registered module with its argument schema, templated values allowed.
import { getModule, moduleNames } from "../modules/registry.js";
import { inventorySchema } from "./inventory.js";
import { playbookStructureSchema } from "./playbook.js";
import { templatedSchema } from "./templated.js";

const DRAFT = "http://json-schema.org/draft-07/schema#";

/** Module argument schema as an editor should see it: templates allowed, free-form string if the module takes one. */
function moduleValueSchema(name: string): Record<string, unknown> {
  const mod = getModule(name)!;
  const { $schema: _ignored, ...schema } = mod.schema;
  const args = templatedSchema(schema).schema;
  if (mod.freeForm) return { anyOf: [{ type: "string", description: `Shorthand for ${mod.freeForm}:` }, args] };
  return args;
}

/** The playbook JSON Schema with the modules registered right now. */
export function buildPlaybookSchema(): Record<string, unknown> {
  const names = moduleNames();
  const modules = Object.fromEntries(names.map((n) => [n, moduleValueSchema(n)]));
  // The loader's structural schema, with the tasks closed over the known modules.
  const base = playbookStructureSchema() as { definitions: { play: unknown; task: { properties: Record<string, unknown> } } };
  return {
    $schema: DRAFT,
    title: "redplay playbook",
    ...base,
    definitions: {
      play: base.definitions.play,
      task: {
        ...base.definitions.task,
        properties: { ...base.definitions.task.properties, ...modules },
        additionalProperties: false,
        // Exactly one module, or a block.
        oneOf: [...names.map((n) => ({ required: [n] })), { required: ["block"] }],
      },
    },
  };
}

/** The inventory JSON Schema. */
export function buildInventorySchema(): Record<string, unknown> {
  return {
    $schema: DRAFT,
    title: "redplay inventory",
    ...inventorySchema(),
  };
}
