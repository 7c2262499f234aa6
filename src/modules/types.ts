// The Module contract: plan reads and decides, apply carries out. The engine (never the module)
// decides whether apply runs: not under --check, not when the plan has no changes.
import type { BecomeOptions, Connection } from "../connection/types.js";
import type { Location } from "../errors.js";

/** One thing a plan would do, in words a user reads in check mode ("REPLICAOF 10.0.0.1 6379"). */
export interface Change {
  summary: string;
}

/** Before/after text of one file; rendered only by src/output. `null` means absent. */
export interface FileDiff {
  path: string;
  before: string | null;
  after: string | null;
}

/** What a module decided after reading the host. */
export interface Plan<S = unknown> {
  changes: Change[];
  /**
   * Writes that leave nothing changed (a canary key written, read back and deleted): apply runs
   * for them, never under --check, and the task stays `ok`.
   */
  probes?: Change[];
  /** Why nothing needs doing ("redis-server is running"). Set when changes is empty. */
  noop?: string;
  /** The effect cannot be predicted (a bare `command`): skipped under --check, never "changed". */
  unknown?: boolean;
  /** A failure found while planning (assert, missing template, bad state). */
  failed?: string;
  diff?: FileDiff[];
  /** Extra fields for `register` (facts read, command output of probes, ...). */
  data?: Record<string, unknown>;
  /** Variables to set on this host (set_fact, redis_topology). */
  facts?: Record<string, unknown>;
  /** A message shown with the result (debug). */
  msg?: string;
  /** Module-private state handed to apply. */
  state?: S;
}

/** What apply did. */
export interface Applied {
  failed?: string;
  data?: Record<string, unknown>;
  facts?: Record<string, unknown>;
  msg?: string;
  /** Override of `changed` (default: the plan had changes). */
  changed?: boolean;
  /** Nothing was done after all, and why (a group change stopped before it reached this host). */
  skipped?: string;
  /** Diff learnt only while applying. */
  diff?: FileDiff[];
}

/** Caches shared by every task of one run (Redis clients, ...), disposed when the run ends. */
export interface RunResources {
  get<T>(key: string, create: () => T, dispose?: (value: T) => Promise<void> | void): T;
}

/** Everything a module may use on one host for one task. */
export interface TaskContext {
  /** inventory_hostname */
  readonly host: string;
  /** Every variable visible to this host for this task (magic variables included). */
  readonly vars: Record<string, unknown>;
  readonly check: boolean;
  readonly diff: boolean;
  readonly become: BecomeOptions;
  /** Absolute directory of the playbook. */
  readonly playbookDir: string;
  /** Where the task is written, for messages. */
  readonly loc: Location;
  /** This host's connection (connected lazily; throws UnreachableError). */
  conn(): Promise<Connection>;
  /** Another host's connection, for modules that look at a whole group. */
  connFor(host: string): Promise<Connection>;
  /** Variables of another host (hostvars[host]). */
  varsFor(host: string): Record<string, unknown>;
  /** Variables given with -e (already part of `vars`): lets a module tell an explicit choice from an inventory default. */
  readonly extraVars: Record<string, unknown>;
  /** Hosts of the current play batch. */
  readonly playHosts: string[];
  /** Evaluates an expression (`when` syntax) against this host's variables. */
  evaluate(expr: string): unknown;
  /** Renders a template file (resolved like `template.src`) with this host's variables, `overlay` over them. */
  renderFile(src: string, overlay?: Record<string, unknown>): Promise<string>;
  /** Absolute path for a `src` given to template/copy/include_vars: templates/, files/ or vars/ of the role or beside the playbook, the playbook dir, or cwd. */
  resolveSrc(kind: "templates" | "files" | "vars", src: string): string;
  /** Marks a value as secret: masked in every output from now on. */
  addSecret(value: string): void;
  /** Verbose log line (shown with -v / -vv). */
  log(message: string, level?: 1 | 2): void;
  readonly resources: RunResources;
}

