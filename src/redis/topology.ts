// Decides which node of a group is the primary, from what each node's INFO replication says.
// Pure: the observation is gathered elsewhere (redis_topology). The rule is the one an operator
// would apply by hand: the primary is the node the replicas follow; a group where nobody follows
// anybody is fresh and takes the preferred node; anything else is ambiguous and is reported as
// who-follows-whom rather than guessed, unless an explicit override settles it.
import type { ReplicationInfo } from "../facts/redis-info.js";

/** What was seen on one node. */
export interface ObservedNode {
  host: string;
  address: string;
  port: number;
  reachable: boolean;
  info?: ReplicationInfo;
  /** Why the node could not be read. */
  error?: string;
}

/** The decision: who is primary, who should follow it. */
export interface TopologyDecision {
  primary: string;
  /** Every other listed node, in the order given. */
  replicas: string[];
  /** No reachable node replicates or has replicas: the group was never set up. */
  fresh: boolean;
  report: string;
}

/** No safe decision; `report` shows who follows whom. */
export interface TopologyError {
  error: string;
  report: string;
}

/** Options of decideTopology. */
export interface TopologyOptions {
  /** The primary to choose on a fresh group (redis_primary). @default the first node */
  preferred?: string;
  /** An operator's explicit choice; wins over the observation, ambiguous or not. */
  override?: string;
}

export function decideTopology(
  observed: ObservedNode[],
  opts: TopologyOptions = {},
): TopologyDecision | TopologyError {
  const hosts = observed.map((n) => n.host);
  const byAddress = new Map(observed.map((n) => [`${n.address}:${n.port}`, n]));
  const report = renderReport(observed, byAddress);
  const others = (primary: string) => hosts.filter((h) => h !== primary);

  if (observed.length === 0) return { error: "no nodes to decide between", report };
  for (const [name, value] of [["override", opts.override], ["preferred", opts.preferred]] as const) {
    if (value !== undefined && !hosts.includes(value)) {
      return { error: `${name} primary "${value}" is not one of the nodes (${hosts.join(", ")})`, report };
    }
  }

  const reachable = observed.filter((n) => n.reachable && n.info);
  const masters = reachable.filter((n) => n.info!.role === "master");
  const replicas = reachable.filter((n) => n.info!.role === "slave");
  const fresh = replicas.length === 0 && masters.every((n) => n.info!.connected_slaves === 0);

  if (opts.override !== undefined) {
    return {
      primary: opts.override,
      replicas: others(opts.override),
      fresh,
      report: `${report}\nprimary set by override: ${opts.override}`,
    };
  }
  if (reachable.length === 0) {
    return { error: "no node could be read, so no primary can be chosen", report };
  }
  const ambiguous = (why: string): TopologyError => ({
    error: `cannot tell which node is the primary: ${why}; settle it with -e redis_primary=NODE`,
    report,
  });

  if (replicas.length > 0) {
    const stranger = replicas.find((r) => !byAddress.has(followed(r.info!)));
    if (stranger) {
      return ambiguous(`${stranger.host} follows ${followed(stranger.info!)}, which is not a node of this group`);
    }
    const leaders = [...new Set(replicas.map((r) => byAddress.get(followed(r.info!))!.host))];
    if (leaders.length > 1) return ambiguous(`the replicas follow different nodes (${leaders.join(", ")})`);
    const leader = observed.find((n) => n.host === leaders[0])!;
    if (leader.info?.role === "slave") {
      return ambiguous(`the replicas follow ${leader.host}, which is itself a replica (a chain)`);
    }
    const rival = masters.find((m) => m.host !== leader.host && m.info!.connected_slaves > 0);
    if (rival) {
      return ambiguous(`${leader.host} and ${rival.host} are both primaries with replicas`);
    }
    return { primary: leader.host, replicas: others(leader.host), fresh: false, report };
  }

  const withReplicas = masters.filter((m) => m.info!.connected_slaves > 0);
  if (withReplicas.length > 1) {
    return ambiguous(`${withReplicas.map((m) => m.host).join(" and ")} are all primaries with replicas`);
  }
  if (withReplicas.length === 1) {
    const p = withReplicas[0]!.host;
    return { primary: p, replicas: others(p), fresh: false, report };
  }
  const primary = opts.preferred ?? hosts[0]!;
  return { primary, replicas: others(primary), fresh: true, report };
}

function followed(info: ReplicationInfo): string {
  return `${info.master_host ?? "?"}:${info.master_port ?? "?"}`;
}

/** One line per node: `node-2 (10.0.0.2:6379): replica of node-1 (10.0.0.1:6379), link up`. */
function renderReport(observed: ObservedNode[], byAddress: Map<string, ObservedNode>): string {
  return observed
    .map((n) => {
      const head = `${n.host} (${n.address}:${n.port})`;
      if (!n.reachable || !n.info) return `${head}: unreachable${n.error ? ` (${n.error})` : ""}`;
      const i = n.info;
      if (i.role === "master") {
        const list = i.slaves.map((s) => `${s.ip}:${s.port} ${s.state}`).join(", ");
        return `${head}: primary, ${i.connected_slaves} replica(s) connected${list ? ` [${list}]` : ""}`;
      }
      const target = followed(i);
      const known = byAddress.get(target);
      const whom = known ? `${known.host} (${target})` : `${target} (not a node of this group)`;
      return `${head}: replica of ${whom}, link ${i.master_link_status ?? "unknown"}`;
    })
    .join("\n");
}
