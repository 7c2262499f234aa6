// Decides which node of a group is the primary, from what each node's INFO replication says and
// the primary records redplay keeps on the nodes (primary-record.ts). Pure: the observation is
// gathered elsewhere (redis_topology). The rule is the one an operator would apply by hand: the
// primary is the node the replicas follow (through a chain, its root); a group where nobody
// follows anybody is fresh, and takes the recorded primary, else the preferred node. A record
// wins over what the replicas follow only when the node they follow is known to be superseded
// (its own record is older): an old primary that came back and regained a stale replica. Anything
// else is ambiguous and is reported as who-follows-whom rather than guessed, unless an explicit
// override settles it. A fresh group never discards data without being told to.
import type { ReplicationInfo } from "../facts/redis-info.js";
import { newestRecord, type PrimaryRecord } from "./primary-record.js";

/** What was seen on one node. */
export interface ObservedNode {
  host: string;
  address: string;
  port: number;
  reachable: boolean;
  info?: ReplicationInfo;
  /** Why the node could not be read. */
  error?: string;
  /** The node's primary record, when it has one. */
  record?: PrimaryRecord;
  /** Keys the node holds (all databases), when read. */
  keys?: number;
}

/** The decision: who is primary, who should follow it. */
export interface TopologyDecision {
  primary: string;
  /** Every other listed node, in the order given. */
  replicas: string[];
  /** No reachable node replicates or has replicas (never set up, or every link lost): no node needs a handover before a restart. */
  fresh: boolean;
  report: string;
  /** Why the primary records decided against what the replicas follow, when they did. */
  byRecord?: string;
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

  const { record: newest, tie } = newestRecord(reachable.map((n) => n.record));
  const recorded = newest && !tie ? reachable.find((n) => n.host === newest.primary && n.info!.role === "master") : undefined;
  // A node not read has an unknown record: never taken for superseded.
  const generation = (n: ObservedNode) => (n.reachable ? (n.record?.generation ?? 0) : Number.POSITIVE_INFINITY);
  const recordNote = (superseded: string[]) =>
    `${newest!.primary} is the primary of the newest record (generation ${newest!.generation}${newest!.by ? `, ${newest!.by}` : ""}${newest!.at ? ` at ${newest!.at}` : ""}); ` +
    `${superseded.join(" and ")} ${superseded.length > 1 ? "hold" : "holds"} an older one, so ${superseded.length > 1 ? "they were" : "it was"} superseded while unreachable`;
  /** The recorded primary, when every leader the evidence offers instead is known to be superseded. */
  const byRecord = (leaders: ObservedNode[]): TopologyDecision | undefined => {
    if (!recorded) return undefined;
    const others = leaders.filter((l) => l.host !== recorded.host);
    if (others.length === 0 || !others.every((l) => generation(l) < newest!.generation)) return undefined;
    const note = recordNote(others.map((l) => l.host));
    return { primary: recorded.host, replicas: hosts.filter((h) => h !== recorded.host), fresh: false, report: `${report}\n${note}`, byRecord: note };
  };

  if (replicas.length > 0) {
    const stranger = replicas.find((r) => !byAddress.has(followed(r.info!)));
    if (stranger) {
      return ambiguous(`${stranger.host} follows ${followed(stranger.info!)}, which is not a node of this group`);
    }
    // Each replica's root: follow the chain through replicas until a master or a node not read.
    const roots = new Set<string>();
    let loopNote: string | undefined;
    for (const r of replicas) {
      const path = [r.host];
      let at = byAddress.get(followed(r.info!))!;
      let root: string | undefined;
      while (at.reachable && at.info?.role === "slave") {
        if (path.includes(at.host)) {
          // The same cycle, however a chain enters it, so the same leader.
          const loop = path.slice(path.indexOf(at.host)).map((h) => observed.find((n) => n.host === h)!);
          const chosen = loopLeader(loop);
          const shown = [...path, at.host].join(" -> ");
          if (!chosen) return ambiguous(`the replicas follow each other in a loop (${shown})`);
          loopNote ??= chosen.note(shown);
          root = chosen.host;
          break;
        }
        path.push(at.host);
        const next = byAddress.get(followed(at.info));
        if (!next) return ambiguous(`${at.host} follows ${followed(at.info)}, which is not a node of this group`);
        at = next;
      }
      roots.add(root ?? at.host);
    }
    const leaders = [...roots].map((h) => observed.find((n) => n.host === h)!);
    const rivals = masters.filter((m) => !roots.has(m.host) && m.info!.connected_slaves > 0);
    const decided = byRecord([...leaders, ...rivals]);
    if (decided) return decided;
    if (leaders.length > 1) return ambiguous(`the replicas follow different nodes (${leaders.map((l) => l.host).join(", ")})`);
    const leader = leaders[0]!;
    if (rivals.length > 0) return ambiguous(`${leader.host} and ${rivals[0]!.host} are both primaries with replicas`);
    if (loopNote) return { primary: leader.host, replicas: others(leader.host), fresh: false, report: `${report}\n${loopNote}` };
    return { primary: leader.host, replicas: others(leader.host), fresh: false, report };
  }

