// `sentinel_config`: converges the group's Sentinels, once for all of them (a group module). Per
// Sentinel it reads the config file and, when it runs, the Sentinel itself (SENTINEL MASTER), and
// compares only what redplay manages (src/redis/sentinel-conf.ts): listening address and port,
// requirepass, the announced address, and for the group's master the quorum, auth-pass,
// down-after-milliseconds, failover-timeout and parallel-syncs. What Sentinel writes (its id,
// epochs, known replicas and Sentinels, its view of the primary) is never overwritten.
//
// - A Sentinel that is not running (just installed, its service held): its file gets redplay's
//   settings (the package's example master dropped), then the service is enabled and started.
// - A running Sentinel is changed at runtime: SENTINEL SET for the master's settings, SENTINEL
//   MONITOR when it does not watch the group yet, SENTINEL REMOVE for the group's old master name,
//   SENTINEL CONFIG SET announce-ip (6.2+). Sentinel persists those in its file itself.
// - What only a start reads (port, bind, requirepass): the Sentinel is stopped, redplay's lines
//   are merged into its file (every other line kept), and it is started again; one Sentinel at a
//   time, so the others keep their quorum.
// The monitored primary of a new `sentinel monitor` line is the group's primary: Sentinel's own
// view where a Sentinel already watches the group, else the node the replicas follow.
import { createHash, X509Certificate } from "node:crypto";
import { errorText, failureText } from "../../errors.js";
import { aclUsers } from "../../redis/acl-canonical.js";
import { getRedis, servedCertificate } from "../../redis/client.js";
import { redisEndpoint, sentinelNodeAuth, tlsAuthClients, tlsNodeFiles } from "../../redis/endpoint.js";
import { authPassOf, managedView, mergeSentinelConf, wantedView, type SentinelWanted } from "../../redis/sentinel-conf.js";
import { getSentinel, sentinelEndpoint, sentinelMaster, fieldsOf, type SentinelEndpoint, type SentinelSession } from "../../redis/sentinel-client.js";
import { decideSentinelPrimary, readSentinels, sentinelHostsOf } from "../../redis/sentinel-view.js";
import { atLeast, type ServerVersion } from "../../redis/server-version.js";
import { decideTopology } from "../../redis/topology.js";
import { forEveryHost } from "../group.js";
import { serviceModule } from "../service.js";
import type { Applied, Change, GroupModule, GroupPlan, Plan, TaskContext } from "../types.js";
import { observeNode, sleep } from "./node-read.js";
import type { SentinelServerFact } from "./sentinel-server.js";

/** Arguments of `sentinel_config`. */
export interface SentinelConfigArgs {
  /** The name Sentinel monitors the group under. @default "redis" */
  master_name?: string;
  /** Sentinels that must agree the primary is down. 0: a majority of the Sentinels. @default 0 */
  quorum?: number;
  /** @default 5000 */
  down_after_milliseconds?: number;
  /** @default 60000 */
  failover_timeout?: number;
  /** @default 1 */
  parallel_syncs?: number;
  /** The Redis group's hosts. @default groups.redis */
  redis_hosts?: string[];
  /** Seconds a started Sentinel may take to answer. @default 60 */
  timeout?: number;
}

type Action = "start" | "runtime" | "restart";

interface SentinelNodePlan {
  host: string;
  endpoint: SentinelEndpoint;
  server: SentinelServerFact;
  wanted: SentinelWanted;
  file: string | null;
  action?: Action;
  /** Runtime commands, each with what it says in the plan. */
  commands: { args: string[]; summary: string }[];
  changes: Change[];
  diff?: Plan["diff"];
}

interface SentinelState {
  nodes: Record<string, SentinelNodePlan>;
  timeoutMs: number;
}

