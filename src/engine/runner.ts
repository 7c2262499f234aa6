// The linear strategy: each task runs on every active host of the batch (at most --forks at
// once) before the next task starts. Hosts that fail drop out; blocks rescue them; handlers run
// once per host at the end of each batch or at `meta: flush_handlers`.
import pLimit from "p-limit";
import { NoHostsMatchedError } from "../errors.js";
import type { Inventory } from "../inventory/types.js";
import type { PlaySpec, Playbook, TaskSpec } from "../load/types.js";
import { ConnectionPool } from "./connections.js";
import type { HostCounts, HostResult, RunEvent } from "./events.js";
import { executeGroupTask, executeTask, type ExecDeps, type HostOutcome, type Inherited } from "./execute-task.js";
import { getModule } from "../modules/registry.js";
import { HostStates } from "./host-state.js";
import type { RunOptions } from "./options.js";
import { RunResourcePool } from "./resources.js";
import { batchesOf } from "./serial.js";
import { selectedByTags } from "./tags.js";
import { evalConditions } from "../template/expressions.js";
import { renderValue } from "../template/handlebars.js";
import { formatLocation, TemplateError } from "../errors.js";
import { displayName, matchesStartAt } from "./task-names.js";
import { VarStore } from "./vars.js";

/** How a run ended, for the recap and the exit code. */
export interface RunOutcome {
  counts: Record<string, HostCounts>;
  failedHosts: string[];
  unreachableHosts: string[];
  /** Something changed (or would change, under --check). */
  changed: boolean;
  owedHandlers: Record<string, string[]>;
  /** Why the run stopped early (any_errors_fatal, max_fail_percentage, interrupted). */
  aborted?: string;
  /** The user interrupted the run (SIGINT). */
  interrupted?: boolean;
}

/** Hosts each play would run on; throws NoHostsMatchedError before anything runs. */
export function playHosts(playbook: Playbook, inventory: Inventory, limit?: string): string[][] {
  const limited = limit ? new Set(inventory.match(limit)) : undefined;
  return playbook.plays.map((play) => {
    const hosts = inventory.match(play.hosts).filter((h) => !limited || limited.has(h));
    if (hosts.length === 0) {
      throw new NoHostsMatchedError(play.hosts, play.loc, limit);
    }
    return hosts;
  });
}