  const withReplicas = masters.filter((m) => m.info!.connected_slaves > 0);
  const decided = byRecord(withReplicas);
  if (decided) return decided;
  if (withReplicas.length > 1) {
    return ambiguous(`${withReplicas.map((m) => m.host).join(" and ")} are all primaries with replicas`);
  }
  if (withReplicas.length === 1) {
    const p = withReplicas[0]!.host;
    return { primary: p, replicas: others(p), fresh: false, report };
  }
  // Nobody follows anybody. A group that had a primary (a record says so) keeps it, or nothing is
  // guessed; the nodes it demotes are named with the keys they lose (redis_topology's discards).
  if (newest) {
    if (recorded) return { primary: recorded.host, replicas: others(recorded.host), fresh: true, report: `${report}\nprimary as recorded (generation ${newest.generation})` };
    return ambiguous(
      tie
        ? `no node follows another, and the newest primary records (generation ${newest.generation}) name different primaries`
        : `no node follows another, and the recorded primary ${newest.primary} (generation ${newest.generation}) is ${observed.some((n) => n.host === newest.primary && n.reachable) ? "not a primary" : "not reachable"}`,
    );
  }
  const primary = opts.preferred ?? hosts[0]!;
  // A fresh group makes every other node a replica, which empties it: never silently.
  const holding = masters.filter((m) => m.host !== primary && (m.keys ?? 0) > 0);
  if (holding.length > 0) {
    return ambiguous(
      `the group looks fresh (no node follows another), but ${holding.map((m) => `${m.host} holds ${m.keys} key(s)`).join(", ")}; ` +
        `making ${primary} the primary would discard them`,
    );
  }
  return { primary, replicas: others(primary), fresh: true, report };
}

/** The replication offset a replica has processed. */
function offsetOf(n: ObservedNode): number {
  return n.info!.slave_repl_offset ?? n.info!.master_repl_offset;
}

/**
 * Who leads a loop of replicas (A follows B, B follows A): left by a primary that crashed right
 * after a handover or a promotion and came back following its old file, so nothing serves writes
 * and no link is up (a replica without its own link serves no sync). The member that processed
 * the most of the stream (its offset highest, and strictly) holds every write the others
 * acknowledged; the rest resync from it. Links up, or a tie: undefined, and the caller refuses.
 */
function loopLeader(loop: ObservedNode[]): { host: string; note: (shown: string) => string } | undefined {
  if (loop.length < 2 || loop.some((n) => n.info!.master_link_status !== "down")) return undefined;
  const sorted = [...loop].sort((a, b) => offsetOf(b) - offsetOf(a));
  const [top, second] = sorted;
  if (!top || (second && offsetOf(second) === offsetOf(top))) return undefined;
  const rest = sorted.slice(1).map((n) => `${n.host} (offset ${offsetOf(n)})`).join(", ");
  return {
    host: top.host,
    note: (shown) =>
      `the replicas followed each other in a loop (${shown}), every link down: ${top.host} processed the most of the ` +
      `replication stream (offset ${offsetOf(top)}), so it becomes the primary; ${rest} ` +
      (sorted.length > 2 ? "resync from it and lose what they hold" : "resyncs from it and loses what it holds") +
      " beyond it (writes never acknowledged by a replica)",
  };
}

function followed(info: ReplicationInfo): string {
  return `${info.master_host ?? "?"}:${info.master_port ?? "?"}`;
}

/** One line per node: `node-2 (10.0.0.2:6379): replica of node-1 (10.0.0.1:6379), link up`. */
function renderReport(observed: ObservedNode[], byAddress: Map<string, ObservedNode>): string {
  const describe = (head: string, i: ReplicationInfo): string => {
    if (i.role === "master") {
      const list = i.slaves.map((s) => `${s.ip}:${s.port} ${s.state}`).join(", ");
      return `${head}: primary, ${i.connected_slaves} replica(s) connected${list ? ` [${list}]` : ""}`;
    }
    const target = followed(i);
    const known = byAddress.get(target);
    const whom = known ? `${known.host} (${target})` : `${target} (not a node of this group)`;
    return `${head}: replica of ${whom}, link ${i.master_link_status ?? "unknown"}`;
  };
  return observed
    .map((n) => {
      const head = `${n.host} (${n.address}:${n.port})`;
      if (!n.reachable || !n.info) return `${head}: unreachable${n.error ? ` (${n.error})` : ""}`;
      const record = n.record ? `; its record: generation ${n.record.generation}, primary ${n.record.primary}` : "";
      return `${describe(head, n.info)}${record}`;
    })
    .join("\n");
}
