// `redis_config`: converges a whole group's configuration, file and running server, in one task.
// Per node it renders the template, reads the file and the running configuration (`CONFIG GET *`
// and INFO replication), and plans the file diff, the runtime diff directive by directive
// (`maxmemory 0 -> 2147483648 (CONFIG SET)`, `databases 16 -> 32 (restart)`) and the restarts
// that are really needed. Apply writes each file atomically (checked by the server binary first),
// changes at runtime what the running version can take, restarts only for the rest, and verifies
// afterwards that the running configuration matches the file for every directive it says.
//
// Order. A fresh group: the primary first (its replicas authenticate with the password it gets),
// then every replica at once, so they share one sync. A running group: replicas first (runtime
// changes together, restarts one at a time, each waiting until it is in sync again), the primary
// last; a primary that must restart is first switched over to an in-sync replica (unless
// `switchover: false`), so writes never wait for a restart, and is then restarted as a replica of
// the new primary: every node's file is rendered again for the new topology and the
// `redis_topology` fact of every host follows.
//
// A node that fails is rolled back (file and runtime; after a restart, the file the node last ran
// with is restored and the node restarted with it) and the run stops: the nodes not reached yet are
// left as they were. Before a file that needs a restart is written, a marker beside it names the
// backup of the file the node runs with; a run interrupted before the restart finished leaves it,
// and the next run carries the restart out (or rolls back to the file it names).
import { fieldsOf } from "../../redis/reply.js";
import { basename } from "node:path";
import { errorText, failureText } from "../../errors.js";
import type { ReplicationInfo } from "../../facts/redis-info.js";
import { dropRedisSessions, getRedisSession } from "../../redis/client.js";
import { RedisAccessError } from "../../redis/errors.js";
import { confCheckCommand, uncheckedCommand } from "../../redis/conf-check.js";
import { aclListDrift, aclUsers, canonicalAclList, type AclUser } from "../../redis/acl-canonical.js";
import { parseConf } from "../../redis/conf-parse.js";
import { redisEndpoint } from "../../redis/endpoint.js";
import { runtimeDeltas, wantedConfig, type RuntimeDelta, type WantedConfig } from "../../redis/runtime-config.js";
import { atLeast, type ServerVersion } from "../../redis/server-version.js";
import { readInfoSections } from "../../redis/session-commands.js";
import { applyContent, destSchemaProps, planContent, validate, type ContentState, type DestArgs } from "../file-content.js";
import { initSystem, serviceModule } from "../service.js";
import { armRestartGuard } from "../../redis/restart-guard.js";
import type { Applied, Change, GroupContext, GroupModule, GroupPlan, Plan, TaskContext } from "../types.js";
import { sleep } from "./node-read.js";
import type { RedisServerFact } from "./redis-server.js";
import { applySwitchover, planSwitchover, type SwitchoverState } from "./redis-switchover.js";
import { heldLockOwner } from "./redis-lock.js";
import { sentinelsTakePassword } from "./sentinel-auth.js";

/** Arguments of `redis_config`. */
export interface RedisConfigArgs {
  /** The template (resolved like template.src). */
  src: string;
  /** @default redis_server.config_file */
  dest?: string;
  /** @default redis_server.user */
  owner?: string;
  /** @default redis_server.group */
  group?: string;
  /** @default "0640" */
  mode?: string | number;
  /** @default redis_server.service */
  service?: string;
  /** Command with %s that checks the new file before it replaces the old one. @default the server binary's own check (redis_conf_check) */
  validate?: string;
  /** Backups of the file kept beside it. @default 5 */
  backups?: number;
  /** Switch a primary that must restart over to an in-sync replica first. @default true */
  switchover?: boolean;
  /** Seconds a node may take to answer (and a replica to be in sync) after a change. @default 60 */
  timeout?: number;
  /**
   * Restart a node that needs it. With false (right after a failover, when a restart can lose
   * data) what the running server can take is set at runtime, the file is written, and the restart
   * is left owed: the next run with restarts carries it out. @default true
   */
  restart?: boolean;
  /** Template of the ACL file (redis_acl; empty: no ACL users). */
  acl_src?: string;
  /** @default redis_server.acl_file */
  acl_dest?: string;
}

/** The `redis_topology` fact this module reads (set by redis_topology). */
interface Topology {
  primary: string;
  primary_address: string;
  primary_port: number;
  replicas: string[];
  fresh: boolean;
}

/** What was found on one node, and what it needs. */
interface NodePlan {
  host: string;
  dest: DestArgs;
  service: string;
  content: Plan<ContentState>;
  wanted: WantedConfig;
  /** The server has not been started yet (installed by this run). */
  start: boolean;
  version: ServerVersion;
  running?: Record<string, string>;
  role?: ReplicationInfo;
  deltas: RuntimeDelta[];
  /** REPLICAOF to send: a target, or "no one". */
  replicaof?: { address: string; port: number } | "no one";
  /** Why the node must restart (undefined: it need not). */
  restart?: string;
  /** A marker left by an interrupted run: the restart it owed. */
  pending: boolean;
  /** The restart is left owed (restart: false): runtime changes and the file only. */
  deferred?: boolean;
  /** Directives changed by the group afterwards (a password rotation's requirepass): not set or verified per node. */
  later?: Set<string>;
  /** The ACL users (redis_acl). */
  acl?: AclPlan;
}

/** The ACL file of a node and what its running users need. */
interface AclPlan {
  dest: DestArgs;
  content: Plan<ContentState>;
  /** The `user` lines of the new file. */
  users: AclUser[];
  /** The new file's text. */
  text: string;
  /** The server loads this file (its aclfile is the file's path): ACL LOAD applies a change. */
  active: boolean;
  /** Users whose running state differs from the file (by name, on/off, passwords, keys). */
  drift: string[];
}

interface ConfigState {
  nodes: Record<string, NodePlan>;
  topology: Topology;
  /** The primary must restart, and will first hand over to this replica. */
  switchover?: SwitchoverState;
}

/** Directives whose values are never shown. */
/**
 * How long to wait before asking a node again (INFO, on its open connection) whether it can stop,
 * or serves again: every 10 ms for the first 20 asks (an empty replica syncs in a few ms), then
 * every 50 ms.
 */
