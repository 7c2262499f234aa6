// Chooses the replica to promote when the primary is dead, the way Redis Sentinel does
// (sentinel.c compareSlavesForPromotion): lowest replica-priority first (0 = never), then the
// highest replication offset, then inventory order in place of Sentinel's run id. Offsets are
// only comparable within one replication history, so every candidate must carry the same
// master_replid; a replica on another history is set aside and named, never silently ranked.
import type { ReplicationInfo } from "../facts/redis-info.js";

/** A reachable replica of the dead primary, in inventory order. */
export interface CandidateNode {
  host: string;
  info: ReplicationInfo;
}

/** A replica that may not be promoted, and why. */
export interface ExcludedCandidate {
  host: string;
  why: string;
}

/** The chosen replica, the ranking it won and the replicas that were set aside. */
export interface CandidateChoice {
  host: string;
  /** Every eligible replica, best first. */
  ranked: string[];
  excluded: ExcludedCandidate[];
  /** The history the candidates share. */
  replid: string;
  /** Why this one: "lowest replica-priority, then highest offset (1234)". */
  why: string;
  /** Cautions for the operator (a requested node behind the best one loses writes). */
  warnings: string[];
}

/** No replica can be promoted. */
export interface CandidateError {
  error: string;
  excluded: ExcludedCandidate[];
}

/** replica-priority as INFO reports it; Redis's default when absent. */
export function priorityOf(info: ReplicationInfo): number {
  return info.replica_priority ?? 100;
}

/** The replication offset a replica has processed (its position in the shared history). */
export function offsetOf(info: ReplicationInfo): number {
  return info.slave_repl_offset ?? info.master_repl_offset;
}

export function chooseCandidate(replicas: CandidateNode[], requested?: string): CandidateChoice | CandidateError {
  if (replicas.length === 0) return { error: "no reachable replica of the failed primary", excluded: [] };
  const replid = sharedHistory(replicas);
  const excluded: ExcludedCandidate[] = [];
  const eligible: CandidateNode[] = [];
  for (const r of replicas) {
    if (r.info.master_replid !== replid) {
      excluded.push({
        host: r.host,
        why: `master_replid ${r.info.master_replid} differs from the other replicas' ${replid} (another history; offsets cannot be compared)`,
      });
    } else if (priorityOf(r.info) === 0) {
      excluded.push({ host: r.host, why: "replica-priority 0 (never promoted)" });
    } else {
      eligible.push(r);
    }
  }
  const order = new Map(replicas.map((r, i) => [r.host, i]));
  const ranked = [...eligible].sort(
    (a, b) =>
      priorityOf(a.info) - priorityOf(b.info) ||
      offsetOf(b.info) - offsetOf(a.info) ||
      order.get(a.host)! - order.get(b.host)!,
  );

  if (requested !== undefined) {
    const out = excluded.find((e) => e.host === requested);
    if (out) return { error: `new_primary ${requested} cannot be promoted: ${out.why}`, excluded };
    const chosen = ranked.find((r) => r.host === requested);
    if (!chosen) {
      const names = replicas.map((r) => r.host).join(", ");
      return {
        error: `new_primary ${requested} is not a reachable replica of the failed primary (reachable replicas: ${names})`,
        excluded,
      };
    }
    const best = ranked[0]!;
    const warnings: string[] = [];
    const behind = offsetOf(best.info) - offsetOf(chosen.info);
    if (behind > 0) {
      warnings.push(
        `${requested} is ${behind} bytes behind ${best.host}: writes only ${best.host} received are lost, ` +
          `and ${best.host} is fully resynchronised from ${requested}`,
      );
    }
    return { host: requested, ranked: ranked.map((r) => r.host), excluded, replid, why: "requested with new_primary", warnings };
  }

  const best = ranked[0];
  if (!best) {
    const why = excluded.map((e) => `${e.host}: ${e.why}`).join("; ");
    return { error: `no replica may be promoted (${why})`, excluded };
  }
  const why =
    `replica-priority ${priorityOf(best.info)}, offset ${offsetOf(best.info)}` +
    (ranked.length > 1 ? ` (best of ${ranked.map((r) => `${r.host}@${offsetOf(r.info)}`).join(", ")})` : "");
  return { host: best.host, ranked: ranked.map((r) => r.host), excluded, replid, why, warnings: [] };
}

/** The master_replid most replicas carry; a tie goes to the history holding the highest offset. */
function sharedHistory(replicas: CandidateNode[]): string {
  const groups = new Map<string, { count: number; top: number }>();
  for (const r of replicas) {
    const g = groups.get(r.info.master_replid) ?? { count: 0, top: -Infinity };
    g.count++;
    g.top = Math.max(g.top, offsetOf(r.info));
    groups.set(r.info.master_replid, g);
  }
  return [...groups.entries()].sort((a, b) => b[1].count - a[1].count || b[1].top - a[1].top)[0]![0];
}