export async function runPlaybook(playbook: Playbook, inventory: Inventory, options: RunOptions): Promise<RunOutcome> {
  const started = Date.now();
  const hostsPerPlay = playHosts(playbook, inventory, options.limit);
  const emit = (e: RunEvent) => options.reporter.onEvent(e);
  const states = new HostStates();
  const vars = new VarStore(inventory, playbook, options.extraVars, options.check, options.secrets, (h) => states.isActive(h));
  options.secrets.addFromVars(options.extraVars);
  const ssh = { ...options.ssh, onWarning: options.ssh.onWarning ?? ((host: string, msg: string) => emit({ type: "warning", msg, host })) };
  const conns = new ConnectionPool(ssh, (h) => vars.forHost(h));
  const resources = new RunResourcePool();
  let aborted: string | undefined;

  // The first batch's connections open now, with the variables their first task will see, while
  // the caller may still be checking the playbook (options.ready).
  const firstPlay = playbook.plays[0];
  const firstBatch = firstPlay ? batchesOf(hostsPerPlay[0]!, firstPlay.serial)[0] : undefined;
  if (firstPlay && firstBatch) {
    vars.setPlay(firstPlay, firstBatch);
    // As the play's tasks ask for it: as its remote_user (else -u / ansible.cfg's) where the host names no user.
    conns.warm(firstBatch, (h) => (firstPlay.remoteUser === undefined ? options.remoteUser : String(renderValue(firstPlay.remoteUser, vars.forHost(h), { loc: firstPlay.loc, host: h }))));
  }
  if (options.ready) {
    try {
      await options.ready;
    } catch (err) {
      await conns.closeAll();
      throw err;
    }
  }

  emit({ type: "playbook_start", file: playbook.file, check: options.check, diff: options.diff });
  try {
    for (const [i, play] of playbook.plays.entries()) {
      const hosts = hostsPerPlay[i].filter((h) => !states.failed.has(h) && !states.unreachable.has(h));
      for (const h of hostsPerPlay[i]) states.countsOf(h);
      states.ended.clear();
      emit({ type: "play_start", name: play.name, pattern: play.hosts, hosts });
      if (hosts.length === 0) {
        emit({ type: "warning", msg: `play "${play.name}": no hosts left to run on` });
        continue;
      }
      for (const batch of batchesOf(hosts, play.serial)) {
        vars.setPlay(play, batch);
        const deps: ExecDeps = { options, vars, conns, resources, playbookDir: play.dir ?? playbook.dir, playHosts: batch, groupHosts: inventory.match(play.hosts), left: () => [...states.unreachable, ...states.failed] };
        const runner = new PlayRunner(deps, play, states, emit);
        aborted = await runner.run(batch);
        if (aborted) break;
      }
      if (aborted) break;
    }
    // Say why nothing more ran (an interruption has already said so on stderr).
    if (aborted && !options.signal?.aborted) emit({ type: "warning", msg: `${aborted}; no further task was started` });
  } finally {
    await resources.dispose();
    await conns.closeAll();
  }

  const counts = Object.fromEntries(states.counts);
  const owedHandlers = Object.fromEntries(states.owed);
  emit({ type: "recap", hosts: counts, owedHandlers, durationMs: Date.now() - started });
  return {
    counts,
    failedHosts: [...states.failed],
    unreachableHosts: [...states.unreachable].filter((h) => !states.expectedDown.has(h)),
    changed: states.changedAny,
    owedHandlers,
    aborted,
    interrupted: options.signal?.aborted ?? false,
  };
}

class PlayRunner {
  private readonly handlers: TaskSpec[];
  private abortReason?: string;
  private failedInBatch = new Set<string>();
  /** Inside a block that has a rescue, a failure is not (yet) fatal to the play. */
  private rescuable = 0;

  constructor(
    private readonly deps: ExecDeps,
    private readonly play: PlaySpec,
    private readonly states: HostStates,
    private readonly emit: (e: RunEvent) => void,
  ) {
    this.handlers = play.handlers;
  }

  /** Runs the play's tasks and handlers on one batch; returns why the run must stop, if it must. */
  async run(batch: string[]): Promise<string | undefined> {
    this.failedInBatch.clear();
    const inherited: Inherited = { vars: {}, when: [], become: this.play.become, becomeUser: this.play.becomeUser, remoteUser: this.play.remoteUser };
    const tasks = this.play.gatherFacts ? [gatherFactsTask(this.play), ...this.play.tasks] : this.play.tasks;
    await this.runTasks(tasks, batch, inherited);
    await this.flushHandlers(batch, true);
    return this.abortReason;
  }

  private active(hosts: string[]): string[] {
    return hosts.filter((h) => this.states.isActive(h));
  }

  private async runTasks(tasks: TaskSpec[], hosts: string[], inherited: Inherited): Promise<void> {
    for (const task of tasks) {
      if (this.deps.options.signal?.aborted) this.abortReason ??= "interrupted: no further task was started";
      if (this.abortReason) return;
      const active = this.active(hosts);
      if (active.length === 0) return;
      if (task.include) {
        // An include's own tags decide whether it runs at all, as in Ansible.
        if (!selectedByTags(task.tags, this.deps.options.tags, this.deps.options.skipTags)) continue;
        if (task.loop !== undefined) await this.runIncludeLoop(task, active, inherited);
        else await this.runBlock(task, active, inherited);
        continue;
      }
      if (task.block) {
        await this.runBlock(task, active, inherited);
        continue;
      }
      if (!selectedByTags(task.tags, this.deps.options.tags, this.deps.options.skipTags)) continue;
      if (!(await this.wanted(task))) continue;
      if (task.module === "meta") {
        await this.runMeta(task, active, inherited);
        continue;
      }
      await this.runTask(task, active, inherited, false);
    }
  }

