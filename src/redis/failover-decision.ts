// Decides what a failover must do, from what each node reported (or failed to report). Pure, so
// every state a group can be in when failover.yaml starts is tested on its own: a dead primary
// (promote the best replica), a run interrupted after the promotion (continue with the node
// already promoted, never a second one), a run already completed (nothing to do), and a primary
// that is alive (refuse: that is a switchover's job, unless forced).
import type { ReplicationInfo } from "../facts/redis-info.js";
import { chooseCandidate, offsetOf } from "./candidate.js";
import { replicasMissing } from "./fence.js";

/** One node as probed by the failover: Redis INFO when it answered, and whether SSH worked. */
export interface FailoverNode {
  host: string;
  address: string;
  port: number;
  /** The controller opened an SSH connection to the host. */
  ssh: boolean;
  /** INFO replication, when Redis answered. */
  info?: ReplicationInfo;
  /** Why Redis (or SSH) could not be used. */
  error?: string;
}

/** Options of decideFailover. */
export interface FailoverOptions {
  /** The node an operator asked for (`-e new_primary=NODE`). */
  requested?: string;
  /** Fail over even though the primary looks alive, or although the new primary could not take writes yet. */
  force?: boolean;
  /**
   * min-replicas-to-write the new primary enforces (per node, or one for all): the promoted node
   * takes writes only once this many of the nodes it repoints follow it. @default 0 (no fence)
   */
  minReplicasToWrite?: number | ((host: string) => number);
}

/** What the failover will do. */
export interface FailoverDecision {
  /** `promote` a replica, `resume` after an earlier promotion, or `none` (already done). */
  action: "promote" | "resume" | "none";
  /** The primary being replaced (undefined when the group is already settled). */
  oldPrimary?: string;
  newPrimary: string;
  /** Nodes whose Redis answered. */
  reachable: string[];
  /** Reachable nodes this run makes follow newPrimary (every reachable one but newPrimary, except when `none`). */
  repoint: string[];
  unreachable: string[];
  reason: string;
  warnings: string[];
  /** min-replicas-to-write of newPrimary. */
  minReplicasToWrite: number;
  /** How many more replicas must follow newPrimary before it takes writes; 0 when repoint is enough. */
  replicasMissing: number;
}

/** The failover must not run. */
export interface FailoverRefusal {
  error: string;
}

const NO_HISTORY = "0000000000000000000000000000000000000000";

type Undecided = Omit<FailoverDecision, "minReplicasToWrite" | "replicasMissing">;

/**
 * Decides the failover, then checks the write fence: a promotion after which the new primary and
 * the reachable nodes that will follow it are fewer than min-replicas-to-write + 1 would leave the
 * group without a writable primary, so it is refused unless forced (and then says so).
 */
export function decideFailover(nodes: FailoverNode[], opts: FailoverOptions = {}): FailoverDecision | FailoverRefusal {
  const d = decideRoles(nodes, opts);
  if ("error" in d) return d;
  const fence = typeof opts.minReplicasToWrite === "function" ? opts.minReplicasToWrite(d.newPrimary) : (opts.minReplicasToWrite ?? 0);
  const missing = replicasMissing(d.repoint.length, fence);
  const decided: FailoverDecision = { ...d, minReplicasToWrite: fence, replicasMissing: missing };
  if (missing === 0) return decided;
  const shortBy =
    `${d.newPrimary} plus the ${d.repoint.length} reachable node(s) that would follow it (${d.repoint.join(", ") || "none"}) ` +
    `are fewer than the ${fence + 1} nodes its min-replicas-to-write ${fence} needs: it would refuse writes (NOREPLICAS) ` +
    `until ${missing} more replica(s) follow it (unreachable: ${d.unreachable.join(", ") || "none"})`;
  // Only a new promotion is refused: an earlier run already promoted the node, and repointing the rest only helps.
  if (d.action === "promote" && !opts.force) {
    return { error: `refusing to fail over: ${shortBy}. Bring more nodes back, or add -e force=true to promote it anyway` };
  }
  return { ...decided, warnings: [...decided.warnings, `${opts.force && d.action === "promote" ? "forced failover: " : ""}${shortBy}`] };
}