const nodePollMs = (asked: number): number => (asked < 20 ? 10 : 50);

const SECRET = new Set(["requirepass", "masterauth", "primaryauth", "tls-key-file-pass", "tls-client-key-file-pass"]);

export const redisConfigModule: GroupModule<RedisConfigArgs, ConfigState> = {
  name: "redis_config",
  scope: "group",
  check: "full",
  templateArgs: ["src"],
  schema: {
    type: "object",
    properties: {
      src: { type: "string", minLength: 1 },
      dest: destSchemaProps.dest,
      owner: destSchemaProps.owner,
      group: destSchemaProps.group,
      mode: destSchemaProps.mode,
      service: { type: "string", minLength: 1 },
      validate: destSchemaProps.validate,
      backups: { type: "integer", minimum: 1 },
      switchover: { type: "boolean" },
      timeout: { type: "number", minimum: 1 },
      restart: { type: "boolean" },
      acl_src: { type: "string" },
      acl_dest: destSchemaProps.dest,
    },
    required: ["src"],
    additionalProperties: false,
  },
  async plan(g, args) {
    const first = g.ctx(g.hosts[0]!);
    const topology = first.vars.redis_topology as Topology | undefined;
    if (!topology || typeof topology.primary !== "string") {
      return everyHostFails(g, "redis_config needs the redis_topology fact: run redis_topology first");
    }
    const planned = await Promise.all(g.hosts.map((h) => planNode(g.ctx(h), g.argsFor(h), topology)));
    const nodes: Record<string, NodePlan> = {};
    const out: GroupPlan<ConfigState> = { hosts: {} };
    for (const [i, host] of g.hosts.entries()) {
      const p = planned[i]!;
      if ("failed" in p) out.hosts[host] = { changes: [], failed: p.failed, diff: p.diff };
      else nodes[host] = p;
    }
    if (Object.keys(out.hosts).length > 0) {
      // One node that cannot be planned stops the whole change: nothing is done anywhere.
      const bad = Object.keys(out.hosts).join(", ");
      for (const host of Object.keys(nodes)) out.hosts[host] = { changes: [], failed: `not changed: ${bad} could not be planned` };
      return out;
    }
    const state: ConfigState = { nodes, topology };

    // A primary that must restart hands over first; every node is then planned for the new primary.
    const primary = nodes[topology.primary];
    let finalNodes = nodes;
    if (primary?.restart && !primary.deferred && !topology.fresh && (args.switchover ?? true) && topology.replicas.length > 0) {
      // Where Sentinel manages the group, planSwitchover hands over through Sentinel (SENTINEL FAILOVER).
      const sw = await planSwitchover(g.ctx(topology.primary), [topology.primary, ...topology.replicas], undefined, 5000);
      if (sw.failed) {
        return everyHostFails(g, `${topology.primary} must restart (${primary.restart}), but cannot hand over first: ${sw.failed}`);
      }
      if (sw.state) {
        state.switchover = sw.state;
        const moved = movedTopology(g, topology, sw.state);
        const again = await Promise.all(g.hosts.map((h) => planNode(g.ctx(h), g.argsFor(h), moved, nodes[h])));
        finalNodes = {};
        for (const [i, host] of g.hosts.entries()) {
          const p = again[i]!;
          if ("failed" in p) return everyHostFails(g, `${host}: ${p.failed}`);
          finalNodes[host] = p;
        }
      }
    }
    const relinked = state.switchover ? [] : relinkHosts(g.hosts, finalNodes, topology);
    for (const host of g.hosts) {
      const n = finalNodes[host]!;
      const changes = describeNode(n);
      if (state.switchover && host === state.switchover.primary) {
        changes.unshift({ summary: `hand the primary role to ${state.switchover.target} first (switchover), then restart as its replica` });
      }
      if (relinked.includes(host)) {
        changes.push({ summary: `once ${topology.primary} has switched: its replication link dropped (CLIENT KILL TYPE master) and made again in the new scheme, a partial resync, one replica at a time` });
      }
      out.hosts[host] = {
        changes,
        noop: changes.length === 0 ? `${n.dest.dest} and the running server agree` : undefined,
        diff: n.content.diff,
        data: {
          dest: n.dest.dest,
          runtime: n.deltas.filter((d) => d.via === "set").map((d) => d.name),
          restart: n.restart ?? null,
          start: n.start,
        },
      };
    }
    state.nodes = nodes;
    out.state = state;
    return out;
  },

  async apply(g, args, plan) {
    const st = plan.state!;
    const results: Record<string, Applied> = {};
    const { topology } = st;
    const timeoutMs = (args.timeout ?? 60) * 1000;
    let stopped: string | undefined;
    const run = async (hosts: string[], parallel: boolean, nodes: Record<string, NodePlan>, topo: Topology): Promise<void> => {
      const one = async (h: string) => {
        if (stopped) {
          results[h] = { changed: false, skipped: `not changed: the run stopped at ${stopped}` };
          return;
        }
        const r = await convergeNode(g.ctx(h), nodes[h]!, topo, timeoutMs);
        results[h] = mergeApplied(results[h], r);
        if (r.failed) stopped ??= h;
      };
      if (parallel) await Promise.all(hosts.map(one));
      else for (const h of hosts) await one(h);
    };
    const work = (h: string, nodes: Record<string, NodePlan>) => describeNode(nodes[h]!).length > 0;
    const replicas = g.hosts.filter((h) => h !== topology.primary);
    const unreached = (): { hosts: Record<string, Applied> } => {
      for (const h of g.hosts) {
        if (!results[h] && work(h, st.nodes)) results[h] = { changed: false, skipped: `not changed: the run stopped at ${stopped}` };
      }
      return { hosts: results };
    };

    // Every new file is checked by its server binary before any node is touched: a setting the
    // server refuses reaches no disk and changes nothing anywhere.
    /** Runs `step` on `hosts` at once; a host whose step fails is failed, and stops the run. */
    const onEach = async (hosts: string[], step: (h: string) => Promise<string | undefined>, suffix = ""): Promise<void> => {
      const failed = await Promise.all(hosts.map(step));
      for (const [i, h] of hosts.entries()) {
        if (failed[i]) {
          results[h] = { failed: `${h}: ${failed[i]}${suffix}` };
          stopped ??= h;
        }
      }
    };
    await onEach(g.hosts, (h) => checkFile(g.ctx(h), st.nodes[h]!), "; nothing was changed on any node");
    if (stopped) return unreached();

    // ACL users first, on every node: the users exist before anything logs in as them (a replica's
    // masteruser, redplay's own user), whether the server already loads the file or not yet.
    await onEach(g.hosts.filter((h) => aclWork(st.nodes[h]!)), (h) => convergeAcl(g.ctx(h), st.nodes[h]!));
    if (stopped) return unreached();

    // Password rotation: every node first accepts the new password beside the old one (ACL, 6.0+),
    // so a replica that reconnects at any moment authenticates; the old one goes when all have it.
    const rotating = g.hosts.filter((h) => rotates(st.nodes[h]!));
    await onEach(rotating, (h) => addPassword(g.ctx(h), st.nodes[h]!));
    if (stopped) {
      await Promise.all(rotating.map((h) => dropPassword(g.ctx(h), st.nodes[h]!, "new")));
      return unreached();
    }
    if (rotating.length > 0 && (topology as { sentinel?: boolean }).sentinel) {
      // Every node accepts both passwords: the Sentinels switch to the new one now (sentinel-auth.ts).
      const wanted = st.nodes[rotating[0]!]!.deltas.find((d) => d.name === "requirepass")!.wanted;
      const missed = await sentinelsTakePassword(g.ctx(g.hosts[0]!), g.groupHosts, wanted);
      if (missed) g.log(missed);
    }

    if (topology.fresh) {
      // The primary first: its replicas log in with the password it gets now, then all at once.
      if (g.hosts.includes(topology.primary)) await run([topology.primary], false, st.nodes, topology);
      await run(replicas.filter((h) => work(h, st.nodes)), true, st.nodes, topology);
    } else {
      const [restarting, runtimeOnly] = partition(replicas.filter((h) => work(h, st.nodes)), (h) => Boolean((st.nodes[h]!.restart && !st.nodes[h]!.deferred) || st.nodes[h]!.start));
      await run(runtimeOnly, true, st.nodes, topology);
      await run(restarting, false, st.nodes, topology);
      const p = topology.primary;
      if (g.hosts.includes(p) && work(p, st.nodes) && !stopped) {
        if (!st.switchover) {
          await run([p], false, st.nodes, topology);
          const relink = relinkHosts(g.hosts, st.nodes, topology);
          if (!stopped && relink.length > 0) {
            const failed = await relinkReplicas(g, relink, topology, timeoutMs);
            for (const [h, why] of Object.entries(failed)) {
              results[h] = mergeApplied(results[h], { failed: why });
              stopped ??= h;
            }
          }
        } else {
          // The old primary follows the new one after the handover: it must log in there the way
          // the file says (masteruser/masterauth), before its own restart.
          const auth = await setReplicationAuth(g.ctx(p), st.nodes[p]!);
          const sw = auth ? { failed: auth } : await applySwitchover(g.ctx(p), st.switchover);
          if (sw.failed) {
            results[p] = { failed: `${p} must restart, but the switchover to ${st.switchover.target} failed, so nothing was restarted: ${sw.failed}` };
            stopped = p;
          } else {
            // Every node now follows the new primary: plan them again from what they run now.
            const moved = movedTopology(g, topology, st.switchover);
            const topoFacts = { redis_topology: moved };
            for (const h of g.hosts) results[h] = mergeApplied(results[h], { facts: topoFacts });
            const again: Record<string, NodePlan> = {};
            for (const h of g.hosts) {
              const n = await planNode(g.ctx(h), g.argsFor(h), moved, st.nodes[h]);
              if ("failed" in n) {
                results[h] = mergeApplied(results[h], { failed: n.failed });
                stopped ??= h;
              } else again[h] = n;
            }
            if (!stopped) {
              const others = g.hosts.filter((h) => h !== p && work(h, again));
              const [oRestart, oRuntime] = partition(others, (h) => Boolean(again[h]!.restart));
              await run(oRuntime, true, again, moved);
              await run(oRestart, false, again, moved);
              await run([p], false, again, moved);
            }
          }
        }
      }
    }
    if (rotating.length > 0) {
      // Every node has the new password (and masterauth): the old one is dropped, or, when the run
      // stopped, the new one is removed again so each node keeps only the password it had.
      const finished = await Promise.all(rotating.map((h) => dropPassword(g.ctx(h), st.nodes[h]!, stopped ? "new" : "old")));
      for (const [i, h] of rotating.entries()) if (finished[i]) results[h] = mergeApplied(results[h], { failed: `${h}: ${finished[i]}` });
    }
    return unreached();
  },
};

