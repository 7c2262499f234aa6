// Judges whether a primary and its replicas are healthy, from their INFO replication alone.
// Pure, so the definition of "healthy" is tested on its own; redis_health polls INFO and adds
// the canary write. `role:slave` proves nothing by itself (an unauthenticated replica reports
// it), so every replica must show a live link, no sync running and the primary's replication id,
// and the primary must list each replica online under the replica's own address.
import type { ReplicationInfo } from "../facts/redis-info.js";

/** One node as read for the health check. */
export interface HealthNode {
  host: string;
  address: string;
  port: number;
  info?: ReplicationInfo;
  /** Why INFO could not be read. */
  error?: string;
}

/** Where one replica stands. */
export interface ReplicaStanding {
  host: string;
  /** The replica's slave_repl_offset (-1 if unknown). */
  offset: number;
  /** Seconds since its last ACK, as the primary reports it (-1 if not listed). */
  lag: number;
}

/** The verdict: healthy when `problems` is empty. */
export interface HealthAssessment {
  healthy: boolean;
  /** One line per problem, each starting with the node's name. */
  problems: string[];
  replicas: ReplicaStanding[];
}

export function assessHealth(primary: HealthNode, replicas: HealthNode[]): HealthAssessment {
  const problems: string[] = [];
  const p = primary.info;
  const primaryAt = `${primary.address}:${primary.port}`;
  if (!p) {
    problems.push(`${primary.host}: cannot read INFO${primary.error ? ` (${primary.error})` : ""}`);
  } else if (p.role !== "master") {
    problems.push(
      `${primary.host}: role:slave (follows ${p.master_host}:${p.master_port}), expected the primary`,
    );
  } else {
    if (p.master_failover_state && p.master_failover_state !== "no-failover") {
      problems.push(`${primary.host}: master_failover_state:${p.master_failover_state} (a failover is running)`);
    }
    // More replicas than checked is not a problem: a group member this run could not reach over
    // SSH may still follow the primary (it is reported unreachable where it was lost).
    if (p.connected_slaves < replicas.length) {
      problems.push(`${primary.host}: connected_slaves:${p.connected_slaves}, expected at least ${replicas.length}`);
    }
  }

  const standings: ReplicaStanding[] = [];
  for (const r of replicas) {
    const line = p?.role === "master" ? p.slaves.find((s) => s.ip === r.address && s.port === r.port) : undefined;
    standings.push({ host: r.host, offset: r.info?.slave_repl_offset ?? -1, lag: line?.lag ?? -1 });
    if (p?.role === "master") {
      if (!line) {
        problems.push(
          `${primary.host}: does not list ${r.host} (${r.address}:${r.port}) among its replicas` +
            " (replicas are listed by the address they announce: set replica-announce-ip)",
        );
      } else if (line.state !== "online") {
        problems.push(`${primary.host}: lists ${r.host} with state=${line.state} (sync not finished)`);
      }
    }
    problems.push(...replicaProblems(r, primary.host, primaryAt, p));
  }
  return { healthy: problems.length === 0, problems, replicas: standings };
}

function replicaProblems(
  r: HealthNode,
  primaryHost: string,
  primaryAt: string,
  p: ReplicationInfo | undefined,
): string[] {
  const i = r.info;
  if (!i) return [`${r.host}: cannot read INFO${r.error ? ` (${r.error})` : ""}`];
  if (i.role !== "slave") return [`${r.host}: role:master, expected a replica of ${primaryHost} (${primaryAt})`];
  const follows = `${i.master_host}:${i.master_port}`;
  if (follows !== primaryAt) return [`${r.host}: follows ${follows}, expected ${primaryHost} (${primaryAt})`];
  const out: string[] = [];
  if (i.master_link_status !== "up") {
    const never = i.master_link_down_since_seconds === -1 ? ", never connected" : "";
    out.push(
      `${r.host}: master_link_status:down${never} (replica cannot reach or authenticate to ${primaryAt} — check masterauth)`,
    );
  }
  if (i.master_sync_in_progress) out.push(`${r.host}: master_sync_in_progress:1 (full sync running)`);
  if (i.master_link_status === "up" && p?.role === "master" && i.master_replid !== p.master_replid) {
    out.push(`${r.host}: master_replid ${i.master_replid} differs from ${primaryHost}'s ${p.master_replid}`);
  }
  return out;
}