export const sentinelConfigModule: GroupModule<SentinelConfigArgs, SentinelState> = {
  name: "sentinel_config",
  scope: "group",
  check: "full",
  hostArgs: ["redis_hosts"],
  schema: {
    type: "object",
    properties: {
      master_name: { type: "string", minLength: 1 },
      quorum: { type: "integer", minimum: 0 },
      down_after_milliseconds: { type: "integer", minimum: 1 },
      failover_timeout: { type: "integer", minimum: 1 },
      parallel_syncs: { type: "integer", minimum: 1 },
      redis_hosts: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
      timeout: { type: "number", minimum: 1 },
    },
    additionalProperties: false,
  },
  async plan(g, args) {
    const first = g.ctx(g.hosts[0]!);
    const groups = (first.vars.groups ?? {}) as Record<string, string[] | undefined>;
    const redisHosts = args.redis_hosts ?? groups.redis ?? [];
    if (redisHosts.length === 0) return forEveryHost(g, { changes: [], failed: "sentinel_config needs the Redis group: an inventory group `redis`, or redis_hosts" });
    const name = args.master_name ?? "redis";
    if (!/^[A-Za-z0-9._-]+$/.test(name)) return forEveryHost(g, { changes: [], failed: `master_name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-' only` });
    const sentinels = sentinelHostsOf(first.vars, redisHosts);
    const quorum = args.quorum && args.quorum > 0 ? args.quorum : Math.floor(sentinels.length / 2) + 1;
    if (quorum > sentinels.length) {
      return forEveryHost(g, { changes: [], failed: `quorum ${quorum} is more than the ${sentinels.length} Sentinel(s) of the group (${sentinels.join(", ")}): no failover could ever be agreed` });
    }
    const primary = await groupPrimary(first, redisHosts, sentinels, name);
    if ("failed" in primary) return forEveryHost(g, { changes: [], failed: primary.failed });
    const auth = sentinelNodeAuth(first.vars);
    if (!("error" in auth) && auth.user !== undefined) {
      const missing = await nodesWithoutUser(first, redisHosts, auth.user, auth.password ?? "");
      if (missing) return forEveryHost(g, { changes: [], failed: missing });
    }
    const planned = await Promise.all(
      g.hosts.map((h) =>
        planSentinel(g.ctx(h), {
          name,
          quorum,
          downAfterMs: args.down_after_milliseconds ?? 5000,
          failoverTimeoutMs: args.failover_timeout ?? 60000,
          parallelSyncs: args.parallel_syncs ?? 1,
        }, primary, redisHosts),
      ),
    );
    const out: GroupPlan<SentinelState> = { hosts: {}, state: { nodes: {}, timeoutMs: (args.timeout ?? 60) * 1000 } };
    for (const [i, host] of g.hosts.entries()) {
      const p = planned[i]!;
      if ("failed" in p) {
        out.hosts[host] = { changes: [], failed: p.failed };
        continue;
      }
      out.state!.nodes[host] = p;
      out.hosts[host] = {
        changes: p.changes,
        noop: p.changes.length === 0 ? `${p.server.config_file} and the running Sentinel have redplay's settings (quorum ${quorum}, master ${name})` : undefined,
        diff: p.diff,
        data: { config_file: p.server.config_file, action: p.action ?? null, quorum, master_name: name },
      };
    }
    const bad = Object.entries(out.hosts).filter(([, p]) => p.failed).map(([h]) => h);
    if (bad.length > 0) {
      // One Sentinel that cannot be planned stops the whole change.
      for (const [h, p] of Object.entries(out.hosts)) if (!p.failed) out.hosts[h] = { changes: [], failed: `not changed: ${bad.join(", ")} could not be planned` };
    }
    return out;
  },

  async apply(g, _args, plan) {
    const st = plan.state!;
    const results: Record<string, Applied> = {};
    const nodes = Object.values(st.nodes);
    const of = (a: Action) => nodes.filter((n) => n.action === a);
    // Not running yet: file, then start; all together (they find each other through the primary).
    await Promise.all(
      of("start").map(async (n) => {
        results[n.host] = await startFresh(g.ctx(n.host), n, st.timeoutMs);
      }),
    );
    await Promise.all(
      of("runtime").map(async (n) => {
        results[n.host] = await runtimeChange(g.ctx(n.host), n);
      }),
    );
    // One at a time, so the other Sentinels keep their quorum while one restarts.
    for (const n of of("restart")) {
      results[n.host] = await restartWithMerge(g.ctx(n.host), n, st.timeoutMs);
      if (results[n.host]!.failed) break;
    }
    for (const n of of("restart")) results[n.host] ??= { changed: false, skipped: "not restarted: an earlier Sentinel's restart failed" };
    return { hosts: results };
  },
};

