// Runs one schedule on the lab: a writer and a monitor start, the steps run one by one with the
// invariants checked after each, then the faults heal (every killed node is started again) and
// setup runs; the group must then have converged and hold every acknowledged write the README
// does not allow to be discarded. Also brings the lab to the state every schedule starts from
// (converged, node-1 primary, no harness keys), so a seed replays the same way on its own.
import { BAD_SETTING, describeStep, makeSchedule } from "./schedule.mjs";
import { allowedDiscards, badSettingOnDisk, converged, lostWrites, nodesLeftDown, twoWritablePrimaries } from "./invariants.mjs";
import { freshLab, inventoryOf, killNode, startNode } from "./lab.mjs";
import { startMonitor } from "./monitor.mjs";
import { discardedPrimaries, runPlaybook } from "./redplay.mjs";
import { PREFIX, client, primaryOf, replicationOf, rolesLine } from "./servers.mjs";
import { startWriter } from "./writer.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A failure of the harness or the lab, not of an invariant. */
export class HarnessError extends Error {}

/** The last `n` lines of a run's output. */
function tail(text, n = 40) {
  const lines = text.trimEnd().split("\n");
  return (lines.length > n ? [`... (${lines.length - n} lines above)`, ...lines.slice(-n)] : lines).join("\n");
}

/** Starts every node that does not serve; throws when one cannot be started. */
async function startAll(ctx) {
  const seen = await replicationOf(ctx.nodes, ctx.password);
  for (const n of seen.filter((x) => !x.up)) await startNode(ctx.dir, n.name);
}

async function setupOk(ctx, why) {
  const r = await runPlaybook(ctx.inventory, "setup");
  if (r.code !== 0) throw new HarnessError(`setup (${why}) exited ${r.code}:\n${tail(r.out)}`);
}

/** The group is converged with node-1 as primary and holds no harness key. */
async function canonical(ctx) {
  await startAll(ctx);
  let c = await converged(ctx.nodes, ctx.password, ctx.dir, "prepare");
  if (c.violations.length > 0) {
    await setupOk(ctx, "to converge before a schedule");
    c = await converged(ctx.nodes, ctx.password, ctx.dir, "prepare");
    if (c.violations.length > 0) throw new HarnessError(`not converged after setup: ${c.violations.map((v) => v.detail).join("; ")}`);
  }
  const first = ctx.nodes[0];
  if (c.primary !== first.name) {
    const r = await runPlaybook(ctx.inventory, "switchover", ["-e", `new_primary=${first.name}`]);
    if (r.code !== 0) throw new HarnessError(`switchover back to ${first.name} exited ${r.code}:\n${tail(r.out)}`);
    c = await converged(ctx.nodes, ctx.password, ctx.dir, "prepare");
    if (c.violations.length > 0 || c.primary !== first.name) throw new HarnessError(`${first.name} is not the converged primary after switchover`);
  }
  const p = client(first.address, ctx.password, { commandTimeout: 10_000 });
  try {
    await p.connect();
    let cursor = "0";
    do {
      const [next, keys] = await p.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000);
      if (keys.length) await p.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
    await p.call("WAIT", String(ctx.nodes.length - 1), "5000");
  } finally {
    p.disconnect();
  }
}

/** A new lab, set up by setup.yaml (any lab in the directory is taken down first). */
export async function rebuild(ctx) {
  await freshLab(ctx.dir, ctx.base, ctx.nodes.length);
  await setupOk(ctx, "on a fresh lab");
}

/** Brings the lab to the starting state; rebuilds it once when that fails. */
export async function prepare(ctx) {
  try {
    await canonical(ctx);
  } catch (first) {
    ctx.print(`[chaos] the lab did not return to its starting state (${first.message.split("\n")[0]}); rebuilding it`);
    await rebuild(ctx);
    await canonical(ctx);
  }
}

