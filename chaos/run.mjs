// `npm run chaos`: seeded random schedules of faults (kill -9 of nodes, SIGKILL of the
// controller mid-run, two runs at once, a node returning at any moment, a bad setting) mixed with
// setup, failover and switchover runs under a SET + WAIT writer, on one namespace lab
// (127.0.0.211 and up) reused across schedules. After each step and at the end of each schedule
// the invariants are checked against the servers themselves (chaos/lib/invariants.mjs).
//
//   npm run chaos -- --short           20 schedules
//   npm run chaos                      200 schedules (the long form)
//   npm run chaos -- --schedules 60    any number
//   npm run chaos -- --seed 123456     replay one schedule, printing every step
//   ... --run-seed R   repeat a whole run; --nodes 3; --base 127.0.0.211; --dir DIR; -v
//
// Exit code: 0 every schedule held; 1 an invariant was violated (the seeds are printed);
// 2 the harness or the lab itself failed (and nothing was violated). Needs root (the lab) and a
// built dist/ (`npm run chaos` builds it first).
import { mkdir, stat, writeFile } from "node:fs/promises";
import { cpus, homedir, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sweepTempDirs } from "./lib/debris.mjs";
import { HarnessError, prepare, rebuild, runSchedule } from "./lib/execute.mjs";
import { downLab, inventoryOf, labNodes } from "./lib/lab.mjs";
import { freshSeed, scheduleSeeds } from "./lib/prng.mjs";
import { REPO } from "./lib/redplay.mjs";
import { writeResults } from "./lib/results.mjs";
import { SCHEDULE_VERSION, makeSchedule } from "./lib/schedule.mjs";

const argv = process.argv.slice(2);
function opt(name, fallback) {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith("--")) usage(`--${name} needs a value`);
  return v;
}
function num(name, fallback, max = 2 ** 32 - 1) {
  const raw = opt(name, undefined);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) usage(`--${name} must be a whole number from 0 to ${max}, got ${raw}`);
  return n;
}
function usage(msg) {
  console.error(`error: ${msg}\nusage: npm run chaos -- [--short | --schedules N | --seed S] [--run-seed R] [--nodes N] [--base ADDR] [--dir DIR] [-v]`);
  process.exit(2);
}
const known = new Set(["--short", "--schedules", "--seed", "--run-seed", "--nodes", "--base", "--dir", "-v", "--verbose"]);
for (const a of argv) if (a.startsWith("-") && !known.has(a)) usage(`unknown option ${a}`);

const replaySeed = num("seed", undefined);
const short = argv.includes("--short");
const form = replaySeed !== undefined ? "replay" : short ? "short" : "long";
const count = replaySeed !== undefined ? 1 : num("schedules", short ? 20 : 200);
const runSeed = replaySeed !== undefined ? null : num("run-seed", freshSeed());
const nodeCount = num("nodes", 3, 9);
const base = opt("base", "127.0.0.211");
const dir = opt("dir", join(tmpdir(), "redplay-chaos"));
const verbose = replaySeed !== undefined || argv.includes("-v") || argv.includes("--verbose");
if (!/^127\.\d+\.\d+\.\d+$/.test(base)) usage("--base must be a loopback address (127.x.y.z)");
if (nodeCount < 3) usage("--nodes must be at least 3 (a failover needs a majority)");

const print = (line) => console.log(line);
const ctx = {
  dir,
  base,
  nodes: labNodes(base, nodeCount),
  password: process.env.REDIS_PASSWORD ?? "lab-only-password",
  inventory: inventoryOf(dir),
  verbose,
  print,
};
const seeds = replaySeed !== undefined ? [replaySeed] : scheduleSeeds(runSeed, count);

let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    print(`[chaos] ${sig}: finishing the current schedule, then taking the lab down (again to quit now)`);
  });
}

function stepKinds(seedList) {
  const kinds = {};
  const add = (k) => (kinds[k] = (kinds[k] ?? 0) + 1);
  for (const seed of seedList) {
    for (const s of makeSchedule(seed, { nodes: nodeCount })) {
      const runs = s.kind === "two-runs" ? s.runs : s.kind === "run" ? [s] : [];
      if (s.kind === "kill") add(`kill -9 of the ${s.target}`);
      if (s.kind === "start") add("node returns");
      if (s.kind === "pause") add("writer alone");
      if (s.kind === "two-runs") add("two runs at once");
      for (const r of runs) {
        add(r.variant === "plain" ? r.playbook : r.variant);
        if (r.killAtMs !== undefined) add("controller SIGKILL");
        for (const e of r.events) add(e.kind === "start" ? "node returns mid-run" : "kill -9 mid-run");
      }
    }
  }
  return kinds;
}

// The lab's nodes share /root with this machine, so root's shell start-up runs on every SSH login
// to a node. One that takes a lock there (pyenv's rehash) and dies with a killed node or
// controller leaves the lock behind, and every later login on the machine waits for it to time
// out. Said once, so the person running the harness can clear it.
let lockWarned = false;
async function warnStaleShellLock() {
  const lock = join(homedir(), ".pyenv", "shims", ".pyenv-shim");
  const st = await stat(lock).catch(() => null);
  if (!st || lockWarned || Date.now() - st.mtimeMs < 90_000) return;
  lockWarned = true;
  print(`[chaos] WARNING: ${lock} is ${Math.round((Date.now() - st.mtimeMs) / 1000)} s old: a pyenv rehash killed with a node left its lock, and every root login here (SSH to the lab included) now waits 60 s for it; remove it if no rehash is running`);
}