/** The group's primary as a new `sentinel monitor` line should name it. */
async function groupPrimary(ctx: TaskContext, redisHosts: string[], sentinels: string[], name: string): Promise<{ address: string; port: number } | { failed: string }> {
  const nodes = redisHosts.map((h) => {
    const e = redisEndpoint(h, h === ctx.host ? ctx.vars : ctx.varsFor(h));
    return { host: h, address: e.address, port: e.port };
  });
  const said = decideSentinelPrimary(await readSentinels(ctx, sentinels, name), nodes, name);
  if (said.managed && "error" in said) return { failed: `${said.error}\n${said.report}` };
  if (said.managed) return { address: said.address, port: said.port };
  const observed = await Promise.all(redisHosts.map((h) => observeNode(ctx, h)));
  const d = decideTopology(observed);
  if ("error" in d) return { failed: `${d.error}\n${d.report}` };
  if (d.fresh) return { failed: "the Redis group has no replicas yet: run setup.yaml first, then sentinel.yaml" };
  const p = observed.find((n) => n.host === d.primary)!;
  return { address: p.address, port: p.port };
}

/**
 * The nodes that answer but have no enabled `user` with `password`: a Sentinel told to log in as
 * it would see them refuse it. setup.yaml creates the user; sentinel.yaml only points Sentinel at it.
 */
async function nodesWithoutUser(ctx: TaskContext, redisHosts: string[], user: string, password: string): Promise<string | undefined> {
  const hash = createHash("sha256").update(password).digest("hex");
  const without: string[] = [];
  await Promise.all(
    redisHosts.map(async (h) => {
      let list: string[];
      try {
        list = (await (await getRedis(ctx, h)).call("ACL", "LIST")) as string[];
      } catch {
        // A node that does not answer is one Sentinel will see down, whatever its users.
        return;
      }
      const rules = aclUsers(list).find((u) => u.name === user)?.rules ?? [];
      if (!rules.includes("on") || !rules.includes(`#${hash}`)) without.push(h);
    }),
  );
  if (without.length === 0) return undefined;
  return `Sentinel would log in to the nodes as ${user}, but ${without.sort().join(", ")} ${without.length === 1 ? "has" : "have"} no such user with redis_sentinel_password switched on: run setup.yaml with redis_sentinel_password first`;
}

/** Reads one Sentinel host and decides what it needs. */
async function planSentinel(
  ctx: TaskContext,
  master: SentinelWanted["master"],
  primary: { address: string; port: number },
  redisHosts: string[],
): Promise<SentinelNodePlan | { failed: string }> {
  const server = ctx.vars.sentinel_server as SentinelServerFact | undefined;
  if (!server?.config_file) return { failed: "sentinel_config needs the sentinel_server fact: run sentinel_server first" };
  try {
    const endpoint = sentinelEndpoint(ctx.host, ctx.vars);
    if (endpoint.password) ctx.addSecret(endpoint.password);
    const version: ServerVersion = { flavor: server.flavor, version: server.version, redisCompat: server.redis_compat };
    const auth = sentinelNodeAuth(ctx.vars);
    if ("error" in auth) return { failed: auth.error };
    if (auth.password) ctx.addSecret(auth.password);
    if (auth.user !== undefined && !atLeast(version, "6.2.0")) {
      return { failed: `Sentinel ${server.version} cannot log in to the nodes as the ACL user ${auth.user} (sentinel auth-user needs 6.2 or later)` };
    }
    const wanted: SentinelWanted = {
      port: endpoint.port,
      address: endpoint.address,
      requirepassSupported: atLeast(version, "5.0.1"),
      master,
      primary,
      ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
      ...(auth.user !== undefined ? { authUser: auth.user } : {}),
      ...(auth.password !== undefined && auth.password !== endpoint.password ? { authPass: auth.password } : {}),
    };
    const conn = await ctx.conn();
    if (endpoint.tls?.preferred) {
      // The Sentinel serves and speaks TLS with the certificate of the host's own node (setup.yaml).
      const f = tlsNodeFiles(ctx.vars, server.config_file);
      const tls = { cert: f.cert_file, key: f.key_file, ca: f.ca_file, authClients: tlsAuthClients(ctx.vars.redis_tls_auth_clients) };
      if (!(await conn.stat(tls.cert, { become: ctx.become })).exists) {
        return { failed: `redis_tls is on, but ${ctx.host} has no ${tls.cert} for its Sentinel: run setup.yaml with redis_tls first (a Sentinel uses the certificate of its host's Redis node)` };
      }
      wanted.tls = tls;
    }
    const file = (await conn.read(server.config_file, { become: ctx.become }))?.toString("utf8") ?? null;
    const before = managedView(file, master.name);
    const after = wantedView(wanted, file);
    const n: SentinelNodePlan = { host: ctx.host, endpoint, server, wanted, file, commands: [], changes: [] };
    if (before !== after) n.diff = [{ path: `${server.config_file} (the settings redplay manages)`, before, after }];
    if (!server.installed) {
      // Under --check, on a host whose package this run would install: nothing to read yet.
      n.action = "start";
      n.changes.push({ summary: `${server.config_file}: redplay's settings (the package's example master dropped)` }, { summary: `enable and start ${server.service}` });
      return n;
    }
    const svc = await serviceModule.plan(ctx, { name: server.service, state: "started", enabled: true });
    if (svc.failed) return { failed: svc.failed };
    const running = (svc.data as { state?: string } | undefined)?.state === "started";
    if (!running || server.new) {
      n.action = "start";
      if (before !== after || file === null) n.changes.push({ summary: `${server.config_file}: redplay's settings${file !== null && !/^sentinel myid/m.test(file) ? " (the package's example master dropped)" : ""}` });
      n.changes.push(...svc.changes);
      return n;
    }
    let session: SentinelSession | undefined;
    let why: string | undefined;
    try {
      session = await getSentinel(ctx, ctx.host);
      if (wanted.password !== undefined && wanted.requirepassSupported && session.auth === "none") why = "requirepass is not set";
      if (session.auth === "previous") why = "it still requires redis_password_previous";
    } catch (e) {
      why = `it does not answer at ${endpoint.address}:${endpoint.port} with the group's password (${errorText(e)})`;
    }
    const startOnly = startOnlyChanges(before, after, session?.version ?? version);
    // A Sentinel reads its certificate only at start: after a renewal of its host's files (setup.yaml) it restarts to present the new one.
    if (!why && startOnly.length === 0 && wanted.tls && endpoint.tls && before.includes("\ntls-port ")) why = await olderCertificate(ctx, endpoint, wanted.tls.cert);
    if (why || startOnly.length > 0) {
      n.action = "restart";
      n.changes.push({ summary: `restart ${server.service} with redplay's settings merged into ${server.config_file}: ${why ?? `${startOnly.join(", ")} (read only at start)`}; its epochs, known replicas and Sentinels and its primary kept` });
      if (svc.changes.length > 0) n.changes.push(...svc.changes);
      return n;
    }
    n.commands = await runtimeCommands(session!, wanted, before, after, redisHosts.map((h) => redisEndpoint(h, h === ctx.host ? ctx.vars : ctx.varsFor(h))));
    n.changes.push(...n.commands.map((c) => ({ summary: c.summary })), ...svc.changes);
    if (n.changes.length > 0) n.action = "runtime";
    return n;
  } catch (e) {
    return { failed: failureText(e) };
  }
}

