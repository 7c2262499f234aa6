// A Sentinel config file, split into what redplay manages and what Sentinel itself writes. Pure.
//
// Sentinel owns its config file once it runs: it rewrites it (CONFIG REWRITE's code) whenever its
// view changes, recording its id, epochs, the replicas and Sentinels it found, and the address of
// the current primary in the `sentinel monitor` line. A tool that renders the whole file from a
// template erases that state (redis/redis#5226: Sentinels forget each other; a restarted Sentinel
// points at the old primary). So redplay never compares or writes the file as a whole:
// - `managedView` reads only the directives redplay manages (port, bind, requirepass, TLS, the
//   announce address, and for its master: quorum, auth-user, auth-pass, down-after, failover-timeout,
//   parallel-syncs) in one canonical form, so a file Sentinel rewrote in its own order, quoting
//   and with its defaults left out reads the same as the one redplay wrote;
// - `mergeSentinelConf` puts the wanted values into the file line by line and keeps every other
//   line, Sentinel's state included (the address in `sentinel monitor` too: it is Sentinel's view
//   of the primary, not redplay's). A file Sentinel never ran with (the package's example, no
//   `sentinel myid`) is the exception: its example masters are dropped.
import { parseConf, type ConfLine } from "./conf-parse.js";

/** What redplay wants one Sentinel to run with. */
export interface SentinelWanted {
  port: number;
  /** The host's own address: bound, and announced to the other Sentinels. */
  address: string;
  /** The group's password: Sentinel's own requirepass (where `requirepassSupported`), and its auth-pass to the nodes unless `authPass` is given. */
  password?: string;
  /** The ACL user Sentinel logs in to the nodes as (`sentinel auth-user`, 6.2+); none: the default user. */
  authUser?: string;
  /** Its password on the nodes (`sentinel auth-pass`), when it is not `password`. */
  authPass?: string;
  /** Sentinel 5.0.1+ can require a password itself. */
  requirepassSupported: boolean;
  master: SentinelMasterWanted;
  /** Where to monitor when the file has no `sentinel monitor` line for the master yet: the group's primary. */
  primary: { address: string; port: number };
  /** With redis_tls: TLS on `port` (plain text closed), and TLS to the nodes and the other Sentinels, with the host's node files. */
  tls?: SentinelTls;
}

/** A Sentinel's TLS: the node's own certificate files on the same host. */
export interface SentinelTls {
  cert: string;
  key: string;
  ca: string;
  /** tls-auth-clients: yes, optional or no. */
  authClients: string;
}

/** Sentinel's TLS directives, in the order redplay writes them. */
const TLS_KEYS = ["tls-port", "tls-cert-file", "tls-key-file", "tls-ca-cert-file", "tls-auth-clients", "tls-replication"] as const;

/** The password Sentinel logs in to the nodes with (`sentinel auth-pass`). */
export function authPassOf(w: SentinelWanted): string | undefined {
  return w.authPass ?? w.password;
}

/** The settings of the monitored master that redplay manages. */
export interface SentinelMasterWanted {
  name: string;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  parallelSyncs: number;
}

/** Sentinel's own defaults, which its rewrite leaves out of the file (sentinel.c). */
export const SENTINEL_DEFAULTS = { downAfterMs: 30_000, failoverTimeoutMs: 180_000, parallelSyncs: 1, port: 26379 } as const;

/** `sentinel <sub> <master> ...` lines: they belong to one monitored master. */
const PER_MASTER = new Set([
  "monitor",
  "down-after-milliseconds",
  "failover-timeout",
  "parallel-syncs",
  "auth-pass",
  "auth-user",
  "notification-script",
  "client-reconfig-script",
  "rename-command",
  "known-slave",
  "known-replica",
  "known-sentinel",
  "config-epoch",
  "leader-epoch",
  "master-reboot-down-after-period",
]);

/** One managed setting: its key (as the view names it) and the line that says it. */
interface ManagedLine {
  key: string;
  line: string;
}

/** Whether Sentinel has ever run with this file: it writes its id at its first start. */
export function sentinelHasRun(text: string): boolean {
  return parseConf(text).some((d) => d.name === "sentinel" && sub(d) === "myid");
}

/** The address Sentinel records for `master` (its view of the current primary), or undefined. */
export function monitoredAddress(text: string, master: string): { address: string; port: number; quorum: number } | undefined {
  const m = lastOf(parseConf(text), (d) => d.name === "sentinel" && sub(d) === "monitor" && d.args[1] === master);
  if (!m || m.args.length < 5) return undefined;
  return { address: m.args[2]!, port: Number(m.args[3]), quorum: Number(m.args[4]) };
}

