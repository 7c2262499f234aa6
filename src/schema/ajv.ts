// The ajv instances. Our own schemas compile in strict mode, so a typo in them fails loudly;
// module argument schemas come from module authors and compile leniently (unknown annotations
// allowed). Both keep every error (`allErrors`) and the failing schema (`verbose`, which
// issues.ts uses for did-you-mean over allowed keys).
// The CLI's bundle validates with code ajv generated at build time (validators.ts), so ajv
// itself is loaded only for a schema compiled at run time: one a test or a module outside the
// builtins brings. The same options serve both, so both give the same errors.
import { createRequire } from "node:module";
import type { Ajv, Options } from "ajv";

/** Options for redplay's own playbook, task and inventory schemas. */
export const STRICT_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, strictTypes: false };

/** Options for module argument schemas. */
export const MODULE_OPTIONS: Options = { allErrors: true, verbose: true, strict: false };

/** Which ajv instance (and options) a schema is compiled with. */
export type SchemaKind = "strict" | "module";

const requireFromHere = createRequire(import.meta.url);
const instances = new Map<SchemaKind, Ajv>();

/** The ajv instance for `kind`, created (and ajv loaded) on first use. */
export function ajvFor(kind: SchemaKind): Ajv {
  let ajv = instances.get(kind);
  if (!ajv) {
    const { Ajv: AjvClass } = requireFromHere("ajv") as typeof import("ajv");
    ajv = new AjvClass(kind === "strict" ? STRICT_OPTIONS : MODULE_OPTIONS);
    instances.set(kind, ajv);
  }
  return ajv;
}
