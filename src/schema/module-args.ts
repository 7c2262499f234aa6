// Validation of one module's arguments against the schema the module declares. At load time
// (`templated: true`) a `{{ ... }}` string passes wherever another type is expected, because it
// is only rendered later; the engine validates again after rendering with the schema as written.
import type { ValidateFunction } from "ajv";
import { getModule } from "../modules/registry.js";
import type { ModuleInfo } from "../modules/types.js";
import { formatPath } from "../load/yaml.js";
import { ajvFor } from "./ajv.js";
import { toIssues, type SchemaIssue } from "./issues.js";
import { templatedSchema } from "./templated.js";
import { precompiledFor, schemaKey } from "./validators.js";

interface Compiled {
  validate: ValidateFunction;
  wrappers: ReadonlySet<string>;
}

const cache = new WeakMap<object, { plain?: Compiled; templated?: Compiled }>();

function compiledFor(mod: ModuleInfo, templated: boolean): Compiled {
  const entry = cache.get(mod.schema) ?? {};
  cache.set(mod.schema, entry);
  const slot = templated ? "templated" : "plain";
  if (!entry[slot]) {
    const { $schema: _ignored, ...schema } = mod.schema;
    // Keyed by the schema as the module wrote it: the templated variant is derived from it.
    entry[slot] = precompiledFor(schemaKey("module", slot, schema)) ?? compileNow(schema, templated);
  }
  return entry[slot]!;
}

function compileNow(schema: Record<string, unknown>, templated: boolean): Compiled {
  const t = templated ? templatedSchema(schema) : { schema, wrappers: new Set<string>() };
  return { validate: ajvFor("module").compile(t.schema), wrappers: t.wrappers };
}

/** Argument problems as located issues (paths relative to the arguments mapping). */
export function moduleArgIssues(mod: ModuleInfo, args: unknown, opts: { templated: boolean }): SchemaIssue[] {
  const { validate, wrappers } = compiledFor(mod, opts.templated);
  if (validate(args)) return [];
  return toIssues(validate.errors, wrappers).map((issue) => {
    if (issue.kind === "unknown") return { ...issue, message: `unknown argument "${issue.key}" for module "${mod.name}"` };
    if (issue.kind === "missing") return { ...issue, message: `missing required argument "${issue.key}" for module "${mod.name}"` };
    return issue;
  });
}

/** Validates a module's arguments; `path` is dotted from the arguments' root (`""` for the mapping itself). */
export function validateModuleArgs(
  module: ModuleInfo | string,
  args: unknown,
  opts: { templated: boolean },
): Array<{ path: string; message: string }> {
  const mod = typeof module === "string" ? getModule(module) : module;
  if (!mod) return [{ path: "", message: `unknown module "${String(module)}"` }];
  return moduleArgIssues(mod, args, opts).map((i) => {
    const path = i.kind === "unknown" && i.key !== undefined ? [...i.path, i.key] : i.path;
    return { path: formatPath(path), message: i.message };
  });
}