/** CONFIG SET of the replication credentials the file gives (settable on every version); a failure message, or undefined. */
async function setReplicationAuth(ctx: TaskContext, n: NodePlan): Promise<string | undefined> {
  const names = new Set(["masterauth", "primaryauth", "masteruser", "primaryuser"]);
  try {
    const session = await getRedisSession(ctx, ctx.host);
    for (const d of n.deltas) if (names.has(d.name) && d.via === "set") await session.client.call("CONFIG", "SET", d.name, d.wanted);
    return undefined;
  } catch (e) {
    return `setting the replication credentials before the handover failed: ${errorText(e)}`;
  }
}

/** The node's ACL file or running users need a change. */
function aclWork(n: NodePlan): boolean {
  return Boolean(n.acl && (n.acl.content.changes.length > 0 || n.acl.drift.length > 0));
}

/**
 * Writes the node's ACL file and brings its running users in line: ACL LOAD where the server loads
 * that file (a bad file is refused and the old users kept: the old file is put back too), else
 * ACL SETUSER for every user but the default one, which follows the file once the server loads
 * it (after its restart for aclfile). A failure message, or undefined.
 */
async function convergeAcl(ctx: TaskContext, n: NodePlan): Promise<string | undefined> {
  const acl = n.acl!;
  if (acl.content.changes.length > 0) {
    const wrote = await applyContent(ctx, acl.dest, acl.content);
    if (wrote.failed) return `${wrote.failed}; nothing was changed on any node`;
  }
  if (n.start) return undefined;
  try {
    const session = await getRedisSession(ctx, ctx.host);
    if (acl.active) {
      try {
        await session.client.call("ACL", "LOAD");
        // A client whose user changed may be disconnected by the server: log in again.
        await dropRedisSessions(ctx, ctx.host);
      } catch (e) {
        await restoreAclFile(ctx, acl);
        return `ACL LOAD refused ${acl.dest.dest} (${errorText(e)}); the previous file was put back and the running users kept`;
      }
    } else {
      for (const { name, rules } of acl.users) {
        if (name === "default") continue;
        await session.client.call("ACL", "SETUSER", name!, "reset", ...rules);
      }
    }
    // ACL LOAD disconnects clients whose user changed: read back over a fresh session if need be.
    const again = await getRedisSession(ctx, ctx.host);
    const users = acl.active ? acl.users : acl.users.filter((u) => u.name !== "default");
    const left = aclDrift(users, (await again.client.call("ACL", "LIST")) as string[]).filter((u) => acl.active || u !== "default");
    const extra = acl.active ? left : left.filter((u) => users.some((x) => x.name === u));
    return extra.length > 0 ? `the running users still differ from ${acl.dest.dest}: ${extra.join(", ")}` : undefined;
  } catch (e) {
    return `bringing the ACL users in line failed: ${errorText(e)}`;
  }
}

