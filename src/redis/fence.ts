// The write fence of a replication group: a primary takes writes only while min-replicas-to-write
// replicas are connected. With the primary counting as one, floor(N/2) replicas make a majority of
// N nodes, and two disjoint majorities cannot exist: at most one primary can acknowledge a write,
// whichever nodes come back with whatever stale `replicaof` line.

/** The default min-replicas-to-write for a group of `groupSize` nodes: floor(N/2), the majority fence. */
export function majorityFence(groupSize: number): number {
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new Error(`a group has at least one node (got ${groupSize})`);
  return Math.floor(groupSize / 2);
}

/** How many more replicas must follow a primary before it takes writes (0: it takes them now). */
export function replicasMissing(followers: number, minReplicasToWrite: number): number {
  return Math.max(0, minReplicasToWrite - followers);
}
