// A schedule is a pure function of its seed: a few steps of faults and playbook runs, chosen with
// a rough model of the group (how many nodes the schedule has killed, and whether the primary is
// among them) so that failovers mostly follow a dead primary and returns follow kills. Which node
// "the primary" or "a replica" is gets decided when the step runs, by reading the servers; node
// choices are stored as numbers and resolved against what is then alive or dead.
import { random } from "./prng.mjs";

/**
 * Bumped whenever a seed would give a different schedule, so a recorded seed says which
 * generator it replays with.
 */
export const SCHEDULE_VERSION = 1;

/** Extra vars of the setup variants. */
// A log file the server's user cannot write (root's home, 0700 on a lab node): the config check,
// run as root, passes it; the server refuses to start with it.
export const BAD_SETTING = { redis_extra_config: ["logfile /root/redplay-chaos-bad.log"] };

/** Rough length of each run, so a controller kill lands anywhere in it. */
const RUN_MS = { setup: 2500, failover: 2500, switchover: 2000, change: 9000, "bad-setting": 3000 };

function run(r, model, nodes, playbook, variant = "plain") {
  const step = { kind: "run", playbook, variant, events: [] };
  if (playbook === "switchover" && r.chance(0.5)) step.newPrimary = r.int(1, nodes);
  if (playbook === "failover" && r.chance(0.15)) step.newPrimary = r.int(1, nodes);
  if (variant === "change") step.databases = r.int(17, 20);
  return step;
}

/**
 * Adds a node that dies or returns while a run is in flight (the model follows). During a
 * rolling restart only returns: a node killed then makes setup wait its full minute for it.
 */
function addEvent(r, model, nodes, step, budgetMs) {
  const atMs = r.int(0, budgetMs);
  const mayKill = step.variant !== "change" && model.dead.length < nodes - 1;
  if (model.dead.length > 0 && (r.chance(0.7) || !mayKill)) {
    const pick = r.int(0, model.dead.length - 1);
    const [tag] = model.dead.splice(pick, 1);
    if (tag === "primary") model.primaryDead = false;
    step.events.push({ atMs, kind: "start", pick });
  } else if (mayKill) {
    const target = r.chance(0.5) ? "primary" : "replica";
    step.events.push({ atMs, kind: "kill", target, pick: r.int(0, nodes - 1) });
    model.dead.push(target);
    if (target === "primary") model.primaryDead = true;
  }
}

function kinds(model, nodes) {
  const dead = model.dead.length;
  const canKill = dead < nodes - 1;
  if (model.primaryDead) {
    return [
      [35, "failover"], [12, "two-failovers"], [15, "killed-failover"], [18, "start"],
      [5, "setup"], [4, "bad-setting"], [5, "switchover"], [canKill ? 3 : 0, "kill-replica"], [3, "pause"],
    ];
  }
  return [
    [canKill ? 24 : 0, "kill-primary"], [canKill ? 7 : 0, "kill-replica"], [dead > 0 ? 20 : 0, "start"],
    [12, "switchover"], [7, "killed-switchover"], [6, "setup"], [6, "killed-setup"],
    [2, "change"], [2, "killed-change"], [5, "bad-setting"], [2, "killed-bad-setting"], [4, "two-switchovers"], [3, "setup-and-failover"],
    [3, "failover"], [3, "pause"],
  ];
}

/** The steps of schedule `seed` on a group of `nodes` nodes. */
export function makeSchedule(seed, { nodes = 3 } = {}) {
  const r = random(seed);
  const model = { dead: [], primaryDead: false };
  const steps = [];
  const count = r.int(3, 5);
  for (let i = 0; i < count; i++) {
    const kind = r.weighted(kinds(model, nodes));
    let step;
    switch (kind) {
      case "kill-primary":
      case "kill-replica": {
        const target = kind === "kill-primary" ? "primary" : "replica";
        step = { kind: "kill", target, pick: r.int(0, nodes - 1) };
        model.dead.push(target);
        if (target === "primary") model.primaryDead = true;
        break;
      }
      case "start": {
        const pick = r.int(0, model.dead.length - 1);
        const [tag] = model.dead.splice(pick, 1);
        if (tag === "primary") model.primaryDead = false;
        step = { kind: "start", pick };
        break;
      }
      case "pause":
        step = { kind: "pause", ms: r.int(200, 1500) };
        break;
      case "two-failovers":
        step = { kind: "two-runs", staggerMs: r.int(0, 300), runs: [run(r, model, nodes, "failover"), run(r, model, nodes, "failover")] };
        model.primaryDead = false;
        break;
      case "two-switchovers": {
        const a = run(r, model, nodes, "switchover");
        const b = run(r, model, nodes, "switchover");
        step = { kind: "two-runs", staggerMs: r.int(0, 300), runs: [a, b] };
        break;
      }
      case "setup-and-failover":
        step = { kind: "two-runs", staggerMs: r.int(0, 300), runs: [run(r, model, nodes, "setup"), run(r, model, nodes, "failover")] };
        break;
      default: {
        const killed = kind.startsWith("killed-");
        const base = killed ? kind.slice("killed-".length) : kind;
        const playbook = base === "change" || base === "bad-setting" ? "setup" : base;
        const variant = base === "change" || base === "bad-setting" ? base : "plain";
        step = run(r, model, nodes, playbook, variant);
        const budget = RUN_MS[variant === "plain" ? playbook : variant];
        if (killed) step.killAtMs = r.int(50, budget);
        if (r.chance(0.25)) addEvent(r, model, nodes, step, budget);
        if (playbook === "failover" && !killed) model.primaryDead = false;
      }
    }
    steps.push(step);
  }
  return steps;
}

function describeRun(s) {
  const what =
    s.variant === "bad-setting" ? "setup.yaml with a bad setting (logfile /root/redplay-chaos-bad.log)"
    : s.variant === "change" ? `setup.yaml with databases ${s.databases} (a restart of every node)`
    : `${s.playbook}.yaml`;
  const parts = [what];
  if (s.newPrimary !== undefined) parts.push(`new_primary=node-${s.newPrimary}`);
  if (s.killAtMs !== undefined) parts.push(`controller SIGKILL at ${s.killAtMs} ms`);
  for (const e of s.events) {
    parts.push(e.kind === "start" ? `dead node #${e.pick} returns at ${e.atMs} ms` : `kill -9 of ${e.target === "primary" ? "the primary" : "a replica"} at ${e.atMs} ms`);
  }
  return parts.join(", ");
}

/** One line per step, for logs and replays. */
export function describeStep(s) {
  switch (s.kind) {
    case "kill":
      return `kill -9 of ${s.target === "primary" ? "the primary" : "a replica"}`;
    case "start":
      return `dead node #${s.pick} returns`;
    case "pause":
      return `writer alone for ${s.ms} ms`;
    case "two-runs":
      return `two runs at once (${s.staggerMs} ms apart): ${describeRun(s.runs[0])} | ${describeRun(s.runs[1])}`;
    default:
      return `run ${describeRun(s)}`;
  }
}
