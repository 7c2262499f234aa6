// `redis_topology`: reads every listed node (in parallel) and decides who the primary is, so the
// rest of a play can target it (`redis_topology.primary`). A group module: it runs once for the
// play's hosts and gives each its facts (with its own role); a node whose Redis does not answer is
// reported unreachable. It only reads; an ambiguous group fails with the who-follows-whom report.
import type { ReplicationInfo } from "../../facts/redis-info.js";
import { redisEndpoint } from "../../redis/endpoint.js";
import { sentinelDecision } from "../../redis/sentinel-view.js";
import { decideTopology, type ObservedNode } from "../../redis/topology.js";
import { nextRecord, recordPath, sameRecord, writeRecords, type PrimaryRecord } from "../../redis/primary-record.js";
import type { GroupModule, GroupPlan, TaskContext } from "../types.js";
import { forEveryHost, unknownHostPlan } from "../group.js";
import { observeRecorded, type NodeObservation } from "./node-read.js";

/** Arguments of `redis_topology`. */
export interface RedisTopologyArgs {
  /** Inventory names to look at. @default the play's hosts */
  hosts?: string[];
  /** Primary for a fresh group. @default the variable redis_primary */
  preferred?: string;
  /** An explicit primary that settles an ambiguous group. @default `-e redis_primary=NODE`, if given */
  override?: string;
}

/** The primary record to write, and on which hosts. */
interface TopologyState {
  record: PrimaryRecord;
  write: string[];
}

export const redisTopologyModule: GroupModule<RedisTopologyArgs, TopologyState> = {
  name: "redis_topology",
  scope: "group",
  hostArgs: ["hosts", "preferred", "override"],
  check: "full",
  setsFacts: ["redis_topology"],
  schema: {
    type: "object",
    properties: {
      hosts: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
      preferred: { type: "string" },
      override: { type: "string" },
    },
    additionalProperties: false,
  },
  async plan(g, args) {
    const unknownHost = unknownHostPlan(g, redisTopologyModule, args as unknown as Record<string, unknown>);
    if (unknownHost) return unknownHost;
    const ctx = g.ctx(g.hosts[0]!);
    const hosts = args.hosts ?? g.groupHosts;
    const preferred = nonEmpty(args.preferred) ?? nonEmpty(ctx.vars.redis_primary);
    // `-e redis_primary=NODE` is the operator's explicit choice; the inventory's redis_primary only
    // names the primary of a fresh group. Only -e can tell the two apart.
    const override = nonEmpty(args.override) ?? nonEmpty(ctx.extraVars.redis_primary);
    const observed: NodeObservation[] = await Promise.all(
      hosts.map(async (h) => {
        if (isNewServer(ctx, h)) return newServerNode(ctx, h);
        const seen = await observeRecorded(ctx, h, { keyspace: true });
        // Down with a restart owed by an interrupted run: redis_config restarts it; it counts as
        // what it will be once restarted, a node without replicas of its own.
        if (!seen.reachable) return (await restartOwed(ctx, h)) ? { ...newServerNode(ctx, h), ...(seen.record ? { record: seen.record } : {}) } : seen;
        return seen.keyspace ? { ...seen, keys: keyCount(seen.keyspace) } : seen;
      }),
    );
    const opts: { preferred?: string; override?: string } = {};
    if (preferred !== undefined) opts.preferred = preferred;
    if (override !== undefined) opts.override = override;
    // Where Sentinel manages the group, it decides who is primary, and redplay follows it: it never
    // promotes or demotes a node behind Sentinel's back (after an automatic failover, a rerun keeps
    // the node Sentinel promoted).
    const sentinel = await sentinelDecision(ctx, hosts);
    if (sentinel.managed && "error" in sentinel) return forEveryHost(g, { changes: [], failed: `${sentinel.error}\n${sentinel.report}` });
    if (sentinel.managed) {
      if (override !== undefined && override !== sentinel.primary) {
        return forEveryHost(g, {
          changes: [],
          failed:
            `Sentinel manages this group and names ${sentinel.primary} the primary; redplay does not make ${override} the primary behind its back. ` +
            `Move the primary through Sentinel: switchover.yaml -e new_primary=${override}\n${sentinel.report}`,
        });
      }
      opts.override = sentinel.primary;
    }
    const d = decideTopology(observed, opts);
    if ("error" in d) return forEveryHost(g, { changes: [], failed: `${d.error}\n${d.report}`, data: { report: d.report } });
    if (sentinel.managed) d.report = `${d.report.replace(/\nprimary set by override: .*$/, "")}\nprimary named by Sentinel (${sentinel.sentinels} Sentinel(s) watch the group):\n${sentinel.report}`;
    const p = observed.find((n) => n.host === d.primary)!;
    const topology = {
      primary: d.primary,
      primary_address: p.address,
      primary_port: p.port,
      replicas: d.replicas,
      fresh: d.fresh,
      sentinel: sentinel.managed,
    };
    const replicas = d.replicas.length > 0 ? `replicas ${d.replicas.join(", ")}` : "no replicas";
    const summary = `primary ${d.primary} (${p.address}:${p.port}), ${replicas}${d.fresh ? " (fresh group)" : ""}${sentinel.managed ? " (as Sentinel says)" : ""}`;
    // The decision is recorded on every node of the play that answers (before anything changes),
    // so a node that is down now is known to be superseded when it comes back.
    const record = nextRecord(observed.filter((n) => n.reachable).map((n) => n.record), d.primary, "redis_topology");
    const out: GroupPlan<TopologyState> = { hosts: {}, down: {}, state: { record, write: [] } };
    for (const host of g.hosts) {
      const seen = observed.find((n) => n.host === host);
      if (seen && !seen.reachable) {
        // SSH down: the host is unreachable. SSH up but Redis not answering: a failed task that
        // names the Redis (any_errors_fatal stops the run before anything changes).
        const why = seen.error ?? "Redis did not answer";
        if (await sshAnswers(ctx, host)) out.hosts[host] = { changes: [], failed: why.startsWith(host) ? why : `${host}: ${why}` };
        else out.down![host] = { msg: `${host}: ${why}` };
        continue;
      }
      const role = host === d.primary ? "primary" : d.replicas.includes(host) ? "replica" : "not in the group";
      // A primary that is not the group's primary: an old one back after a failover. It becomes a
      // replica, and a full resync replaces what it accepted since.
      const demoted = role === "replica" && seen?.info?.role === "master" && (seen.keys ?? 0) > 0;
      const discards = demoted ? seen.keyspace : undefined;
      const fact = discards ? { ...topology, role, discards } : { ...topology, role };
      const stale = seen !== undefined && !isNewServer(ctx, host) && !sameRecord(seen.record, record);
      if (stale) out.state!.write.push(host);
      out.hosts[host] = {
        changes: [],
        noop: `${role}: ${summary}`,
        msg: d.report,
        data: { ...fact, generation: record.generation, report: d.report },
        facts: { redis_topology: { ...fact, generation: record.generation } },
        // Bookkeeping, not a change a rerun would see: a probe, never under --check.
        ...(stale ? { probes: [{ summary: `record ${d.primary} as the primary (generation ${record.generation}) in ${recordPath(ctx, host)}` }] } : {}),
      };
    }
    return out;
  },
  async apply(g, _args, plan) {
    const { record, write } = plan.state!;
    return { hosts: await writeRecords((h) => g.ctx(h), record, write) };
  },
};