  /** --start-at-task passes over tasks until the first match; --step asks before each task. */
  private async wanted(task: TaskSpec): Promise<boolean> {
    const start = this.deps.options.startAtTask;
    if (start && !start.reached) {
      if (!matchesStartAt(task, start.pattern)) return false;
      start.reached = true;
    }
    const confirm = this.deps.options.confirmTask;
    return confirm ? confirm(taskName(task)) : true;
  }

  /**
   * An include with `loop`: the items are rendered per host, and the include runs once per item
   * index, on the hosts that have that many items, each with its own item as the loop variable.
   */
  private async runIncludeLoop(include: TaskSpec, hosts: string[], inherited: Inherited): Promise<void> {
    const started = Date.now();
    const itemsOf = new Map<string, unknown[]>();
    const failed: HostResult[] = [];
    for (const host of hosts) {
      try {
        const vars = this.varsIn(host, { ...inherited, params: { ...inherited.params, ...include.vars } }, include.role);
        const items = renderValue(include.loop, vars, { loc: include.loc, host });
        if (!Array.isArray(items)) throw new TemplateError(`${formatLocation(include.loc)}: loop must be a list, got ${typeof items} (host ${host})`, include.loc);
        itemsOf.set(host, items);
      } catch (err) {
        failed.push({ host, status: "failed", msg: (err as Error).message, durationMs: Date.now() - started });
      }
    }
    if (failed.length > 0) this.reportAtOnce(include, failed, started);
    const rounds = Math.max(0, ...[...itemsOf.values()].map((items) => items.length));
    for (let i = 0; i < rounds; i++) {
      const round = hosts.filter((h) => (itemsOf.get(h)?.length ?? 0) > i);
      const hostVars = new Map(round.map((h) => [h, { ...inherited.hostVars?.get(h), [include.loopVar]: itemsOf.get(h)![i] }]));
      await this.runBlock(include, this.active(round), { ...inherited, hostVars });
    }
  }

  private async runBlock(block: TaskSpec, allHosts: string[], inherited: Inherited): Promise<void> {
    const inner: Inherited = {
      vars: block.paramVars ? inherited.vars : { ...inherited.vars, ...block.vars },
      params: block.paramVars ? { ...inherited.params, ...block.vars } : inherited.params,
      // The block's own `when` is decided once, here, for the whole block (see blockHosts).
      when: inherited.when,
      become: block.become ?? inherited.become,
      becomeUser: block.becomeUser ?? inherited.becomeUser,
      remoteUser: block.remoteUser ?? inherited.remoteUser,
      checkMode: block.checkMode ?? inherited.checkMode,
      hostVars: inherited.hostVars,
    };
    const hosts = block.when && block.when.length > 0 ? this.blockHosts(block, allHosts, inner) : allHosts;
    if (hosts.length === 0) return;
    const failedBefore = new Set(hosts.filter((h) => this.states.failed.has(h)));
    const hasRescue = Boolean(block.rescue && block.rescue.length > 0);
    if (hasRescue) this.rescuable++;
    try {
      if (block.choose !== undefined) await this.runChosen(block, hosts, inner);
      else await this.runTasks(block.block ?? [], hosts, inner);
    } finally {
      if (hasRescue) this.rescuable--;
    }
    const failedHere = hosts.filter((h) => this.states.failed.has(h) && !failedBefore.has(h));
    if (block.rescue && block.rescue.length > 0 && failedHere.length > 0) {
      for (const h of failedHere) {
        this.states.failed.delete(h);
        this.failedInBatch.delete(h);
        this.states.countsOf(h).rescued++;
      }
      await this.runTasks(block.rescue, failedHere, inner);
    }
    if (block.always && block.always.length > 0) {
      // `always` runs for hosts that failed in the block too; they stay failed afterwards.
      const stillFailed = hosts.filter((h) => this.states.failed.has(h) && !failedBefore.has(h));
      for (const h of stillFailed) this.states.failed.delete(h);
      const runOn = hosts.filter((h) => !this.states.unreachable.has(h) && !failedBefore.has(h));
      await this.runTasks(block.always, runOn, inner);
      for (const h of stillFailed) this.states.failed.add(h);
    }
  }