async function restoreAclFile(ctx: TaskContext, acl: AclPlan): Promise<void> {
  const st = acl.content.state;
  if (!st?.contentChanged || st.old === null) return;
  const conn = await ctx.conn();
  await conn.write(acl.dest.dest, st.old, { ...st.attrs, become: ctx.become });
}

/** A node whose requirepass changes and that can hold two passwords at once (ACL users, 6.0+). */
function rotates(n: NodePlan): boolean {
  return !n.start && atLeast(n.version, "6.0.0") && n.deltas.some((d) => d.name === "requirepass" && d.running !== "");
}

/** Adds the new password to the default user beside the old one; a failure message, or undefined. */
async function addPassword(ctx: TaskContext, n: NodePlan): Promise<string | undefined> {
  const d = n.deltas.find((x) => x.name === "requirepass")!;
  try {
    const session = await getRedisSession(ctx, ctx.host);
    await session.client.call("ACL", "SETUSER", "default", `>${d.wanted}`);
    n.later = new Set(["requirepass"]);
    return undefined;
  } catch (e) {
    return `adding the new password beside the old one failed: ${errorText(e)}; nothing was changed on any node`;
  }
}

/** Ends a rotation on one node: drops the old password (CONFIG SET requirepass), or the new one again. */
async function dropPassword(ctx: TaskContext, n: NodePlan, which: "old" | "new"): Promise<string | undefined> {
  const d = n.deltas.find((x) => x.name === "requirepass")!;
  try {
    const session = await getRedisSession(ctx, ctx.host);
    if (which === "old") await session.client.call("CONFIG", "SET", "requirepass", d.wanted);
    else await session.client.call("ACL", "SETUSER", "default", `<${d.wanted}`);
    return undefined;
  } catch (e) {
    return which === "old" ? `dropping the previous password failed: ${errorText(e)}` : `removing the new password again failed: ${errorText(e)}`;
  }
}

/** Runs the file's validate command on its new content; a failure message, or undefined. */
async function checkFile(ctx: TaskContext, n: NodePlan): Promise<string | undefined> {
  const st = n.content.state;
  if (!st?.contentChanged || !n.dest.validate) return undefined;
  try {
    return await validate(ctx, n.dest.validate, st.content, n.dest.dest, st.old !== null);
  } catch (e) {
    return failureText(e);
  }
}