/** The keys of all databases of an INFO keyspace section (`db0: keys=3,expires=0,...`). */
function keyCount(keyspace: Record<string, string>): number {
  return Object.values(keyspace).reduce((sum, v) => sum + Number(/keys=(\d+)/.exec(v)?.[1] ?? 0), 0);
}

/** Whether the host's own SSH connection works. */
async function sshAnswers(ctx: TaskContext, host: string): Promise<boolean> {
  try {
    await ctx.connFor(host);
    return true;
  } catch {
    return false;
  }
}

/** A restart-pending marker beside the node's config: a run was interrupted between stopping and starting it. */
async function restartOwed(ctx: TaskContext, host: string): Promise<boolean> {
  const vars = host === ctx.host ? ctx.vars : ctx.varsFor(host);
  const conf = (vars.redis_server as { config_file?: unknown } | undefined)?.config_file;
  if (typeof conf !== "string") return false;
  try {
    const conn = await ctx.connFor(host);
    return (await conn.stat(`${conf}.restart-pending`, { become: ctx.become })).exists;
  } catch {
    return false;
  }
}

/** Installed by this run (redis_server): not started yet, so it has no data and no role. */
function isNewServer(ctx: TaskContext, host: string): boolean {
  const vars = host === ctx.host ? ctx.vars : ctx.varsFor(host);
  const server = vars.redis_server as { new?: unknown } | undefined;
  return server?.new === true;
}

/** A freshly installed node is what its first start will make it: an empty standalone primary. */
function newServerNode(ctx: TaskContext, host: string): ObservedNode {
  const e = redisEndpoint(host, host === ctx.host ? ctx.vars : ctx.varsFor(host));
  const info: ReplicationInfo = {
    role: "master",
    connected_slaves: 0,
    slaves: [],
    master_replid: "",
    master_replid2: "",
    master_repl_offset: 0,
    second_repl_offset: -1,
  };
  return { host, address: e.address, port: e.port, reachable: true, info };
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