function decideRoles(nodes: FailoverNode[], opts: FailoverOptions): Undecided | FailoverRefusal {
  const names = nodes.map((n) => n.host);
  if (opts.requested !== undefined && !names.includes(opts.requested)) {
    return { error: `new_primary "${opts.requested}" is not one of the nodes (${names.join(", ")})` };
  }
  const byAddress = new Map(nodes.map((n) => [`${n.address}:${n.port}`, n]));
  const up = nodes.filter((n) => n.info);
  const reachable = up.map((n) => n.host);
  const unreachable = nodes.filter((n) => !n.info).map((n) => n.host);
  if (up.length === 0) return { error: "no node's Redis answered, so there is nothing to promote" };

  const replicas = up.filter((n) => n.info!.role === "slave");
  const masters = up.filter((n) => n.info!.role === "master");
  const leaderOf = new Map<string, FailoverNode>();
  for (const r of replicas) {
    const target = `${r.info!.master_host}:${r.info!.master_port}`;
    const leader = byAddress.get(target);
    if (!leader) return { error: `${r.host} follows ${target}, which is not a node of this group; fix it by hand first` };
    leaderOf.set(r.host, leader);
  }
  const leaders = [...new Set([...leaderOf.values()])];
  const chained = leaders.find((l) => l.info?.role === "slave");
  if (chained) return { error: `replicas follow ${chained.host}, which is itself a replica (a chain); fix it by hand first` };
  const live = leaders.filter((l) => l.info);
  const dead = leaders.filter((l) => !l.info);
  const followersOf = (l: FailoverNode) => replicas.filter((r) => leaderOf.get(r.host) === l);
  const base = { reachable, unreachable };
  const others = (p: string) => ({ ...base, repoint: reachable.filter((h) => h !== p) });

  if (live.length > 1) {
    return { error: `${live.map((l) => l.host).join(" and ")} are both primaries with replicas; settle it with setup.yaml -e redis_primary=NODE` };
  }
  if (dead.length > 1) {
    return { error: `the replicas follow several unreachable nodes (${dead.map((d) => d.host).join(", ")}); fix it by hand first` };
  }

  if (live.length === 1) {
    const primary = live[0]!;
    if (dead.length === 1) {
      // Some replicas already follow the promoted node, others still the dead one: an interrupted run.
      if (opts.requested !== undefined && opts.requested !== primary.host) {
        return { error: `${primary.host} was already promoted (replicas follow it); run again without new_primary or with new_primary=${primary.host}` };
      }
      const stale = followersOf(dead[0]!).map((r) => r.host);
      return {
        ...others(primary.host),
        action: "resume",
        oldPrimary: dead[0]!.host,
        newPrimary: primary.host,
        reason: `${primary.host} was already promoted; ${stale.join(", ")} still follow ${dead[0]!.host} and are repointed`,
        warnings: strayMasters(masters, primary),
      };
    }
    const linkDown = followersOf(primary).filter((r) => r.info!.master_link_status !== "up");
    if (!opts.force) {
      if (unreachable.length > 0 && linkDown.length === 0) {
        return {
          ...base,
          repoint: followersOf(primary).map((r) => r.host),
          action: "none",
          newPrimary: primary.host,
          reason: `nothing to fail over: ${primary.host} is the primary and every reachable replica follows it (unreachable: ${unreachable.join(", ")})`,
          warnings: strayMasters(masters, primary, false),
        };
      }
      const state = linkDown.length === 0 ? "alive and healthy" : `alive (answers Redis; ${linkDown.map((r) => r.host).join(", ")} report master_link_status:down)`;
      return {
        error:
          `refusing to fail over: the primary ${primary.host} is ${state}. For a planned change of primary run ` +
          "playbooks/switchover.yaml (-e new_primary=NODE); to fail over anyway, add -e force=true",
      };
    }
    return promote(nodes, primary, followersOf(primary), opts, base, [
      `forced failover: ${primary.host} is alive; writes it accepts from now on are lost when it follows the new primary`,
    ]);
  }

  if (dead.length === 1) {
    const old = dead[0]!;
    const followers = followersOf(old);
    const linkUp = followers.filter((r) => r.info!.master_link_status === "up");
    const warnings: string[] = [];
    if (linkUp.length > 0) {
      const who = linkUp.map((r) => r.host).join(", ");
      if (!opts.force) {
        return {
          error:
            `refusing to fail over: ${who} still report master_link_status:up to ${old.host}, so ${old.host} is alive and only ` +
            `unreachable from here (${old.error ?? "no answer"}); check the network, or add -e force=true`,
        };
      }
      warnings.push(`forced failover: ${who} still saw ${old.host} alive`);
    }
    // A node promoted by an earlier, interrupted run carries the old history as master_replid2.
    const histories = new Set(followers.map((r) => r.info!.master_replid));
    const adopted = masters.filter((m) => m.info!.master_replid2 !== NO_HISTORY && histories.has(m.info!.master_replid2));
    if (adopted.length > 1) return { error: `${adopted.map((m) => m.host).join(" and ")} were both promoted from ${old.host}; fix it by hand first` };
    if (adopted.length === 1) {
      const n = adopted[0]!;
      if (opts.requested !== undefined && opts.requested !== n.host) {
        return { error: `${n.host} was already promoted from ${old.host}; run again without new_primary or with new_primary=${n.host}` };
      }
      return {
        ...others(n.host),
        action: "resume",
        oldPrimary: old.host,
        newPrimary: n.host,
        reason: `${n.host} was already promoted (its master_replid2 is ${old.host}'s history); its replicas are repointed`,
        warnings: [...warnings, ...strayMasters(masters, n)],
      };
    }
    return promote(nodes, old, followers, opts, base, warnings);
  }

  // Nobody follows anybody: a group that lost its primary and has only its promoted node left is settled.
  const promoted = masters.filter((m) => m.info!.master_replid2 !== NO_HISTORY);
  if (replicas.length === 0 && masters.length === 1 && promoted.length === 1 && unreachable.length > 0) {
    return {
      ...base,
      repoint: [],
      action: "none",
      newPrimary: masters[0]!.host,
      reason: `nothing to fail over: ${masters[0]!.host} is the only reachable node and already a primary`,
      warnings: [],
    };
  }
  return { error: "no reachable replica follows a primary, so there is nothing to fail over (run setup.yaml to set the group up)" };
}