  /**
   * An include_tasks with a templated file name: the name is rendered per host, and each file's
   * block (all were loaded before the run) runs for the hosts whose name is that file's, in the
   * order the files were found. A host whose name matches none of them fails, naming them.
   */
  private async runChosen(include: TaskSpec, hosts: string[], inner: Inherited): Promise<void> {
    const started = Date.now();
    const choices = include.block ?? [];
    const chosen = new Map<string, string>();
    const failed: HostResult[] = [];
    for (const host of hosts) {
      try {
        const vars = this.varsIn(host, inner, include.role);
        const name = String(renderValue(include.choose, vars, { loc: include.loc, host }));
        if (choices.some((c) => c.choice === name)) {
          chosen.set(host, name);
        } else {
          const known = choices.map((c) => c.choice).join(", ");
          failed.push({ host, status: "failed", msg: `${formatLocation(include.loc)}: include_tasks file "${name}" (from "${include.choose}") is not one of the files found before the run: ${known}`, durationMs: Date.now() - started });
        }
      } catch (err) {
        failed.push({ host, status: "failed", msg: (err as Error).message, durationMs: Date.now() - started });
      }
    }
    if (failed.length > 0) this.reportAtOnce(include, failed, started);
    for (const choice of choices) {
      const on = hosts.filter((h) => chosen.get(h) === choice.choice);
      if (on.length > 0) await this.runTasks(choice.block ?? [], this.active(on), inner);
    }
  }

  /** A host's variables inside a block or include, as its tasks will see them (their own vars aside). */
  private varsIn(host: string, inherited: Inherited, role: TaskSpec["role"]): Record<string, unknown> {
    return this.deps.vars.forHost(host, { ...inherited.vars, ...inherited.hostVars?.get(host) }, role, inherited.params);
  }

  /** One task line for results decided before a task or include could run (a bad loop, a file name that names nothing). */
  private reportAtOnce(task: TaskSpec, results: HostResult[], started: number): void {
    const name = taskName(task);
    this.emit({ type: "task_start", name, module: task.include ?? "include_tasks", handler: false, loc: task.loc });
    for (const r of results) {
      this.emit({ type: "host_result", task: name, result: r });
      this.count(r.host, r);
    }
    this.emit({ type: "task_end", task: name, durationMs: Date.now() - started });
  }

  /**
   * Hosts for which the block's `when` holds, decided once at the block's start: the others get a
   * single "skipping" line for the whole block instead of one per task inside it.
   */
  private blockHosts(block: TaskSpec, hosts: string[], inner: Inherited): string[] {
    const name = block.name ?? "block";
    const started = Date.now();
    const pass: string[] = [];
    const results: HostResult[] = [];
    for (const host of hosts) {
      try {
        const vars = this.varsIn(host, inner, block.role);
        if (evalConditions([...inner.when, ...(block.when ?? [])], vars, { loc: block.loc, host })) pass.push(host);
        else results.push({ host, status: "skipped", msg: "Conditional result was False", durationMs: Date.now() - started });
      } catch (err) {
        results.push({ host, status: "failed", msg: (err as Error).message, durationMs: Date.now() - started });
      }
    }
    if (results.length > 0) {
      this.emit({ type: "task_start", name, module: "block", handler: false, loc: block.loc });
      for (const r of results) {
        this.emit({ type: "host_result", task: name, result: r });
        this.count(r.host, r);
      }
      this.emit({ type: "task_end", task: name, durationMs: Date.now() - started });
    }
    return pass;
  }

