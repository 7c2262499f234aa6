// The schema of an Ansible-style YAML inventory: top-level groups, each with optional
// `hosts` (host -> vars or null), `vars` and `children` (group -> group or null).
import type { ValidateFunction } from "ajv";
import { validatorFor } from "./validators.js";
import { varsSchema } from "./keywords.js";

/** The inventory schema, as validated by the loader and exported for editors. */
export function inventorySchema(): Record<string, unknown> {
  // Nullable types rather than anyOf-with-null keep error messages about the real mistake.
  const varsOrNull = { ...varsSchema, type: ["object", "null"] };
  const group = { $ref: "#/definitions/group" };
  return {
    type: "object",
    minProperties: 1,
    additionalProperties: group,
    definitions: {
      group: {
        type: ["object", "null"],
        properties: {
          hosts: { type: ["object", "null"], additionalProperties: varsOrNull },
          vars: varsOrNull,
          children: { type: ["object", "null"], additionalProperties: group },
        },
        additionalProperties: false,
      },
    },
  };
}

let compiled: ValidateFunction | undefined;

/** Compiled once and reused for every inventory. */
export function inventoryValidator(): ValidateFunction {
  compiled ??= validatorFor("strict", inventorySchema());
  return compiled;
}