/** Why the Sentinel must restart to present the certificate now in `certFile`, or undefined when it does. */
async function olderCertificate(ctx: TaskContext, endpoint: SentinelEndpoint, certFile: string): Promise<string | undefined> {
  const conn = await ctx.conn();
  const pem = await conn.read(certFile, { become: ctx.become });
  if (!pem) return undefined;
  let wantedPrint: string;
  try {
    wantedPrint = new X509Certificate(pem).fingerprint256;
  } catch {
    return undefined;
  }
  try {
    const served = await servedCertificate(ctx, { ...endpoint, tls: endpoint.tls! });
    return served === wantedPrint ? undefined : `it presents an older certificate than ${certFile} (renewed)`;
  } catch (e) {
    return `its certificate cannot be checked (${errorText(e)})`;
  }
}

/** Managed lines that differ and that a running Sentinel reads only at start. */
function startOnlyChanges(before: string, after: string, v: ServerVersion): string[] {
  const was = new Set(before.split("\n"));
  const changed = after.split("\n").filter((l) => l !== "" && !was.has(l));
  const keys = changed.map((l) => (l.startsWith("sentinel ") ? l.split(" ")[1]! : l.split(" ")[0]!));
  const runtime = new Set(["monitor", "auth-user", "auth-pass", "down-after-milliseconds", "failover-timeout", "parallel-syncs"]);
  if (atLeast(v, "6.2.0")) runtime.add("announce-ip");
  // A line that disappears (a requirepass removed) also needs a start.
  const now = new Set(after.split("\n"));
  const gone = before.split("\n").filter((l) => l !== "" && !now.has(l)).map((l) => (l.startsWith("sentinel ") ? l.split(" ")[1]! : l.split(" ")[0]!));
  return [...new Set([...keys, ...gone])].filter((k) => !runtime.has(k));
}

