// `redis_failover`: decides a failover from the controller (run it with run_once). It probes
// every node itself, so a dead primary is a finding rather than an unreachable host that would
// stop the run, and publishes `redis_failover` (who is promoted, which nodes answered and may be
// touched) and the `redis_topology` the rest of the playbook renders redis.conf from. It only
// reads: under --check the decision is shown the same way.
import { errorText, UnreachableError } from "../../errors.js";
import { redisEndpoint } from "../../redis/endpoint.js";
import { decideFailover, type FailoverNode } from "../../redis/failover-decision.js";
import { majorityFence } from "../../redis/fence.js";
import { sentinelDecision } from "../../redis/sentinel-view.js";
import { asBoolean } from "../../template/expressions.js";
import type { GroupModule, GroupPlan, TaskContext } from "../types.js";
import { forEveryHost, unknownHostPlan } from "../group.js";
import { readInfo } from "./node-read.js";

/** Arguments of `redis_failover`. */
export interface RedisFailoverArgs {
  /** Inventory names of the group. @default the play's hosts */
  hosts?: string[];
  /** The node to promote. @default the best replica */
  new_primary?: string;
  /** Fail over although the primary looks alive, or although the new primary cannot take writes yet. @default false */
  force?: boolean | string;
}

export const redisFailoverModule: GroupModule<RedisFailoverArgs> = {
  name: "redis_failover",
  scope: "group",
  hostArgs: ["hosts", "new_primary"],
  check: "full",
  setsFacts: ["redis_failover", "redis_topology"],
  schema: {
    type: "object",
    properties: {
      hosts: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
      new_primary: { type: "string" },
      force: { type: ["boolean", "string"] },
    },
    additionalProperties: false,
  },
  async plan(g, args) {
    const unknownHost = unknownHostPlan(g, redisFailoverModule, args as unknown as Record<string, unknown>);
    if (unknownHost) return unknownHost;
    const ctx = g.ctx(g.hosts[0]!);
    const hosts = args.hosts ?? g.groupHosts;
    const requested = nonEmpty(args.new_primary);
    const force = asBoolean(args.force) === true;
    // Sentinel fails the group over by itself: a second engine promoting nodes would fight it.
    if (!force) {
      const sentinel = await sentinelDecision(ctx, hosts);
      if (sentinel.managed) {
        const sees = "error" in sentinel ? sentinel.error : `it names ${sentinel.primary} (${sentinel.address}:${sentinel.port}) the primary`;
        return forEveryHost(g, {
          changes: [],
          failed:
            `Sentinel manages this group and fails it over by itself when the primary is down (${sees}); nothing was done. ` +
            `Wait for Sentinel (setup.yaml then follows the primary it chose), or fail over by hand anyway with -e force=true.\nWhat the Sentinels see:\n${sentinel.report}`,
        });
      }
    }
    const nodes = await Promise.all(hosts.map((h) => probe(ctx, h)));
    // The fence redis.conf.hbs renders for the node: the inventory's, else a majority of the group.
    const fenceOf = (h: string): number => configuredFence(ctx.varsFor(h).redis_min_replicas_to_write) ?? majorityFence(hosts.length);
    const d = decideFailover(nodes, { ...(requested !== undefined ? { requested } : {}), force, minReplicasToWrite: fenceOf });
    const report = nodes.map(describeProbe).join("\n");
    if ("error" in d) return forEveryHost(g, { changes: [], failed: `${d.error}\n${report}`, data: { report } });

    const p = nodes.find((n) => n.host === d.newPrimary)!;
    const topology = {
      primary: d.newPrimary,
      primary_address: p.address,
      primary_port: p.port,
      replicas: hosts.filter((h) => h !== d.newPrimary),
      fresh: false,
    };
    const summary = [
      d.reason,
      ...d.warnings.map((w) => `WARNING: ${w}`),
      d.unreachable.length > 0 ? `left untouched (unreachable): ${d.unreachable.join(", ")}` : "",
    ]
      .filter((l) => l !== "")
      .join("\n");
    const failover = {
      needed: d.action !== "none",
      action: d.action,
      old_primary: d.oldPrimary ?? null,
      new_primary: d.newPrimary,
      members: [d.newPrimary, ...d.repoint],
      repoint: d.repoint,
      reachable: d.reachable,
      unreachable: d.unreachable,
      reason: d.reason,
      warnings: d.warnings,
      summary,
      client_address: `${p.address}:${p.port}`,
      min_replicas_to_write: d.minReplicasToWrite,
      replicas_missing: d.replicasMissing,
      writable: d.replicasMissing === 0,
    };
    const out: GroupPlan = { hosts: {}, down: {} };
    for (const host of g.hosts) {
      const node = nodes.find((n) => n.host === host);
      out.hosts[host] = {
        changes: [],
        noop: d.reason,
        msg: `${summary}\n${report}`,
        data: { ...failover, report },
        facts: { redis_failover: failover, redis_topology: topology },
      };
      // A node that did not answer is left alone by the rest of the play: unreachable, as the
      // failover expects of its dead primary (and of any other dead node), so the run still succeeds.
      if (d.unreachable.includes(host)) {
        out.down![host] = { msg: `${node ? describeProbe(node) : host}: left untouched`, expected: true };
      }
    }
    return out;
  },
  async apply() {
    return { hosts: {} };
  },
};

/** Reads INFO replication; an SSH failure and a Redis failure are both findings, never thrown. */
async function probe(ctx: TaskContext, host: string): Promise<FailoverNode> {
  let address = host;
  let port = 6379;
  try {
    const e = redisEndpoint(host, ctx.varsFor(host));
    address = e.address;
    port = e.port;
    const { info } = await readInfo(ctx, host, ["replication"]);
    if (!info.replication) return { host, address, port, ssh: true, error: "INFO has no replication section" };
    return { host, address, port, ssh: true, info: info.replication };
  } catch (e) {
    return { host, address, port, ssh: !(e instanceof UnreachableError), error: errorText(e) };
  }
}

function describeProbe(n: FailoverNode): string {
  const head = `${n.host} (${n.address}:${n.port})`;
  if (!n.info) return `${head}: ${n.ssh ? "SSH up, Redis down" : "unreachable"} (${n.error ?? "no answer"})`;
  const i = n.info;
  if (i.role === "master") return `${head}: primary, ${i.connected_slaves} replica(s), offset ${i.master_repl_offset}`;
  return (
    `${head}: replica of ${i.master_host}:${i.master_port}, link ${i.master_link_status ?? "unknown"}, ` +
    `offset ${i.slave_repl_offset ?? "?"}, priority ${i.replica_priority ?? 100}`
  );
}

/** redis_min_replicas_to_write as a number, or undefined when unset (the template's default applies). */
function configuredFence(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