  private async runMeta(task: TaskSpec, hosts: string[], inherited: Inherited): Promise<void> {
    const action = String(task.args?.action ?? "noop");
    switch (action) {
      case "flush_handlers":
        await this.flushHandlers(hosts, false);
        return;
      case "end_play":
        for (const h of hosts) this.states.ended.add(h);
        return;
      case "end_host":
        // end_host may carry a `when`; only hosts where it holds leave the play.
        for (const h of hosts) {
          const outcome = await executeTask(this.deps, { ...task, module: "meta" }, h, inherited);
          if (outcome.result.status !== "skipped") this.states.ended.add(h);
        }
        return;
      case "clear_host_errors":
        for (const h of this.states.failed) this.states.failed.delete(h);
        return;
      default:
        return;
    }
  }

  /** Runs `task` on `hosts` at most --forks at once, records results, notifies handlers. */
  private async runTask(task: TaskSpec, hosts: string[], inherited: Inherited, handler: boolean): Promise<void> {
    const name = taskName(task);
    const t0 = Date.now();
    this.emit({ type: "task_start", name, module: task.module ?? "block", handler, loc: task.loc });
    const group = getModule(task.module ?? "")?.scope === "group";
    // A group module already runs once for every host: run_once changes nothing for it.
    const targets = task.runOnce && !group ? hosts.slice(0, 1) : hosts;
    const pending = new Set(targets);
    const waitingAfter = this.deps.options.waitingAfterMs ?? 2000;
    const timer = setInterval(() => {
      const elapsed = Date.now() - t0;
      if (elapsed >= waitingAfter && pending.size > 0) {
        this.emit({ type: "task_waiting", task: name, hosts: [...pending], elapsedMs: elapsed });
      }
    }, 1000);
    timer.unref();
    const limit = pLimit(Math.max(1, this.deps.options.forks));
    try {
      if (group) {
        const outcomes = await executeGroupTask(this.deps, task, targets, inherited);
        pending.clear();
        for (const h of targets) this.record(task, h, outcomes.get(h)!, name);
      } else {
        await this.runPerHost(task, targets, hosts, inherited, name, pending, limit);
      }
    } finally {
      clearInterval(timer);
    }
    this.emit({ type: "task_end", task: name, durationMs: Date.now() - t0 });
  }

  private async runPerHost(
    task: TaskSpec,
    targets: string[],
    hosts: string[],
    inherited: Inherited,
    name: string,
    pending: Set<string>,
    limit: ReturnType<typeof pLimit>,
  ): Promise<void> {
    await Promise.all(
      targets.map((h) =>
        limit(async () => {
          const outcome = await executeTask(this.deps, task, h, inherited);
          pending.delete(h);
          this.record(task, h, outcome, name);
          if (task.runOnce) {
            for (const other of hosts.slice(1)) this.share(task, other, outcome);
          }
        }),
      ),
    );
  }

  /** Registers the outcome and sets its facts on `host`, and notifies its handlers if it changed;
   *  for run_once, every host of the batch gets the one outcome this way. */
  private share(task: TaskSpec, host: string, outcome: HostOutcome): void {
    const facts: Record<string, unknown> = { ...outcome.facts };
    if (task.register) facts[task.register] = outcome.record;
    if (Object.keys(facts).length > 0) this.deps.vars.setFacts(host, facts);
    if (outcome.result.status === "changed") this.notify(task, host);
  }

  private record(task: TaskSpec, host: string, outcome: HostOutcome, name: string): void {
    const shown = outcome.items.length > 0 ? outcome.items : [outcome.result];
    for (const r of shown) this.emit({ type: "host_result", task: name, result: r });
    this.count(host, outcome.result);
    this.share(task, host, outcome);
  }

