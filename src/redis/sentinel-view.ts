// What the group's Sentinels say, for the playbooks that change roles (setup, failover,
// switchover): whether Sentinel manages the group at all, and if so which node it considers the
// primary. Where Sentinel manages a group, it decides who is primary; redplay follows it and never
// promotes or demotes behind its back (the classic fight: a deployment tool re-run after a
// failover forcing the inventory's old primary back). Reading is in readSentinels; the decision,
// pure and table-tested, in decideSentinelPrimary.
import { errorText } from "../errors.js";
import type { TaskContext } from "../modules/types.js";
import { redisEndpoint } from "./endpoint.js";
import { describeSentinel, flagsOf, getSentinel, sentinelEndpoint, sentinelMaster } from "./sentinel-client.js";

/** The master name Sentinel monitors the group under: `sentinel_master_name`, default "redis". */
export function sentinelMasterName(vars: Record<string, unknown>): string {
  const v = vars.sentinel_master_name;
  return typeof v === "string" && v !== "" ? v : "redis";
}

/** The hosts that run the group's Sentinels: the inventory group `sentinels` if there is one, else the group's own hosts. */
export function sentinelHostsOf(vars: Record<string, unknown>, groupHosts: string[]): string[] {
  const groups = vars.groups as Record<string, unknown> | undefined;
  const s = groups?.sentinels;
  return Array.isArray(s) && s.length > 0 ? s.map(String) : groupHosts;
}

/** One Sentinel's view of the master. */
export interface SentinelMasterView {
  host: string;
  /** Where it listens (for messages). */
  where: string;
  /** It answered. */
  reachable: boolean;
  error?: string;
  /** It monitors the master name. */
  monitors: boolean;
  address?: string;
  port?: number;
  flags?: string[];
  configEpoch?: number;
  quorum?: number;
  otherSentinels?: number;
  replicas?: number;
  failoverState?: string;
}

/** Reads `SENTINEL MASTER name` from every Sentinel host, in parallel; never throws. */
export async function readSentinels(ctx: TaskContext, hosts: string[], name: string): Promise<SentinelMasterView[]> {
  return Promise.all(
    hosts.map(async (host): Promise<SentinelMasterView> => {
      let where = host;
      try {
        where = describeSentinel(sentinelEndpoint(host, host === ctx.host ? ctx.vars : ctx.varsFor(host)));
        const s = await getSentinel(ctx, host);
        const m = await sentinelMaster(s, name);
        if (!m) return { host, where, reachable: true, monitors: false };
        return {
          host,
          where,
          reachable: true,
          monitors: true,
          address: m.ip,
          port: Number(m.port),
          flags: flagsOf(m),
          configEpoch: Number(m["config-epoch"] ?? 0),
          quorum: Number(m.quorum),
          otherSentinels: Number(m["num-other-sentinels"] ?? 0),
          replicas: Number(m["num-slaves"] ?? 0),
          failoverState: m["failover-state"],
        };
      } catch (e) {
        return { host, where, reachable: false, monitors: false, error: errorText(e) };
      }
    }),
  );
}

/** A node of the group, as Sentinel would name it. */
export interface GroupNode {
  host: string;
  address: string;
  port: number;
}

/** What the Sentinels decide. */
export type SentinelDecision =
  | { managed: false }
  | { managed: true; primary: string; address: string; port: number; sentinels: number; report: string }
  | { managed: true; error: string; report: string };

/**
 * Whether Sentinel manages the group, and whom it names primary. No Sentinel monitoring the name:
 * not managed. Otherwise the view of the highest config-epoch wins (the Sentinel that knows the
 * latest failover; the others converge to it); a failover in progress is an error (run again when
 * it ends), and so is a primary that is not a node of the group.
 */
export function decideSentinelPrimary(views: SentinelMasterView[], nodes: GroupNode[], name: string): SentinelDecision {
  const watching = views.filter((v) => v.monitors && v.address !== undefined);
  if (watching.length === 0) return { managed: false };
  const report = views.map(describeView).join("\n");
  const failing = watching.find((v) => (v.flags ?? []).some((f) => f === "failover_in_progress") || (v.failoverState && v.failoverState !== "none"));
  if (failing) {
    return { managed: true, error: `Sentinel is failing over ${name} right now (${failing.where}: ${failing.failoverState ?? "failover_in_progress"}); run again once it has finished`, report };
  }
  const newest = [...watching].sort((a, b) => (b.configEpoch ?? 0) - (a.configEpoch ?? 0))[0]!;
  const node = nodes.find((n) => n.address === newest.address && n.port === newest.port);
  if (!node) {
    return { managed: true, error: `Sentinel names ${newest.address}:${newest.port} the primary of ${name}, which is not a node of this group (${nodes.map((n) => `${n.host} ${n.address}:${n.port}`).join(", ")})`, report };
  }
  return { managed: true, primary: node.host, address: node.address, port: node.port, sentinels: watching.length, report };
}

/** `node-1's Sentinel (10.0.0.1:26379): primary 10.0.0.2:6379, epoch 3, 2 other Sentinels, 2 replicas`. */
export function describeView(v: SentinelMasterView): string {
  if (!v.reachable) return `${v.where}: does not answer${v.error ? ` (${v.error})` : ""}`;
  if (!v.monitors) return `${v.where}: does not monitor this group`;
  const flags = (v.flags ?? []).filter((f) => f !== "master");
  return (
    `${v.where}: primary ${v.address}:${v.port}, config-epoch ${v.configEpoch ?? 0}, ` +
    `${v.otherSentinels ?? 0} other Sentinel(s), ${v.replicas ?? 0} replica(s)${flags.length > 0 ? `, flags ${flags.join(",")}` : ""}`
  );
}

/**
 * What the Sentinels of the group `groupHosts` say about it (`sentinel_master_name`, the hosts of
 * the inventory group `sentinels` or else the group's own): the decision, with the group's nodes
 * as Sentinel names them (their Redis addresses).
 */
export async function sentinelDecision(ctx: TaskContext, groupHosts: string[]): Promise<SentinelDecision> {
  const name = sentinelMasterName(ctx.vars);
  const nodes = groupHosts.map((h) => {
    const e = redisEndpoint(h, h === ctx.host ? ctx.vars : ctx.varsFor(h));
    return { host: h, address: e.address, port: e.port };
  });
  const views = await readSentinels(ctx, sentinelHostsOf(ctx.vars, groupHosts), name);
  return decideSentinelPrimary(views, nodes, name);
}
