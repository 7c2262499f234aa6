// `npm run bench [-- --quick] [-- --runs N] [-- --sizes 3,10] [-- --no-build]`: redplay against
// ansible-playbook on the same systemd lab (Debian 12 hosts booted by systemd-nspawn, Debian's
// redis-server 7.0, on 127.0.0.151..180, one lab at a time, under os.tmpdir()). Every figure is
// the median of several runs, tools alternating run by run. Full mode writes
// bench/results/latest.json and latest.md; quick mode quick-<date>.json and .md.
//
// Every run is checked before it counts (exit 0, no failed or unreachable host, then the group
// is verified independently of the tool). A scenario that fails is reported as failed, with what
// was seen, and the bench goes on with the next one: a figure for the wrong work is worse than
// none, but one broken scenario should not hide the others.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeEnvironment } from "./lib/environment.mjs";
import { connectionsPerHost, freshLab, labCli, labCpuS, labDownIfAny, machineCpu, readLab, removeLabHome, sshLogins, waitIdle } from "./lib/lab.mjs";
import { cgroupAccounting, removeCgroupParent } from "./lib/proc.mjs";
import { judge, markdown } from "./lib/report.mjs";
import { summary } from "./lib/stats.mjs";
import { ansibleTool, closeControlMasters, hasPlaybook, recapTotals, redplayTool } from "./lib/tools.mjs";
import { confFingerprints, restartedNodes, runIds, runningConfig, serverVersion, verifyGroupSoon } from "./lib/verify.mjs";
import { startWatch } from "./lib/watch.mjs";
import { checkAcked, longestGap, startWriter } from "./lib/writer.mjs";
import { redplaySnapshot } from "./lib/snapshot.mjs";
import { syncJ2 } from "./peers/ansible/template.mjs";

const REPO = fileURLToPath(new URL("..", import.meta.url));
// The redplay being measured (bin/, dist/, playbooks/, templates/): a private copy, see lib/snapshot.mjs.
let RP;
const BASE = "127.0.0.151";
const PASSWORD = "bench-lab-password";
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes("--quick");
const RUNS = Number(opt("runs") ?? (quick ? 3 : 5));
const SIZES = (opt("sizes") ?? (quick ? "3" : "3,10,30")).split(",").map(Number);
if (SIZES.some((n) => !Number.isInteger(n) || n < 2 || n > 30)) throw new Error("--sizes: lab sizes from 2 to 30 (the bench's addresses are 127.0.0.151-180)");
const ONLY = opt("scenarios")?.split(",");
// Quick mode runs each change scenario (3 nodes) once, to stay short.
const CHANGE_RUNS = Number(opt("change-runs") ?? (quick ? 1 : RUNS));
// The writer runs this long before each change with nothing else happening: the longest write
// gap then is what the machine alone causes (a loaded machine delays the writer too).
const BASELINE_MS = 2000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const wanted = (scenario) => !ONLY || ONLY.includes(scenario);

function ensureDebianPackage(binary, pkg) {
  if (spawnSync("sh", ["-c", `command -v ${binary}`]).status === 0) return;
  log(`installing ${pkg} (apt-get)`);
  const r = spawnSync("apt-get", ["install", "-y", pkg], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0) throw new Error(`apt-get install ${pkg} failed; install it and run again`);
}

