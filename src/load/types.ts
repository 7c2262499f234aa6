// Typed, validated playbooks and inventories as the loader hands them to the engine.
// Every node keeps its Location so later errors (templates, expressions) can point at it.
import type { Location } from "../errors.js";

/** A condition list (`when`, `changed_when`, `failed_when`): all must hold. Booleans become "true"/"false". */
export type Condition = string[];

/** One task, handler, or block after normalisation. */
export interface TaskSpec {
  name?: string;
  /** Module name (`template`, `command`, `meta`, ...); absent for a block. */
  module?: string;
  /** Module arguments as written (not yet templated). A free-form string (`command: echo hi`) becomes `{ [module.freeForm]: "echo hi" }`. */
  args?: Record<string, unknown>;
  /** Locations of the top-level argument keys' values (and of list items, as `key[i]`), for errors about one argument. */
  argLocs?: Record<string, Location>;
  block?: TaskSpec[];
  rescue?: TaskSpec[];
  always?: TaskSpec[];
  when?: Condition;
  /** The loop value as written: a list, or a template string that renders to one. */
  loop?: unknown;
  /** `loop_control.loop_var`; default "item". */
  loopVar: string;
  register?: string;
  /** Handler names or listen topics this task notifies when it reports changed. */
  notify: string[];
  /** Handlers only: extra topics this handler answers to. */
  listen: string[];
  until?: Condition;
  /** With `until`: attempts after the first (Ansible default 3). */
  retries: number;
  /** Seconds between attempts (Ansible default 5). */
  delay: number;
  changedWhen?: Condition;
  failedWhen?: Condition;
  ignoreErrors: boolean;
  /** Tags of the task itself plus those inherited from its block and play. */
  tags: string[];
  runOnce: boolean;
  noLog: boolean;
  /** A boolean, or a template rendered per host when the task runs. */
  become?: boolean | string;
  /** May be a template, rendered per host when the task runs. */
  becomeUser?: string;
  /** `check_mode: false` forces a real run under --check (read-only probes); `true` forces check. */
  checkMode?: boolean;
  /** `diff: false` keeps this task's file diffs out of the output even under --diff. */
  diff?: boolean;
  vars: Record<string, unknown>;
  /** `remote_user`: the SSH user when the host names none (a template allowed). */
  remoteUser?: string;
  /** `delegate_to`: the host whose connection runs the module (a template allowed); the task keeps its own host's variables. */
  delegateTo?: string;
  /** The role the task comes from: its directory holds the task's templates/ and files/, its defaults and vars apply. */
  role?: RoleScope;
  /**
   * A dynamic include (include_tasks, include_role), as a block of what it brings in: its own
   * tags decide whether it runs at all, its `when` is decided once per host, `loop` repeats it.
   */
  include?: "include_tasks" | "include_role";
  /**
   * An include_tasks whose file name is a template (`setup-{{ansible_os_family}}.yml`): rendered
   * per host when it runs. Every file it could name was loaded (and checked) before the run, each
   * as one block of `block` whose `choice` is that name; a host runs the one its name renders to.
   */
  choose?: string;
  /** Of a block under a `choose` include: the file name (as the include writes it) it was loaded from. */
  choice?: string;
  /**
   * `vars` are parameters (of a role, or of an include_tasks/include_role): they rank above
   * registered results and set_fact, as in Ansible, where block and task vars rank below.
   */
  paramVars?: boolean;
  /** Of an include_vars task: the variables its file (or any file its templated name may name) defines. */
  varsDefined?: string[];
  loc: Location;
}

/** A role as loaded, shared by every task that comes from it. */
export interface RoleScope {
  name: string;
  /** Absolute directory of the role. */
  dir: string;
  /** defaults/ of the role and of the roles it depends on (theirs first): below every inventory variable. */
  defaults: Record<string, unknown>;
  /** vars/ of the role and of the roles it depends on: above play vars and vars_files. */
  vars: Record<string, unknown>;
}

/** One play. `serial` is a list of batch sizes (number or "30%"); the last repeats. */
export interface PlaySpec {
  name: string;
  hosts: string;
  vars: Record<string, unknown>;
  /** Where each play variable's value is written, for errors about it. */
  varLocs?: Record<string, Location>;
  /** Already loaded and merged in order (later files win). */
  varsFilesData: Record<string, unknown>;
  /** A boolean, or a template rendered per host when each task runs. */
  become?: boolean | string;
  /** May be a template, rendered per host when each task runs. */
  becomeUser?: string;
  /** `remote_user` of the play. */
  remoteUser?: string;
  serial?: Array<number | string>;
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  /** `gather_facts: true`: the `setup` module runs on every host before the first task. */
  gatherFacts?: boolean;
  tags: string[];
  /** pre_tasks, roles, tasks and post_tasks in the order they run (with the handler flushes between them). */
  tasks: TaskSpec[];
  /** The roles' handlers, then the play's own. */
  handlers: TaskSpec[];
  /** Every role the play uses (roles:, import_role, include_role, dependencies): their defaults and vars apply to the whole play. */
  roles: RoleScope[];
  /** Directory of the playbook file the play is written in (it differs for an import_playbook): base for templates/ and files/. */
  dir?: string;
  loc: Location;
}

export interface Playbook {
  /** Path as the user gave it (used in messages). */
  file: string;
  /** Absolute directory holding the playbook: base for `templates/`, `files/`, vars_files. */
  dir: string;
  plays: PlaySpec[];
}

/** An inventory group as written (Ansible YAML inventory). */
export interface InventoryGroupDoc {
  name: string;
  /** Hosts listed directly in this group, with their inline vars (may be empty objects), in file order. */
  hosts: Array<{ name: string; vars: Record<string, unknown>; loc: Location }>;
  vars: Record<string, unknown>;
  children: InventoryGroupDoc[];
  loc: Location;
}

/** Variables from a group_vars/ and a host_vars/ directory (beside an inventory or a playbook). */
export interface VarsDirs {
  /** group_vars/<group>.yaml (or .yml, .json, no extension, or a directory of them), by group name. */
  groupVars: Record<string, Record<string, unknown>>;
  /** host_vars/<host>.yaml (same forms), by host name. */
  hostVars: Record<string, Record<string, unknown>>;
}

/** A loaded inventory file (YAML or INI) plus group_vars/ and host_vars/ found beside it. */
export interface InventoryDoc extends VarsDirs {
  file: string;
  dir: string;
  /** Top-level groups (normally just `all`); a group nobody lists as a child is a child of `all`. */
  groups: InventoryGroupDoc[];
}