/** Runs schedule `seed`; resolves to its record (held, violations, log, counts). */
export async function runSchedule(ctx, seed) {
  const steps = makeSchedule(seed, { nodes: ctx.nodes.length });
  const t0 = Date.now();
  const log = [];
  const say = (line) => {
    const text = `[+${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`;
    log.push(text);
    if (ctx.verbose) ctx.print(`  ${text}`);
  };
  const violations = [];
  const runs = [];
  const setupRuns = [];
  const dead = []; // nodes this schedule killed, in kill order
  const inventory = inventoryOf(ctx.dir);
  const violate = (v, step) => {
    violations.push({ step, ...v });
    say(`VIOLATION (${v.invariant}): ${v.detail}`);
  };

  say(`schedule ${seed}: ${steps.length} steps`);
  steps.forEach((s, i) => say(`  ${i + 1}. ${describeStep(s)}`));
  const writer = startWriter(ctx.nodes, ctx.password, `${PREFIX}w:${seed}:`);
  const monitor = startMonitor(ctx.nodes, ctx.password);

  async function kill(target, pick, stepNo) {
    const alive = ctx.nodes.filter((n) => !dead.includes(n.name));
    const seen = await replicationOf(alive, ctx.password);
    const primary = primaryOf(seen);
    let name;
    if (target === "primary") name = primary?.name;
    else {
      const replicas = seen.filter((n) => n.up && n !== primary).map((n) => n.name).sort();
      name = replicas.length ? replicas[pick % replicas.length] : undefined;
    }
    if (!name) return say(`step ${stepNo}: no ${target} to kill (${rolesLine(seen)})`);
    await killNode(ctx.dir, name);
    dead.push(name);
    say(`step ${stepNo}: kill -9 ${name} (${target === "primary" ? "the primary" : "a replica"})`);
  }

  async function start(pick, stepNo) {
    if (dead.length === 0) return say(`step ${stepNo}: no dead node to start`);
    const [name] = dead.splice(pick % dead.length, 1);
    await startNode(ctx.dir, name);
    say(`step ${stepNo}: ${name} started again`);
  }

  async function run(s, stepNo, { label = "", heal = false } = {}) {
    // A run with a node down waits for its health check until it gives up: 5 s instead of the
    // default 60 s keeps schedules short, and the check is only the run's last word (the heal's
    // setup keeps the default).
    const extra = heal ? [] : ["-e", "redis_health_timeout=5"];
    if (s.variant === "bad-setting") extra.push("-e", JSON.stringify(BAD_SETTING));
    if (s.variant === "change") extra.push("-e", `redis_databases=${s.databases}`);
    if (s.newPrimary !== undefined) extra.push("-e", `new_primary=node-${s.newPrimary}`);
    const started = Date.now();
    // Each event settles to its error (or null) at once, so none is an unhandled rejection.
    const events = s.events.map((e) =>
      sleep(e.atMs)
        .then(() => (e.kind === "start" ? start(e.pick, stepNo) : kill(e.target, e.pick, stepNo)))
        .then(() => null, (err) => err),
    );
    const r = await runPlaybook(inventory, s.playbook, extra, s.killAtMs === undefined ? {} : { killAtMs: s.killAtMs });
    const failedEvent = (await Promise.all(events)).find((err) => err !== null);
    if (failedEvent) throw failedEvent;
    // A run that never ends says more about the machine than about the invariants (a login
    // shell stuck on a lock, say): the schedule is not judged.
    if (r.killed === "timeout") throw new HarnessError(`${s.playbook}.yaml ${extra.join(" ")} did not finish within ${r.ms / 1000} s:\n${tail(r.out)}`);
    const ended = Date.now();
    const how = r.killed ? `SIGKILL (${r.killed}) after ${r.ms} ms` : `exit ${r.code} in ${(r.ms / 1000).toFixed(1)} s`;
    say(`step ${stepNo}${label}: ${s.playbook}.yaml ${extra.join(" ")} -> ${how}`);
    runs.push({ step: stepNo, playbook: s.playbook, variant: s.variant, extra, code: r.code, killed: r.killed, ms: r.ms, out: r.out });
    if (s.playbook === "setup") {
      const discarded = discardedPrimaries(r.out);
      if (discarded.length) say(`step ${stepNo}: setup says the writes of ${discarded.join(", ")} are discarded`);
      setupRuns.push({ t0: started, t1: ended, code: r.code, discarded });
    }
    if (s.variant === "bad-setting" && r.killed !== "schedule") {
      if (r.code === 0) violate({ invariant: "bad setting accepted", detail: "setup with logfile /root/redplay-chaos-bad.log exited 0", evidence: { output: tail(r.out) } }, stepNo);
      // A node killed during the run cannot have its old file put back until it returns.
      const onDisk = s.events.some((e) => e.kind === "kill") ? [] : await badSettingOnDisk(ctx.nodes, ctx.dir);
      if (onDisk.length) violate({ invariant: "bad setting left on disk", detail: `the failed run left the bad line in ${onDisk.join(", ")}'s redis.conf`, evidence: { output: tail(r.out) } }, stepNo);
    }
    return r;
  }

  async function check(stepNo) {
    for (const v of await nodesLeftDown(ctx.nodes, dead)) violate(v, stepNo);
    const { violation, seen } = await twoWritablePrimaries(ctx.nodes, ctx.password);
    monitor.observe(seen);
    if (violation) violate(violation, stepNo);
    say(`after step ${stepNo}: ${rolesLine(seen)}`);
  }

  let stepNo = 0;
  try {
    for (const s of steps) {
      stepNo++;
      if (s.kind === "kill") await kill(s.target, s.pick, stepNo);
      else if (s.kind === "start") await start(s.pick, stepNo);
      else if (s.kind === "pause") await sleep(s.ms);
      else if (s.kind === "run") await run(s, stepNo);
      else if (s.kind === "two-runs") {
        await Promise.all([run(s.runs[0], stepNo, { label: " (first)" }), sleep(s.staggerMs).then(() => run(s.runs[1], stepNo, { label: " (second)" }))]);
      }
      await check(stepNo);
      for (const v of monitor.violations.splice(0)) violate(v, stepNo);
      if (violations.length) break;
    }

    // Heal: every killed node comes back, then one setup run converges the group.
    for (const name of dead.splice(0)) {
      await startNode(ctx.dir, name);
      say(`heal: ${name} started again`);
    }
    const heal = await run({ playbook: "setup", variant: "plain", events: [] }, "heal", { heal: true });
    if (heal.code !== 0) violate({ invariant: "not converged after heal + setup", detail: `setup after the heal exited ${heal.code}`, evidence: { output: tail(heal.out, 60) } }, "heal");
  } finally {
    await writer.stop();
    await monitor.stop();
  }
  for (const v of monitor.violations.splice(0)) violate(v, "heal");

  for (const v of await nodesLeftDown(ctx.nodes, [])) violate(v, "end");
  const end = await converged(ctx.nodes, ctx.password, ctx.dir, `chaos-${seed}`);
  for (const v of end.violations) violate(v, "end");

  let lost = [];
  let excused = 0;
  const allowed = allowedDiscards(writer.acked, monitor.timeline, setupRuns);
  for (const a of allowed) {
    say(a.from === null ? `discard allowed for ${a.node}: none (${a.note})` : `discard allowed for ${a.node}: ${a.keys.length} acknowledged key(s) taken after ${a.replacedBy} was promoted`);
  }
  const seen = await replicationOf(ctx.nodes, ctx.password);
  const finalPrimary = ctx.nodes.find((n) => n.name === end.primary) ?? primaryOf(seen);
  if (finalPrimary) {
    ({ lost, excused } = await lostWrites(writer.acked, finalPrimary, ctx.password, allowed));
    if (lost.length) {
      const byNode = {};
      for (const l of lost) byNode[l.node] = (byNode[l.node] ?? 0) + 1;
      violate(
        {
          invariant: "acknowledged write lost",
          detail: `${lost.length} of ${writer.acked.length} acknowledged keys are not on the final primary ${finalPrimary.name} (acknowledged by: ${Object.entries(byNode).map(([n, c]) => `${n} ${c}`).join(", ")})`,
          evidence: {
            first: lost.slice(0, 5).map((l) => ({ key: l.key, ackedBy: l.node, at: new Date(l.t).toISOString(), found: l.found })),
            writerSwitches: writer.switches.map((w) => `${new Date(w.t).toISOString()} ${w.node}`),
          },
        },
        "end",
      );
    }
  }
  say(`end: ${rolesLine(seen)}; ${writer.acked.length} acknowledged writes, ${excused} discarded as the README allows, ${lost.length} lost`);
  return {
    seed,
    held: violations.length === 0,
    steps: steps.map(describeStep),
    violations,
    acked: writer.acked.length,
    excused,
    writerErrors: writer.state.errors,
    samples: monitor.samples(),
    runs: runs.map(({ out, ...r }) => ({ ...r, outputTail: tail(out, 80) })),
    log,
    ms: Date.now() - t0,
  };
}