/** Reads one node and decides what it needs for `topology`; `before` is its first plan (kept: the file's old content). */
async function planNode(ctx: TaskContext, args: RedisConfigArgs, topology: Topology, before?: NodePlan): Promise<NodePlan | { failed: string; diff?: Plan["diff"] }> {
  const server = ctx.vars.redis_server as RedisServerFact | undefined;
  const dest = args.dest ?? server?.config_file;
  const service = args.service ?? server?.service;
  if (!dest || !service) return { failed: "redis_config needs dest and service (or the redis_server fact that names them)" };
  const check = server ? (server.installed === false ? uncheckedCommand(server.binary) : confCheckCommand(server.binary)) : confCheckCommand("redis-server");
  const validate = args.validate ?? `${check} %s`;
  const destArgs: DestArgs = {
    dest,
    mode: args.mode ?? "0640",
    validate,
    backup: true,
    backup_keep: args.backups ?? 5,
  };
  const owner = args.owner ?? server?.user;
  const group = args.group ?? server?.group;
  if (owner) destArgs.owner = owner;
  if (group) destArgs.group = group;
  let rendered: string;
  try {
    rendered = await ctx.renderFile(args.src, { redis_topology: topology });
  } catch (e) {
    return { failed: `template ${args.src}: ${failureText(e)}` };
  }
  const content = await planContent(ctx, destArgs, Buffer.from(rendered, "utf8"));
  if (content.failed) return { failed: content.failed, diff: content.diff };
  let wanted: WantedConfig;
  let version: ServerVersion;
  try {
    const start = server?.new === true;
    const conn = await ctx.conn();
    const pending = (await conn.stat(markerOf(dest), { become: ctx.become })).exists;
    let session: Awaited<ReturnType<typeof getRedisSession>> | undefined;
    try {
      session = start ? undefined : await getRedisSession(ctx, ctx.host);
    } catch (e) {
      // Down, with a restart owed by an interrupted run (killed between stopping and starting the
      // server): restarted now, and rolled back to the file the marker names if it fails.
      if (!(pending && server && e instanceof RedisAccessError && e.reason === "unreachable")) throw e;
    }
    version = session?.version ?? { flavor: server!.flavor, version: server!.version, redisCompat: server!.redis_compat };
    wanted = wantedConfig(parseConf(rendered), version);
    // A file without TLS asks for none: a server that still listens with TLS, or replicates over
    // it, is brought back to plain text (the defaults, which the file leaves unsaid).
    if (atLeast(version, "6.0.0")) {
      if (!wanted.values.has("tls-port")) wanted.values.set("tls-port", "0");
      if (!wanted.values.has("tls-replication")) wanted.values.set("tls-replication", "no");
    }
    const node: NodePlan = { host: ctx.host, dest: destArgs, service, content, wanted, start, version, deltas: [], pending };
    const aclSrc = args.acl_src ?? "";
    if (aclSrc !== "") {
      if (!atLeast(version, "6.0.0")) {
        return { failed: `${ctx.host} runs ${version.flavor === "valkey" ? "Valkey" : "Redis"} ${version.version}, which has no ACL users (6.0 or later): remove redis_acl; the single password (redis_password) keeps working` };
      }
      const acl = await planAcl(ctx, args, server, aclSrc);
      if ("failed" in acl) return acl;
      node.acl = acl;
    }
    if (start) return node;
    if (!session) {
      node.restart = `${service} is down, left so by an interrupted run (${markerOf(dest)})`;
      return node;
    }
    // The reads in one round trip (sent back to back, answered in order).
    const [config, info, aclList] = await Promise.all([
      session.client.call("CONFIG", "GET", "*"),
      readInfoSections(session, ["replication"]),
      node.acl ? session.client.call("ACL", "LIST") : undefined,
    ]);
    const running = fieldsOf(config);
    if (node.acl) {
      node.acl.active = running.aclfile === node.acl.dest.dest;
      // Every rule is compared where the running server's own binary can list the file's users
      // (the binary on disk is the running one); else names, on/off, passwords and keys only.
      const admin = session.endpoint.username !== undefined && session.endpoint.password !== undefined ? { user: session.endpoint.username, password: session.endpoint.password } : undefined;
      const fromFile =
        node.acl.active && admin && server?.binary && server.installed !== false && server.version === version.version
          ? await canonicalAclList(ctx, server.binary, node.acl.text, admin, running["acl-pubsub-default"])
          : undefined;
      node.acl.drift = fromFile ? aclListDrift(fromFile, aclList as string[]) : aclDrift(node.acl.users, aclList as string[]);
    }
    const role = info.replication;
    node.running = running;
    node.role = role;
    // A directive the running server does not report (CONFIG GET *) cannot be compared: the file
    // was accepted by the installed binary's own check, and a server that hides a deprecated
    // directive (Valkey 8.1's dynamic-hz) would otherwise be restarted on every run. A binary
    // upgraded under the running server is what needs a restart: its version says so.
    node.deltas = runtimeDeltas(wanted, running, version).filter((d) => d.running !== "" || d.name in running);
    const installed = server && !start ? server.version : undefined;
    if (installed && installed !== version.version) {
      node.restart = `the running server is ${version.version}, the installed binary ${installed}`;
    }
    node.replicaof = replicaofNeeded(wanted, role);
    const restartFor = node.deltas.filter((d) => d.via === "restart");
    const unverifiableChanged = fileOnlyChanges(before?.content.state?.old ?? content.state?.old ?? null, wanted, content.state?.contentChanged ?? false, version);
    if (!node.restart) {
      if (restartFor.length > 0) node.restart = restartFor.map((d) => `${d.name}: ${d.reason ?? "cannot change at runtime"}`).join("; ");
      else if (unverifiableChanged) node.restart = `${unverifiableChanged} changed (read only at start)`;
      else if (pending) node.restart = `a restart left over from an interrupted run (${markerOf(dest)})`;
    }
    if (node.restart && schemeChange(node.deltas) && !topology.fresh && topology.replicas.length > 0) {
      const what = version.flavor === "valkey" ? "Valkey" : "Redis";
      return {
        failed: `${ctx.host} runs ${what} ${version.version}, which cannot move its port between plain text and TLS at runtime (port and tls-port are settable from Redis 6.2): restarted one at a time, its replicas could not follow a primary that speaks the other scheme, so nothing was changed. Upgrade the group to 6.2 or later first, then turn redis_tls on or off`,
      };
    }
    if (node.restart && args.restart === false) node.deferred = true;
    return node;
  } catch (e) {
    return { failed: failureText(e) };
  }
}

/** Renders the node's ACL file and reads the one on disk. */
async function planAcl(ctx: TaskContext, args: RedisConfigArgs, server: RedisServerFact | undefined, src: string): Promise<AclPlan | { failed: string }> {
  const dest = args.acl_dest ?? server?.acl_file;
  if (!dest) return { failed: "redis_config needs acl_dest (or the redis_server fact that names it) with acl_src" };
  let text: string;
  try {
    text = await ctx.renderFile(src);
  } catch (e) {
    return { failed: `template ${src}: ${failureText(e)}` };
  }
  const users = aclUsers(text);
  const destArgs: DestArgs = { dest, mode: "0640", backup: true, backup_keep: args.backups ?? 5 };
  if (args.owner ?? server?.user) destArgs.owner = (args.owner ?? server?.user)!;
  if (args.group ?? server?.group) destArgs.group = (args.group ?? server?.group)!;
  const content = await planContent(ctx, destArgs, Buffer.from(text, "utf8"));
  if (content.failed) return { failed: content.failed };
  return { dest: destArgs, content, users, text, active: false, drift: [] };
}

/**
 * Users whose running state differs from the file: a user missing or extra, switched on or off,
 * with other passwords, or other key patterns. Where the running server's binary cannot list the
 * file's users itself (canonicalAclList), command rules are not compared: ACL LIST rewrites them
 * in its own canonical form.
 */
