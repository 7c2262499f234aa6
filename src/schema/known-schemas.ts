// Every JSON Schema the loader compiles that is known before a run, with the key validators.ts
// looks its validator up by: scripts/build.mjs generates ajv standalone code for each of these,
// so the CLI's bundle compiles none of them at start. The list is built from the same functions
// and tables the loader uses (the playbook parts, the inventory, the include/import actions, and
// every builtin module's arguments, as written and with templates let through), so a schema or
// module added there is covered without touching the build. A schema missing here still works:
// it is compiled by ajv when first used (test/unit/schema-known.test.ts checks that none is).
import { builtinModules } from "../modules/index.js";
import type { SchemaKind } from "./ajv.js";
import { inventorySchema } from "./inventory.js";
import { INCLUDE_ACTION_SCHEMAS } from "./keywords.js";
import { PLAYBOOK_PARTS, playbookPartSchema } from "./playbook.js";
import { templatedSchema } from "./templated.js";
import { schemaKey } from "./validators.js";

export interface KnownSchema {
  /** The ajv instance (and options) it is compiled with. */
  kind: SchemaKind;
  /** validators.ts's key for it. */
  key: string;
  /** The schema ajv compiles. */
  schema: Record<string, unknown>;
  /** For a templated module schema: the schema paths of its template wrappers. */
  wrappers: string[];
}

/** The schemas, one entry per key. */
export function knownSchemas(): KnownSchema[] {
  const out = new Map<string, KnownSchema>();
  const add = (kind: SchemaKind, variant: "plain" | "templated", keyed: Record<string, unknown>, schema: Record<string, unknown>, wrappers: string[] = []) => {
    const key = schemaKey(kind, variant, keyed);
    if (!out.has(key)) out.set(key, { kind, key, schema, wrappers });
  };
  for (const part of PLAYBOOK_PARTS) {
    const schema = playbookPartSchema(part);
    add("strict", "plain", schema, schema);
  }
  const inventory = inventorySchema();
  add("strict", "plain", inventory, inventory);
  for (const schema of Object.values(INCLUDE_ACTION_SCHEMAS)) add("module", "plain", schema, schema);
  for (const mod of builtinModules) {
    // As module-args.ts keys them: by the module's schema without its $schema.
    const { $schema: _ignored, ...schema } = mod.schema;
    add("module", "plain", schema, schema);
    const t = templatedSchema(schema);
    add("module", "templated", schema, t.schema, [...t.wrappers]);
  }
  return [...out.values()];
}
