#!/usr/bin/env -S node --max-semi-space-size=1
// Starts the CLI. `--version` and `--help` alone are answered here, without loading it: the
// version from package.json, the help as commander printed it at build time
// (dist/bundle/help.txt, 80 columns, the width commander uses when stdout is not a terminal).
//
// Everything else runs the bundle `npm run build` writes (dist/bundle/redplay.cjs), or tsc's
// output when the bundle is missing or older than it (only `tsc` was run since the last full
// build), so the CLI never runs code older than the sources it was built from. The bundle runs as
// a script with V8's code cache: the compiled code of the first successful run of each command
// (of each playbook, for `run`) is kept under $XDG_CACHE_HOME/redplay (~/.cache/redplay) and
// reused by the next runs, which then skip most parsing and compiling. A cache entry names the
// installation (this file's path), the bundle by size and modification time (V8 itself checks
// only the source's length), the Node version and flags; one that V8 refuses is replaced, and a
// cache that cannot be read or written only costs that time.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { createRequire } from "node:module";

const args = process.argv.slice(2);
const here = (rel) => new URL(rel, import.meta.url);
const stat = (rel) => statSync(here(rel), { throwIfNoEntry: false });
const bundle = stat("../dist/bundle/redplay.cjs");
const fresh = bundle !== undefined && bundle.mtimeMs >= (stat("../dist/cli/main.js")?.mtimeMs ?? 0);

if (args.length === 1 && args[0] === "--version") {
  process.stdout.write(`${JSON.parse(readFileSync(here("../package.json"), "utf8")).version}\n`);
} else if (
  fresh &&
  args.length === 1 &&
  (args[0] === "--help" || args[0] === "-h") &&
  (stat("../dist/bundle/help.txt")?.mtimeMs ?? 0) >= bundle.mtimeMs &&
  (!process.stdout.isTTY || process.stdout.columns === 80)
) {
  process.stdout.write(readFileSync(here("../dist/bundle/help.txt")));
} else if (fresh) {
  process.exitCode = await runBundle(fileURLToPath(here("../dist/bundle/redplay.cjs")), bundle);
} else {
  const { main } = await import("../dist/cli/main.js");
  process.exitCode = await main(args);
}

/** Runs the bundle's main() with the code cache for this command; resolves to the exit code. */
async function runBundle(file, st) {
  const cacheFile = codeCacheFile(st);
  let cachedData;
  try {
    if (cacheFile) cachedData = readFileSync(cacheFile);
  } catch {
    // No cache yet: this run compiles, and leaves one for the next.
  }
  // The build makes the bundle ASCII, so Latin-1 decodes it to the same text, faster than UTF-8.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "latin1")}\n})`;
  const script = new vm.Script(source, { filename: file, cachedData });
  // Deserialized: the cache's own bytes can go.
  const hadCache = cachedData !== undefined;
  cachedData = undefined;
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const code = await module.exports.main(args);
  // Only a complete run leaves a cache: one from `--help`, a refused playbook, or a run that only
  // lists or checks the playbook (--list-*, --syntax-check) would hold little of the code the
  // next runs need.
  const partial = code !== 0 || args.some((a) => ["--help", "-h", "--version", "--list-hosts", "--list-tasks", "--list-tags", "--syntax-check"].includes(a));
  if (cacheFile && !partial && (!hadCache || script.cachedDataRejected)) saveCodeCache(cacheFile, script);
  return code;
}

/** Where this command's code cache for this bundle, Node and flags lives (undefined: none). */
function codeCacheFile(st) {
  const cacheHome = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), ".cache") : join(tmpdir(), `redplay-${process.getuid?.() ?? "user"}`));
  // `run` caches are kept per playbook file name: setup and failover run different modules.
  const command = /^[a-z]+$/.test(args[0] ?? "") ? args[0] : "other";
  const takesValue = new Set([
    ...["-i", "--inventory", "-l", "--limit", "-e", "--extra-vars", "-t", "--tags", "--skip-tags", "-f", "--forks"],
    ...["-u", "--user", "--become-user", "--private-key", "--key-file", "-c", "--connection", "-T", "--timeout"],
    ...["--start-at-task", "--vault-password-file", "--vault-id"],
  ]);
  const playbook = command === "run" ? (args.find((a, i) => i > 0 && !a.startsWith("-") && !takesValue.has(args[i - 1])) ?? "") : "";
  const what = playbook ? `${command}_${basename(playbook).replace(/[^A-Za-z0-9.]+/g, "_")}` : command;
  const flags = process.execArgv.join(" ").replace(/[^A-Za-z0-9=.-]+/g, "_") || "none";
  return join(cacheHome, "redplay", `code-${pathKey(fileURLToPath(import.meta.url))}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.arch}-${flags}-${what}.v8`);
}

/** A short name for this installation, so checkouts side by side keep their own caches. */
function pathKey(path) {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** mkdir that tolerates an existing directory. Not `recursive`: Node 20's loops forever under /proc. */
function ensureDir(dir) {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (err.code !== "EEXIST") throw err;
  }
}

/** Writes the cache atomically and drops the caches of earlier bundles; any failure is ignored. */
function saveCodeCache(cacheFile, script) {
  try {
    const dir = dirname(cacheFile);
    ensureDir(dirname(dir));
    ensureDir(dir);
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, cacheFile);
    // code-<installation>-<size>-<mtime>-...: this installation's caches of earlier builds go.
    const [prefix, installation, size, mtime] = cacheFile.slice(dir.length + 1).split("-");
    const current = `${prefix}-${installation}-${size}-${mtime}-`;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`${prefix}-${installation}-`) && !name.startsWith(current) && !name.endsWith(".tmp")) unlinkSync(join(dir, name));
    }
  } catch {
    // A read-only or full cache directory: the next run compiles again, nothing else changes.
  }
}
