// Resolves how to reach one host over SSH from its Ansible variables, the parsed ~/.ssh/config
// and the run's options. Pure (everything it reads is passed in), so the precedence rules
// (inventory vars > run options > ssh config > defaults) are unit-tested without a server.
import { isAbsolute, join, resolve } from "node:path";
import { LoadError } from "../errors.js";

/** One hop of a ProxyJump chain, fully resolved. */
export interface JumpHost {
  /** The name as written in the jump spec (for messages and ssh config lookups). */
  name: string;
  address: string;
  port: number;
  user: string;
}

/** Everything needed to open the SSH connection to one host. */
export interface SshSettings {
  /** Inventory name. */
  name: string;
  /** Address to connect to (ansible_host, ssh config HostName, else the name). */
  address: string;
  port: number;
  user: string;
  /** Private key files to try, in order. */
  identityFiles: string[];
  /** True when the key came from ansible_ssh_private_key_file: a missing file is then an error. */
  explicitIdentity: boolean;
  /** Name of the environment variable holding an encrypted key's passphrase. */
  passphraseEnv: string;
  /** The passphrase itself, a secret. */
  passphrase?: string;
  /** ssh-agent socket (SSH_AUTH_SOCK). */
  agent?: string;
  /** Login password, a secret. */
  password?: string;
  /** Jump hosts to go through, outermost first. */
  jumps: JumpHost[];
  knownHostsFile: string;
  /** Handshake (connect + key exchange + auth) deadline. @default 10000 */
  readyTimeoutMs: number;
}

/** Computed ssh config for a host, keys lower-cased (ssh-config `compute(host, {ignoreCase})`). */
export type SshConfigLookup = (host: string) => Record<string, string | string[]>;

/** The environment settings are resolved in. */
export interface SettingsContext {
  home: string;
  currentUser: string;
  env: Record<string, string | undefined>;
  inventoryDir?: string;
  knownHostsFile?: string;
  connectTimeoutMs?: number;
  sshConfig: SshConfigLookup;
}

export const DEFAULT_PASSPHRASE_ENV = "REDPLAY_SSH_KEY_PASSPHRASE";
const DEFAULT_TIMEOUT_MS = 10_000;

function str(v: unknown): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  return String(v);
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function expandHome(p: string, home: string): string {
  if (p === "~") return home;
  if (p.startsWith("~/")) return join(home, p.slice(2));
  return p;
}

/** `~` expanded; relative paths taken from `base` (the inventory's directory), else the cwd. */
export function resolvePath(p: string, home: string, base?: string): string {
  const expanded = expandHome(p, home);
  if (isAbsolute(expanded)) return expanded;
  return base ? resolve(base, expanded) : resolve(expanded);
}

function parsePort(raw: string | undefined, fallback: number, host: string, source: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new LoadError(`host ${host}: ${source} "${raw}" is not a port number`, undefined, "use an integer from 1 to 65535");
  }
  return n;
}

/** Splits an ssh argument string the way a shell would (quotes, no expansions). */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|'([^']*)'|(\\.|[^\s"'])+|(\s+)/g;
  let cur: string | undefined;
  for (const m of s.matchAll(re)) {
    if (m[4] !== undefined) {
      if (cur !== undefined) out.push(cur);
      cur = undefined;
      continue;
    }
    const piece = m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2] !== undefined ? m[2] : m[0].replace(/\\(.)/g, "$1");
    cur = (cur ?? "") + piece;
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

/** The ProxyJump value inside ssh arguments (`-J x`, `-Jx`, `-o ProxyJump=x`), all else ignored. */
export function proxyJumpFromArgs(args: string | undefined): string | undefined {
  if (!args) return undefined;
  const argv = splitArgs(args);
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let opt: string | undefined;
    if (a === "-J") found = argv[++i];
    else if (a.startsWith("-J")) found = a.slice(2);
    else if (a === "-o") opt = argv[++i];
    else if (a.startsWith("-o")) opt = a.slice(2);
    const m = opt?.match(/^\s*proxyjump\s*(?:=|\s)\s*(.+)$/i);
    if (m) found = m[1]!.trim();
  }
  return found;
}