function promote(
  nodes: FailoverNode[],
  old: FailoverNode,
  followers: FailoverNode[],
  opts: FailoverOptions,
  base: { reachable: string[]; unreachable: string[] },
  warnings: string[],
): Undecided | FailoverRefusal {
  const inOrder = nodes.filter((n) => followers.includes(n));
  const choice = chooseCandidate(
    inOrder.map((n) => ({ host: n.host, info: n.info! })),
    opts.requested,
  );
  if ("error" in choice) return { error: choice.error };
  const chosen = inOrder.find((n) => n.host === choice.host)!;
  const skipped = choice.excluded.map((e) => `${e.host} not eligible: ${e.why}`);
  return {
    ...base,
    repoint: base.reachable.filter((h) => h !== choice.host),
    action: "promote",
    oldPrimary: old.host,
    newPrimary: choice.host,
    reason: `${old.host} is down (${old.error ?? "no answer"}); promoting ${choice.host}: ${choice.why}`,
    warnings: [...warnings, ...choice.warnings, ...skipped],
  };
}

/** Other reachable primaries without replicas: a returned old primary whose writes setup.yaml discards. */
function strayMasters(masters: FailoverNode[], primary: FailoverNode, repointed = true): string[] {
  return masters
    .filter((m) => m !== primary)
    .map((m) =>
      repointed
        ? `${m.host} is also a primary (no replicas follow it): this run makes it a replica of ${primary.host}, ` +
          "discarding any writes it accepted since the failover"
        : `${m.host} is also a primary (no replicas follow it): run setup.yaml to make it a replica of ${primary.host} ` +
          "(its writes since the failover are discarded)",
    );
}
