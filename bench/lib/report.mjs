// Turns the measurements into bench/results/latest.json and latest.md: one row per scenario and
// lab size, redplay beside Ansible with their ratio, and each target marked met or missed.

const TARGETS = {
  // minimum Ansible/redplay time ratio (speed-up), by scenario and lab size
  "no-change": { 3: 10, 30: 20 },
  "check-diff": { any: 6 },
  fresh: { any: 3 },
};

function speedupTarget(scenario, nodes) {
  const t = TARGETS[scenario];
  if (!t) return null;
  return t[nodes] ?? t.any ?? null;
}

const fmtS = (ms) => (ms === null || ms === undefined ? "-" : `${(ms / 1000).toFixed(2)} s`);
const fmtMB = (kb) => (kb === null || kb === undefined ? "-" : `${(kb / 1024).toFixed(0)} MB`);
const fmtRange = (s, f) => (s ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : "-");

/** Adds the ratio and target verdicts to each row (mutates and returns `rows`). */
export function judge(rows) {
  for (const r of rows) {
    const rp = r.redplay?.wallMs?.median;
    const an = r.ansible?.wallMs?.median;
    r.ratio = rp && an ? rp / an : null;
    r.speedup = rp && an ? an / rp : null;
    const want = speedupTarget(r.scenario, r.nodes);
    r.targets = [];
    if (want !== null && r.speedup !== null) r.targets.push({ what: `>= ${want}x faster than Ansible`, met: r.speedup >= want });
    if (r.scenario === "failover" && r.redplay?.writableMs) {
      r.targets.push({ what: "< 1 s to a writable primary", met: r.redplay.writableMs.median < 1000 });
    }
    if (r.nodes === 30 && r.redplay?.maxRssKb) {
      r.targets.push({ what: "controller peak RSS < 100 MB", met: r.redplay.maxRssKb.median < 100 * 1024 });
    }
  }
  return rows;
}

/** The Markdown report. */
export function markdown(result) {
  const { environment: env, rows, notes, windows } = result;
  const lines = [];
  lines.push(`# redplay vs ansible-playbook on the redplay lab`, "");
  lines.push(`Measured ${result.finishedAt} (${result.mode} mode, ${result.runs} runs per figure, tools alternating run by run).`);
  lines.push(`Figures are medians with (min–max). Ratio = redplay time / Ansible time; speed-up = its inverse.`, "");
  lines.push(`| scenario | nodes | redplay wall | Ansible wall | ratio | speed-up | redplay RSS (max proc / tree) | Ansible RSS (max proc / tree) | SSH conns/host redplay / Ansible | target |`);
  lines.push(`|---|---|---|---|---|---|---|---|---|---|`);
  for (const r of rows) {
    const t = r.targets.length ? r.targets.map((x) => `${x.what}: **${x.met ? "met" : "missed"}**`).join("; ") : "-";
    const rss = (s) => (s ? `${fmtMB(s.maxRssKb?.median)} / ${fmtMB(s.treeRssKb?.median)}` : "-");
    const c = (x) => (x?.sshPerHost ? x.sshPerHost.median.toFixed(1) : "-");
    const conns = `${c(r.redplay)} / ${c(r.ansible)}`;
    lines.push(
      `| ${r.scenario} | ${r.nodes} | ${fmtRange(r.redplay?.wallMs, fmtS)} | ${r.ansible ? fmtRange(r.ansible.wallMs, fmtS) : "not measured"} | ${r.ratio === null ? "-" : r.ratio.toFixed(3)} | ${r.speedup === null ? "-" : `${r.speedup.toFixed(1)}x`} | ${rss(r.redplay)} | ${rss(r.ansible)} | ${conns} | ${t} |`,
    );
  }
  const fo = rows.filter((r) => r.scenario === "failover");
  if (fo.length) {
    lines.push("", "Failover: time from `lab kill` of the primary to the first write accepted by the new primary:");
    for (const r of fo) {
      for (const tool of ["redplay", "ansible"]) {
        if (r[tool]?.writableMs) lines.push(`- ${tool}: ${fmtRange(r[tool].writableMs, fmtS)}`);
      }
    }
  }
  if (windows.length) {
    lines.push("", "Write-unavailability window (3 nodes; a client writing every millisecond; first failed write to first write accepted by the new primary):");
    for (const w of windows) lines.push(`- ${w.playbook} (redplay): ${fmtRange(w.windowMs, fmtS)} over ${w.windowMs?.n ?? 0} runs`);
  }
  if (notes.length) lines.push("", "Notes:", ...notes.map((n) => `- ${n}`));
  lines.push("", "Machine and versions:", "");
  lines.push(`- ${env.machine.cores} cores, ${env.machine.cpuModel}, ${env.machine.memoryMiB} MiB memory, ${env.machine.os}; load average at start ${env.machine.loadavgAtStart.join(" ")}`);
  for (const [k, v] of Object.entries(env.versions)) lines.push(`- ${k}: ${v}`);
  lines.push("");
  return lines.join("\n");
}