  private count(host: string, r: HostResult): void {
    const c = this.states.countsOf(host);
    switch (r.status) {
      case "ok":
        c.ok++;
        break;
      case "changed":
        c.ok++;
        c.changed++;
        this.states.changedAny = true;
        break;
      case "skipped":
        c.skipped++;
        break;
      case "unreachable":
        c.unreachable++;
        this.states.unreachable.add(host);
        if (r.expected) {
          // The play counted on it being dead: it leaves the play, and the run does not fail for it.
          this.states.expectedDown.add(host);
          break;
        }
        this.failedInBatch.add(host);
        // A host lost counts like a failed one for any_errors_fatal (as in Ansible) and for
        // max_fail_percentage: a node that dies during its restart must stop a rolling restart.
        // No rescue runs for it, so an enclosing rescue does not defer the check.
        this.checkFailureLimits(host, "was unreachable", false);
        break;
      case "failed":
        if (r.ignored) {
          c.ignored++;
          break;
        }
        c.failed++;
        this.states.failed.add(host);
        this.failedInBatch.add(host);
        this.checkFailureLimits(host, "failed", true);
        break;
    }
  }

  /** Sets why the run stops when `host` (which just failed or was lost) crosses the play's limits. */
  private checkFailureLimits(host: string, what: string, rescuable: boolean): void {
    if (rescuable && this.rescuable > 0) return;
    if (this.play.anyErrorsFatal) {
      this.abortReason ??= `any_errors_fatal: ${host} ${what}, stopping the play on every host`;
      return;
    }
    const max = this.play.maxFailPercentage;
    if (max !== undefined) {
      const pct = (this.failedInBatch.size / Math.max(1, this.deps.playHosts.length)) * 100;
      if (pct > max) {
        this.abortReason ??= `max_fail_percentage ${max}% exceeded (${pct.toFixed(0)}% of the batch failed or was unreachable)`;
      }
    }
  }

  private notify(task: TaskSpec, host: string): void {
    for (const name of task.notify) {
      for (const h of this.handlers) {
        if (h.name === name || h.listen.includes(name)) this.states.notify(host, handlerKey(h));
      }
    }
  }

  /** Runs notified handlers in definition order; at play end, failed hosts' handlers are owed. */
  private async flushHandlers(hosts: string[], endOfPlay: boolean): Promise<void> {
    const force = this.deps.options.forceHandlers;
    for (const h of this.handlers) {
      const key = handlerKey(h);
      const due = hosts.filter((host) => this.states.notified.get(host)?.has(key));
      const runOn = due.filter((host) => this.states.isActive(host) || (force && !this.states.unreachable.has(host)));
      if (runOn.length > 0 && !this.abortReason) {
        await this.runTask(h, runOn, { vars: {}, when: [], become: this.play.become, becomeUser: this.play.becomeUser, remoteUser: this.play.remoteUser }, true);
        for (const host of runOn) this.states.notified.get(host)?.delete(key);
      }
    }
    if (!endOfPlay) return;
    for (const host of hosts) {
      const left = this.states.notified.get(host);
      if (!left || left.size === 0) continue;
      const names = [...left];
      this.states.owed.set(host, [...(this.states.owed.get(host) ?? []), ...names]);
      this.emit({ type: "handlers_owed", host, handlers: names });
      left.clear();
    }
  }
}

/** What `gather_facts: true` runs first (tagged always, as Ansible's fact gathering). */
function gatherFactsTask(play: PlaySpec): TaskSpec {
  return {
    name: "Gathering Facts",
    module: "setup",
    args: {},
    loopVar: "item",
    notify: [],
    listen: [],
    retries: 0,
    delay: 0,
    ignoreErrors: false,
    tags: ["always"],
    runOnce: false,
    noLog: false,
    checkMode: false,
    vars: {},
    loc: play.loc,
  };
}

function handlerKey(h: TaskSpec): string {
  return h.name ?? `${h.module} at line ${h.loc.line}`;
}

function taskName(task: TaskSpec): string {
  return displayName(task);
}