function aclDrift(users: AclUser[], list: string[]): string[] {
  const running = new Map(aclUsers(list).map((u) => [u.name, u.rules]));
  const key = (rules: string[]) => {
    const on = rules.includes("on") ? "on" : "off";
    const pw = rules.filter((r) => r.startsWith("#")).sort().join(",");
    const keys = rules.filter((r) => r.startsWith("~") || r === "allkeys").map((r) => (r === "allkeys" ? "~*" : r)).sort().join(",");
    return `${on}|${pw}|${keys}`;
  };
  const drift: string[] = [];
  for (const { name, rules } of users) {
    const have = running.get(name);
    if (!have || key(have) !== key(rules)) drift.push(name);
    running.delete(name);
  }
  drift.push(...running.keys());
  return drift;
}

/** What one node's plan says, one line per change. */
function describeNode(n: NodePlan): Change[] {
  const changes: Change[] = [...n.content.changes];
  if (n.acl) {
    changes.push(...n.acl.content.changes);
    const changed = n.acl.content.state?.contentChanged || n.acl.drift.length > 0;
    if (changed && n.acl.active) changes.push({ summary: `ACL LOAD${n.acl.drift.length > 0 ? ` (running users differ: ${n.acl.drift.join(", ")})` : ""}` });
    if (changed && !n.acl.active && !n.start) {
      changes.push({ summary: `ACL SETUSER ${n.acl.users.map((u) => u.name).filter((u) => u !== "default").join(", ")} at runtime first (the default user follows the file when the server loads it)` });
    }
  }
  if (n.start) {
    changes.push({ summary: `start ${n.service} for the first time, with this file` });
    return changes;
  }
  for (const d of n.deltas) {
    const shown = SECRET.has(d.name) ? "(hidden)" : `${d.running === "" ? '""' : d.running} -> ${d.wanted}`;
    changes.push({ summary: `${d.name} ${shown} (${d.via === "set" ? "CONFIG SET" : "restart"})` });
  }
  if (n.replicaof && (!n.restart || n.deferred)) {
    changes.push({ summary: n.replicaof === "no one" ? "REPLICAOF NO ONE" : `REPLICAOF ${n.replicaof.address} ${n.replicaof.port}` });
  }
  if (n.restart && !n.deferred) changes.push({ summary: `restart ${n.service}: ${n.restart}` });
  return changes;
}

/** Carries out one node's plan; rolls it back when it fails. */
async function convergeNode(ctx: TaskContext, n: NodePlan, topology: Topology, timeoutMs: number): Promise<Applied> {
  const data: Record<string, unknown> = { dest: n.dest.dest };
  const restarting = Boolean((n.restart && !n.deferred) || n.start);
  const marker = markerOf(n.dest.dest);
  // The file first (checked by the server binary before it replaces the old one).
  if (n.content.changes.length > 0) {
    // Already checked by the server binary before any node was touched.
    const { validate: _checked, ...unchecked } = n.dest;
    // The marker names the file the node runs with until the restart is done (now, or owed).
    const destArgs: DestArgs = restarting || n.deferred ? { ...unchecked, backup_marker: marker } : unchecked;
    const wrote = await applyContent(ctx, destArgs, n.content);
    if (wrote.failed) return { failed: `${ctx.host}: ${wrote.failed}; nothing was changed on it`, data };
    Object.assign(data, wrote.data);
  }
  const replica = topology.primary !== ctx.host;
  if (restarting) {
    // Should this run die before it can roll a failed restart back, the host does it.
    if (!n.start) await armGuard(ctx, n, marker);
    const failed = await restartAndWait(ctx, n, topology, timeoutMs, n.start ? "started" : "restarted");
    if (!failed) {
      await removeMarker(ctx, marker);
      return { data: { ...data, restarted: !n.start, started: n.start } };
    }
    if (n.start) return { failed: `${ctx.host}: ${failed}`, data };
    const restored = await restoreFromMarker(ctx, n, marker);
    return { failed: `${ctx.host} did not come back healthy with the new ${basename(n.dest.dest)}, ${restored}. What happened: ${failed}`, data };
  }
  // Runtime only: CONFIG SET each changed directive, then the role.
  const done: RuntimeDelta[] = [];
  try {
    const session = await getRedisSession(ctx, ctx.host);
    for (const d of setOrder(n.deltas.filter((x) => !n.later?.has(x.name)))) {
      await session.client.call("CONFIG", "SET", d.name, d.wanted);
      done.push(d);
      // Redis 5.0 asks a connection opened before the password existed to log in (6.0+ keeps it
      // logged in as the default user): log in with the new password, on every version.
      if (d.name === "requirepass" && d.wanted !== "") await session.client.call("AUTH", d.wanted);
    }
    if (n.replicaof) {
      if (n.replicaof === "no one") await session.client.call("REPLICAOF", "NO", "ONE");
      else await session.client.call("REPLICAOF", n.replicaof.address, String(n.replicaof.port));
    }
    const waited = replica && n.replicaof ? await waitServing(ctx, topology, timeoutMs) : undefined;
    if (waited) throw new Error(waited);
    if (n.deferred) {
      const owed = `restart owed (${n.restart}): ${marker} is left for the next run with restarts (setup.yaml) to carry out`;
      return { data: { ...data, config_set: done.map((d) => d.name), restart_owed: true }, msg: owed };
    }
    const left = await verifyRunning(ctx, n);
    if (left) throw new Error(left);
    return { data: { ...data, config_set: done.map((d) => d.name) } };
  } catch (e) {
    const why = errorText(e);
    const back = await rollbackRuntime(ctx, n, done);
    return { failed: `${ctx.host}: ${why}; ${back}`, data };
  }
}

/**
 * CONFIG SET order: the listeners (bind, port) last, so that a new address the server cannot bind
 * fails after the rest is set, and is undone with it; a listener being closed (port 0) before one
 * being opened, so that TLS can take over the plain-text port (and back).
 */
function setOrder(deltas: RuntimeDelta[]): RuntimeDelta[] {
  const set = deltas.filter((d) => d.via === "set");
  const rank = (d: RuntimeDelta) => (d.name === "requirepass" ? 1 : ["bind", "port", "tls-port"].includes(d.name) ? (d.wanted === "0" ? 2 : 3) : 0);
  return [...set].sort((a, b) => rank(a) - rank(b));
}

