// bench/results/chaos.json and chaos.md: the latest run of each form (short, long, replay), with
// how many schedules ran and held and the seeds of those that did not.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const TITLES = { short: "Short form (`npm run chaos -- --short`)", long: "Long form (`npm run chaos`, or `-- --schedules N`)", replay: "Last replay (`--seed`)" };

function markdown(all) {
  const lines = [
    "# Chaos schedules",
    "",
    "Written by `npm run chaos` (chaos/run.mjs); each form keeps its latest run. A schedule holds when, read",
    "directly from the servers, no two primaries accepted writes at once, no node was left down that the",
    "schedule did not kill, the group converged after the heal and a setup run, and every acknowledged",
    "write was on the final primary (except those setup names as discarded, as the README allows).",
    "",
  ];
  for (const form of ["short", "long", "replay"]) {
    const r = all[form];
    if (!r) continue;
    lines.push(`## ${TITLES[form]}`, "");
    lines.push(`- date: ${r.date}; ${r.nodes} nodes at ${r.base}; ${r.machine}`);
    lines.push(`- run seed: ${r.runSeed ?? "-"}; wall time ${r.wallS} s (${r.medianScheduleS} s median per schedule)`);
    lines.push(`- schedules run: **${r.run}**, held: **${r.held}**, failed: **${r.failed.length}** (schedule generator v${r.scheduleVersion})`);
    if (r.harnessErrors?.length) lines.push(`- not judged (the harness or the lab broke): ${r.harnessErrors.map((h) => `${h.seed} (${h.error})`).join("; ")}`);
    if (r.harnessFailure) lines.push(`- the run stopped early: ${r.harnessFailure}`);
    lines.push(`- acknowledged writes checked: ${r.ackedWrites}; discarded as the README allows: ${r.excusedWrites}`);
    if (r.tempDirsLeft !== undefined) lines.push(`- config-check temp dirs left in the nodes' /tmp by interrupted runs (then removed): ${r.tempDirsLeft}`);
    lines.push(`- steps by kind: ${Object.entries(r.stepKinds).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    if (r.failed.length) {
      lines.push("", "| seed | violations | replay |", "|---|---|---|");
      for (const f of r.failed) {
        lines.push(`| ${f.seed} | ${f.violations.map((v) => `${v.invariant}: ${v.detail}`.replaceAll("|", "\\|")).join("<br>")} | \`npm run chaos -- --seed ${f.seed}\` |`);
      }
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** Replaces the entry of `form` and rewrites both files. */
export async function writeResults(dir, form, result) {
  const jsonPath = join(dir, "chaos.json");
  const all = existsSync(jsonPath) ? JSON.parse(await readFile(jsonPath, "utf8")) : {};
  all[form] = result;
  await writeFile(jsonPath, `${JSON.stringify(all, null, 2)}\n`);
  await writeFile(join(dir, "chaos.md"), markdown(all));
}
