// Handlebars helpers a Redis config author needs. They are plain functions over values so the
// native-value path (a string that is one mustache) can call them too and keep their result's type.
import { createHash } from "node:crypto";
import { tlsAuthClients, tlsNodeFiles } from "../redis/endpoint.js";
import { confCheckCommand, uncheckedCommand } from "../redis/conf-check.js";
import { directiveFor, serverSeries } from "../redis/conf-directives.js";
import { sentinelAclRules } from "../redis/sentinel-acl.js";
import { majorityFence } from "../redis/fence.js";
import type { ServerVersion } from "../redis/server-version.js";

/** Thrown by a helper; the renderer turns it into a located TemplateError. */
export class HelperFailure extends Error {
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
  }
}

type Helper = (...args: unknown[]) => unknown;

/** Drops Handlebars' trailing options object so helpers see only the author's arguments. */
function args(raw: unknown[]): unknown[] {
  return raw.slice(0, -1);
}

function requireDefined(name: string, values: unknown[]): void {
  if (values.some((v) => v === undefined)) {
    throw new HelperFailure(`"${name}" was given an undefined value`);
  }
}

/** Redis config quoting: bare when safe, else double quotes with backslash escapes. */
export function redisQuote(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  if (s !== "" && !/[\s"'\\]/.test(s)) return s;
  const escaped = s
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t");
  return `"${escaped}"`;
}

/**
 * The server a redis.conf is rendered for when a host has no `redis_server` fact: Debian 12's
 * Redis 7.0, whose stock file the template is, so a render without the fact is unchanged.
 */
export const DEFAULT_REDIS_SERVER: ServerVersion = { flavor: "redis", version: "7.0.15", redisCompat: "7.0.15" };

/** The `redis_server` fact (flavor, version, redis_compat) as a ServerVersion; the default when absent. */
export function serverFromFact(fact: unknown): ServerVersion {
  if (fact === undefined || fact === null) return DEFAULT_REDIS_SERVER;
  const f = fact as Record<string, unknown>;
  const version = typeof f.version === "string" ? f.version : undefined;
  if (typeof fact !== "object" || !version || !/^\d+\.\d+/.test(version)) {
    throw new HelperFailure(`redis_server has no version (got ${JSON.stringify(f.version)}); it must be the fact redplay reads from the server`, "redis_server");
  }
  const flavor = f.flavor === "valkey" ? "valkey" : "redis";
  const compat = typeof f.redis_compat === "string" && /^\d+\.\d+/.test(f.redis_compat) ? f.redis_compat : version;
  return { flavor, version, redisCompat: compat };
}

/** The server a directive helper judges for: an explicit argument, else the root's `redis_server`. */
function serverOf(explicit: unknown, options: unknown): ServerVersion {
  if (explicit !== undefined) return serverFromFact(explicit);
  const root = (options as { data?: { root?: Record<string, unknown> } } | undefined)?.data?.root;
  return serverFromFact(root?.redis_server);
}

function directiveName(raw: unknown[], helper: string): string {
  const name = raw[0];
  if (typeof name !== "string" || name === "") throw new HelperFailure(`"${helper}" expects a directive name`);
  return name;
}

/** Python's truthiness (Jinja2's `if`): empty strings, lists and mappings, 0, None and False are false. */
export function pyTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

/** A value as Python's str() prints it, which is what Jinja2 writes into a template. */
export function pyStr(v: unknown): string {
  if (typeof v === "string") return v;
  return pyRepr(v);
}

function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
  return String(v);
}

const COMMENT_STYLES: Record<string, { beginning?: string; decoration: string; end?: string }> = {
  plain: { decoration: "# " },
  erlang: { decoration: "% " },
  c: { decoration: "// " },
  cblock: { beginning: "/*", decoration: " * ", end: " */" },
  xml: { beginning: "<!--", decoration: " - ", end: "-->" },
};

/** Ansible's `comment` filter with its default parameters (filter/core.py). */
export function ansibleComment(text: string, style: string): string {
  const s = COMMENT_STYLES[style];
  if (!s) throw new HelperFailure(`"comment" knows the styles ${Object.keys(COMMENT_STYLES).join(", ")}, not ${JSON.stringify(style)}`);
  const d = s.decoration;
  const prepost = d.trimEnd();
  const beginning = s.beginning ? `${s.beginning}\n` : "";
  const prefix = prepost ? `${prepost}\n` : "";
  const body = `${d}${text.split("\n").join(`\n${d}`)}`.split(`${d}\n`).join(`${prepost}\n`);
  const end = s.end ? `\n${s.end}` : "";
  return `${beginning}${prefix}${body}\n${prepost}${end}`;
}

export const helpers: Record<string, Helper> = {
  default: (...raw) => {
    const [value, fallback] = args(raw);
    return value === undefined || value === null || value === "" ? fallback : value;
  },
  eq: (...raw) => {
    const [a, b] = args(raw);
    return a === b;
  },
  ne: (...raw) => {
    const [a, b] = args(raw);
    return a !== b;
  },
  lt: (...raw) => {
    const [a, b] = args(raw) as [number, number];
    return a < b;
  },
  gt: (...raw) => {
    const [a, b] = args(raw) as [number, number];
    return a > b;
  },
  and: (...raw) => args(raw).every(Boolean),
  or: (...raw) => args(raw).some(Boolean),
  not: (...raw) => !args(raw)[0],
  join: (...raw) => {
    const [list, sep] = args(raw);
    requireDefined("join", [list]);
    if (!Array.isArray(list)) throw new HelperFailure(`"join" expects a list, got ${typeof list}`);
    return list.join(sep === undefined ? "," : String(sep));
  },
  /**
   * `{{sha256 password}}`: the hex SHA-256 of a string, as an ACL file stores a password
   * (`#<hash>`), so the file never holds the password itself.
   */
  sha256: (...raw) => {
    const [v] = args(raw);
    requireDefined("sha256", [v]);
    if (typeof v !== "string" || v === "") throw new HelperFailure(`"sha256" expects a non-empty string (a password), got ${typeof v}`);
    return createHash("sha256").update(v, "utf8").digest("hex");
  },
  /** Number of items of a list (or keys of a mapping, characters of a string), as Ansible's `length`. */
  length: (...raw) => {
    const [v] = args(raw);
    requireDefined("length", [v]);
    if (Array.isArray(v) || typeof v === "string") return v.length;
    if (v !== null && typeof v === "object") return Object.keys(v).length;
    throw new HelperFailure(`"length" expects a list, a mapping or a string, got ${typeof v}`);
  },
  /** Items of the first list that are also in the second, in the first list's order. */
  intersect: (...raw) => {
    const [a, b] = args(raw);
    requireDefined("intersect", [a, b]);
    if (!Array.isArray(a) || !Array.isArray(b)) throw new HelperFailure(`"intersect" expects two lists`);
    return a.filter((x) => b.includes(x));
  },
  /** Items of the first list that are not in the second. */
  difference: (...raw) => {
    const [a, b] = args(raw);
    requireDefined("difference", [a, b]);
    if (!Array.isArray(a) || !Array.isArray(b)) throw new HelperFailure(`"difference" expects two lists`);
    return a.filter((x) => !b.includes(x));
  },
  /** `{{env "NAME"}}`: an environment variable; unset is an error unless a fallback is given (`{{env "NAME" "x"}}`). */
  env: (...raw) => {
    const [name, fallback] = args(raw);
    const key = String(name);
    const value = process.env[key] ?? (fallback === undefined ? undefined : String(fallback));
    if (value === undefined) {
      throw new HelperFailure(`environment variable "${key}" is not set; export it before running`, key);
    }
    return value;
  },
  json: (...raw) => JSON.stringify(args(raw)[0] ?? null),
  // The helpers below are the Handlebars side of Jinja2's common filters and tests (what
  // `redplay convert` emits, and what a Jinja2 error suggests), with Ansible's semantics.
  /** `{{#if (defined x)}}`: Jinja2's `x is defined` (true for "", 0 and false too). */
  defined: (...raw) => args(raw)[0] !== undefined,
  le: (...raw) => {
    const [a, b] = args(raw) as [number, number];
    return a <= b;
  },
  ge: (...raw) => {
    const [a, b] = args(raw) as [number, number];
    return a >= b;
  },
  /** Numbers added (`{{add @index 1}}` is Jinja2's loop.index). */
  add: (...raw) => {
    const a = args(raw);
    requireDefined("add", a);
    return a.reduce((sum: number, v) => sum + Number(v), 0);
  },
  /** Strings joined, as Jinja2's `~` (Python's str() of each). */
  concat: (...raw) => {
    const a = args(raw);
    requireDefined("concat", a);
    return a.map(pyStr).join("");
  },
  /** `{{#if (contains list x)}}`: Jinja2's `x in list` (a substring, a list item, a mapping key). */
  contains: (...raw) => {
    const [container, item] = args(raw);
    requireDefined("contains", [container]);
    if (typeof container === "string") return typeof item === "string" && container.includes(item);
    if (Array.isArray(container)) return container.some((x) => x === item || JSON.stringify(x) === JSON.stringify(item));
    if (container !== null && typeof container === "object") return typeof item === "string" && Object.hasOwn(container, item);
    return false;
  },
  /** `{{ternary cond a b}}`: Ansible's `cond | ternary(a, b)` and Jinja2's `a if cond else b`. */
  ternary: (...raw) => {
    const [cond, yes, no] = args(raw);
    return pyTruthy(cond) ? yes : no;
  },
  /** Jinja2's `int` filter: a number, a numeric string (decimals truncated), else 0. */
  int: (...raw) => {
    const [v] = args(raw);
    requireDefined("int", [v]);
    if (typeof v === "boolean") return v ? 1 : 0;
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v.trim()) : NaN;
    return Number.isFinite(n) ? Math.trunc(n) : 0;
  },
  /** Ansible's `bool` filter: true for true, "yes", "on", "1", "true" (any case) and 1; else false. */
  bool: (...raw) => {
    const [v] = args(raw);
    requireDefined("bool", [v]);
    if (v === null || typeof v === "boolean") return v;
    const x = typeof v === "string" ? v.toLowerCase() : v;
    return x === "yes" || x === "on" || x === "1" || x === "true" || x === 1;
  },
  /** Jinja2's `string` filter: the value as Python prints it (True, None, ['a', 1]). */
  string: (...raw) => {
    const [v] = args(raw);
    requireDefined("string", [v]);
    return pyStr(v);
  },
  trim: (...raw) => {
    const [v] = args(raw);
    requireDefined("trim", [v]);
    return pyStr(v).trim();
  },
  /** Ansible's `comment` filter (styles plain, erlang, c, cblock, xml): `{{comment ansible_managed}}`. */
  comment: (...raw) => {
    const [text, style] = args(raw);
    requireDefined("comment", [text]);
    return ansibleComment(pyStr(text), style === undefined ? "plain" : String(style));
  },
  upper: (...raw) => {
    const [v] = args(raw);
    requireDefined("upper", [v]);
    return String(v).toUpperCase();
  },
  lower: (...raw) => {
    const [v] = args(raw);
    requireDefined("lower", [v]);
    return String(v).toLowerCase();
  },
  quote: (...raw) => {
    const [v] = args(raw);
    requireDefined("quote", [v]);
    return redisQuote(v);
  },
  /**
   * `{{#if (server_has "appenddirname")}}`: the host's server (`redis_server`, or a fact given as
   * second argument) accepts the directive, under this name or its older/Valkey spelling.
   */
  server_has: (...raw) => {
    const a = args(raw);
    return directiveFor(serverOf(a[1], raw[raw.length - 1]), directiveName(a, "server_has")).accepted;
  },
  /** `{{directive_name "hash-max-listpack-entries"}}`: the spelling the host's server takes (hash-max-ziplist-entries before 7.0). */
  directive_name: (...raw) => {
    const a = args(raw);
    const name = directiveName(a, "directive_name");
    const v = directiveFor(serverOf(undefined, raw[raw.length - 1]), name);
    return v.accepted ? v.name : name;
  },
  /**
   * `{{directive "appenddirname" '"appendonlydir"'}}`: the directive line with its values as
   * written (quote them with `quote` where needed), under the host server's spelling; a
   * "# redplay:" comment instead when the server does not know the directive.
   */
  directive: (...raw) => {
    const a = args(raw);
    const name = directiveName(a, "directive");
    requireDefined("directive", a);
    const server = serverOf(undefined, raw[raw.length - 1]);
    const v = directiveFor(server, name);
    if (!v.accepted) return `# redplay: ${name} needs ${v.needs}; left out for ${serverSeries(server)}.`;
    return [v.name, ...a.slice(1).map(String)].join(" ");
  },
  /** `{{redis_tls_file "cert_file"}}`: the path of a TLS file on the host (`ca_file`, `cert_file`, `key_file`; in redis_tls_dir, else `tls/` beside the server's config). */
  redis_tls_file: (...raw) => {
    const a = args(raw);
    const files = tlsNodeFiles((raw[raw.length - 1] as { data?: { root?: Record<string, unknown> } } | undefined)?.data?.root ?? {});
    const which = a[0];
    if (which !== "ca_file" && which !== "cert_file" && which !== "key_file") throw new HelperFailure(`"redis_tls_file" expects ca_file, cert_file or key_file`);
    return files[which];
  },
  /** `{{redis_tls_auth_clients redis_tls_auth_clients}}`: yes (true, "yes"), no (false, "no") or optional (anything else). */
  redis_tls_auth_clients: (...raw) => tlsAuthClients(args(raw)[0]),
  /** `{{sentinel_acl_rules}}`: the commands and channels of Sentinel's user on the host's server (src/redis/sentinel-acl.ts). */
  sentinel_acl_rules: (...raw) => {
    try {
      return sentinelAclRules(serverOf(undefined, raw[raw.length - 1]));
    } catch (e) {
      throw new HelperFailure((e as Error).message, "redis_sentinel_password");
    }
  },
  /**
   * `{{redis_majority_fence redis_topology}}`: the default min-replicas-to-write of the group
   * (its primary plus its replicas, reachable or not): floor(N/2), so only a majority can write.
   */
  redis_majority_fence: (...raw) => {
    const [topology] = args(raw);
    const replicas = (topology as { replicas?: unknown } | undefined | null)?.replicas;
    if (!Array.isArray(replicas)) {
      throw new HelperFailure("redis_majority_fence needs redis_topology (from redis_topology, redis_failover or redis_switchover)", "redis_topology");
    }
    return majorityFence(replicas.length + 1);
  },
  /**
   * `validate: "{{redis_conf_check redis_server}} %s"`: a command that starts the host's server
   * binary on the new file, isolated from the node, and fails quoting what the server said.
   * Without the fact, `redis-server` from PATH; a fact whose server is not installed yet (only
   * planned under --check) gives a command that passes without checking.
   */
  redis_conf_check: (...raw) => {
    const [fact, timeout] = args(raw);
    const f = fact as { binary?: unknown; installed?: unknown } | undefined | null;
    const binary = f && typeof f.binary === "string" && f.binary !== "" ? f.binary : "redis-server";
    // --check on a bare host: the install is only planned, so there is no binary to check with.
    if (f && f.installed === false) return uncheckedCommand(binary);
    return confCheckCommand(binary, typeof timeout === "number" ? timeout : undefined);
  },
};
