// Variables for a host, merged by precedence (lowest first): inventory (all < parent < child <
// host) < play vars < vars_files < block/task vars < registered vars and set_fact < -e.
// Values that are themselves templates ("{{ env 'REDIS_PASSWORD' }}") are rendered here, lazily,
// against the merged set; one that cannot be rendered throws only when something reads it.
import type { Inventory } from "../inventory/types.js";
import type { PlaySpec, Playbook, RoleScope } from "../load/types.js";
import type { Secrets } from "../output/redact.js";
import { renderValue } from "../template/handlebars.js";
import { mayBeTemplate } from "../template/jinja-detect.js";

type Vars = Record<string, unknown>;

export function containsTemplate(value: unknown): boolean {
  // A Jinja2 statement or comment is rendered too, so it fails where it is used instead of passing as text.
  if (typeof value === "string") return mayBeTemplate(value);
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (value && typeof value === "object") return Object.values(value).some(containsTemplate);
  return false;
}

export class VarStore {
  /** Registered results and set_fact values, per host; they persist across plays like Ansible's. */
  private readonly facts = new Map<string, Vars>();
  private readonly cache = new Map<string, Vars>();
  private play?: PlaySpec;
  private playHosts: string[] = [];
  private hostvarsProxy: Vars;

  constructor(
    private readonly inventory: Inventory,
    private readonly playbook: Playbook,
    private readonly extraVars: Vars,
    private readonly check: boolean,
    private readonly secrets: Secrets,
    /** Hosts of the batch that have not failed or become unreachable (Ansible's ansible_play_hosts). */
    private readonly isActive: (host: string) => boolean = () => true,
  ) {
    this.hostvarsProxy = {};
    for (const h of inventory.hosts()) {
      Object.defineProperty(this.hostvarsProxy, h, {
        enumerable: true,
        get: () => this.forHost(h),
      });
    }
  }

  setPlay(play: PlaySpec, playHosts: string[]): void {
    this.play = play;
    this.playHosts = playHosts;
    this.cache.clear();
  }

  factsOf(host: string): Vars {
    let f = this.facts.get(host);
    if (!f) {
      f = {};
      this.facts.set(host, f);
    }
    return f;
  }

  setFacts(host: string, values: Vars): void {
    Object.assign(this.factsOf(host), values);
    this.secrets.addFromVars(values);
    this.cache.delete(host);
  }

  /**
   * Every variable visible on `host`; `scoped` are block/task vars and loop variables, `role` the
   * role of the task. Role defaults sit under the inventory (the task's own role's above the
   * play's other roles'), role vars above vars_files, as in Ansible.
   */
  forHost(host: string, scoped?: Vars, role?: RoleScope, params?: Vars): Vars {
    const cacheable = (!scoped || Object.keys(scoped).length === 0) && role === undefined && (!params || Object.keys(params).length === 0);
    if (cacheable) {
      const hit = this.cache.get(host);
      if (hit) return hit;
    }
    const inventory = this.inventory;
    const play = this.play;
    const roles = play?.roles ?? [];
    const merged: Vars = {
      ...Object.assign({}, ...roles.map((r) => r.defaults)),
      ...(role?.defaults ?? {}),
      ...inventory.hostVars(host),
      ...(play?.vars ?? {}),
      ...(play?.varsFilesData ?? {}),
      ...Object.assign({}, ...roles.map((r) => r.vars)),
      ...(role?.vars ?? {}),
      ...(scoped ?? {}),
      ...this.factsOf(host),
      ...(params ?? {}),
      ...this.extraVars,
    };
    const magic: Vars = {
      inventory_hostname: host,
      inventory_hostname_short: host.split(".")[0],
      group_names: inventory.groupNames(host),
      groups: inventory.groups(),
      play_hosts: this.playHosts,
      ansible_play_batch: this.playHosts,
      ansible_play_hosts_all: this.playHosts,
      check_mode: this.check,
      ansible_check_mode: this.check,
      playbook_dir: this.playbook.dir,
      inventory_file: inventory.file,
    };
    const vars = resolveTemplatedValues({ ...merged, ...magic }, host);
    Object.defineProperty(vars, "hostvars", {
      enumerable: false,
      value: this.hostvarsProxy,
    });
    // Read when used, so a host that failed a moment ago is already left out.
    Object.defineProperty(vars, "ansible_play_hosts", {
      enumerable: true,
      get: () => this.playHosts.filter((h) => this.isActive(h)),
    });
    const named = readable(vars);
    // `secret_vars: [name, ...]` marks more variables as secret, on top of the names that look secret.
    if (Array.isArray(named.secret_vars)) this.secrets.addNames(named.secret_vars.map(String));
    this.secrets.addFromVars(named);
    if (cacheable) this.cache.set(host, vars);
    return vars;
  }
}

/** Renders variable values that contain templates, a few passes deep; failures throw on read. */
function resolveTemplatedValues(vars: Vars, host: string): Vars {
  const pending = Object.keys(vars).filter((k) => containsTemplate(vars[k]));
  if (pending.length === 0) return vars;
  const out: Vars = { ...vars };
  const errors = new Map<string, unknown>();
  let unresolved = pending;
  for (let pass = 0; pass < 5 && unresolved.length > 0; pass++) {
    const next: string[] = [];
    for (const key of unresolved) {
      try {
        const value = renderValue(out[key], out, { host });
        out[key] = value;
        errors.delete(key);
        if (containsTemplate(value) && value !== vars[key]) next.push(key);
      } catch (err) {
        errors.set(key, err);
        next.push(key);
      }
    }
    if (next.length === unresolved.length && next.every((k) => errors.has(k))) {
      unresolved = next;
      break;
    }
    unresolved = next;
  }
  for (const key of unresolved) {
    const err = errors.get(key);
    if (!err) continue;
    Object.defineProperty(out, key, {
      enumerable: true,
      get: () => {
        throw err;
      },
    });
  }
  return out;
}

/** The variables that can be read without error (a failed template throws only when used). */
function readable(vars: Vars): Vars {
  const out: Vars = {};
  for (const key of Object.keys(vars)) {
    try {
      out[key] = vars[key];
    } catch {
      // Reported where the variable is used.
    }
  }
  return out;
}