/** One measured run of `tool` on `lab`, checked; returns the sample. */
async function sample(tool, lab, work, opts = {}) {
  const before = await sshLogins(lab);
  const [m0, n0] = [await machineCpu(), await labCpuS(lab)];
  const r = await tool.run(lab, work, { password: PASSWORD, ...opts });
  const [m1, n1] = [await machineCpu(), await labCpuS(lab)];
  const after = await sshLogins(lab);
  const totals = recapTotals(r.stdout);
  // A failover run reports the node it was killed as unreachable, by design.
  if (r.code !== 0 || !totals || totals.failed || totals.unreachable > (opts.unreachableOk ?? 0)) {
    const what = `${tool.name} ${work}${opts.check ? " --check --diff" : ""}${opts.vars ? ` ${JSON.stringify(opts.vars)}` : ""} on ${lab.nodes.length} nodes`;
    throw new Error(`${what} exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
  }
  return {
    wallMs: r.wallMs,
    cpuS: r.cpuS,
    timeCpuS: r.timeCpuS,
    maxRssKb: r.maxRssKb,
    treeRssKb: r.treeRssKb,
    sshPerHost: connectionsPerHost(before, after),
    // CPU the lab's nodes used during the run (sshd, the tool's remote commands, Redis).
    nodeCpuS: n1 - n0,
    // CPU of everything else on the machine during the run (other work, the bench itself), as
    // average busy cores: a figure taken while this is high is noisy.
    othersCores: Math.max(0, m1.busyS - m0.busyS - (r.cpuS ?? 0) - (n1 - n0)) / (r.wallMs / 1000),
    changed: totals.changed,
    stdoutTail: r.stdout.slice(-1500),
  };
}

const FIGURES = ["wallMs", "cpuS", "timeCpuS", "nodeCpuS", "othersCores", "maxRssKb", "treeRssKb", "sshPerHost", "restarted", "maxGapMs", "lost", "acked", "baselineGapMs", "writableMs", "writableFromKillCallMs", "killCallMs", "verifyWaitMs"];

function summarise(samples) {
  if (!samples.length) return null;
  const out = { n: samples.length };
  for (const k of FIGURES) {
    const s = summary(samples.map((x) => x[k]));
    if (s) out[k] = s;
  }
  out.changed = samples.map((s) => s.changed);
  out.samples = samples.map(({ stdoutTail: _t, ...rest }) => rest);
  return out;
}

/** Tools in the order of run `i`: redplay first on even runs, Ansible first on odd ones. */
const order = (tools, i) => (i % 2 === 0 ? tools : [...tools].reverse());

async function main() {
  ensureDebianPackage("ansible-playbook", "ansible-core");
  if (!existsSync("/usr/bin/time")) ensureDebianPackage("/usr/bin/time", "time");
  const notes = [];
  const dir = await mkdtemp(join(tmpdir(), "redplay-bench-"));
  const controlDir = join(dir, "ansible-cp");
  const labDir = join(dir, "lab");
  const started = Date.now();
  let ctx;
  try {
    const snap = await redplaySnapshot(REPO, dir, { build: !argv.includes("--no-build"), log });
    RP = snap.root;
    if (await syncJ2({ hbsPath: join(RP, "templates/redis.conf.hbs"), distDir: join(RP, "dist") })) {
      notes.push(`bench/peers/ansible/templates/redis.conf.j2 was regenerated at start from templates/redis.conf.hbs of ${snap.commit.slice(0, 7)}.`);
    }
    if (!cgroupAccounting()) notes.push("No cgroup v1 cpuacct on this machine: CPU figures are GNU time's (waited-for children only; Ansible's SSH masters not counted).");
    const environment = describeEnvironment(REPO);
    environment.versions.redplay = `${environment.versions.redplay.split(" ")[0]} (${snap.commit.slice(0, 7)}: ${snap.how})`;
    const tools = [redplayTool(RP), ansibleTool(REPO, controlDir)];
    ctx = { tools, labDir, rows: [], notes, environment };
    for (const n of SIZES) {
      if (wanted("fresh")) await scenario(ctx, "fresh", n, () => fresh(ctx, n));
      if (wanted("no-change") || wanted("check-diff")) await scenario(ctx, "steady", n, () => steady(ctx, n));
      if (n === 3) {
        if (wanted("runtime")) await scenario(ctx, "runtime", n, () => change(ctx, "runtime", { redis_maxmemory: "100mb" }));
        if (wanted("restart")) await scenario(ctx, "restart", n, () => change(ctx, "restart", { redis_databases: 32 }));
        if (wanted("failover")) await scenario(ctx, "failover", n, () => moveScenario(ctx, "failover"));
        if (wanted("switchover")) await scenario(ctx, "switchover", n, () => moveScenario(ctx, "switchover"));
      }
      await labDownIfAny(RP, ctx.labDir);
    }
  } finally {
    if (RP) await labDownIfAny(RP, labDir).catch((err) => log(`could not take the lab down: ${err.message}`));
    await closeControlMasters(controlDir);
    await rm(dir, { recursive: true, force: true });
    await removeCgroupParent();
    await removeLabHome();
  }
  judge(ctx.rows);
  const finishedAt = new Date().toISOString();
  const result = {
    finishedAt,
    durationMin: Math.round((Date.now() - started) / 6000) / 10,
    mode: quick ? "quick" : "full",
    runs: RUNS,
    changeRuns: CHANGE_RUNS,
    sizes: SIZES,
    environment: ctx.environment,
    rows: ctx.rows,
    notes,
  };
  const name = quick ? `quick-${finishedAt.slice(0, 10)}` : "latest";
  await mkdir(join(REPO, "bench/results"), { recursive: true });
  await writeFile(join(REPO, `bench/results/${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const md = markdown(result);
  await writeFile(join(REPO, `bench/results/${name}.md`), md);
  process.stdout.write(md);
  log(`wrote bench/results/${name}.json and ${name}.md`);
  // Automatic failover by Sentinel (systemd lab, down-after 1000 and 5000 ms): its own script and results.
  // --no-sentinel: only the scenarios above (for example a run that must stay on 127.0.0.151-180).
  if (!quick && !argv.includes("--no-sentinel")) {
    log("Sentinel: automatic failover (bench/sentinel-failover.mjs)");
    const r = spawnSync(process.execPath, [join(REPO, "bench/sentinel-failover.mjs"), "--runs", String(RUNS)], { cwd: REPO, stdio: "inherit" });
    if (r.status !== 0) throw new Error("bench/sentinel-failover.mjs failed");
  }
}

/** Runs one scenario; a failure becomes a note (and a failed row), and the bench goes on. */
async function scenario(ctx, name, n, fn) {
  try {
    await fn();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    log(`${n} nodes: ${name} FAILED: ${msg.slice(0, 4000)}${argv.includes("--debug") ? `\n${err.stack}` : ""}`);
    ctx.notes.push(`${n} nodes, ${name}: FAILED, no figure: ${msg.slice(0, 1500).replace(/\n+/g, " ⏎ ")}`);
    ctx.rows.push({ scenario: name, nodes: n, failed: msg.slice(0, 4000), redplay: null, ansible: null });
    await labDownIfAny(RP, ctx.labDir).catch(() => undefined);
  }
}

/** Fresh setup: `lab down` + `lab up` before every run of every tool. */
async function fresh(ctx, n) {
  const got = { redplay: [], ansible: [] };
  const fingerprints = {};
  for (let i = 0; i < RUNS; i++) {
    for (const tool of order(ctx.tools, i)) {
      log(`${n} nodes: fresh setup, run ${i + 1}/${RUNS}, ${tool.name}`);
      const lab = await freshLab(RP, ctx.labDir, n, BASE, log);
      if (!ctx.environment.versions.labServer) ctx.environment.versions.labServer = await serverVersion(lab, PASSWORD);
      const before = await runIds(lab, PASSWORD);
      if (Object.values(before).some((x) => !x)) throw new Error(`a fresh node does not answer: ${JSON.stringify(before)}`);
      const s = await sample(tool, lab, "setup");
      const after = await runIds(lab, PASSWORD);
      s.restarted = restartedNodes(before, after).length;
      s.verifyWaitMs = (await verifyGroupSoon(lab, PASSWORD, { expectPrimary: "node-1" })).waitedMs;
      s.labUpMs = lab.prep.upMs;
      s.settleMs = lab.prep.settleMs;
      got[tool.name].push(s);
      if (!fingerprints[tool.name]) fingerprints[tool.name] = await confFingerprints(lab);
    }
  }
  compareFingerprints(ctx, fingerprints, `${n} nodes, fresh setup`);
  ctx.rows.push({ scenario: "fresh", nodes: n, redplay: summarise(got.redplay), ansible: summarise(got.ansible) });
}

function compareFingerprints(ctx, fingerprints, what) {
  if (!fingerprints.redplay || !fingerprints.ansible) return;
  if (JSON.stringify(fingerprints.redplay) !== JSON.stringify(fingerprints.ansible)) {
    throw new Error(`${what}: redis.conf differs between the tools: ${JSON.stringify(fingerprints)}`);
  }
  ctx.notes.push(`${what}: both tools wrote byte-identical redis.conf files on every node (sha256 compared).`);
}

/** No-change runs, then `--check --diff`, on the converged group the last fresh run left (or a new one). */
async function steady(ctx, n) {
  let lab;
  if (existsSync(join(ctx.labDir, "lab.json")) && (await readLab(ctx.labDir)).nodes.length === n) {
    lab = await readLab(ctx.labDir);
  } else {
    lab = await freshLab(RP, ctx.labDir, n, BASE, log);
    await sample(ctx.tools[0], lab, "setup");
  }
  await verifyGroupSoon(lab, PASSWORD, { expectPrimary: "node-1" });
  await waitIdle(lab);
  for (const [name, check] of [["no-change", false], ["check-diff", true]]) {
    if (!wanted(name)) continue;
    const got = { redplay: [], ansible: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const tool of order(ctx.tools, i)) {
        log(`${n} nodes: ${name}, run ${i + 1}/${RUNS}, ${tool.name}`);
        const before = await runIds(lab, PASSWORD);
        const s = await sample(tool, lab, "setup", { check });
        s.restarted = restartedNodes(before, await runIds(lab, PASSWORD)).length;
        if (s.changed !== 0 || s.restarted !== 0) {
          throw new Error(`${tool.name} ${name} on a converged group reported changed=${s.changed} and restarted ${s.restarted} node(s); output:\n${s.stdoutTail}`);
        }
        got[tool.name].push(s);
      }
    }
    ctx.rows.push({ scenario: name, nodes: n, redplay: summarise(got.redplay), ansible: summarise(got.ansible) });
  }
}

const CHANGE = {
  runtime: { directive: "maxmemory", want: "104857600", label: "runtime change: -e redis_maxmemory=100mb" },
  restart: { directive: "databases", want: "32", label: "restart-only change: -e redis_databases=32" },
};

/**
 * A change rolled out to a healthy 3-node group, with a client writing every millisecond and
 * every node watched: restarts (run_id), the role each node had when it restarted, the longest
 * time without an acknowledged write, and whether every acknowledged write is on the final primary.
 */
async function change(ctx, name, vars) {
  const spec = CHANGE[name];
  const got = { redplay: [], ansible: [] };
  const fingerprints = {};
  for (let i = 0; i < CHANGE_RUNS; i++) {
    for (const tool of order(ctx.tools, i)) {
      log(`3 nodes: ${spec.label}, run ${i + 1}/${CHANGE_RUNS}, ${tool.name}`);
      const lab = await freshLab(RP, ctx.labDir, 3, BASE, log);
      await sample(tool, lab, "setup");
      await verifyGroupSoon(lab, PASSWORD, { expectPrimary: "node-1" });
      await waitIdle(lab);
      const watch = startWatch(lab, PASSWORD);
      await watch.ready();
      const writer = startWriter(lab, "node-1", PASSWORD);
      if (!(await writer.waitWrites(50, 5000))) {
        await writer.stop();
        await watch.stop();
        throw new Error("the writer could not write to node-1 before the change");
      }
      await sleep(BASELINE_MS);
      const before = await runIds(lab, PASSWORD);
      const logAt = await redisLogSize(lab, "node-1");
      const runStart = writer.elapsed();
      let s, w, watched;
      try {
        s = await sample(tool, lab, "setup", { vars });
      } finally {
        // The group must take writes again before the writer stops (at most 30 s).
        await writer.waitWrites(200, 30_000);
        w = await writer.stop();
        watched = await watch.stop();
      }
      const after = await runIds(lab, PASSWORD);
      const v = await verifyGroupSoon(lab, PASSWORD);
      const running = await runningConfig(lab, PASSWORD, spec.directive);
      if (Object.values(running).some((x) => x !== spec.want)) throw new Error(`${tool.name}: after the run, ${spec.directive} is ${JSON.stringify(running)}, expected ${spec.want} everywhere`);
      const acked = await checkAcked(lab, PASSWORD, w);
      s.restarted = restartedNodes(before, after).length;
      s.restartsPerNode = Object.fromEntries(Object.entries(watched).map(([k, x]) => [k, x.restarts]));
      s.primaryRoleAtRestart = watched["node-1"].rolesBeforeRestart[0] ?? null;
      s.finalPrimary = v.primary;
      s.maxGapMs = longestGap(w.ackTimes, runStart);
      s.baselineGapMs = longestGap(w.ackTimes, 0, runStart);
      s.acked = acked.acked;
      s.lost = acked.missing;
      s.lostSample = acked.missingSample;
      s.writeErrors = w.kinds;
      s.writerMoves = w.moves;
      s.watch = watched;
      // What node-1's Redis said about shutting down during the run (why a restart took long).
      s.node1ShutdownLog = await redisLogSince(lab, "node-1", logAt, /shut|waiting|lagging|replicas are in sync|bye/i);
      got[tool.name].push(s);
      log(`  ${tool.name}: ${(s.wallMs / 1000).toFixed(2)} s, restarts ${JSON.stringify(s.restartsPerNode)}, node-1 was ${s.primaryRoleAtRestart ?? "-"} at its restart, longest write gap ${s.maxGapMs.toFixed(0)} ms (${s.baselineGapMs.toFixed(0)} ms before the run), ${acked.acked} acked, ${acked.missing} lost, primary now ${v.primary}`);
      if (name === "runtime" && !fingerprints[tool.name]) fingerprints[tool.name] = await confFingerprints(lab);
    }
  }
  if (name === "runtime") compareFingerprints(ctx, fingerprints, "3 nodes, runtime change");
  for (const [tool, samples] of Object.entries(got)) {
    samples.forEach((s, i) => {
      const said = s.node1ShutdownLog.filter((l) => /Waiting for replicas before shutting down|Lagging replica|replicas are in sync when shutting down/.test(l)).map((l) => l.replace(/^\d+:[A-Z] [^*#]*[*#] /, ""));
      if (said.length) ctx.notes.push(`${spec.label}, ${tool} run ${i + 1}: node-1's Redis said at shutdown: ${[...new Set(said)].join("; ")}`);
    });
  }
  ctx.rows.push({ scenario: name, nodes: 3, label: spec.label, redplay: summarise(got.redplay), ansible: summarise(got.ansible), details: detailRows(got) });
}

function redisLogPath(lab, name) {
  return join(lab.dir, "nodes", name, "root", "var/log/redis/redis-server.log");
}

async function redisLogSize(lab, name) {
  return (await stat(redisLogPath(lab, name)).catch(() => ({ size: 0 }))).size;
}

/** Lines of a node's Redis log written after byte `from` that match `re`. */
async function redisLogSince(lab, name, from, re) {
  const text = (await readFile(redisLogPath(lab, name)).catch(() => Buffer.alloc(0))).subarray(from).toString("utf8");
  return text.split("\n").filter((l) => re.test(l)).slice(0, 20);
}

/** Per-run details of a change scenario, for the report. */
function detailRows(got) {
  const out = [];
  for (const [tool, samples] of Object.entries(got)) {
    samples.forEach((s, i) =>
      out.push({ tool, run: i + 1, wallMs: s.wallMs, restartsPerNode: s.restartsPerNode, primaryRoleAtRestart: s.primaryRoleAtRestart, finalPrimary: s.finalPrimary, maxGapMs: s.maxGapMs, baselineGapMs: s.baselineGapMs, acked: s.acked, lost: s.lost, writeErrors: s.writeErrors }),
    );
  }
  return out;
}

/**
 * 3 nodes, redplay (and Ansible where its peer has the playbook): `failover` after `lab kill` of
 * the primary (time from the kill to the first write a new primary acknowledges), or
 * `switchover` of a healthy group; a client writes every millisecond throughout.
 */
async function moveScenario(ctx, work) {
  const movers = ctx.tools.filter((t) => hasPlaybook(t, work));
  for (const t of ctx.tools) if (!movers.includes(t)) ctx.notes.push(`${work}: ${t.name} not measured: it has no ${work} playbook`);
  if (!movers.length) return;
  const got = { redplay: [], ansible: [] };
  for (let i = 0; i < CHANGE_RUNS; i++) {
    for (const tool of order(movers, i)) {
      log(`3 nodes: ${work}, run ${i + 1}/${CHANGE_RUNS}, ${tool.name}`);
      const lab = await freshLab(RP, ctx.labDir, 3, BASE, log);
      await sample(tool, lab, "setup");
      await verifyGroupSoon(lab, PASSWORD, { expectPrimary: "node-1" });
      await waitIdle(lab);
      const writer = startWriter(lab, "node-1", PASSWORD);
      if (!(await writer.waitWrites(50, 5000))) {
        await writer.stop();
        throw new Error("the writer could not write to node-1");
      }
      await sleep(BASELINE_MS);
      const killAt = writer.elapsed();
      if (work === "failover") await labCli(RP, ["kill", "node-1", "--dir", ctx.labDir]);
      const killedMs = writer.elapsed() - killAt;
      let s, w;
      try {
        s = await sample(tool, lab, work, { unreachableOk: work === "failover" ? 1 : 0 });
      } finally {
        await writer.waitOtherPrimary(30_000);
        await writer.waitWrites(200, 30_000);
        w = await writer.stop();
      }
      if (w.firstOtherAckMs === null) throw new Error(`${tool.name} ${work}: no other node acknowledged a write within 30 s of the run's end`);
      const live = work === "failover" ? { ...lab, nodes: lab.nodes.filter((x) => x.name !== "node-1") } : lab;
      const v = await verifyGroupSoon(live, PASSWORD);
      const acked = await checkAcked(live, PASSWORD, w);
      if (work === "failover") {
        // From the first write that failed (the node died) to the first one a new primary acknowledged.
        s.writableMs = w.firstOtherAckMs - w.firstFailMs;
        s.writableFromKillCallMs = w.firstOtherAckMs - killAt;
        s.killCallMs = killedMs;
      }
      s.maxGapMs = longestGap(w.ackTimes, killAt);
      s.baselineGapMs = longestGap(w.ackTimes, 0, killAt);
      s.acked = acked.acked;
      s.lost = acked.missing;
      s.finalPrimary = v.primary;
      s.writeErrors = w.kinds;
      got[tool.name].push(s);
      log(`  ${tool.name}: ${(s.wallMs / 1000).toFixed(2)} s, longest write gap ${s.maxGapMs.toFixed(0)} ms (${s.baselineGapMs.toFixed(0)} ms before the run)${s.writableMs ? `, writable ${s.writableMs.toFixed(0)} ms after the first failed write (${s.writableFromKillCallMs.toFixed(0)} ms after \`lab kill\` was called, which took ${s.killCallMs.toFixed(0)} ms)` : ""}, ${acked.acked} acked, ${acked.missing} lost, primary now ${v.primary}`);
    }
  }
  if (work === "failover") ctx.notes.push("failover: SSH conns/host averages over all 3 nodes, the killed one (no connection) included; lost writes are counted on the 2 surviving nodes.");
  ctx.rows.push({ scenario: work, nodes: 3, redplay: summarise(got.redplay), ansible: got.ansible.length ? summarise(got.ansible) : null, details: detailRows(got) });
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