function printFailure(rec) {
  print(`\n[chaos] schedule ${rec.seed} FAILED; replay with: npm run chaos -- --seed ${rec.seed}`);
  print("schedule:");
  for (const [i, s] of rec.steps.entries()) print(`  ${i + 1}. ${s}`);
  print("violations:");
  for (const v of rec.violations) {
    print(`  - [step ${v.step}] ${v.invariant}: ${v.detail}`);
    if (v.evidence) print(`    evidence: ${JSON.stringify(v.evidence, null, 2).replaceAll("\n", "\n    ")}`);
  }
  print("log:");
  for (const l of rec.log) print(`  ${l}`);
  for (const r of rec.runs) {
    print(`--- step ${r.step}: ${r.playbook}.yaml ${r.extra.join(" ")} (${r.killed ? `SIGKILL ${r.killed}` : `exit ${r.code}`}) ---`);
    print(r.outputTail);
  }
}

async function main() {
  const t0 = Date.now();
  print(`[chaos] ${form} form: ${count} schedule(s) on ${nodeCount} nodes at ${base} (lab dir ${dir})${runSeed !== null ? `, run seed ${runSeed} (repeat with --run-seed ${runSeed})` : ""}`);
  const records = [];
  const harnessErrors = [];
  let leftovers = 0;
  let harnessFailure = null;
  try {
    await rebuild(ctx);
    await prepare(ctx);
    for (const [i, seed] of seeds.entries()) {
      if (interrupted) break;
      if (i > 0) await prepare(ctx);
      let rec;
      try {
        rec = await runSchedule(ctx, seed);
      } catch (e) {
        // The lab or the harness broke inside a schedule: say so, and carry on with the next
        // one (prepare rebuilds the lab when needed); the run still ends with exit code 2.
        harnessErrors.push({ seed, error: e.message.split("\n")[0] });
        print(`[chaos] ${i + 1}/${seeds.length} seed ${seed}: HARNESS ERROR: ${e instanceof HarnessError ? e.message : e.stack}`);
        await warnStaleShellLock();
        continue;
      }
      records.push(rec);
      leftovers += await sweepTempDirs(t0);
      await warnStaleShellLock();
      print(
        `[chaos] ${i + 1}/${seeds.length} seed ${seed}: ${rec.held ? "held" : "FAILED"} (${rec.steps.length} steps, ${rec.acked} acknowledged writes, ${(rec.ms / 1000).toFixed(1)} s)`,
      );
      if (!rec.held) printFailure(rec);
    }
  } catch (e) {
    harnessFailure = e;
    print(`[chaos] the harness failed${e instanceof HarnessError ? "" : " unexpectedly"}: ${e instanceof HarnessError ? e.message : e.stack}`);
  } finally {
    await downLab(dir).catch((e) => print(`[chaos] lab down failed: ${e.message}`));
    leftovers += await sweepTempDirs(t0, { wait: true });
  }

  const failed = records.filter((r) => !r.held);
  const times = records.map((r) => r.ms / 1000).sort((a, b) => a - b);
  const result = {
    date: new Date().toISOString(),
    form,
    runSeed,
    nodes: nodeCount,
    base,
    machine: `${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end`,
    run: records.length,
    held: records.length - failed.length,
    failed: failed.map((r) => ({ seed: r.seed, steps: r.steps, violations: r.violations.map(({ evidence, ...v }) => v) })),
    harnessErrors,
    harnessFailure: harnessFailure ? String(harnessFailure.message).split("\n")[0] : null,
    scheduleVersion: SCHEDULE_VERSION,
    wallS: Math.round((Date.now() - t0) / 1000),
    medianScheduleS: times.length ? Number(times[Math.floor(times.length / 2)].toFixed(1)) : null,
    ackedWrites: records.reduce((s, r) => s + r.acked, 0),
    excusedWrites: records.reduce((s, r) => s + r.excused, 0),
    stepKinds: stepKinds(records.map((r) => r.seed)),
    tempDirsLeft: leftovers,
  };
  const resultsDir = join(REPO, "bench", "results");
  await mkdir(resultsDir, { recursive: true });
  await writeResults(resultsDir, form, result);
  // Every schedule's full record (its log and each run's output), for a closer look.
  const recordDir = join(tmpdir(), "redplay-chaos-records");
  await mkdir(recordDir, { recursive: true });
  for (const r of records) await writeFile(join(recordDir, `seed-${r.seed}.json`), `${JSON.stringify(r, null, 2)}\n`);
  print(`[chaos] full record of each schedule: ${recordDir}/seed-<seed>.json`);
  if (leftovers) print(`[chaos] interrupted runs left ${leftovers} temp dir(s) of the config check (/tmp/.redplay-validate-*, /tmp/redplay-conf-check.*) on the nodes; removed`);
  print(
    `[chaos] ${result.run} schedule(s) run, ${result.held} held, ${failed.length} failed${failed.length ? ` (seeds ${failed.map((r) => r.seed).join(", ")})` : ""}${harnessErrors.length ? `, ${harnessErrors.length} broken by a harness error` : ""}; ${result.wallS} s; results in bench/results/chaos.md`,
  );
  if (failed.length) return 1;
  if (harnessFailure || harnessErrors.length) return 2;
  if (records.length < seeds.length) return interrupted ? 130 : 2;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[chaos] ${e.stack}`);
    process.exit(2);
  },
);
