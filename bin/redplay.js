#!/usr/bin/env -S node --max-semi-space-size=1
// Runs the bundle that `npm run build` writes (dist/bundle/), or tsc's output when the bundle is
// missing or older than it (only `tsc` was run since the last full build), so the CLI never runs
// code older than the sources it was built from.
// `--version` and `--help` alone are answered here, without loading the CLI: the version from
// package.json, the help as commander printed it at build time (dist/bundle/help.txt, 80 columns,
// the width commander uses when stdout is not a terminal).
import { readFileSync, statSync } from "node:fs";

const args = process.argv.slice(2);
const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const bundled = mtime("../dist/bundle/redplay.mjs");
const fresh = bundled > 0 && bundled >= mtime("../dist/cli/main.js");

if (args.length === 1 && args[0] === "--version") {
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else if (fresh && mtime("../dist/bundle/help.txt") >= bundled && args.length === 1 && (args[0] === "--help" || args[0] === "-h") && (!process.stdout.isTTY || process.stdout.columns === 80)) {
  process.stdout.write(readFileSync(new URL("../dist/bundle/help.txt", import.meta.url)));
} else {
  const { main } = await (fresh ? import("../dist/bundle/redplay.mjs") : import("../dist/cli/main.js"));
  process.exitCode = await main(args);
}