/** SENTINEL commands that bring a running Sentinel to `w`. */
async function runtimeCommands(s: SentinelSession, w: SentinelWanted, before: string, after: string, group: { address: string; port: number }[]): Promise<{ args: string[]; summary: string }[]> {
  const name = w.master.name;
  const out: { args: string[]; summary: string }[] = [];
  // The group monitored under another name (sentinel_master_name changed): removed.
  const masters = ((await s.client.call("SENTINEL", "MASTERS")) as unknown[]).map(fieldsOf);
  for (const m of masters) {
    if (m.name !== name && group.some((e) => e.address === m.ip && e.port === Number(m.port))) {
      out.push({ args: ["SENTINEL", "REMOVE", m.name!], summary: `SENTINEL REMOVE ${m.name} (this group's old master name; now ${name})` });
    }
  }
  const m = await sentinelMaster(s, name);
  // The file already says what is wanted for `key` (Sentinel persists every SENTINEL SET itself).
  const fileSays = (key: string) => {
    const line = after.split("\n").find((l) => l.startsWith(`sentinel ${key} `));
    return line !== undefined && before.split("\n").includes(line);
  };
  if (!m) {
    out.push({ args: ["SENTINEL", "MONITOR", name, w.primary.address, String(w.primary.port), String(w.master.quorum)], summary: `SENTINEL MONITOR ${name} ${w.primary.address} ${w.primary.port} ${w.master.quorum}` });
  } else if (Number(m.quorum) !== w.master.quorum || !fileSays("monitor")) {
    out.push({ args: ["SENTINEL", "SET", name, "quorum", String(w.master.quorum)], summary: `SENTINEL SET ${name} quorum ${m.quorum} -> ${w.master.quorum}` });
  }
  const settings: [string, number, string | undefined][] = [
    ["down-after-milliseconds", w.master.downAfterMs, m?.["down-after-milliseconds"]],
    ["failover-timeout", w.master.failoverTimeoutMs, m?.["failover-timeout"]],
    ["parallel-syncs", w.master.parallelSyncs, m?.["parallel-syncs"]],
  ];
  for (const [key, value, running] of settings) {
    if (!m || Number(running) !== value || !fileSays(key)) {
      out.push({ args: ["SENTINEL", "SET", name, key, String(value)], summary: `SENTINEL SET ${name} ${key} ${running ?? "(none)"} -> ${value}` });
    }
  }
  // The user first, then its password, back to back: Sentinel drops its links to the nodes at
  // each and logs in again at its next timer tick, with both by then.
  if (w.authUser !== undefined && (!m || !fileSays("auth-user"))) {
    out.push({ args: ["SENTINEL", "SET", name, "auth-user", w.authUser], summary: `SENTINEL SET ${name} auth-user ${w.authUser}` });
  } else if (w.authUser === undefined && before.split("\n").some((l) => l.startsWith(`sentinel auth-user ${name} `))) {
    out.push({ args: ["SENTINEL", "SET", name, "auth-user", ""], summary: `SENTINEL SET ${name} auth-user "" (the default user again)` });
  }
  const authPass = authPassOf(w);
  if (authPass !== undefined && (!m || !fileSays("auth-pass"))) {
    out.push({ args: ["SENTINEL", "SET", name, "auth-pass", authPass], summary: `SENTINEL SET ${name} auth-pass (hidden)` });
  }
  if (!before.split("\n").includes(`sentinel announce-ip ${w.address}`)) {
    out.push({ args: ["SENTINEL", "CONFIG", "SET", "announce-ip", w.address], summary: `SENTINEL CONFIG SET announce-ip ${w.address}` });
  }
  return out;
}

/** Writes the file with redplay's settings and starts (and enables) the Sentinel. */
async function startFresh(ctx: TaskContext, n: SentinelNodePlan, timeoutMs: number): Promise<Applied> {
  const conn = await ctx.conn();
  // Read again: nothing may have run it since the plan, but the file is the one on disk now.
  const file = (await conn.read(n.server.config_file, { become: ctx.become }))?.toString("utf8") ?? null;
  const merged = mergeSentinelConf(file, n.wanted);
  if (merged !== file) await writeConf(ctx, n, merged);
  const failed = await startService(ctx, n, "started");
  if (failed) return { failed: `${ctx.host}: ${failed}` };
  const waited = await waitAnswering(ctx, n, timeoutMs);
  return waited ? { failed: `${ctx.host}: ${waited}` } : { data: { started: true } };
}

