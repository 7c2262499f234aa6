// The settings of one command from its options, ansible.cfg and ANSIBLE_* variables, ranked as
// Ansible ranks them (command line > environment > config file > redplay's defaults). Pure but
// for reading the config file, so the ranking is tested without running anything.
import path from "node:path";
import { UsageError } from "../errors.js";
import { loadAnsibleConfig, type AnsibleConfig, type ConfigEnvironment } from "../load/ansible-cfg.js";

/** The options Ansible users bring from ansible-playbook (all optional). */
export interface AnsibleHabitOptions {
  inventory?: string[];
  user?: string;
  become?: boolean;
  becomeUser?: string;
  privateKey?: string;
  connection?: string;
  timeout?: number;
  forks?: number;
}

/** What the run or check is given, resolved. */
export interface Settings {
  config: AnsibleConfig;
  /** Inventory sources, in order; empty when neither -i nor ansible.cfg names one. */
  inventory: string[];
  /** Variables under every host's own: connection, key, become. */
  hostDefaults: Record<string, unknown>;
  /** The SSH user when neither the host (ansible_user) nor the play (remote_user) names one. */
  remoteUser?: string;
  forks: number;
  /** False: unknown host keys are trusted and recorded (a changed key is still refused). */
  hostKeyChecking: boolean;
  connectTimeoutMs?: number;
  rolesPath: string[];
}

/** redplay's default for --forks (Ansible's is 5). */
export const DEFAULT_FORKS = 10;

export function resolveSettings(opts: AnsibleHabitOptions, where?: ConfigEnvironment): Settings {
  const config = loadAnsibleConfig(where);
  const cwd = where?.cwd ?? process.cwd();
  const hostDefaults: Record<string, unknown> = {};
  const become = opts.become ? true : config.become;
  if (become !== undefined) hostDefaults.ansible_become = become;
  const becomeUser = opts.becomeUser ?? config.becomeUser;
  if (becomeUser !== undefined) hostDefaults.ansible_become_user = becomeUser;
  if (opts.connection !== undefined) {
    if (!["ssh", "local", "paramiko", "smart"].includes(opts.connection)) {
      throw new UsageError(`-c/--connection "${opts.connection}" is not a connection redplay has; use ssh or local`);
    }
    hostDefaults.ansible_connection = opts.connection === "smart" ? "ssh" : opts.connection;
  }
  const key = opts.privateKey !== undefined ? path.resolve(cwd, opts.privateKey) : config.privateKeyFile;
  if (key !== undefined) hostDefaults.ansible_ssh_private_key_file = key;
  const timeout = opts.timeout ?? config.timeout;
  return {
    config,
    inventory: opts.inventory && opts.inventory.length > 0 ? opts.inventory : (config.inventory ?? []),
    hostDefaults,
    remoteUser: opts.user ?? config.remoteUser,
    forks: opts.forks ?? config.forks ?? DEFAULT_FORKS,
    hostKeyChecking: config.hostKeyChecking ?? true,
    connectTimeoutMs: timeout !== undefined ? timeout * 1000 : undefined,
    rolesPath: config.rolesPath ?? [],
  };
}