/** Whether the deltas move the node between plain text and TLS (its listener or its replication link). */
function schemeChange(deltas: RuntimeDelta[]): boolean {
  return deltas.some((d) => (d.name === "tls-port" && (d.running === "0") !== (d.wanted === "0")) || d.name === "tls-replication");
}

/**
 * The replicas whose replication link is made again after the primary's runtime change: all of
 * them when the primary's listener changes scheme, else those whose own tls-replication changes.
 * None when the primary has nothing to change at runtime (its change is a restart, or nothing).
 */
function relinkHosts(hosts: string[], nodes: Record<string, NodePlan>, topology: Topology): string[] {
  const p = nodes[topology.primary];
  if (!p || (p.restart && !p.deferred) || p.start || describeNode(p).length === 0) return [];
  const primaryMoved = schemeChange(p.deltas.filter((d) => d.name === "tls-port"));
  return hosts.filter((h) => h !== topology.primary && nodes[h] && (primaryMoved || schemeChange(nodes[h]!.deltas.filter((d) => d.name === "tls-replication"))));
}

/**
 * After the primary moved its listener between plain text and TLS, the replicas' links are still
 * the connections made before, in the old scheme: each replica drops its link in turn (CLIENT
 * KILL TYPE master) and reconnects in the new one, resuming with a partial resync. One at a time,
 * so the primary keeps the replicas its min-replicas-to-write asks for. A failure message, or undefined.
 */
async function relinkReplicas(g: GroupContext<RedisConfigArgs>, hosts: string[], topology: Topology, timeoutMs: number): Promise<Record<string, string>> {
  const failed: Record<string, string> = {};
  for (const h of hosts) {
    const ctx = g.ctx(h);
    try {
      const session = await getRedisSession(ctx, h);
      await session.client.call("CLIENT", "KILL", "TYPE", "master");
      const waited = await waitServing(ctx, topology, timeoutMs);
      if (waited) failed[h] = `${h}: its replication link did not come back in the new scheme: ${waited}`;
      else g.log(`${h}: replication link to ${topology.primary} made again in the new scheme`, 1);
    } catch (e) {
      failed[h] = `${h}: cannot renew its replication link: ${errorText(e)}`;
    }
    if (failed[h]) break;
  }
  return failed;
}

/** Restarts (or first starts) the service, then waits until the node serves again. A failure message, or undefined. */
async function restartAndWait(ctx: TaskContext, n: NodePlan, topology: Topology, timeoutMs: number, state: "restarted" | "started"): Promise<string | undefined> {
  if (state === "restarted") {
    const busy = await waitStoppable(ctx, timeoutMs);
    if (busy) return busy;
  }
  const svc = await serviceModule.plan(ctx, { name: n.service, state });
  if (svc.failed) return svc.failed;
  if (svc.changes.length > 0) {
    const r = await serviceModule.apply(ctx, { name: n.service, state }, svc);
    if (r.failed) return r.failed;
  }
  const waited = await waitServing(ctx, topology, timeoutMs);
  if (waited) return waited;
  return verifyRunning(ctx, n);
}

/**
 * Before a stop: a server that has just finished a full sync writes its initial AOF, and until
 * that is done it refuses SIGTERM ("Writing initial AOF, can't exit") without ever retrying, so
 * the service manager waits on a stop that never comes (Debian's units allow it forever). Waits
 * until no sync, no load and no AOF rewrite is under way. A node that does not answer is left to
 * the restart. A failure message, or undefined.
 */
async function waitStoppable(ctx: TaskContext, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let asked = 0;
  let session;
  try {
    session = await getRedisSession(ctx, ctx.host);
  } catch {
    return undefined;
  }
  for (;;) {
    let busy: string[];
    try {
      const info = await readInfoSections(session, ["persistence", "replication"]);
      const p = info.sections.persistence ?? {};
      busy = [
        p.loading === "1" ? "loading its data" : "",
        p.aof_rewrite_in_progress === "1" || p.aof_rewrite_scheduled === "1" ? "rewriting its AOF" : "",
        info.replication?.master_sync_in_progress ? "syncing from its primary" : "",
      ].filter((b) => b !== "");
    } catch {
      return undefined;
    }
    if (busy.length === 0) return undefined;
    if (Date.now() >= deadline) return `not restarted: still ${busy.join(" and ")} after ${timeoutMs / 1000}s (a server stopped now would refuse to exit)`;
    await sleep(nodePollMs(asked++));
  }
}

/** Waits until the node answers and, as a replica, is in sync with the primary. */
async function waitServing(ctx: TaskContext, topology: Topology, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  const replica = topology.primary !== ctx.host;
  let last = "no answer yet";
  let asked = 0;
  for (;;) {
    try {
      const session = await getRedisSession(ctx, ctx.host);
      const r = (await readInfoSections(session, ["replication"])).replication;
      if (!replica && r?.role === "master") return undefined;
      if (
        replica &&
        r?.role === "slave" &&
        r.master_host === topology.primary_address &&
        r.master_port === topology.primary_port &&
        r.master_link_status === "up" &&
        !r.master_sync_in_progress
      ) {
        return undefined;
      }
      last = r ? `role:${r.role}${r.role === "slave" ? `, master ${r.master_host}:${r.master_port}, link ${r.master_link_status}, sync in progress ${r.master_sync_in_progress ? "yes" : "no"}` : ""}` : "no replication section";
    } catch (e) {
      last = errorText(e);
    }
    if (Date.now() >= deadline) {
      const what = replica ? `in sync with ${topology.primary}` : "serving as the primary";
      return `not ${what} within ${timeoutMs / 1000}s (${last})`;
    }
    await sleep(nodePollMs(asked++));
  }
}

/** After a change: does the running server now say what the file says? A message naming what differs, or undefined. */
async function verifyRunning(ctx: TaskContext, n: NodePlan): Promise<string | undefined> {
  const session = await getRedisSession(ctx, ctx.host);
  const running = fieldsOf(await session.client.call("CONFIG", "GET", "*"));
  const left = runtimeDeltas(n.wanted, running, session.version ?? n.version).filter((d) => !n.later?.has(d.name) && (d.running !== "" || d.name in running));
  if (left.length === 0) return undefined;
  const shown = left.map((d) => (SECRET.has(d.name) ? `${d.name} (value hidden)` : `${d.name} is ${d.running || '""'}, the file says ${d.wanted}`));
  return `the running server does not match the file: ${shown.join("; ")} (is it overridden on the server's command line?)`;
}

