// Turns the measurements into bench/results/*.json and *.md: one row per scenario and lab size,
// redplay beside Ansible with their ratios, the write-availability figures of the change
// scenarios, and each target marked met or missed (targets are reported, never asserted).

const SPEEDUP_TARGETS = {
  // minimum Ansible/redplay wall-time ratio (speed-up), by scenario and lab size
  "no-change": { 3: 10, 30: 20 },
  "check-diff": { any: 6 },
  fresh: { any: 3 },
};

function speedupTarget(scenario, nodes) {
  const t = SPEEDUP_TARGETS[scenario];
  if (!t) return null;
  return t[nodes] ?? t.any ?? null;
}

const med = (x, k) => x?.[k]?.median ?? null;
const fmtS = (ms) => (ms === null || ms === undefined ? "-" : `${(ms / 1000).toFixed(2)} s`);
const fmtMs = (ms) => (ms === null || ms === undefined ? "-" : `${Math.round(ms)} ms`);
const fmtCpu = (s) => (s === null || s === undefined ? "-" : `${s.toFixed(2)} s`);
const fmtMB = (kb) => (kb === null || kb === undefined ? "-" : `${(kb / 1024).toFixed(0)} MB`);
const fmtN = (n) => (n === null || n === undefined ? "-" : Number.isInteger(n) ? String(n) : n.toFixed(1));
const fmtRange = (s, f) => (s ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : "-");

function everySample(x, pred) {
  return !!x?.samples?.length && x.samples.every(pred);
}

/** Adds ratios and target verdicts to each row (mutates and returns `rows`). */
export function judge(rows) {
  for (const r of rows) {
    r.targets = [];
    if (r.failed) continue;
    const rp = med(r.redplay, "wallMs");
    const an = med(r.ansible, "wallMs");
    r.ratio = rp && an ? rp / an : null;
    r.speedup = rp && an ? an / rp : null;
    const rc = med(r.redplay, "cpuS");
    const ac = med(r.ansible, "cpuS");
    r.cpuRatio = rc && ac ? rc / ac : null;
    const want = speedupTarget(r.scenario, r.nodes);
    if (want !== null && r.speedup !== null) r.targets.push({ what: `>= ${want}x faster than Ansible`, met: r.speedup >= want });
    if ((r.scenario === "fresh" || r.scenario === "runtime") && r.redplay) {
      r.targets.push({ what: "redplay restarts no node", met: everySample(r.redplay, (s) => s.restarted === 0) });
    }
    if (r.scenario === "restart" && r.redplay) {
      r.targets.push({ what: "every node restarted exactly once", met: everySample(r.redplay, (s) => Object.values(s.restartsPerNode ?? {}).every((n) => n === 1)) });
      r.targets.push({ what: "primary switched over before its restart", met: everySample(r.redplay, (s) => s.primaryRoleAtRestart === "slave") });
    }
    if (["runtime", "restart", "switchover", "failover"].includes(r.scenario) && r.redplay) {
      r.targets.push({ what: "0 acknowledged writes lost", met: everySample(r.redplay, (s) => s.lost === 0) });
    }
    if (r.scenario === "failover" && r.redplay?.writableMs) {
      r.targets.push({ what: "< 1 s to a writable primary", met: r.redplay.writableMs.median < 1000 });
    }
    if (r.nodes === 30 && r.redplay?.maxRssKb) {
      r.targets.push({ what: "controller peak RSS < 100 MB", met: r.redplay.maxRssKb.median < 100 * 1024 });
    }
  }
  return rows;
}

function targetText(r) {
  return r.targets.length ? r.targets.map((x) => `${x.what}: **${x.met ? "met" : "missed"}**`).join("; ") : "-";
}

const SCENARIO_TEXT = {
  fresh: "fresh setup",
  "no-change": "no-change setup",
  "check-diff": "`--check --diff`",
  runtime: "runtime change (maxmemory=100mb)",
  restart: "restart-only change (databases=32)",
  failover: "failover (`lab kill` primary)",
  switchover: "switchover",
};

