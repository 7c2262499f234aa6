// Validators generated at build time, by schema key (validators.ts). Empty here, in the sources
// and in tsc's output, where every schema is compiled by ajv when first used; the CLI's bundle
// gets the ones scripts/build.mjs generates in place of this file.
import type { ValidateFunction } from "ajv";

/** A generated validator and, for a templated schema, the schema paths of its template wrappers. */
export interface Precompiled {
  validate: ValidateFunction;
  wrappers: readonly string[];
}

export const precompiled: Readonly<Record<string, Precompiled>> = {};