/** Names of the masters a file monitors. */
export function monitoredMasters(text: string): string[] {
  return parseConf(text)
    .filter((d) => d.name === "sentinel" && sub(d) === "monitor" && d.args[1] !== undefined)
    .map((d) => d.args[1]!);
}

/**
 * The managed settings as lines in a fixed order, for diffs and comparison. Values the file leaves
 * out show as Sentinel's defaults (its rewrite omits them). `master` is the name redplay manages.
 */
export function managedView(text: string | null, master: string): string {
  if (text === null) return "";
  return managedLinesOf(parseConf(text), master)
    .map((m) => m.line)
    .join("\n")
    .concat("\n");
}

/** The view the file will have once it holds `w` (the monitor address stays Sentinel's when it has one). */
export function wantedView(w: SentinelWanted, current: string | null): string {
  return managedView(mergeSentinelConf(current, w), w.master.name);
}

function managedLinesOf(conf: ConfLine[], master: string): ManagedLine[] {
  const out: ManagedLine[] = [];
  const global = (key: string, pick: (d: ConfLine) => boolean, show: (d: ConfLine) => string) => {
    const d = lastOf(conf, pick);
    if (d) out.push({ key, line: show(d) });
  };
  global("port", (d) => d.name === "port", (d) => `port ${d.args[0] ?? ""}`);
  global("bind", (d) => d.name === "bind", (d) => `bind ${d.args.join(" ")}`);
  global("requirepass", (d) => d.name === "requirepass", (d) => `requirepass ${d.args[0] ?? ""}`);
  for (const key of TLS_KEYS) global(key, (d) => d.name === key, (d) => `${key} ${d.args.join(" ")}`);
  global("announce-ip", (d) => d.name === "sentinel" && sub(d) === "announce-ip", (d) => `sentinel announce-ip ${d.args[1] ?? ""}`);
  const monitor = lastOf(conf, (d) => d.name === "sentinel" && sub(d) === "monitor" && d.args[1] === master);
  if (!monitor) return out;
  out.push({ key: "monitor", line: `sentinel monitor ${master} ${monitor.args.slice(2, 5).join(" ")}` });
  const perMaster = (key: string, fallback?: number) => {
    const d = lastOf(conf, (x) => x.name === "sentinel" && sub(x) === key && x.args[1] === master);
    const value = d?.args[2] ?? (fallback !== undefined ? String(fallback) : undefined);
    if (value !== undefined) out.push({ key, line: `sentinel ${key} ${master} ${value}` });
  };
  perMaster("auth-user");
  perMaster("auth-pass");
  perMaster("down-after-milliseconds", SENTINEL_DEFAULTS.downAfterMs);
  perMaster("failover-timeout", SENTINEL_DEFAULTS.failoverTimeoutMs);
  perMaster("parallel-syncs", SENTINEL_DEFAULTS.parallelSyncs);
  return out;
}

/** The managed lines `w` asks for, in the order of managedLinesOf; the monitor address is `at`. */
function wantedLines(w: SentinelWanted, at: { address: string; port: number }): ManagedLine[] {
  const m = w.master;
  const lines: ManagedLine[] = [
    { key: "port", line: `port ${w.tls ? 0 : w.port}` },
    { key: "bind", line: `bind ${w.address}` },
  ];
  if (w.password !== undefined && w.requirepassSupported) lines.push({ key: "requirepass", line: `requirepass ${quote(w.password)}` });
  if (w.tls) {
    const t = w.tls;
    const values: Record<(typeof TLS_KEYS)[number], string> = {
      "tls-port": String(w.port),
      "tls-cert-file": quote(t.cert),
      "tls-key-file": quote(t.key),
      "tls-ca-cert-file": quote(t.ca),
      "tls-auth-clients": t.authClients,
      "tls-replication": "yes",
    };
    for (const key of TLS_KEYS) lines.push({ key, line: `${key} ${values[key]}` });
  }
  lines.push({ key: "announce-ip", line: `sentinel announce-ip ${w.address}` });
  lines.push({ key: "monitor", line: `sentinel monitor ${m.name} ${at.address} ${at.port} ${m.quorum}` });
  if (w.authUser !== undefined) lines.push({ key: "auth-user", line: `sentinel auth-user ${m.name} ${quote(w.authUser)}` });
  const authPass = authPassOf(w);
  if (authPass !== undefined) lines.push({ key: "auth-pass", line: `sentinel auth-pass ${m.name} ${quote(authPass)}` });
  lines.push({ key: "down-after-milliseconds", line: `sentinel down-after-milliseconds ${m.name} ${m.downAfterMs}` });
  lines.push({ key: "failover-timeout", line: `sentinel failover-timeout ${m.name} ${m.failoverTimeoutMs}` });
  lines.push({ key: "parallel-syncs", line: `sentinel parallel-syncs ${m.name} ${m.parallelSyncs}` });
  return lines;
}

