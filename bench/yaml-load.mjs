// Load time of large YAML inputs through the real entry point: `redplay validate PLAYBOOK -i
// INVENTORY` (bin/redplay.js executed as npx runs it, so with its shebang's Node flags), for an
// inventory of many hosts with host vars, a vars file of many keys (the playbook's vars_files) and a
// playbook of many tasks, each at 1, 5 and 10 MiB. Each case also runs once with a mistake on its
// last lines, to check the error still gets exit 4 and its exact file:line:col.
//
//   npm run build && node bench/yaml-load.mjs [--sizes 1,5,10] [--runs 5] [--shapes inventory,vars,playbook]
//
// Writes bench/results/yaml-load.json and bench/results/yaml-load.md: median (min-max) of the runs
// for wall time, CPU time (user + sys, less sensitive to a busy machine) and peak RSS (GNU time).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { summary } from "./lib/stats.mjs";
import { writeCase } from "./lib/yaml-inputs.mjs";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO, "bin", "redplay.js");
const RESULTS = join(REPO, "bench", "results");
const MiB = 1024 * 1024;
const TARGET_MS = 2000;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const sizes = arg("sizes", "1,5,10").split(",").map(Number);
const runs = Number(arg("runs", "5"));
const shapes = arg("shapes", "inventory,vars,playbook").split(",");
if (sizes.some((s) => !(s > 0)) || !Number.isInteger(runs) || runs < 1 || shapes.some((s) => !["inventory", "vars", "playbook"].includes(s))) {
  console.error("usage: node bench/yaml-load.mjs [--sizes 1,5,10] [--runs 5] [--shapes inventory,vars,playbook]");
  process.exit(4);
}

const FLOOR = join(REPO, "bench", "lib", "yaml-floor.mjs");

/** Runs `bin args` under GNU time; wall, CPU and peak RSS as time(1) reports them. */
function timed(args, cwd, bin = BIN) {
  const out = join(tmpdir(), `redplay-yaml-load-${process.pid}.time`);
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "%e %U %S %M", "-o", out, bin, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const [wall, user, sys, rss] = readFileSync(out, "utf8").trim().split("\n").at(-1).split(" ").map(Number);
      rmSync(out, { force: true });
      resolve({ code, stdout, stderr, wallMs: wall * 1000, cpuMs: (user + sys) * 1000, maxRssKb: rss });
    });
  });
}

/**
 * Puts one mistake at the end of the big file and says where validate must report it:
 * an invalid host var name, an invalid variable name, a misspelt module.
 */
function injectMistake(c, shape) {
  const text = readFileSync(c.bigFile, "utf8");
  const lineCount = text.split("\n").length - 1;
  if (shape === "inventory") {
    writeFileSync(c.bigFile, `${text}              1st_var: x\n`);
    return { file: "inventory.yaml", line: lineCount + 1, col: 15, message: 'invalid variable name "1st_var"' };
  }
  if (shape === "vars") {
    writeFileSync(c.bigFile, `${text}9lives: true\n`);
    return { file: "vars.yaml", line: lineCount + 1, col: 1, message: 'invalid variable name "9lives"' };
  }
  const at = text.lastIndexOf("  handlers:\n");
  const line = text.slice(0, at).split("\n").length;
  writeFileSync(c.bigFile, `${text.slice(0, at)}    - name: Misspelt\n      tempalte:\n        src: a.hbs\n        dest: /tmp/a\n${text.slice(at)}`);
  return { file: "playbook.yaml", line: line + 1, col: 7, message: 'unknown module "tempalte"' };
}

const work = mkdtempSync(join(tmpdir(), "redplay-yaml-load-"));
const cases = [];
for (const shape of shapes) {
  for (const mb of sizes) {
    const ok = writeCase(join(work, `${shape}-${mb}`), shape, Math.round(mb * MiB));
    const bad = writeCase(join(work, `${shape}-${mb}-bad`), shape, Math.round(mb * MiB));
    const expected = injectMistake(bad, shape);
    cases.push({ shape, mb, bytes: ok.bigBytes, ok, bad, expected, samples: [], floor: [], error: null });
  }
}