/** Runs the SENTINEL commands planned for a running Sentinel, then checks what it says. */
async function runtimeChange(ctx: TaskContext, n: SentinelNodePlan): Promise<Applied> {
  try {
    const s = await getSentinel(ctx, ctx.host);
    for (const c of n.commands) await s.client.call(c.args[0]!, ...c.args.slice(1));
    const svc = await serviceModule.plan(ctx, { name: n.server.service, state: "started", enabled: true });
    if (svc.changes.length > 0) {
      const r = await serviceModule.apply(ctx, { name: n.server.service, state: "started", enabled: true }, svc);
      if (r.failed) return { failed: `${ctx.host}: ${r.failed}` };
    }
    const left = await verify(ctx, n, s);
    return left ? { failed: `${ctx.host}: ${left}` } : { data: { runtime: n.commands.map((c) => c.summary) } };
  } catch (e) {
    return { failed: `${ctx.host}: ${errorText(e)}` };
  }
}

/** Stops the Sentinel, merges redplay's lines into the file it left (its state kept), starts it again. */
async function restartWithMerge(ctx: TaskContext, n: SentinelNodePlan, timeoutMs: number): Promise<Applied> {
  const stopped = await startService(ctx, n, "stopped");
  if (stopped) return { failed: `${ctx.host}: ${stopped}` };
  const conn = await ctx.conn();
  // What Sentinel wrote up to its stop is kept: the merge reads the file as it left it.
  const file = (await conn.read(n.server.config_file, { become: ctx.become }))?.toString("utf8") ?? null;
  await writeConf(ctx, n, mergeSentinelConf(file, n.wanted));
  const failed = await startService(ctx, n, "started");
  if (failed) return { failed: `${ctx.host}: ${failed}` };
  const waited = await waitAnswering(ctx, n, timeoutMs);
  return waited ? { failed: `${ctx.host}: ${waited}` } : { data: { restarted: true } };
}

async function writeConf(ctx: TaskContext, n: SentinelNodePlan, text: string): Promise<void> {
  const conn = await ctx.conn();
  await conn.write(n.server.config_file, Buffer.from(text, "utf8"), { mode: 0o640, owner: n.server.user, group: n.server.group, become: ctx.become });
}

async function startService(ctx: TaskContext, n: SentinelNodePlan, state: "started" | "stopped"): Promise<string | undefined> {
  const args = state === "started" ? { name: n.server.service, state, enabled: true } : { name: n.server.service, state };
  const svc = await serviceModule.plan(ctx, args);
  if (svc.failed) return svc.failed;
  if (svc.changes.length === 0) return undefined;
  return (await serviceModule.apply(ctx, args, svc)).failed;
}

/** Waits until the Sentinel answers with the group's password and watches the master. */
async function waitAnswering(ctx: TaskContext, n: SentinelNodePlan, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    try {
      const s = await getSentinel(ctx, ctx.host);
      const left = await verify(ctx, n, s);
      if (!left) return undefined;
      last = left;
    } catch (e) {
      last = errorText(e);
    }
    if (Date.now() >= deadline) return `${n.server.service} does not serve redplay's settings ${timeoutMs / 1000}s after its start: ${last}`;
    await sleep(200);
  }
}

/** Does the running Sentinel (and its file, which it rewrites itself) now say what redplay wants? */
async function verify(ctx: TaskContext, n: SentinelNodePlan, s: SentinelSession): Promise<string | undefined> {
  const w = n.wanted;
  const m = await sentinelMaster(s, w.master.name);
  if (!m) return `it does not monitor ${w.master.name}`;
  const wrong: string[] = [];
  if (Number(m.quorum) !== w.master.quorum) wrong.push(`quorum is ${m.quorum}`);
  if (Number(m["down-after-milliseconds"]) !== w.master.downAfterMs) wrong.push(`down-after-milliseconds is ${m["down-after-milliseconds"]}`);
  if (Number(m["failover-timeout"]) !== w.master.failoverTimeoutMs) wrong.push(`failover-timeout is ${m["failover-timeout"]}`);
  if (Number(m["parallel-syncs"]) !== w.master.parallelSyncs) wrong.push(`parallel-syncs is ${m["parallel-syncs"]}`);
  if (w.password !== undefined && w.requirepassSupported && s.auth !== "password") wrong.push("it has no password");
  const conn = await ctx.conn();
  const file = (await conn.read(n.server.config_file, { become: ctx.become }))?.toString("utf8") ?? null;
  if (managedView(file, w.master.name) !== wantedView(w, file)) wrong.push(`${n.server.config_file} does not hold redplay's settings yet`);
  return wrong.length > 0 ? wrong.join("; ") : undefined;
}
