// ansible.cfg, found and read as Ansible does: the first of $ANSIBLE_CONFIG, ./ansible.cfg
// (not in a world-writable directory), ~/.ansible.cfg and /etc/ansible/ansible.cfg is used and
// the others are ignored; ANSIBLE_* environment variables override it; the command line
// overrides both. Only the settings redplay acts on are read; the rest of the file is left alone.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import ini from "ini";
import { LoadError, LoadErrors } from "../errors.js";

/** The settings redplay takes from ansible.cfg and ANSIBLE_* variables; paths are absolute. */
export interface AnsibleConfig {
  /** The file read, if any. */
  file?: string;
  /** `[defaults] inventory`: sources used when no -i is given. */
  inventory?: string[];
  /** `[defaults] remote_user`: the SSH user when neither the host nor the play names one. */
  remoteUser?: string;
  /** `[defaults] private_key_file`. */
  privateKeyFile?: string;
  /** `[defaults] forks`. */
  forks?: number;
  /** `[defaults] host_key_checking`. */
  hostKeyChecking?: boolean;
  /** `[defaults] roles_path`, searched after the playbook's roles/ directory. */
  rolesPath?: string[];
  /** `[defaults] timeout`: SSH connection timeout in seconds. */
  timeout?: number;
  /** `[privilege_escalation] become`. */
  become?: boolean;
  /** `[privilege_escalation] become_user`. */
  becomeUser?: string;
  /** Things the user should know (a config file that was skipped, and why). */
  warnings: string[];
}

/** Where a config is looked up from; the process's own by default. */
export interface ConfigEnvironment {
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
}

const TRUE = new Set(["y", "yes", "on", "1", "true", "t", "1.0"]);

function bool(value: string): boolean {
  return TRUE.has(value.trim().toLowerCase());
}

function expand(p: string, home: string, base: string): string {
  const e = p === "~" ? home : p.startsWith("~/") ? join(home, p.slice(2)) : p;
  return isAbsolute(e) ? e : resolve(base, e);
}

/** The config file Ansible would use, and why another one was skipped. */
export function findAnsibleConfig(where: ConfigEnvironment): { file?: string; warnings: string[] } {
  const warnings: string[] = [];
  const fromEnv = where.env.ANSIBLE_CONFIG;
  if (fromEnv) {
    const p = expand(fromEnv, where.home, where.cwd);
    const file = existsSync(p) && statSync(p).isDirectory() ? join(p, "ansible.cfg") : p;
    if (existsSync(file)) return { file, warnings };
  }
  const local = join(where.cwd, "ansible.cfg");
  if (existsSync(local)) {
    // As Ansible: a world-writable directory could hold anybody's config.
    if ((statSync(where.cwd).mode & 0o002) !== 0) {
      warnings.push(`ignoring ${local}: ${where.cwd} is world writable`);
    } else {
      return { file: local, warnings };
    }
  }
  for (const file of [join(where.home, ".ansible.cfg"), "/etc/ansible/ansible.cfg"]) {
    if (existsSync(file)) return { file, warnings };
  }
  return { warnings };
}

/** The line and column of `key` in `section` of the file, for errors about its value. */
function locateKey(text: string, file: string, key: string): { file: string; line: number; col: number } {
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => new RegExp(`^\\s*${key}\\s*[=:]`).test(l));
  return { file, line: i + 1 || 1, col: i >= 0 ? lines[i]!.indexOf(key) + 1 : 1 };
}

