// Build-time work, so the CLI does not do it at every start: after `tsc` has type-checked the
// sources and written dist/ (which the tests' helpers and bench/ import), this bundles the CLI
// with esbuild into one CommonJS file, dist/bundle/redplay.cjs. Node then reads one file instead
// of resolving and compiling some 400 modules across node_modules, and bin/redplay.js can keep
// V8's compiled code for it between runs (a code cache, which Node 20 offers for scripts, not for
// ES modules). Each command's code is still only initialised when that command runs: esbuild
// turns the CLI's dynamic imports into lazily initialised parts of the file.
//
//   node scripts/build.mjs          (npm run build runs tsc first, then this)
//
// Every JSON Schema redplay knows before it runs (src/schema/known-schemas.ts: the playbook's
// parts and the inventory, the include/import actions, and each builtin module's arguments, as
// written and with templates let through) is compiled here into ajv's standalone code
// (dist/generated/), which the bundle uses in place of src/schema/precompiled.ts: no schema
// compilation, and no ajv, when the CLI starts. The schemas
// and their keys come from tsc's output, so they are the ones the bundle is built from. Likewise
// the templates in templates/ are compiled by Handlebars here (dist/generated/template-*.mjs),
// and a file with one of those exact texts is rendered with that code instead of compiling it.
//
// It also writes dist/bundle/help.txt: `redplay --help` as commander prints it to a pipe (80
// columns), which bin/redplay.js prints without loading the CLI.
//
// Left out of the bundle and required from node_modules when needed: zx (the lab only) and the
// native addons of bundled packages (ssh2's crypto binding, cpu-features).
import { readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repo = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("package.json", new URL("..", import.meta.url)), "utf8"));
const outdir = `${repo}dist/bundle`;
const generated = `${repo}dist/generated`;

/** Writes ajv standalone modules for every known schema, and the key -> validator table. */
async function generateValidators() {
  const dist = (rel) => import(new URL(`../dist/${rel}`, import.meta.url).href);
  const { Ajv } = await import("ajv");
  const { default: standaloneCode } = await import("ajv/dist/standalone/index.js");
  const { STRICT_OPTIONS, MODULE_OPTIONS } = await dist("schema/ajv.js");
  // Every schema the loader compiles that is known before a run (src/schema/known-schemas.ts
  // collects them from the loader's own functions and the builtin modules).
  const { knownSchemas } = await dist("schema/known-schemas.js");

  /** kind -> key -> { schema, wrappers } */
  const byKind = { strict: new Map(), module: new Map() };
  for (const { kind, key, schema, wrappers } of knownSchemas()) byKind[kind].set(key, { schema, wrappers });

  await rm(generated, { recursive: true, force: true });
  await mkdir(generated, { recursive: true });
  const table = [];
  const imports = [];
  for (const [kind, entries] of Object.entries(byKind)) {
    const ajv = new Ajv({ ...(kind === "strict" ? STRICT_OPTIONS : MODULE_OPTIONS), code: { source: true, esm: true } });
    const exports = {};
    [...entries].forEach(([key, { schema, wrappers }], i) => {
      ajv.addSchema(schema, key);
      exports[`v${i}`] = key;
      table.push(`  ${JSON.stringify(key)}: { validate: ${kind}Validators.v${i}, wrappers: ${JSON.stringify(wrappers)} },`);
    });
    await writeFile(`${generated}/validators-${kind}.mjs`, standaloneCode(ajv, exports));
    imports.push(`import * as ${kind}Validators from "./validators-${kind}.mjs";`);
  }
  await writeFile(`${generated}/precompiled.mjs`, `${imports.join("\n")}\n\nexport const precompiled = {\n${table.join("\n")}\n};\n`);
  return `${byKind.strict.size + byKind.module.size} validators`;
}

/**
 * Compiles each template in templates/ with the CLI's own Handlebars environment and options,
 * one module per template, and writes the key -> loader table.
 */
