#!/usr/bin/env node
// Controller speed: how long redplay takes to start, validate and do a no-change run, measured
// from outside with GNU time (wall, user+sys CPU-seconds, peak RSS), against `node -e 0` on the
// same machine. The hosts of a lab answer in milliseconds, so these figures are the controller's
// own cost: module loading, schema compilation, per-task overhead.
//
//   node bench/startup.mjs                      # 3-node lab on 127.0.0.240.., 7 runs per figure
//   node bench/startup.mjs --nodes 10 --runs 5  # a bigger lab (addresses base .. base+nodes-1)
//   node bench/startup.mjs --lab-dir DIR        # use a lab that is already up (left up afterwards)
//   node bench/startup.mjs --no-lab             # only --version, --help and validate
//   node bench/startup.mjs --out NAME           # bench/results/NAME.md/json (default: startup)
//
// It runs the built CLI as `npx redplay` does (bin/redplay.js through its shebang); build first.
// Commands alternate run by run, so a burst of load on a shared machine spreads over all of them.
// bin/redplay.js keeps V8's compiled code between runs (~/.cache/redplay); the rows marked "no
// code cache" give every run an empty cache directory, as after a fresh build or install. Where
// bench/results/latest.json (bench/run.mjs) has Ansible's median for the same scenario and
// size, the speed-up against it is shown too; this script does not run Ansible.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run as runProcess } from "./lib/proc.mjs";
import { recapTotals } from "./lib/tools.mjs";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO, "bin/redplay.js");

