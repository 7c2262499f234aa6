// Turns raw ajv errors into one readable issue per real mistake. With `allErrors` ajv reports
// every failed branch of an anyOf ("must be string", "must be array", "must match a schema in
// anyOf"); users need "must be string or array", or only the branch their value was aiming at.
import type { ErrorObject } from "ajv";
import type { PathSegment } from "../load/yaml.js";

/** One schema violation, located by a path of keys/indices into the validated value. */
export interface SchemaIssue {
  /** Path to the offending value (for `unknown`, to the mapping that holds the key). */
  path: PathSegment[];
  /** "unknown": a key not allowed here; "missing": a required key absent; "badName": a key of the wrong form; "invalid": a bad value. */
  kind: "unknown" | "missing" | "badName" | "invalid";
  /** The unknown or missing key. */
  key?: string;
  /** Keys the schema allows at this point (for did-you-mean). */
  allowedKeys?: string[];
  message: string;
}

/** JSON pointer (`/0/tasks/3`) to path segments; all-digit segments become indices. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Simplifies ajv errors (compiled with `allErrors` and `verbose`). `templateBranches` are the
 * schema paths of anyOf wrappers added to let `{{ ... }}` strings through: their second branch
 * and the wrapper itself never explain a mistake, the original schema in branch 0 does.
 */
