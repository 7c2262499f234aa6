// Joins the results of several `bench/run.mjs` runs (for example one per lab size, run one after
// the other with --sizes so that a stopped run does not lose the others) into one result:
// rows and notes of each, in order, with when each part was measured.
//
//   node bench/merge-results.mjs OUT_NAME part1.json part2.json ...
//
// writes bench/results/OUT_NAME.json and OUT_NAME.md.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { judge, markdown } from "./lib/report.mjs";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const [out, ...parts] = process.argv.slice(2);
if (!out || parts.length === 0) {
  process.stderr.write("usage: node bench/merge-results.mjs OUT_NAME part1.json part2.json ...\n");
  process.exit(4);
}
const results = parts.map((p) => JSON.parse(readFileSync(p, "utf8")));
const last = results[results.length - 1];
const merged = {
  finishedAt: last.finishedAt,
  durationMin: Math.round(results.reduce((s, r) => s + r.durationMin, 0) * 10) / 10,
  mode: results.every((r) => r.mode === "full") ? "full" : results.map((r) => r.mode).join("+"),
  runs: last.runs,
  changeRuns: last.changeRuns,
  sizes: results.flatMap((r) => r.sizes),
  environment: results[0].environment,
  rows: judge(results.flatMap((r) => r.rows)),
  parts: results.map((r) => ({ sizes: r.sizes, finishedAt: r.finishedAt, durationMin: r.durationMin, redplay: r.environment.versions.redplay, loadavgAtStart: r.environment.machine.loadavgAtStart })),
  notes: [
    `Measured in ${results.length} consecutive runs of bench/run.mjs: ${results.map((r) => `sizes ${r.sizes.join(",")} finished ${r.finishedAt} (${r.durationMin} min, load average at start ${r.environment.machine.loadavgAtStart.join(" ")})`).join("; ")}.`,
    ...results.flatMap((r) => r.notes),
  ],
};
const versions = new Set(results.map((r) => r.environment.versions.redplay));
if (versions.size > 1) merged.notes.unshift(`The parts measured different redplay builds: ${[...versions].join(" / ")}.`);
writeFileSync(join(REPO, "bench/results", `${out}.json`), `${JSON.stringify(merged, null, 2)}\n`);
writeFileSync(join(REPO, "bench/results", `${out}.md`), markdown(merged));
process.stdout.write(`wrote bench/results/${out}.json and ${out}.md\n`);