/** Parses `[user@]host[:port]` (or `ssh://user@host:port`), comma-chained. */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number }[] {
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((hop) => {
      const h = hop.replace(/^ssh:\/\//, "");
      const at = h.lastIndexOf("@");
      const user = at >= 0 ? h.slice(0, at) : undefined;
      let rest = at >= 0 ? h.slice(at + 1) : h;
      let port: number | undefined;
      const bracket = rest.match(/^\[(.+)\](?::(\d+))?$/);
      if (bracket) {
        rest = bracket[1]!;
        port = bracket[2] ? Number(bracket[2]) : undefined;
      } else {
        const m = rest.match(/^([^:]+):(\d+)$/);
        if (m) {
          rest = m[1]!;
          port = Number(m[2]);
        }
      }
      return { user, host: rest, port };
    });
}

function percentExpand(v: string, host: string): string {
  return v.replace(/%(.)/g, (all, c: string) => (c === "h" ? host : c === "%" ? "%" : all));
}

function resolveJumps(spec: string | undefined, ctx: SettingsContext, name: string): JumpHost[] {
  if (!spec || spec.toLowerCase() === "none") return [];
  return parseJumpSpec(spec).map((hop) => {
    const cfg = ctx.sshConfig(hop.host);
    const hostName = first(cfg.hostname);
    return {
      name: hop.host,
      address: hostName ? percentExpand(hostName, hop.host) : hop.host,
      port: hop.port ?? parsePort(first(cfg.port), 22, name, `ssh config Port for jump host ${hop.host}`),
      user: hop.user ?? first(cfg.user) ?? ctx.currentUser,
    };
  });
}

/** Inventory vars + ssh config + run options -> how to connect. Throws LoadError on bad values. */
export function resolveSshSettings(name: string, vars: Record<string, unknown>, ctx: SettingsContext): SshSettings {
  const target = str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? name;
  const cfg = ctx.sshConfig(target);
  const cfgHostName = first(cfg.hostname);
  // As `ssh <ansible_host>` would: a config HostName for that name is where it really goes.
  const address = cfgHostName ? percentExpand(cfgHostName, target) : target;

  const varPort = str(vars.ansible_port) ?? str(vars.ansible_ssh_port);
  const port = varPort !== undefined
    ? parsePort(varPort, 22, name, "ansible_port")
    : parsePort(first(cfg.port), 22, name, "ssh config Port");
  const user = str(vars.ansible_user) ?? str(vars.ansible_ssh_user) ?? first(cfg.user) ?? ctx.currentUser;

  const keyVar = str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file);
  const identityFiles = keyVar
    ? [resolvePath(keyVar, ctx.home, ctx.inventoryDir)]
    : list(cfg.identityfile).length > 0
      ? list(cfg.identityfile).map((p) => resolvePath(percentExpand(p, target), ctx.home, ctx.home))
      : ["id_ed25519", "id_ecdsa", "id_rsa"].map((f) => join(ctx.home, ".ssh", f));

  const passphraseEnv = str(vars.ansible_ssh_private_key_passphrase_env) ?? DEFAULT_PASSPHRASE_ENV;

  const jumpSpec =
    str(vars.redplay_proxy_jump) ??
    str(vars.ansible_ssh_proxy_jump) ??
    proxyJumpFromArgs(str(vars.ansible_ssh_extra_args)) ??
    proxyJumpFromArgs(str(vars.ansible_ssh_common_args)) ??
    first(cfg.proxyjump);

  const khVar = str(vars.ansible_ssh_known_hosts_file) ?? str(vars.redplay_known_hosts_file);
  const khCfg = first(cfg.userknownhostsfile)?.split(/\s+/)[0];
  const knownHostsFile = khVar
    ? resolvePath(khVar, ctx.home, ctx.inventoryDir)
    : ctx.knownHostsFile
      ? resolvePath(ctx.knownHostsFile, ctx.home)
      : khCfg && khCfg.toLowerCase() !== "none"
        ? resolvePath(khCfg, ctx.home, ctx.home)
        : join(ctx.home, ".ssh", "known_hosts");

  const timeoutVar = str(vars.ansible_timeout) ?? str(vars.ansible_ssh_timeout);
  let readyTimeoutMs = ctx.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (timeoutVar !== undefined) {
    const s = Number(timeoutVar);
    if (!Number.isFinite(s) || s <= 0) {
      throw new LoadError(`host ${name}: ansible_timeout "${timeoutVar}" is not a number of seconds`, undefined, "use a positive number, e.g. 10");
    }
    readyTimeoutMs = Math.round(s * 1000);
  } else if (ctx.connectTimeoutMs === undefined && first(cfg.connecttimeout) !== undefined) {
    const s = Number(first(cfg.connecttimeout));
    if (Number.isFinite(s) && s > 0) readyTimeoutMs = s * 1000;
  }

  return {
    name,
    address,
    port,
    user,
    identityFiles,
    explicitIdentity: keyVar !== undefined,
    passphraseEnv,
    passphrase: ctx.env[passphraseEnv],
    agent: str(ctx.env.SSH_AUTH_SOCK),
    password: str(vars.ansible_password) ?? str(vars.ansible_ssh_pass) ?? str(vars.ansible_ssh_password),
    jumps: resolveJumps(jumpSpec, ctx, name),
    knownHostsFile,
    readyTimeoutMs,
  };
}