export function toIssues(errors: readonly ErrorObject[] | null | undefined, templateBranches: ReadonlySet<string> = new Set()): SchemaIssue[] {
  // propertyNames reports each failing name twice (inner keyword, then propertyNames): keep one.
  let errs = [...(errors ?? [])].filter((e) => e.propertyName === undefined || e.keyword === "propertyNames");
  errs = errs.filter((e) => {
    for (const w of templateBranches) {
      if (e.schemaPath === w || e.schemaPath.startsWith(`${w}/1/`)) return false;
    }
    return true;
  });
  errs = collapseAlternatives(errs);
  const seen = new Set<string>();
  const issues: SchemaIssue[] = [];
  for (const e of errs) {
    const issue = toIssue(e);
    const id = `${issue.kind}|${issue.path.join("/")}|${issue.key ?? ""}|${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}

/**
 * The errors of one validation, found by where they are in the validated value. The errors of an
 * anyOf's branches are at its value or below it, never elsewhere: two tasks with the same mistake
 * share every schema path, so schema paths alone would mix their branches (and report only the last).
 */
class ErrorIndex {
  private readonly order = new Map<ErrorObject, number>();
  private readonly byPath = new Map<string, ErrorObject[]>();
  private readonly childPaths = new Map<string, Set<string>>();
  private readonly removed = new Set<ErrorObject>();
  private readonly all: ErrorObject[] = [];

  constructor(errors: ErrorObject[]) {
    for (const e of errors) this.add(e);
  }

  /** Adds an error after all present ones (a merged summary). */
  add(e: ErrorObject): void {
    this.order.set(e, this.all.length);
    this.all.push(e);
    let list = this.byPath.get(e.instancePath);
    if (!list) {
      list = [];
      this.byPath.set(e.instancePath, list);
      // Link the path to its ancestors, up to the first one already known.
      for (let path = e.instancePath; path !== ""; ) {
        const parent = path.slice(0, path.lastIndexOf("/"));
        const known = this.childPaths.has(parent);
        let children = this.childPaths.get(parent);
        if (!children) {
          children = new Set();
          this.childPaths.set(parent, children);
        }
        children.add(path);
        if (known) break;
        path = parent;
      }
    }
    list.push(e);
  }

  remove(e: ErrorObject): void {
    this.removed.add(e);
  }

  has(e: ErrorObject): boolean {
    return this.order.has(e) && !this.removed.has(e);
  }

  /** Present errors at `path` or below it, in the order they were added. */
  under(path: string): ErrorObject[] {
    const out: ErrorObject[] = [];
    const pending = [path];
    while (pending.length > 0) {
      const p = pending.pop()!;
      for (const e of this.byPath.get(p) ?? []) if (!this.removed.has(e)) out.push(e);
      for (const c of this.childPaths.get(p) ?? []) pending.push(c);
    }
    return out.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
  }

  /** Present errors, in the order they were added. */
  present(): ErrorObject[] {
    return this.all.filter((e) => !this.removed.has(e));
  }
}

// Innermost alternatives first, so an outer anyOf sees already-simplified branches.
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const index = new ErrorIndex(errors);
  const alts = errors
    .filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const alt of alts) {
    if (!index.has(alt)) continue;
    const prefix = `${alt.schemaPath}/`;
    const around = index.under(alt.instancePath);
    const branch = around.filter((e) => e.schemaPath.startsWith(prefix));
    const typeMisses = new Set(branch.filter((e) => e.keyword === "type" && e.instancePath === alt.instancePath));
    const rest = branch.filter((e) => !typeMisses.has(e));
    if (branch.length === 0) {
      // Branches reached through $ref report schema paths outside this anyOf: keep their own
      // errors and drop the summary when they already explain the failure.
      if (around.some((e) => e !== alt)) index.remove(alt);
    } else if (branch.every((e) => e.keyword === "required" && e.instancePath === alt.instancePath)) {
      // `anyOf: [{required: [a]}, {required: [b]}]`: one of several keys must be given.
      const keys = [...new Set(branch.map((e) => String(e.params.missingProperty)))];
      const merged: ErrorObject = {
        ...alt,
        keyword: "required",
        params: { missingProperty: keys.join('" or "') },
        message: `needs one of ${keys.join(", ")}`,
      };
      for (const e of branch) index.remove(e);
      index.remove(alt);
      index.add(merged);
    } else if (rest.length === 0) {
      const types = [...new Set([...typeMisses].flatMap((e) => typeNames(e.params.type)))];
      const merged: ErrorObject =
        types.length > 0
          ? { ...alt, keyword: "type", params: { type: types }, message: `must be ${types.join(" or ")}` }
          : { ...alt, message: "does not match any allowed form" };
      for (const e of branch) index.remove(e);
      index.remove(alt);
      index.add(merged);
    } else {
      // The value had the right type for some branch: report only that branch's complaints.
      for (const e of typeMisses) index.remove(e);
      index.remove(alt);
    }
  }
  return index.present();
}

function typeNames(t: unknown): string[] {
  const list = Array.isArray(t) ? t : String(t).split(",");
  return list.map((x) => (x === "object" ? "mapping" : x === "array" ? "list" : String(x)));
}

function toIssue(e: ErrorObject): SchemaIssue {
  const path = pointerToPath(e.instancePath);
  const parent = e.parentSchema as { properties?: Record<string, unknown>; description?: unknown } | undefined;
  const allowedKeys = parent?.properties ? Object.keys(parent.properties) : undefined;
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      return { path, kind: "unknown", key, allowedKeys, message: `unknown key "${key}"` };
    }
    case "required": {
      const key = String(e.params.missingProperty);
      return { path, kind: "missing", key, message: `missing required key "${key}"` };
    }
    case "type":
      return { path, kind: "invalid", message: `must be ${typeNames(e.params.type).join(" or ")}` };
    case "enum":
      return {
        path,
        kind: "invalid",
        message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "const":
      return { path, kind: "invalid", message: `must be ${JSON.stringify(e.params.allowedValue)}` };
    case "propertyNames": {
      const key = String(e.params.propertyName);
      return { path, kind: "badName", key, message: `invalid variable name "${key}"` };
    }
    case "pattern":
      // A schema's description says what the pattern means better than the regex does.
      return {
        path,
        kind: "invalid",
        message: typeof parent?.description === "string" ? `must be ${parent.description}` : `must match ${String(e.params.pattern)}`,
      };
    case "oneOf": {
      // `oneOf: [{required: [a]}, {required: [b]}]` with both given.
      const keys = ((parent as { oneOf?: Array<{ required?: string[] }> } | undefined)?.oneOf ?? []).flatMap((b) => b.required ?? []);
      if (e.params.passingSchemas && keys.length > 0) {
        return { path, kind: "invalid", message: `takes only one of ${keys.map((k) => `"${k}"`).join(", ")}` };
      }
      return { path, kind: "invalid", message: e.message ?? "fails oneOf" };
    }
    default:
      return { path, kind: "invalid", message: e.message ?? `fails ${e.keyword}` };
  }
}