const git = (args) => {
  try {
    return execFileSync("git", ["-C", REPO, ...args], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
};
// What dist/ was built from: the commit, and whether src/ or bin/ differed from it at the start.
const commit = `${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "--", "src", "bin"]) ? " + uncommitted changes" : ""}`;
const started = new Date();
const load = loadavg().map((x) => Math.round(x * 100) / 100);
const failures = [];
try {
  // Round-robin over the cases, so a busy spell on the machine spreads over all of them.
  for (let r = 0; r < runs; r++) {
    for (const c of cases) {
      const res = await timed(["validate", c.ok.playbook, "-i", c.ok.inventory], REPO);
      if (res.code !== 0 || !res.stdout.includes("valid")) failures.push(`${c.shape} ${c.mb} MiB: exit ${res.code}: ${res.stderr.slice(0, 500)}`);
      c.samples.push(res);
      const floor = await timed([c.ok.bigFile], REPO, FLOOR);
      if (floor.code !== 0) failures.push(`${c.shape} ${c.mb} MiB: js-yaml alone exited ${floor.code}: ${floor.stderr.slice(0, 500)}`);
      c.floor.push(floor);
      process.stderr.write(
        `run ${r + 1}/${runs} ${c.shape} ${c.mb} MiB: ${(res.wallMs / 1000).toFixed(2)} s, ${(res.cpuMs / 1000).toFixed(2)} s CPU (js-yaml alone ${(floor.cpuMs / 1000).toFixed(2)}), ${(res.maxRssKb / 1024).toFixed(0)} MB\n`,
      );
    }
  }
  for (const c of cases) {
    const res = await timed(["validate", c.bad.playbook, "-i", c.bad.inventory], REPO);
    const { file, line, col, message } = c.expected;
    const where = `${file}:${line}:${col}: ${message}`;
    const reported = res.stderr.split("\n").filter((l) => l.startsWith("error: "));
    const exact = res.code === 4 && reported.length === 1 && (reported[0].startsWith(`error: ${where}`) || reported[0].includes(`/${where}`));
    c.error = { wallMs: res.wallMs, maxRssKb: res.maxRssKb, code: res.code, expected: where, reported, exact };
    if (!exact) failures.push(`${c.shape} ${c.mb} MiB with a mistake: expected exit 4 and ${where}, got exit ${res.code}: ${res.stderr.slice(0, 500)}`);
    process.stderr.write(`mistake ${c.shape} ${c.mb} MiB: exit ${res.code}, ${exact ? "exact" : "NOT exact"}, ${(res.wallMs / 1000).toFixed(2)} s\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const rows = cases.map((c) => ({
  shape: c.shape,
  mib: c.mb,
  bytes: c.bytes,
  wallMs: summary(c.samples.map((s) => s.wallMs)),
  cpuMs: summary(c.samples.map((s) => s.cpuMs)),
  maxRssKb: summary(c.samples.map((s) => s.maxRssKb)),
  yamlAlone: { wallMs: summary(c.floor.map((s) => s.wallMs)), cpuMs: summary(c.floor.map((s) => s.cpuMs)) },
  error: c.error,
}));
const result = {
  startedAt: started.toISOString(),
  command: `node bench/yaml-load.mjs --sizes ${sizes.join(",")} --runs ${runs} --shapes ${shapes.join(",")}`,
  commit,
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? "unknown",
  loadavgAtStart: load,
  loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  runs,
  targetMs: TARGET_MS,
  rows,
  failures,
};

const s = (ms) => `${(ms / 1000).toFixed(2)}`;
const range = (x, f) => (x ? `${f(x.median)} (${f(x.min)}–${f(x.max)})` : "-");
const mb = (kb) => `${(kb / 1024).toFixed(0)}`;
const md = [
  "# YAML loading: `redplay validate` on large inputs",
  "",
  `${result.startedAt}, commit ${result.commit}, node ${result.node}, ${result.cpus} × ${result.cpuModel}, load average ${load.join(" ")} at start, ${result.loadavgAtEnd.join(" ")} at end.`,
  `\`${result.command}\`. Median (min–max) of ${runs} runs of \`bin/redplay.js validate PLAYBOOK -i INVENTORY\` (its shebang flags included);`,
  "CPU = user + sys. The other two files of each case are small. Target: a 10 MiB file in under 2 s (wall).",
  "\"js-yaml alone\" is js-yaml's load of the big file by itself (bench/lib/yaml-floor.mjs, the same Node flags as redplay): the part of the load that",
  "redplay does not control. redplay reads a file with js-yaml, typing plain scalars as the yaml package does, and parses it again with the yaml",
  "package (for positions) only when an error must be located: the runs with a mistake include that second parse.",
  "",
  "| input | MiB | wall s | CPU s | peak RSS MB | js-yaml alone: wall s | js-yaml alone: CPU s | with a mistake on its last lines: exit, location exact, wall s |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.shape} | ${(r.bytes / MiB).toFixed(2)} | ${range(r.wallMs, s)} | ${range(r.cpuMs, s)} | ${range(r.maxRssKb, mb)} | ${range(r.yamlAlone.wallMs, s)} | ${range(r.yamlAlone.cpuMs, s)} | ${r.error ? `${r.error.code}, ${r.error.exact ? "yes" : "**no**"}, ${s(r.error.wallMs)}` : "-"} |`,
  ),
  "",
  "Inputs (bench/lib/yaml-inputs.mjs): inventory = groups of 500 hosts, each host with 6 vars (address, port, role, rack, memory, a list);",
  "vars = settings, numbers, yes/off booleans, 0644 modes, lists and small mappings; playbook = one play of template/command/file/set_fact/debug tasks and blocks with rescue, with when/tags/notify/register.",
  ...(failures.length ? ["", "## Failures", "", ...failures.map((f) => `- ${f.replace(/\n/g, " ")}`)] : []),
  "",
];
writeFileSync(join(RESULTS, "yaml-load.json"), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(RESULTS, "yaml-load.md"), md.join("\n"));
console.log(md.join("\n"));
if (failures.length) process.exitCode = 1;