/** Reads the settings from the text of a config file; a value redplay cannot use is a located LoadError. */
export function parseAnsibleConfig(text: string, file: string, home: string): AnsibleConfig {
  const parsed = ini.parse(text) as Record<string, Record<string, unknown>>;
  const section = (name: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed[name] ?? {})) {
      // Python's configparser also takes `key: value`; the ini package reads that line as a bare key.
      const colon = v === true ? /^([^:\s]+)\s*:\s*(.*)$/.exec(k) : null;
      if (colon) out[colon[1]!.toLowerCase()] = colon[2]!.trim();
      else if (typeof v === "string") out[k.toLowerCase()] = v.trim();
    }
    return out;
  };
  const base = dirname(file);
  const defaults = section("defaults");
  const become = section("privilege_escalation");
  const errors: LoadError[] = [];
  const config: AnsibleConfig = { file, warnings: [] };
  const number = (key: string, value: string | undefined, min: number): number | undefined => {
    if (value === undefined || value === "") return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      errors.push(new LoadError(`ansible.cfg: ${key} must be a whole number >= ${min}, got "${value}"`, locateKey(text, file, key)));
      return undefined;
    }
    return n;
  };
  if (defaults.inventory) config.inventory = defaults.inventory.split(",").map((s) => s.trim()).filter(Boolean).map((p) => expand(p, home, base));
  if (defaults.remote_user) config.remoteUser = defaults.remote_user;
  if (defaults.private_key_file) config.privateKeyFile = expand(defaults.private_key_file, home, base);
  config.forks = number("forks", defaults.forks, 1);
  config.timeout = number("timeout", defaults.timeout, 1);
  if (defaults.host_key_checking !== undefined) config.hostKeyChecking = bool(defaults.host_key_checking);
  if (defaults.roles_path) config.rolesPath = defaults.roles_path.split(":").filter(Boolean).map((p) => expand(p, home, base));
  if (become.become !== undefined) config.become = bool(become.become);
  if (become.become_user) config.becomeUser = become.become_user;
  if (errors.length > 0) throw new LoadErrors(errors);
  return config;
}

/** ANSIBLE_* variables over the file's settings, as Ansible ranks them. */
function withEnvironment(config: AnsibleConfig, where: ConfigEnvironment): AnsibleConfig {
  const env = where.env;
  const out = { ...config };
  const bad = (name: string, value: string) => {
    throw new LoadErrors([new LoadError(`${name} must be a whole number >= 1, got "${value}"`)]);
  };
  if (env.ANSIBLE_INVENTORY) out.inventory = env.ANSIBLE_INVENTORY.split(",").map((s) => s.trim()).filter(Boolean).map((p) => expand(p, where.home, where.cwd));
  if (env.ANSIBLE_REMOTE_USER) out.remoteUser = env.ANSIBLE_REMOTE_USER;
  if (env.ANSIBLE_PRIVATE_KEY_FILE) out.privateKeyFile = expand(env.ANSIBLE_PRIVATE_KEY_FILE, where.home, where.cwd);
  if (env.ANSIBLE_FORKS) out.forks = /^[1-9][0-9]*$/.test(env.ANSIBLE_FORKS) ? Number(env.ANSIBLE_FORKS) : bad("ANSIBLE_FORKS", env.ANSIBLE_FORKS);
  if (env.ANSIBLE_TIMEOUT) out.timeout = /^[1-9][0-9]*$/.test(env.ANSIBLE_TIMEOUT) ? Number(env.ANSIBLE_TIMEOUT) : bad("ANSIBLE_TIMEOUT", env.ANSIBLE_TIMEOUT);
  if (env.ANSIBLE_HOST_KEY_CHECKING !== undefined && env.ANSIBLE_HOST_KEY_CHECKING !== "") out.hostKeyChecking = bool(env.ANSIBLE_HOST_KEY_CHECKING);
  if (env.ANSIBLE_ROLES_PATH) out.rolesPath = env.ANSIBLE_ROLES_PATH.split(":").filter(Boolean).map((p) => expand(p, where.home, where.cwd));
  if (env.ANSIBLE_BECOME !== undefined && env.ANSIBLE_BECOME !== "") out.become = bool(env.ANSIBLE_BECOME);
  if (env.ANSIBLE_BECOME_USER) out.becomeUser = env.ANSIBLE_BECOME_USER;
  return out;
}

/** The effective configuration for this process: file (if any) and environment. */
export function loadAnsibleConfig(where: ConfigEnvironment = { env: process.env, cwd: process.cwd(), home: process.env.HOME ?? "/" }): AnsibleConfig {
  const found = findAnsibleConfig(where);
  let config: AnsibleConfig = { warnings: [] };
  if (found.file) config = parseAnsibleConfig(readFileSync(found.file, "utf8"), found.file, where.home);
  config.warnings = [...found.warnings, ...config.warnings];
  return withEnvironment(config, where);
}
