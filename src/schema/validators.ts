// Compiled validators by schema content: the one generated at build time when there is one
// (precompiled.ts), else compiled by ajv now. A generated validator is found by a key made from
// the schema's JSON, so a schema that changed after the build (or one the build never saw) is
// compiled at run time instead of being checked by stale code.
import type { ValidateFunction } from "ajv";
import { contentKey } from "../content-key.js";
import { ajvFor, type SchemaKind } from "./ajv.js";
import { precompiled } from "./precompiled.js";

/** The key of a schema compiled for `kind` (`variant`: "plain" or "templated"). */
export function schemaKey(kind: SchemaKind, variant: string, schema: unknown): string {
  return `${kind}:${variant}:${contentKey(JSON.stringify(schema))}`;
}

/** The generated validator for this key, if the build made one. */
export function precompiledFor(key: string): { validate: ValidateFunction; wrappers: ReadonlySet<string> } | undefined {
  const hit = precompiled[key];
  return hit ? { validate: hit.validate, wrappers: new Set(hit.wrappers) } : undefined;
}

/** A validator for `schema`: generated at build time, or compiled by ajv now. */
export function validatorFor(kind: SchemaKind, schema: Record<string, unknown>): ValidateFunction {
  return precompiledFor(schemaKey(kind, "plain", schema))?.validate ?? ajvFor(kind).compile(schema);
}
