// Proves a group is healthy without trusting either tool's report: INFO replication read
// directly from every node, then a canary written on the primary (WAIT for every replica) and
// read on every replica. Also fingerprints the rendered redis.conf files, so the bench can show
// both tools wrote the same bytes.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Redis from "ioredis";

function client(address, password) {
  return new Redis({ host: address, port: 6379, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
}

function field(info, name) {
  const m = new RegExp(`^${name}:(.*)$`, "m").exec(info);
  return m ? m[1].trim() : undefined;
}

/** Throws unless `primary` serves with every other node as an in-sync replica holding the canary. */
export async function verifyGroup(lab, primaryName, password) {
  const primary = lab.nodes.find((n) => n.name === primaryName);
  const replicas = lab.nodes.filter((n) => n.name !== primaryName);
  const clients = new Map(lab.nodes.map((n) => [n.name, client(n.address, password)]));
  try {
    const pinfo = await clients.get(primary.name).info("replication");
    if (field(pinfo, "role") !== "master") throw new Error(`${primary.name} is not a primary`);
    const online = (pinfo.match(/^slave\d+:ip=[^,]+,port=\d+,state=online/gm) ?? []).length;
    if (online !== replicas.length) throw new Error(`${primary.name} lists ${online} online replicas, expected ${replicas.length}`);
    for (const r of replicas) {
      const info = await clients.get(r.name).info("replication");
      if (field(info, "role") !== "slave" || field(info, "master_host") !== primary.address || field(info, "master_link_status") !== "up") {
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
  } finally {
    for (const c of clients.values()) c.disconnect();
  }
}

/** sha256 of each node's /etc/redis/redis.conf, by node name. */
export async function confFingerprints(lab) {
  const out = {};
  for (const n of lab.nodes) {
    const bytes = await readFile(join(lab.dir, "nodes", n.name, "etc-redis", "redis.conf"));
    out[n.name] = createHash("sha256").update(bytes).digest("hex");
  }
  return out;
}
