// Build-time work, so the CLI does not do it at every start: after `tsc` has type-checked the
// sources and written dist/ (which the tests' helpers and bench/ import), this bundles the CLI
// with esbuild into dist/bundle/: one file for what every command needs (commander and the
// command definitions) and one chunk per command, loaded when that command runs. Node then reads a
// handful of files instead of resolving and compiling some 400 modules across node_modules.
//
//   node scripts/build.mjs          (npm run build runs tsc first, then this)
//
// It also writes dist/bundle/help.txt: `redplay --help` as commander prints it to a pipe (80
// columns), which bin/redplay.js prints without loading the CLI.
//
// Left out of the bundle and loaded from node_modules when needed: ssh2 (its optional native
// crypto binding is found relative to its own files) and zx (the lab only).
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repo = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("package.json", new URL("..", import.meta.url)), "utf8"));
const outdir = `${repo}dist/bundle`;

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: repo,
  entryPoints: { redplay: "src/cli/main.ts" },
  outdir,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["ssh2", "zx"],
  define: { __REDPLAY_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: { js: 'import { createRequire as __redplayCreateRequire } from "node:module";\nconst require = __redplayCreateRequire(import.meta.url);' },
  logLevel: "warning",
});

// `--help` rendered by the bundle itself, to a pipe (stdout is not a terminal: 80 columns).
const help = spawnSync(process.execPath, ["--input-type=module", "-e", 'const { main } = await import("./dist/bundle/redplay.mjs"); process.exitCode = await main(["--help"]);'], {
  cwd: repo,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
if (help.status !== 0 || !help.stdout.startsWith("Usage: redplay")) throw new Error(`rendering --help failed (exit ${help.status}): ${help.stdout}`);
await writeFile(`${outdir}/help.txt`, help.stdout);
