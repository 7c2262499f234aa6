// `npm run bench [-- --quick] [-- --runs N] [-- --no-build]`: redplay against ansible-playbook on
// the same lab (3, 10 and 30 nodes on 127.0.0.151.., one lab at a time, under os.tmpdir()).
// Every figure is the median of several runs, tools alternating run by run; results go to
// bench/results/latest.json and latest.md. A scenario whose result is not what it should be
// (a failed run, an unhealthy group, changed!=0 on a no-change run) stops the bench: a figure
// for the wrong work is worse than none.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeEnvironment } from "./lib/environment.mjs";
import { connectionsPerHost, freshLab, labCli, labDownIfAny, readLab, sshLogins } from "./lib/lab.mjs";
import { judge, markdown } from "./lib/report.mjs";
import { summary } from "./lib/stats.mjs";
import { ansibleTool, closeControlMasters, recapTotals, redplayTool } from "./lib/tools.mjs";
import { confFingerprints, verifyGroup } from "./lib/verify.mjs";
import { startWriter } from "./lib/writer.mjs";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const BASE = "127.0.0.151";
const PASSWORD = "bench-lab-password";
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const runsArg = argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(argv[runsArg + 1]) : quick ? 3 : 5;
const SIZES = quick ? [3] : [3, 10, 30];
// Quick mode measures failover and the write windows once each, to stay within 3 minutes.
const MOVE_RUNS = quick ? 1 : RUNS;
const log = (s) => process.stderr.write(`[bench] ${s}\n`);

function ensureDebianPackage(binary, pkg) {
  if (spawnSync("sh", ["-c", `command -v ${binary}`]).status === 0) return;
  log(`installing ${pkg} (apt-get)`);
  const r = spawnSync("apt-get", ["install", "-y", pkg], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0) throw new Error(`apt-get install ${pkg} failed; install it and run again`);
}

function build() {
  if (argv.includes("--no-build")) return;
  log("building dist/ (npx tsc -p tsconfig.json)");
  const r = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: REPO, stdio: "inherit" });
  if (r.status !== 0) throw new Error("the build failed; fix it (or pass --no-build to bench the current dist/)");
}

