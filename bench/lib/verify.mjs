// Proves a group is healthy without trusting either tool's report: INFO replication read
// directly from every node, then a canary written on the primary (WAIT for every replica) and
// read on every replica. Also reads each node's run_id (a restart changes it) and fingerprints
// the rendered redis.conf files, so the bench can show both tools wrote the same bytes.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Redis from "ioredis";

/**
 * A client that works before and after the group gets its password: it connects without one and
 * sends AUTH itself, ignoring the error a server without a password gives.
 */
async function openClient(address, password) {
  const c = new Redis({ host: address, port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, enableOfflineQueue: false, enableReadyCheck: false });
  c.on("error", () => undefined);
  await c.connect();
  if (password) await c.auth(password).catch(() => undefined);
  return c;
}

export function infoField(info, name) {
  const m = new RegExp(`^${name}:(.*)$`, "m").exec(info);
  return m ? m[1].trim() : undefined;
}

/** run_id of every node, by name (null for a node that does not answer). */
export async function runIds(lab, password) {
  const ids = await Promise.all(
    lab.nodes.map(async (n) => {
      let c;
      try {
        c = await openClient(n.address, password);
        return infoField(await c.info("server"), "run_id") ?? null;
      } catch {
        return null;
      } finally {
        c?.disconnect();
      }
    }),
  );
  return Object.fromEntries(lab.nodes.map((n, i) => [n.name, ids[i]]));
}

/** Names of the nodes whose run_id differs between two runIds snapshots. */
export function restartedNodes(before, after) {
  return Object.keys(after).filter((n) => before[n] !== after[n]);
}

/**
 * Throws unless exactly one node is a primary, every other node is its in-sync replica, and a
 * canary written on it (WAIT for every replica) is read on every replica. `expectPrimary`: the
 * node that must be the primary. Returns the primary's name.
 */
export async function verifyGroup(lab, password, { expectPrimary } = {}) {
  const clients = new Map();
  try {
    for (const n of lab.nodes) clients.set(n.name, await openClient(n.address, password));
    const infos = new Map();
    for (const n of lab.nodes) infos.set(n.name, await clients.get(n.name).info("replication"));
    const primaries = lab.nodes.filter((n) => infoField(infos.get(n.name), "role") === "master");
    if (primaries.length !== 1) throw new Error(`expected one primary, found ${primaries.length}: ${primaries.map((p) => p.name).join(", ")}`);
    const primary = primaries[0];
    if (expectPrimary && primary.name !== expectPrimary) throw new Error(`${primary.name} is the primary, expected ${expectPrimary}`);
    const replicas = lab.nodes.filter((n) => n !== primary);
    const online = (infos.get(primary.name).match(/^slave\d+:ip=[^,]+,port=\d+,state=online/gm) ?? []).length;
    if (online !== replicas.length) throw new Error(`${primary.name} lists ${online} online replicas, expected ${replicas.length}`);
    for (const r of replicas) {
      const info = infos.get(r.name);
      if (infoField(info, "master_host") !== primary.address || infoField(info, "master_link_status") !== "up") {
        throw new Error(`${r.name} does not follow ${primary.name} with its link up`);
      }
    }
    const canary = `bench-${process.pid}-${Date.now()}`;
    const p = clients.get(primary.name);
    await p.set("__bench_canary", canary);
    const acked = await p.wait(replicas.length, 5000);
    if (acked < replicas.length) throw new Error(`canary acknowledged by ${acked}/${replicas.length} replicas`);
    for (const r of replicas) {
      const got = await clients.get(r.name).get("__bench_canary");
      if (got !== canary) throw new Error(`${r.name} did not serve the canary written on ${primary.name}`);
    }
    return primary.name;
  } finally {
    for (const c of clients.values()) c.disconnect();
  }
}

/**
 * verifyGroup, retried for up to `ms` (a group may still be finishing a sync when a tool exits).
 * Returns { primary, waitedMs }: how long after the call the group first passed.
 */
export async function verifyGroupSoon(lab, password, opts = {}, ms = 30_000) {
  const t0 = Date.now();
  for (;;) {
    try {
      return { primary: await verifyGroup(lab, password, opts), waitedMs: Date.now() - t0 };
    } catch (err) {
      if (Date.now() - t0 > ms) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** sha256 of each node's /etc/redis/redis.conf, by node name. */
export async function confFingerprints(lab) {
  const out = {};
  for (const n of lab.nodes) {
    const bytes = await readFile(join(lab.dir, "nodes", n.name, "root", "etc", "redis", "redis.conf"));
    out[n.name] = createHash("sha256").update(bytes).digest("hex");
  }
  return out;
}

/** CONFIG GET `name` on every node, by node name (what the running servers use). */
export async function runningConfig(lab, password, name) {
  const out = {};
  for (const n of lab.nodes) {
    const c = await openClient(n.address, password);
    try {
      const [, value] = await c.config("GET", name);
      out[n.name] = value;
    } finally {
      c.disconnect();
    }
  }
  return out;
}

/** `redis_version` and `os` of one node, from INFO server. */
export async function serverVersion(lab, password) {
  const c = await openClient(lab.nodes[0].address, password);
  try {
    const info = await c.info("server");
    return `redis-server ${infoField(info, "redis_version")} (lab node, ${infoField(info, "os")})`;
  } finally {
    c.disconnect();
  }
}
