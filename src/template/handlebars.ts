// The one Handlebars environment redplay renders with: isolated from the global instance,
// strict (an undefined variable is an error, never an empty string) and without HTML escaping
// (config files are not HTML). Task arguments, `vars` and template files all render here.
import { readFile, stat } from "node:fs/promises";
import Handlebars from "handlebars";
import { helpers, HelperFailure } from "./helpers.js";
import { singleMustache, nativeValue } from "./native-value.js";
import { findJinja, mayHoldJinjaTags } from "./jinja-detect.js";
import { JinjaInTemplate, toTemplateError, type TemplateWhere } from "./template-error.js";
import { contentKey } from "../content-key.js";
import { precompiledTemplates } from "./precompiled.js";

export type { TemplateWhere } from "./template-error.js";

type Compiled = (vars: Record<string, unknown>) => string;

/** The options every template is compiled with (the build precompiles with the same). */
export const COMPILE_OPTIONS = { strict: true, noEscape: true } as const;

/** The isolated environment; exported for parsing (static checks), not for registering helpers. */
export const handlebarsEnv = Handlebars.create();

// Strict mode drops the null guards between path segments, so `{{default cfg.port 1}}` with no
// `cfg` would crash on `undefined.port` instead of reaching the helper. Guard every segment; the
// strict check on a mustache's last segment (`container.strict`) still reports real misses.
type CodeChunk = unknown;
interface NameLookup {
  nameLookup(parent: CodeChunk, name: string, type?: string): CodeChunk;
}
type CompilerClass = new () => NameLookup;
const BaseCompiler = (handlebarsEnv as unknown as { JavaScriptCompiler: CompilerClass }).JavaScriptCompiler;
class GuardedCompiler extends BaseCompiler {
  override nameLookup(parent: CodeChunk, name: string, type?: string): CodeChunk {
    if (type === "helper" || type === "partial" || type === "decorator") return super.nameLookup(parent, name, type);
    return super.nameLookup(["(", parent, " ?? {})"], name, type);
  }
}
(handlebarsEnv as unknown as { JavaScriptCompiler: CompilerClass }).JavaScriptCompiler = GuardedCompiler;

for (const [name, fn] of Object.entries(helpers)) {
  handlebarsEnv.registerHelper(name, function (this: unknown, ...args: unknown[]) {
    try {
      return fn(...args);
    } catch (err) {
      // Handlebars passes the call's location in the options; keep it for the message.
      const options = args[args.length - 1] as { loc?: { start: { line: number } } } | undefined;
      if (err instanceof HelperFailure) (err as HelperFailure & { line?: number }).line = options?.loc?.start.line;
      throw err;
    }
  });
}

// `{{{{raw}}}}...{{{{/raw}}}}` writes its body as it is: the way to put a literal `{{` or `{%` in a file.
handlebarsEnv.registerHelper("raw", (options: { fn: () => string }) => options.fn());

// `{{#trailing_newlines 1}}...{{/trailing_newlines}}`: the body, with newlines added until it ends
// with at least N (what Ansible's template module does to Jinja2's output; `redplay convert` uses it).
handlebarsEnv.registerHelper("trailing_newlines", function (this: unknown, n: unknown, options: { fn: (ctx: unknown) => string }) {
  const body = options.fn(this);
  const has = /\n*$/.exec(body)![0].length;
  const want = typeof n === "number" ? n : Number(n);
  return has >= want ? body : body + "\n".repeat(want - has);
});

const stringCache = new Map<string, Compiled>();
const STRING_CACHE_MAX = 1000;

/** Refuses Jinja2 (which Handlebars would pass through as text, or fail on without saying so). */
function refuseJinja(source: string): void {
  const jinja = findJinja(source);
  if (jinja.length > 0) throw new JinjaInTemplate(jinja);
}

function compile(source: string): Compiled {
  refuseJinja(source);
  // Handlebars compiles lazily; parse now so syntax errors surface before any rendering, and
  // hand that parse to compile, which would otherwise parse the source again (it applies the
  // whitespace control, as it does to a source it parses itself).
  const ast = handlebarsEnv.parseWithoutProcessing(source);
  return handlebarsEnv.compile(ast, COMPILE_OPTIONS) as Compiled;
}

function compiledString(source: string): Compiled {
  let fn = stringCache.get(source);
  if (!fn) {
    fn = compile(source);
    if (stringCache.size >= STRING_CACHE_MAX) stringCache.delete(stringCache.keys().next().value!);
    stringCache.set(source, fn);
  }
  return fn;
}

/** Renders a template string; strings without `{{` come back untouched without compiling. */
export function renderString(tpl: string, vars: Record<string, unknown>, where: TemplateWhere): string {
  if (!tpl.includes("{{")) {
    if (!mayHoldJinjaTags(tpl)) return tpl;
    try {
      refuseJinja(tpl);
    } catch (err) {
      throw toTemplateError(err, tpl, where);
    }
    return tpl;
  }
  try {
    return compiledString(tpl)(vars);
  } catch (err) {
    throw toTemplateError(err, tpl, where);
  }
}

/** Renders every string inside a value; a string that is one mustache keeps the value's own type. */
export function renderValue(value: unknown, vars: Record<string, unknown>, where: TemplateWhere): unknown {
  if (typeof value === "string") {
    if (!value.includes("{{")) return renderString(value, vars, where);
    const trimmed = value.trim();
    if (trimmed.startsWith("{{") && trimmed.endsWith("}}") && trimmed === value && !trimmed.startsWith("{{{")) {
      let m;
      try {
        refuseJinja(value);
        m = singleMustache(handlebarsEnv.parse(value));
      } catch (err) {
        throw toTemplateError(err, value, where);
      }
      if (m) {
        const native = nativeValue(m, vars, where, value);
        if (native) return native.value;
      }
    }
    return renderString(value, vars, where);
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, vars, where));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, vars, where);
    return out;
  }
  return value;
}

interface FileEntry {
  mtimeMs: number;
  source: string;
  fn: Compiled;
}

const fileCache = new Map<string, FileEntry>();

/**
 * Renders a template file; compiled once per path and modification time. A file whose text is
 * one the build precompiled (the templates redplay ships, unchanged) takes that code instead.
 */
export async function renderFile(path: string, vars: Record<string, unknown>, where: TemplateWhere): Promise<string> {
  const w: TemplateWhere = { ...where, file: where.file ?? path };
  const { mtimeMs } = await stat(path);
  let entry = fileCache.get(path);
  if (!entry || entry.mtimeMs !== mtimeMs) {
    const source = await readFile(path, "utf8");
    let fn: Compiled;
    try {
      const built = precompiledTemplates[contentKey(source)];
      fn = built ? (handlebarsEnv.template((await built()).default) as Compiled) : compile(source);
    } catch (err) {
      throw toTemplateError(err, source, w);
    }
    entry = { mtimeMs, source, fn };
    fileCache.set(path, entry);
  }
  try {
    return entry.fn(vars);
  } catch (err) {
    throw toTemplateError(err, entry.source, w);
  }
}