function parseArgs(argv) {
  const opts = { runs: 7, nodes: 3, base: "127.0.0.240", labDir: undefined, lab: true, out: "startup" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--runs") opts.runs = Number(next());
    else if (a === "--nodes") opts.nodes = Number(next());
    else if (a === "--base") opts.base = next();
    else if (a === "--lab-dir") opts.labDir = next();
    else if (a === "--no-lab") opts.lab = false;
    else if (a === "--out") opts.out = next();
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error("--runs must be a whole number >= 1");
  return opts;
}

/** A command run to its end in the repository; resolves to { code, stdout, stderr }. */
const run = (cmd, args, { timeoutMs = 300_000, env = {} } = {}) => runProcess(cmd, args, { cwd: REPO, env, timeoutMs });

let seq = 0;

/** One run under `/usr/bin/time -f '%e %U %S %M'`: wall s, user s, sys s, peak RSS kB. */
async function timed(cmd, args, { cold = false } = {}) {
  const file = join(tmpdir(), `redplay-startup-${process.pid}-${seq++}.txt`);
  // An empty cache directory for this run only: the CLI compiles everything, and saves a cache there.
  const cacheHome = cold ? await mkdtemp(join(tmpdir(), "redplay-startup-cache-")) : undefined;
  const r = await run("/usr/bin/time", ["-f", "%e %U %S %M", "-o", file, cmd, ...args], { env: cacheHome ? { XDG_CACHE_HOME: cacheHome } : {} });
  if (cacheHome) await rm(cacheHome, { recursive: true, force: true });
  const text = (await readFile(file, "utf8").catch(() => "")).trim().split("\n").pop() ?? "";
  await rm(file, { force: true });
  const [wall, user, sys, rss] = text.split(/\s+/).map(Number);
  if (![wall, user, sys, rss].every(Number.isFinite)) throw new Error(`no timing for ${cmd} ${args.join(" ")}: ${text}\n${r.stderr}`);
  return { ...r, wall, cpu: user + sys, rssMb: rss / 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summary(samples) {
  const pick = (k) => samples.map((s) => s[k]);
  return {
    runs: samples.length,
    wall: { median: median(pick("wall")), min: Math.min(...pick("wall")), max: Math.max(...pick("wall")) },
    cpu: { median: median(pick("cpu")), min: Math.min(...pick("cpu")), max: Math.max(...pick("cpu")) },
    rssMb: { median: median(pick("rssMb")), max: Math.max(...pick("rssMb")) },
    samples,
  };
}

async function labCli(args) {
  const r = await run(process.execPath, [BIN, "lab", ...args]);
  if (r.code !== 0) throw new Error(`redplay lab ${args.join(" ")} exited ${r.code}:\n${r.stdout}${r.stderr}`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(join(REPO, "dist"))) throw new Error("dist/ is missing: build first (npm run build)");
  const load = loadavg();

  let labDir = opts.labDir;
  let ownLab = false;
  if (opts.lab && !labDir) {
    labDir = join(tmpdir(), `redplay-startup-lab-${process.pid}`);
    process.stderr.write(`[startup] lab up: ${opts.nodes} nodes from ${opts.base} in ${labDir}\n`);
    await labCli(["up", "--nodes", String(opts.nodes), "--base", opts.base, "--dir", labDir]);
    ownLab = true;
  }

  try {
    const inventory = labDir ? join(labDir, "inventory.yaml") : undefined;
    /** name -> [cmd, args, check(result) -> error text or null] */
    const commands = [
      ["node -e 0", process.execPath, ["-e", "0"]],
      ["redplay --version", BIN, ["--version"]],
      ["redplay --help", BIN, ["--help"]],
      ["redplay validate playbooks/setup.yaml", BIN, ["validate", "playbooks/setup.yaml"]],
    ];
    if (inventory) {
      commands.push(["redplay validate playbooks/setup.yaml -i LAB", BIN, ["validate", "playbooks/setup.yaml", "-i", inventory]]);
      const setupArgs = ["run", "playbooks/setup.yaml", "-i", inventory];
      process.stderr.write("[startup] converging the lab (setup.yaml once, not measured)\n");
      const first = await run(BIN, setupArgs);
      if (first.code !== 0) throw new Error(`setup.yaml exited ${first.code}:\n${first.stdout}${first.stderr}`);
      commands.push([`no-change run (${opts.nodes} hosts)`, BIN, setupArgs, "nochange"]);
      commands.push([`--check --diff (${opts.nodes} hosts)`, BIN, [...setupArgs, "--check", "--diff"], "nochange"]);
      commands.push([`no-change run (${opts.nodes} hosts), no code cache`, BIN, setupArgs, "nochange", "cold"]);
    }
    commands.splice(4, 0, ["redplay validate playbooks/setup.yaml, no code cache", BIN, ["validate", "playbooks/setup.yaml"], undefined, "cold"]);

    // One unmeasured run of each command first, so the rows with a code cache find one.
    for (const [, cmd, args, , cold] of commands) if (cold !== "cold") await run(cmd, args);
    const samples = new Map(commands.map(([name]) => [name, []]));
    for (let i = 0; i < opts.runs; i++) {
      for (const [name, cmd, args, expect, cold] of commands) {
        const r = await timed(cmd, args, { cold: cold === "cold" });
        if (r.code !== 0) throw new Error(`${name} exited ${r.code}:\n${r.stdout}${r.stderr}`);
        if (expect === "nochange") {
          const t = recapTotals(r.stdout);
          if (!t || t.hosts !== opts.nodes || t.changed || t.failed || t.unreachable) {
            throw new Error(`${name} was not a clean no-change run: ${JSON.stringify(t)}\n${r.stdout}`);
          }
        }
        samples.get(name).push({ wall: r.wall, cpu: r.cpu, rssMb: r.rssMb });
      }
      process.stderr.write(`[startup] run ${i + 1}/${opts.runs} done\n`);
    }

    const results = Object.fromEntries([...samples].map(([name, s]) => [name, summary(s)]));
    await report(opts, results, load);
  } finally {
    if (ownLab) await labCli(["down", "--dir", labDir]).catch((e) => process.stderr.write(`[startup] lab down failed: ${e.message}\n`));
  }
}

/** Ansible's median wall time (s) per scenario for this many nodes, from bench/run.mjs's latest results. */
async function ansibleReference(nodes) {
  try {
    const latest = JSON.parse(await readFile(join(REPO, "bench/results/latest.json"), "utf8"));
    const out = { measured: latest.finishedAt };
    for (const row of latest.rows ?? []) {
      const median = row.ansible?.wallMs?.median;
      if (row.nodes === nodes && typeof median === "number") out[row.scenario] = median / 1000;
    }
    return out["no-change"] || out["check-diff"] ? out : undefined;
  } catch {
    return undefined;
  }
}

async function report(opts, results, load) {
  const node = results["node -e 0"];
  const ansible = await ansibleReference(opts.nodes);
  const speedup = { [`no-change run (${opts.nodes} hosts)`]: "no-change", [`--check --diff (${opts.nodes} hosts)`]: "check-diff" };
  const versusAnsible = (name, r) => {
    const a = ansible?.[speedup[name]];
    return a ? `${(a / r.wall.median).toFixed(1)}x (Ansible ${a.toFixed(2)} s)` : "-";
  };
  const git = await run("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = (await run("git", ["status", "--porcelain", "--untracked-files=no"])).stdout.trim() !== "";
  const commit = `${git.stdout.trim()}${dirty ? "+dirty" : ""}`;
  const nochange = `no-change run (${opts.nodes} hosts)`;
  const checkDiff = `--check --diff (${opts.nodes} hosts)`;
  const rssLimit = opts.nodes <= 3 ? 70 : opts.nodes <= 30 ? 90 : Infinity;
  const targets = {
    "redplay --version": (r) => [`<= 1.5x node -e 0 (${(r.wall.median / node.wall.median).toFixed(2)}x)`, r.wall.median <= 1.5 * node.wall.median],
    "redplay --help": (r) => [`<= 1.5x node -e 0 (${(r.wall.median / node.wall.median).toFixed(2)}x)`, r.wall.median <= 1.5 * node.wall.median],
    "redplay validate playbooks/setup.yaml": (r) => ["< 0.15 s", r.wall.median < 0.15],
    [nochange]: (r) =>
      opts.nodes === 3
        ? [`< 0.25 s wall, < 0.25 CPU-s, < ${rssLimit} MB`, r.wall.median < 0.25 && r.cpu.median < 0.25 && r.rssMb.max < rssLimit]
        : opts.nodes === 30
          ? [`< 1 s wall, < ${rssLimit} MB`, r.wall.median < 1 && r.rssMb.max < rssLimit]
          : [`< ${rssLimit} MB`, r.rssMb.max < rssLimit],
    [checkDiff]: (r) =>
      opts.nodes === 3
        ? ["< 0.25 s wall, < 0.25 CPU-s", r.wall.median < 0.25 && r.cpu.median < 0.25]
        : opts.nodes === 30
          ? ["< 1 s wall", r.wall.median < 1]
          : null,
  };
  const fmt = (x, unit) => `${x.toFixed(unit === "MB" ? 0 : 3)}${unit === "MB" ? " MB" : " s"}`;
  const rows = Object.entries(results).map(([name, r]) => {
    const t = targets[name]?.(r);
    return `| ${name} | ${fmt(r.wall.median, "s")} (${fmt(r.wall.min, "s")}–${fmt(r.wall.max, "s")}) | ${fmt(r.cpu.median, "s")} | ${fmt(r.rssMb.max, "MB")} | ${(r.wall.median / node.wall.median).toFixed(2)}x | ${versusAnsible(name, r)} | ${t ? `${t[0]}: **${t[1] ? "met" : "missed"}**` : "-"} |`;
  });
  const nodeVersion = (await run(process.execPath, ["--version"])).stdout.trim();
  const md = [
    "# redplay controller start-up and no-change runs",
    "",
    `Measured ${new Date().toISOString()} with \`node bench/startup.mjs${process.argv.slice(2).length ? " " + process.argv.slice(2).join(" ") : ""}\`: ${opts.runs} runs per figure, commands alternating run by run, each under \`/usr/bin/time -f '%e %U %S %M'\`.`,
    `Wall and CPU (user+sys) are medians; RSS is the largest peak over the runs. ${opts.lab ? `Lab: ${opts.nodes} node(s) from ${opts.base}, converged before measuring; every measured run is checked to exit 0 with changed=0.` : "No lab."}`,
    "",
    "| command | wall median (min–max) | CPU-s median | peak RSS | vs node -e 0 | speed-up vs Ansible | target |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ansible
      ? `Ansible: medians of bench/results/latest.json (bench/run.mjs, measured ${ansible.measured}, another time and load than the figures above).`
      : "Ansible: no figure for this size in bench/results/latest.json.",
    "",
    `Machine: ${cpus().length} cores, ${cpus()[0]?.model ?? "?"}; load average at start ${load.map((x) => x.toFixed(2)).join(" ")}, at the end ${loadavg().map((x) => x.toFixed(2)).join(" ")}; node ${nodeVersion}; redplay ${commit}.`,
    "",
  ].join("\n");
  await mkdir(join(REPO, "bench/results"), { recursive: true });
  await writeFile(join(REPO, `bench/results/${opts.out}.md`), md);
  await writeFile(
    join(REPO, `bench/results/${opts.out}.json`),
    JSON.stringify({ measured: new Date().toISOString(), commit, node: nodeVersion, cores: cpus().length, loadavg: load, options: opts, ansible, results }, null, 2) + "\n",
  );
  process.stdout.write(md);
}

main().catch((err) => {
  process.stderr.write(`[startup] ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