/** What every module declares, whichever its scope. */
export interface ModuleInfo {
  readonly name: string;
  /** JSON Schema of the arguments (validated before any host is touched). */
  readonly schema: Record<string, unknown>;
  /** "partial": plan may return `unknown`. */
  readonly check: "full" | "partial";
  /** Key that a free-form string argument maps to (`command: echo hi` -> { cmd: "echo hi" }). */
  readonly freeForm?: string;
  /** Runs on the controller only and needs no connection (debug, set_fact, assert, fail, pause, meta). */
  readonly local?: boolean;
  /** Variables this module sets as facts (known to `redplay validate`'s undefined-variable check). */
  readonly setsFacts?: string[];
  /** Argument keys left untemplated (expressions such as assert.that). */
  readonly rawArgs?: string[];
  /** Argument keys whose value (a string, or a list of strings) names inventory hosts: literal names are checked by validate/run, rendered ones by the module before it changes anything. */
  readonly hostArgs?: string[];
  /** Argument keys naming a template file (resolved like `template.src`): `redplay validate` opens and checks each. */
  readonly templateArgs?: string[];
}

/** A module that runs on each host of the play on its own (the default). */
export interface Module<A = Record<string, unknown>, S = unknown> extends ModuleInfo {
  readonly scope?: "host";
  /** Reads the host and decides. Must not write. */
  plan(ctx: TaskContext, args: A): Promise<Plan<S>>;
  /** Carries out plan.changes. Never called under --check or for an empty plan. */
  apply(ctx: TaskContext, args: A, plan: Plan<S>): Promise<Applied>;
}

/**
 * Everything a group module may use: the context of each host it runs for. Arguments are
 * rendered for every host; `args` given to plan/apply are the first host's.
 */
export interface GroupContext<A = Record<string, unknown>> {
  /** Hosts the task runs for: the play's active hosts where its `when` held, in inventory order. */
  readonly hosts: string[];
  /** Hosts of the current play batch. */
  readonly playHosts: string[];
  /**
   * Every host the play's pattern matches, before --limit and serial batches: the whole group,
   * for decisions that need it (who is the primary, how many nodes make a majority).
   */
  readonly groupHosts: string[];
  /** Hosts that failed or became unreachable earlier in this run: they have left the play. */
  readonly left: string[];
  readonly check: boolean;
  readonly diff: boolean;
  /** Where the task is written, for messages. */
  readonly loc: Location;
  /** The context of any host of the play (a host of `hosts` gets its own task context). */
  ctx(host: string): TaskContext;
  /** The arguments as rendered for `host` (one of `hosts`). */
  argsFor(host: string): A;
  readonly resources: RunResources;
  log(message: string, level?: 1 | 2): void;
}

/** A host found dead while planning a group task: reported unreachable. */
export interface HostDown {
  msg: string;
  /** The play expected it (the dead primary of a failover): it leaves the play without failing the run. */
  expected?: boolean;
}

/** A group module's plan: one Plan per host (a host left out has nothing to do). */
export interface GroupPlan<S = unknown> {
  hosts: Record<string, Plan>;
  down?: Record<string, HostDown>;
  /** Module-private state handed to apply. */
  state?: S;
}

/** What a group apply did, per host (a host left out did what its plan said). */
export interface GroupApplied {
  hosts: Record<string, Applied>;
}

/**
 * A module that runs once for the play's hosts and decides for all of them together (a topology,
 * a failover, a rolling change), as Ansible's BYPASS_HOST_LOOP: the engine never runs it per host.
 * Its plan and results are still per host: each host's line, recap and JSON say what happened to it.
 */
export interface GroupModule<A = Record<string, unknown>, S = unknown> extends ModuleInfo {
  readonly scope: "group";
  plan(g: GroupContext<A>, args: A): Promise<GroupPlan<S>>;
  /** Runs when any host's plan has changes or probes; never under --check. */
  apply(g: GroupContext<A>, args: A, plan: GroupPlan<S>): Promise<GroupApplied>;
}

export type AnyModule = Module<any, any> | GroupModule<any, any>;

export function isGroupModule(mod: AnyModule): mod is GroupModule<any, any> {
  return mod.scope === "group";
}