/** Puts back the running values changed so far and the old file. Says what it did. */
async function rollbackRuntime(ctx: TaskContext, n: NodePlan, done: RuntimeDelta[]): Promise<string> {
  const notes: string[] = [];
  try {
    const session = await getRedisSession(ctx, ctx.host);
    for (const d of [...done].reverse()) await session.client.call("CONFIG", "SET", d.name, d.running);
    if (done.length > 0) notes.push(`${done.length} runtime change(s) undone`);
  } catch (e) {
    notes.push(`undoing the runtime changes failed: ${errorText(e)}`);
  }
  notes.push(await restoreOldFile(ctx, n));
  return notes.join("; ");
}

/** Writes the file's previous content back (nothing to do when it did not change). */
async function restoreOldFile(ctx: TaskContext, n: NodePlan): Promise<string> {
  const old = n.content.state?.old;
  if (!n.content.state?.contentChanged) return "the file was not changed";
  if (old === null || old === undefined) return "the file did not exist before and was left in place";
  try {
    const conn = await ctx.conn();
    await conn.write(n.dest.dest, old, { ...n.content.state.attrs, become: ctx.become });
    return `${n.dest.dest} restored`;
  } catch (e) {
    return `restoring ${n.dest.dest} failed: ${errorText(e)}`;
  }
}

async function armGuard(ctx: TaskContext, n: NodePlan, marker: string): Promise<void> {
  const conn = await ctx.conn();
  const init = await initSystem(ctx, conn);
  // The lock this run holds on the node (redis_lock's path, default or not): a guard leaves the
  // node alone while another run holds it.
  await armRestartGuard(conn, ctx.become, { marker, dest: n.dest.dest, service: n.service, init: init.kind, lock: heldLockOwner(ctx) });
}

/** After a failed restart: the file the marker names (the last one the node ran with) goes back, and the node restarts with it. */
async function restoreFromMarker(ctx: TaskContext, n: NodePlan, marker: string): Promise<string> {
  try {
    const conn = await ctx.conn();
    const named = (await conn.read(marker, { become: ctx.become }))?.toString("utf8").trim();
    const backup = named ? await conn.read(named, { become: ctx.become }) : null;
    const old = backup ?? n.content.state?.old ?? null;
    if (old === null) return `and there is no earlier ${n.dest.dest} to go back to`;
    await conn.write(n.dest.dest, old, { ...n.content.state!.attrs, become: ctx.become });
    const svc = await serviceModule.plan(ctx, { name: n.service, state: "restarted" });
    const r = svc.failed ? { failed: svc.failed } : await serviceModule.apply(ctx, { name: n.service, state: "restarted" }, svc);
    await removeMarker(ctx, marker);
    const from = named && backup ? named : "its previous content";
    return r.failed
      ? `so the last one it ran with (${from}) was restored, but restarting with it failed too: ${r.failed}`
      : `so the last one it ran with (${from}) was restored and the server restarted with it; check the setting you changed`;
  } catch (e) {
    return `and rolling back failed: ${errorText(e)}`;
  }
}

async function removeMarker(ctx: TaskContext, marker: string): Promise<void> {
  const conn = await ctx.conn();
  await conn.exec(`rm -f -- '${marker.replace(/'/g, "'\\''")}'`, { become: ctx.become });
}

function markerOf(dest: string): string {
  return `${dest}.restart-pending`;
}

/** REPLICAOF the running server needs to follow the file: a target, "no one", or nothing. */
function replicaofNeeded(wanted: WantedConfig, role: ReplicationInfo | undefined): NodePlan["replicaof"] {
  if (!role) return undefined;
  if (!wanted.replicaof) return role.role === "master" ? undefined : "no one";
  const { host, port } = wanted.replicaof;
  if (role.role === "slave" && role.master_host === host && role.master_port === port) return undefined;
  return { address: host, port };
}

/**
 * Whether the file changed in a directive that the server reads only at start and CONFIG GET does
 * not show (rename-command, loadmodule, include, ...): its name, or undefined.
 */
function fileOnlyChanges(old: Buffer | null, wanted: WantedConfig, contentChanged: boolean, version: ServerVersion): string | undefined {
  if (!contentChanged || wanted.unverifiable.length === 0) return undefined;
  let before: WantedConfig | undefined;
  try {
    before = old ? wantedConfig(parseConf(old.toString("utf8")), version) : undefined;
  } catch {
    before = undefined;
  }
  const now = [...wanted.unverifiable].sort().join("\n");
  const was = before ? [...before.unverifiable].sort().join("\n") : "";
  return now === was ? undefined : wanted.unverifiable.filter((l) => !before?.unverifiable.includes(l)).join(", ") || "a start-only directive";
}

/** The topology after a switchover to `sw.target`. */
function movedTopology(g: GroupContext<RedisConfigArgs>, t: Topology, sw: SwitchoverState): Topology {
  const e = redisEndpoint(sw.target, g.ctx(sw.target).vars);
  return {
    primary: sw.target,
    primary_address: e.address,
    primary_port: e.port,
    replicas: [t.primary, ...t.replicas].filter((h) => h !== sw.target),
    fresh: false,
  };
}

function everyHostFails(g: GroupContext<RedisConfigArgs>, failed: string): GroupPlan<ConfigState> {
  return { hosts: Object.fromEntries(g.hosts.map((h) => [h, { changes: [], failed }])) };
}

function mergeApplied(a: Applied | undefined, b: Applied): Applied {
  if (!a) return b;
  return { ...a, ...b, facts: { ...(a.facts ?? {}), ...(b.facts ?? {}) }, data: { ...(a.data ?? {}), ...(b.data ?? {}) } };
}

function partition<T>(items: T[], pred: (t: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const i of items) (pred(i) ? yes : no).push(i);
  return [yes, no];
}

/** CONFIG GET's flat [name, value, ...] reply as a record. */