/** The Markdown report. */
export function markdown(result) {
  const { environment: env, rows, notes } = result;
  const L = [];
  L.push("# redplay vs ansible-playbook on the systemd lab", "");
  L.push(
    `Measured ${result.finishedAt} (${result.mode} mode, ${result.durationMin} min): ${result.runs} runs per figure for fresh, no-change and check-diff, ` +
      `${result.changeRuns} per change scenario; the tools alternate run by run. Lab: Debian 12 hosts booted by systemd-nspawn, Debian's redis-server 7.0 (see bench/README.md).`,
  );
  L.push("Figures are medians with (min–max). Ratio = redplay / Ansible (below 1: redplay uses less); speed-up = Ansible wall / redplay wall.", "");

  L.push("## Time and resources of the controller", "");
  L.push("| scenario | nodes | redplay wall | Ansible wall | wall ratio | speed-up | redplay CPU | Ansible CPU | CPU ratio | redplay peak RSS (largest process / tree) | Ansible peak RSS (largest process / tree) | nodes restarted redplay / Ansible | SSH conns/host redplay / Ansible | node CPU redplay / Ansible | other load (cores) redplay / Ansible | targets |");
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const name = SCENARIO_TEXT[r.scenario] ?? r.scenario;
    if (r.failed) {
      L.push(`| ${name} | ${r.nodes} | **failed** (see notes) | | | | | | | | | | | | | |`);
      continue;
    }
    const rss = (x) => (x ? `${fmtMB(med(x, "maxRssKb"))} / ${fmtMB(med(x, "treeRssKb"))}` : "-");
    const pair = (k, f) => `${r.redplay ? f(med(r.redplay, k)) : "-"} / ${r.ansible ? f(med(r.ansible, k)) : "-"}`;
    L.push(
      `| ${name} | ${r.nodes} | ${fmtRange(r.redplay?.wallMs, fmtS)} | ${r.ansible ? fmtRange(r.ansible.wallMs, fmtS) : "not measured"} | ` +
        `${r.ratio === null || r.ratio === undefined ? "-" : r.ratio.toFixed(3)} | ${r.speedup ? `${r.speedup.toFixed(1)}x` : "-"} | ` +
        `${fmtRange(r.redplay?.cpuS, fmtCpu)} | ${r.ansible ? fmtRange(r.ansible.cpuS, fmtCpu) : "-"} | ${r.cpuRatio ? r.cpuRatio.toFixed(3) : "-"} | ` +
        `${rss(r.redplay)} | ${rss(r.ansible)} | ${pair("restarted", fmtN)} | ${pair("sshPerHost", fmtN)} | ${pair("nodeCpuS", fmtCpu)} | ${pair("othersCores", (v) => (v === null ? "-" : v.toFixed(2)))} | ${targetText(r)} |`,
    );
  }

  L.push(
    "",
    "Wall: from starting the tool to its exit. CPU: user + system CPU-seconds of the controller's whole process tree (its own cgroup; Ansible's forked workers and SSH ControlPersist masters included). " +
      "Peak RSS: the largest single process (GNU time) / the sum over the tree (sampled every 50 ms). Nodes restarted: run_id changed between before and after the run. " +
      "SSH conns/host: `Accepted publickey` lines added to each node's journal. Node CPU: CPU-seconds the lab's nodes used during the run (sshd, remote commands, Redis). " +
      "Other load: average cores busy with anything else on the machine during the run (other work, the bench's own sampling); high values mean noisier figures.",
  );
  const moving = rows.filter((r) => r.details?.length);
  if (moving.length) {
    L.push("", "## While the group changes (3 nodes, a client writing every millisecond)", "");
    L.push("Restarts per node are counted by a watcher reading every node's run_id every 50 ms; \"node-1 at its restart\" is the role node-1 (the primary before the run) had when it went down. The write gap is the longest time between two acknowledged writes from the start of the run (or the kill) until the group took writes again; the baseline is the same figure over the 2 s before, with nothing happening (what the machine alone causes). Lost = acknowledged writes missing from the final primary.", "");
    L.push("| scenario | tool | run | wall | restarts per node | node-1 at its restart | primary after | longest write gap (baseline) | acked writes | lost | write errors |");
    L.push("|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of moving) {
      for (const d of r.details) {
        const restarts = d.restartsPerNode ? Object.values(d.restartsPerNode).join("/") : "-";
        const errs = d.writeErrors && Object.keys(d.writeErrors).length ? Object.entries(d.writeErrors).map(([k, v]) => `${k} ${v}`).join(", ") : "none";
        L.push(`| ${SCENARIO_TEXT[r.scenario] ?? r.scenario} | ${d.tool} | ${d.run} | ${fmtS(d.wallMs)} | ${restarts} | ${d.primaryRoleAtRestart === "slave" ? "replica (switched over)" : d.primaryRoleAtRestart === "master" ? "primary" : "-"} | ${d.finalPrimary ?? "-"} | ${fmtMs(d.maxGapMs)} (${fmtMs(d.baselineGapMs)}) | ${d.acked ?? "-"} | ${d.lost ?? "-"} | ${errs} |`);
      }
    }
    L.push("", "Medians over the runs:", "");
    for (const r of moving) {
      for (const tool of ["redplay", "ansible"]) {
        const x = r[tool];
        if (!x) continue;
        const extra = x.writableMs
          ? `; a new primary acknowledged a write ${fmtRange(x.writableMs, fmtMs)} after the first failed write (${fmtRange(x.writableFromKillCallMs, fmtMs)} after the bench called \`lab kill\`, a command that itself took ${fmtRange(x.killCallMs, fmtMs)})`
          : "";
        L.push(`- ${SCENARIO_TEXT[r.scenario] ?? r.scenario}, ${tool}: wall ${fmtRange(x.wallMs, fmtS)}; longest write gap ${fmtRange(x.maxGapMs, fmtMs)}; lost ${fmtRange(x.lost, fmtN)}${extra}`);
      }
    }
  }

  if (notes.length) L.push("", "## Notes", "", ...notes.map((n) => `- ${n}`));
  L.push("", "## Machine and versions", "");
  L.push(`- ${env.machine.cores} cores, ${env.machine.cpuModel}, ${env.machine.memoryMiB} MiB memory, ${env.machine.os}; load average at start ${env.machine.loadavgAtStart.join(" ")}`);
  for (const [k, v] of Object.entries(env.versions)) L.push(`- ${k}: ${v}`);
  L.push("");
  return L.join("\n");
}