async function generateTemplates() {
  const dist = (rel) => import(new URL(`../dist/${rel}`, import.meta.url).href);
  const { handlebarsEnv, COMPILE_OPTIONS } = await dist("template/handlebars.js");
  const { contentKey } = await dist("content-key.js");
  const { findJinja } = await dist("template/jinja-detect.js");
  const dir = `${repo}templates`;
  const rows = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".hbs")).sort()) {
    const source = readFileSync(`${dir}/${name}`, "utf8");
    // Left to the run, which refuses it with the Jinja2 it found (as for any file it compiles).
    if (findJinja(source).length > 0) continue;
    const spec = handlebarsEnv.precompile(handlebarsEnv.parseWithoutProcessing(source), COMPILE_OPTIONS);
    const file = `template-${name.replace(/[^A-Za-z0-9.-]/g, "_")}.mjs`;
    await writeFile(`${generated}/${file}`, `// templates/${name}, compiled by scripts/build.mjs\nexport default ${spec};\n`);
    rows.push(`  ${JSON.stringify(contentKey(source))}: () => import("./${file}"),`);
  }
  await writeFile(`${generated}/templates.mjs`, `export const precompiledTemplates = {\n${rows.join("\n")}\n};\n`);
}

/** Points the sources' empty precompiled.ts tables at the generated ones. */
const precompiledPlugin = {
  name: "precompiled",
  setup(b) {
    const generatedFor = {
      "/src/schema/validators.ts": `${generated}/precompiled.mjs`,
      "/src/template/handlebars.ts": `${generated}/templates.mjs`,
    };
    b.onResolve({ filter: /^\.\/precompiled\.js$/ }, (args) => {
      const hit = Object.entries(generatedFor).find(([importer]) => args.importer.endsWith(importer));
      return hit ? { path: hit[1] } : undefined;
    });
  },
};

/**
 * Native addons stay where npm built them: a `.node` file required by a bundled package is
 * required at run time by its package path (`ssh2/lib/.../sshcrypto.node`), resolved from the
 * bundle like any dependency. Where the addon was not built, the package's own fallback applies,
 * exactly as without the bundle (ssh2 and cpu-features require them inside try/catch).
 */
const nativeAddonPlugin = {
  name: "native-addons",
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const file = `${args.resolveDir}/${args.path}`;
      const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(file.replace(/\/\.\//g, "/"));
      if (!m) return { errors: [{ text: `native addon outside node_modules: ${file}` }] };
      const parts = [];
      for (const seg of m[2].split("/")) {
        if (seg === "..") parts.pop();
        else if (seg !== ".") parts.push(seg);
      }
      return { path: `${m[1]}/${parts.join("/")}`, external: true };
    });
  },
};

await generateValidators();
await generateTemplates();

await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: repo,
  entryPoints: { redplay: "src/cli/main.ts" },
  outdir,
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["zx"],
  define: { __REDPLAY_VERSION__: JSON.stringify(pkg.version), "import.meta.url": "__redplayModuleUrl" },
  // The sources locate files and require() relative to their own module (import.meta.url): in
  // the bundle, that is the bundle.
  banner: { js: 'var __redplayModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [precompiledPlugin, nativeAddonPlugin],
  metafile: true,
  logLevel: "warning",
});
// bin/redplay.js runs the bundle as a script (vm.Script, for the code cache), where import() of a
// module outside it would fail: every import() must have become part of the bundle.
const outputs = Object.keys(result.metafile.outputs);
let bundled = readFileSync(`${outdir}/redplay.cjs`, "utf8");
const stray = bundled.match(/\bimport\((?!\s*\))/g);
if (outputs.length !== 1 || stray) throw new Error(`the bundle must be one file without import(): ${outputs.join(", ")}; ${stray?.length ?? 0} import() left`);
// bin/redplay.js reads the bundle as Latin-1, which for ASCII is the same text and several times
// faster to decode than UTF-8. esbuild escapes non-ASCII text except inside some regular
// expression literals (jexl's identifier pattern): \uXXXX means the same there, and in strings,
// identifiers and comments.
// (Code units one by one: a character beyond the BMP becomes its surrogate pair of escapes.)
bundled = bundled.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
if (/[^\x00-\x7f]/.test(bundled)) throw new Error("the bundle is not ASCII");
await writeFile(`${outdir}/redplay.cjs`, bundled);

// `--help` rendered by the bundle itself, to a pipe (stdout is not a terminal: 80 columns).
const help = spawnSync(process.execPath, ["-e", 'require("./dist/bundle/redplay.cjs").main(["--help"]).then((c) => (process.exitCode = c));'], {
  cwd: repo,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
if (help.status !== 0 || !help.stdout.startsWith("Usage: redplay")) throw new Error(`rendering --help failed (exit ${help.status}): ${help.stdout}`);
await writeFile(`${outdir}/help.txt`, help.stdout);