/** One measured run of `tool` on `lab`, checked; returns the sample. */
async function sample(tool, lab, playbook, opts) {
  const before = await sshLogins(lab);
  const r = await tool.run(lab, playbook, { password: PASSWORD, ...opts });
  const after = await sshLogins(lab);
  const totals = recapTotals(r.stdout);
  if (r.code !== 0 || !totals || totals.failed || totals.unreachable) {
    throw new Error(`${tool.name} ${playbook}${opts.check ? " --check" : ""} on ${lab.nodes.length} nodes exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
  }
  return { wallMs: r.wallMs, maxRssKb: r.maxRssKb, treeRssKb: r.treeRssKb, sshPerHost: connectionsPerHost(before, after), changed: totals.changed };
}

function summarise(samples) {
  if (!samples.length) return null;
  const pick = (k) => summary(samples.map((s) => s[k]));
  return { wallMs: pick("wallMs"), maxRssKb: pick("maxRssKb"), treeRssKb: pick("treeRssKb"), sshPerHost: pick("sshPerHost"), writableMs: pick("writableMs"), changed: samples.map((s) => s.changed), samples };
}

/** Tools in the order of run `i`: redplay first on even runs, Ansible first on odd ones. */
const order = (tools, i) => (i % 2 === 0 ? tools : [...tools].reverse());

async function main() {
  ensureDebianPackage("ansible-playbook", "ansible-core");
  if (!existsSync("/usr/bin/time")) ensureDebianPackage("/usr/bin/time", "time");
  build();
  const environment = describeEnvironment(REPO);
  const dir = await mkdtemp(join(tmpdir(), "redplay-bench-"));
  const controlDir = join(dir, "ansible-cp");
  const tools = [redplayTool(REPO), ansibleTool(REPO, controlDir)];
  const rows = [];
  const notes = [];
  const windows = [];
  const labDir = join(dir, "lab");
  try {
    for (const n of SIZES) {
      // Fresh setup: a new lab for every run of every tool.
      const fresh = { redplay: [], ansible: [] };
      let fingerprints = {};
      for (let i = 0; i < RUNS; i++) {
        for (const tool of order(tools, i)) {
          log(`${n} nodes: fresh setup, run ${i + 1}/${RUNS}, ${tool.name}`);
          const lab = await freshLab(REPO, labDir, n, BASE);
          const s = await sample(tool, lab, playbookFor(tool, "setup"), {});
          await verifyGroup(lab, "node-1", PASSWORD);
          fresh[tool.name].push(s);
          if (i === 0) fingerprints[tool.name] = await confFingerprints(lab);
        }
      }
      const same = JSON.stringify(fingerprints.redplay) === JSON.stringify(fingerprints.ansible);
      if (!same) throw new Error(`redis.conf differs between the tools on ${n} nodes: ${JSON.stringify(fingerprints)}`);
      notes.push(`${n} nodes: both tools wrote byte-identical redis.conf files on every node (sha256 compared).`);
      rows.push({ scenario: "fresh", nodes: n, redplay: summarise(fresh.redplay), ansible: summarise(fresh.ansible) });

      // The lab left by the last fresh run is converged: no-change runs, then --check --diff.
      const lab = await readLab(labDir);
      for (const [scenario, check] of [["no-change", false], ["check-diff", true]]) {
        const got = { redplay: [], ansible: [] };
        for (let i = 0; i < RUNS; i++) {
          for (const tool of order(tools, i)) {
            log(`${n} nodes: ${scenario}, run ${i + 1}/${RUNS}, ${tool.name}`);
            const s = await sample(tool, lab, playbookFor(tool, "setup"), { check });
            if (s.changed !== 0) throw new Error(`${tool.name} reported changed=${s.changed} on a converged group (${scenario}, ${n} nodes); no figure is reported for it`);
            got[tool.name].push(s);
          }
        }
        rows.push({ scenario, nodes: n, redplay: summarise(got.redplay), ansible: summarise(got.ansible) });
      }

      if (n === 3) await failoverAndWindows(tools, labDir, rows, notes, windows);
      await labDownIfAny(REPO, labDir);
    }
  } finally {
    await labDownIfAny(REPO, labDir).catch((err) => log(`could not take the lab down: ${err.message}`));
    await closeControlMasters(controlDir);
    await rm(dir, { recursive: true, force: true });
  }
  judge(rows);
  const result = { finishedAt: new Date().toISOString(), mode: quick ? "quick" : "full", runs: RUNS, environment, rows, windows, notes };
  await mkdir(join(REPO, "bench/results"), { recursive: true });
  await writeFile(join(REPO, "bench/results/latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  const md = markdown(result);
  await writeFile(join(REPO, "bench/results/latest.md"), md);
  process.stdout.write(md);
  // Automatic failover by Sentinel (systemd lab, down-after 1000 and 5000 ms): its own script and results.
  if (!quick) {
    log("Sentinel: automatic failover (bench/sentinel-failover.mjs)");
    const r = spawnSync(process.execPath, [join(REPO, "bench/sentinel-failover.mjs"), "--runs", String(RUNS)], { cwd: REPO, stdio: "inherit" });
    if (r.status !== 0) throw new Error("bench/sentinel-failover.mjs failed");
  }
}

/** The playbook each tool runs for a piece of work (the Ansible peer names end in .yml). */
function playbookFor(tool, work) {
  return tool.name === "redplay" ? `playbooks/${work}.yaml` : `${work}.yml`;
}

/** True when the tool has a playbook for `work` (redplay's may be added later; both are looked up at run time). */
function hasPlaybook(tool, work) {
  const path = tool.name === "redplay" ? join(REPO, playbookFor(tool, work)) : join(REPO, "bench/peers/ansible", playbookFor(tool, work));
  return existsSync(path);
}

/**
 * 3 nodes only: failover after `lab kill` of the primary (time to a writable new primary) and
 * the write-unavailability window during switchover and failover, for whichever playbooks exist.
 */
async function failoverAndWindows(tools, labDir, rows, notes, windows) {
  const redplay = tools[0];
  if (!hasPlaybook(redplay, "failover")) {
    notes.push("failover: not measured: playbooks/failover.yaml missing");
  } else {
    const got = { redplay: [], ansible: [] };
    const failoverTools = tools.filter((t) => hasPlaybook(t, "failover"));
    if (!failoverTools.includes(tools[1])) notes.push("failover: Ansible not measured: bench/peers/ansible/failover.yml missing");
    for (let i = 0; i < MOVE_RUNS; i++) {
      for (const tool of order(failoverTools, i)) {
        log(`3 nodes: failover, run ${i + 1}/${RUNS}, ${tool.name}`);
        const lab = await freshLab(REPO, labDir, 3, BASE);
        await sample(redplay, lab, "playbooks/setup.yaml", {});
        await verifyGroup(lab, "node-1", PASSWORD);
        const writer = startWriter(lab, "node-1", PASSWORD);
        const killAt = writer.elapsed();
        await labCli(REPO, ["kill", "node-1", "--dir", labDir]);
        const s = await sample(tool, lab, playbookFor(tool, "failover"), {});
        const ok = await writer.waitNewPrimary(30_000);
        const w = await writer.stop();
        if (!ok) throw new Error(`${tool.name} failover: no new primary accepted a write within 30 s of the run's end`);
        s.writableMs = w.firstNewWriteMs - killAt;
        s.windowMs = w.windowMs;
        got[tool.name].push(s);
        if (tool === redplay) windowsPush(windows, "failover.yaml", w.windowMs);
      }
    }
    notes.push("failover: SSH conns/host averages over all 3 nodes, the killed one (no connection) included.");
    rows.push({ scenario: "failover", nodes: 3, redplay: summarise(got.redplay), ansible: got.ansible.length ? summarise(got.ansible) : null });
  }
  if (!hasPlaybook(redplay, "switchover")) {
    notes.push("switchover write window: not measured: playbooks/switchover.yaml missing");
    return;
  }
  for (let i = 0; i < MOVE_RUNS; i++) {
    log(`3 nodes: switchover write window, run ${i + 1}/${RUNS}`);
    const lab = await freshLab(REPO, labDir, 3, BASE);
    await sample(redplay, lab, "playbooks/setup.yaml", {});
    const writer = startWriter(lab, "node-1", PASSWORD);
    await sample(redplay, lab, "playbooks/switchover.yaml", {});
    const ok = await writer.waitNewPrimary(30_000);
    const w = await writer.stop();
    if (!ok) throw new Error("switchover: no new primary accepted a write within 30 s of the run's end");
    windowsPush(windows, "switchover.yaml", w.windowMs);
  }
}

function windowsPush(windows, playbook, ms) {
  let w = windows.find((x) => x.playbook === playbook);
  if (!w) windows.push((w = { playbook, samples: [] }));
  w.samples.push(ms);
  w.windowMs = summary(w.samples);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