/** Which managed key a parsed directive sets for `master`, if any. */
function keyOf(d: ConfLine, master: string): string | undefined {
  if (d.name === "port" || d.name === "bind" || d.name === "requirepass" || (TLS_KEYS as readonly string[]).includes(d.name)) return d.name;
  if (d.name !== "sentinel") return undefined;
  const s = sub(d);
  if (s === "announce-ip") return s;
  if (d.args[1] !== master) return undefined;
  return ["monitor", "auth-user", "auth-pass", "down-after-milliseconds", "failover-timeout", "parallel-syncs"].includes(s) ? s : undefined;
}

/**
 * The file with `w` in it. Every managed line is replaced where it stands (a duplicate is
 * dropped; a missing one is appended), every other line is kept byte for byte: Sentinel's id,
 * epochs, known replicas and Sentinels, and the primary's address in `sentinel monitor` when the
 * file has one. On a file Sentinel never ran with (the package's example) the example masters are
 * dropped. A `user default` line (Sentinel's rewrite of requirepass) is dropped when the password
 * changes, or it would bring the old one back at the next start.
 */
export function mergeSentinelConf(current: string | null, w: SentinelWanted): string {
  const text = current ?? "";
  const conf = parseConf(text);
  const fresh = !conf.some((d) => d.name === "sentinel" && sub(d) === "myid");
  const name = w.master.name;
  const monitor = fresh ? undefined : monitoredAddress(text, name);
  const wanted = wantedLines(w, monitor ?? w.primary);
  const byKey = new Map(wanted.map((l) => [l.key, l.line]));
  const oldPass = lastOf(conf, (d) => d.name === "requirepass")?.args[0];
  const passwordChanges = w.password !== undefined && w.requirepassSupported && oldPass !== w.password;

  const examples = new Set(conf.filter((d) => d.name === "sentinel" && sub(d) === "monitor" && d.args[1] !== undefined).map((d) => d.args[1]!));
  const directiveAt = new Map(conf.map((d) => [d.line, d]));
  const written = new Set<string>();
  const out: string[] = [];
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  for (const [i, raw] of lines.entries()) {
    const d = directiveAt.get(i + 1);
    if (!d) {
      out.push(raw);
      continue;
    }
    // The example master of a file Sentinel never ran with (every line naming it, whatever the
    // server calls the setting: Valkey 8 has `primary-reboot-down-after-period`), and stray state.
    if (fresh && d.name === "sentinel" && (PER_MASTER.has(sub(d)) || sub(d) === "current-epoch" || examples.has(d.args[1] ?? ""))) continue;
    if (d.name === "user" && d.args[0] === "default" && passwordChanges) continue;
    // A master this Sentinel must not run with redplay's requirepass only (Sentinel < 5.0.1 refuses the directive).
    if (d.name === "requirepass" && !w.requirepassSupported) continue;
    const key = keyOf(d, name);
    if (key === undefined) {
      out.push(raw);
      continue;
    }
    const line = byKey.get(key);
    if (line === undefined || written.has(key)) continue;
    // The monitor line keeps Sentinel's address; only the quorum is redplay's.
    out.push(line);
    written.add(key);
  }
  const missing = wanted.filter((l) => !written.has(l.key));
  if (missing.length > 0) {
    if (out.length > 0 && out[out.length - 1] !== "") out.push("");
    out.push("# redplay: the Sentinel settings of playbooks/sentinel.yaml (Sentinel appends its own state below)");
    for (const l of missing) out.push(l.line);
  }
  return out.join("\n") + "\n";
}

/** Redis config quoting for a value that may hold spaces, quotes or '#'. */
function quote(v: string): string {
  return /^[A-Za-z0-9!$%&()*+,./:;<=>?@[\]^_`{|}~-]+$/.test(v) && !v.startsWith("#") ? v : `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function sub(d: ConfLine): string {
  return (d.args[0] ?? "").toLowerCase();
}

function lastOf(conf: ConfLine[], pick: (d: ConfLine) => boolean): ConfLine | undefined {
  for (let i = conf.length - 1; i >= 0; i--) if (pick(conf[i]!)) return conf[i];
  return undefined;
}
