// Arguments are rendered after loading, so at load time `port: "{{ redis_port }}"` must pass a
// schema that says `type: integer`. This rewrites a schema so every non-string `type` and every
// `enum` also accepts a string holding `{{`, and records where it did so (to keep error messages clean).

/** The string a templated value must contain to be let through before rendering. */
export const TEMPLATE_MARKER = "{{";

/** A schema rewritten to accept templates, plus the schema paths of the added anyOf wrappers. */
export interface TemplatedSchema {
  schema: Record<string, unknown>;
  /** ajv schemaPath (`#/properties/port/anyOf`) of each wrapper. */
  wrappers: Set<string>;
}

const templateString = { type: "string", pattern: "\\{\\{" };

const schemaMaps = ["properties", "patternProperties", "definitions", "$defs", "dependentSchemas"];
const schemaLists = ["anyOf", "oneOf", "allOf", "prefixItems"];
const schemaSingles = ["additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames"];

function acceptsString(type: unknown): boolean {
  return type === "string" || (Array.isArray(type) && type.includes("string"));
}

/** Rewrites `schema` (not mutated). The root itself is never wrapped: arguments are always a mapping. */
export function templatedSchema(schema: Record<string, unknown>): TemplatedSchema {
  const wrappers = new Set<string>();
  const root = rewrite(schema, "#", wrappers, true);
  return { schema: root, wrappers };
}

function rewrite(node: Record<string, unknown>, at: string, wrappers: Set<string>, isRoot: boolean): Record<string, unknown> {
  // An enum (`state: started`) is a fixed set of words: a template stands for one of them.
  const wrap = !isRoot && ((node.type !== undefined && !acceptsString(node.type)) || Array.isArray(node.enum));
  // Inside a wrapper the original schema lives at anyOf/0.
  const inner = wrap ? `${at}/anyOf/0` : at;
  const out: Record<string, unknown> = { ...node };
  for (const k of schemaMaps) {
    const m = node[k];
    if (m && typeof m === "object" && !Array.isArray(m)) {
      out[k] = Object.fromEntries(
        Object.entries(m as Record<string, unknown>).map(([name, sub]) => [name, rewriteAny(sub, `${inner}/${k}/${escape(name)}`, wrappers)]),
      );
    }
  }
  for (const k of schemaLists) {
    const l = node[k];
    if (Array.isArray(l)) out[k] = l.map((sub, i) => rewriteAny(sub, `${inner}/${k}/${i}`, wrappers));
  }
  for (const k of schemaSingles) {
    const s = node[k];
    if (Array.isArray(s)) out[k] = s.map((sub, i) => rewriteAny(sub, `${inner}/${k}/${i}`, wrappers));
    else if (s !== undefined) out[k] = rewriteAny(s, `${inner}/${k}`, wrappers);
  }
  if (!wrap) return out;
  wrappers.add(`${at}/anyOf`);
  // Annotations stay on the outside so editors still show them.
  const outer: Record<string, unknown> = { anyOf: [out, templateString] };
  for (const k of ["description", "title", "default", "examples", "markdownDescription"]) {
    if (k in node) outer[k] = node[k];
  }
  return outer;
}

function rewriteAny(sub: unknown, at: string, wrappers: Set<string>): unknown {
  if (sub && typeof sub === "object" && !Array.isArray(sub)) return rewrite(sub as Record<string, unknown>, at, wrappers, false);
  return sub;
}

function escape(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}
