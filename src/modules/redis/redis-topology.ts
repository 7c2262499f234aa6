// `redis_topology`: reads every listed node (in parallel) and decides who the primary is, so the
// rest of a play can target it (`redis_topology.primary`). Run it with run_once: the engine gives
// its facts to every host. It only reads; an ambiguous group fails with the who-follows-whom report.
import type { ReplicationInfo } from "../../facts/redis-info.js";
import { redisEndpoint } from "../../redis/endpoint.js";
import { decideTopology, type ObservedNode } from "../../redis/topology.js";
import type { Module, TaskContext } from "../types.js";
import { observeNode } from "./node-read.js";
import { unknownHostFailure } from "../host-args.js";

/** Arguments of `redis_topology`. */
export interface RedisTopologyArgs {
  /** Inventory names to look at. @default the play's hosts */
  hosts?: string[];
  /** Primary for a fresh group. @default the variable redis_primary */
  preferred?: string;
  /** An explicit primary that settles an ambiguous group. @default `-e redis_primary=NODE`, if given */
  override?: string;
}

export const redisTopologyModule: Module<RedisTopologyArgs> = {
  name: "redis_topology",
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
  async plan(ctx, args) {
    const unknownHost = unknownHostFailure(ctx, redisTopologyModule, args as unknown as Record<string, unknown>);
    if (unknownHost) return { changes: [], failed: unknownHost };
    const hosts = args.hosts ?? ctx.playHosts;
    const preferred = nonEmpty(args.preferred) ?? nonEmpty(ctx.vars.redis_primary);
    const override = nonEmpty(args.override) ?? nonEmpty(ctx.extraVars.redis_primary);
    const observed = await Promise.all(hosts.map((h) => (isNewServer(ctx, h) ? newServerNode(ctx, h) : observeNode(ctx, h))));
    const opts: { preferred?: string; override?: string } = {};
    if (preferred !== undefined) opts.preferred = preferred;
    if (override !== undefined) opts.override = override;
    const d = decideTopology(observed, opts);
    if ("error" in d) return { changes: [], failed: `${d.error}\n${d.report}`, data: { report: d.report } };
    const p = observed.find((n) => n.host === d.primary)!;
    const topology = {
      primary: d.primary,
      primary_address: p.address,
      primary_port: p.port,
      replicas: d.replicas,
      fresh: d.fresh,
    };
    const replicas = d.replicas.length > 0 ? `replicas ${d.replicas.join(", ")}` : "no replicas";
    return {
      changes: [],
      noop: `primary ${d.primary} (${p.address}:${p.port}), ${replicas}${d.fresh ? " (fresh group)" : ""}`,
      msg: d.report,
      data: { ...topology, report: d.report },
      facts: { redis_topology: topology },
    };
  },
  async apply() {
    return {};
  },
};

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
