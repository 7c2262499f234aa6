// What the servers say, read directly with ioredis on each node's own address (never through
// redplay): INFO replication, SET probes under the harness's own key prefix, PING.
import { Redis } from "ioredis";
import { redisAnswers, sshdAnswers } from "../../dist/lab/probe.js";

/** Every key the harness writes starts with this. */
export const PREFIX = "chaos:";

/** A client that never queues or retries a command, and gives up quickly on a dead node. */
export function client(address, password, extra = {}) {
  const c = new Redis({
    host: address,
    port: 6379,
    password,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1500,
    retryStrategy: () => null,
    ...extra,
  });
  c.on("error", () => undefined);
  return c;
}

/** One command on a fresh connection; the error message instead of a throw. */
export async function call(address, password, ...args) {
  const c = client(address, password);
  try {
    await c.connect();
    return { ok: true, reply: await c.call(args[0], ...args.slice(1)) };
  } catch (e) {
    return { ok: false, error: e.message };
  } finally {
    c.disconnect();
  }
}

/** INFO text as a field map. */
export function infoFields(text) {
  const out = {};
  for (const line of String(text).split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/** INFO replication of every node ({name, address, up, info?, error?}). */
export async function replicationOf(nodes, password) {
  return Promise.all(
    nodes.map(async (n) => {
      const r = await call(n.address, password, "INFO", "replication");
      return r.ok ? { ...n, up: true, info: infoFields(r.reply), raw: String(r.reply) } : { ...n, up: false, error: r.error };
    }),
  );
}

/** One line per node: role, whom it follows, link, offset; for evidence. */
export function rolesLine(seen) {
  return seen
    .map((n) => {
      if (!n.up) return `${n.name}: down (${n.error})`;
      const i = n.info;
      if (i.role === "master") return `${n.name}: master, ${i.connected_slaves} replica(s), offset ${i.master_repl_offset}`;
      return `${n.name}: replica of ${i.master_host} link ${i.master_link_status}, offset ${i.slave_repl_offset ?? i.master_repl_offset}`;
    })
    .join("; ");
}

/** The node the group writes to: the master with the most replicas (none when no master). */
export function primaryOf(seen) {
  const masters = seen.filter((n) => n.up && n.info.role === "master");
  masters.sort((a, b) => Number(b.info.connected_slaves) - Number(a.info.connected_slaves));
  return masters[0];
}

/** Masters that accept a SET right now: { writable: [names], answers: {name: reply} }. */
export async function writableMasters(nodes, password) {
  const seen = await replicationOf(nodes, password);
  const masters = seen.filter((n) => n.up && n.info.role === "master");
  const answers = {};
  await Promise.all(
    masters.map(async (n) => {
      const r = await call(n.address, password, "SET", `${PREFIX}probe:${n.name}`, String(Date.now()));
      answers[n.name] = r.ok ? String(r.reply) : r.error;
    }),
  );
  return { writable: Object.keys(answers).filter((k) => answers[k] === "OK").sort(), answers, seen };
}

/** sshd and Redis of a node answer. */
export async function nodeServes(address) {
  const [ssh, redis] = await Promise.all([sshdAnswers(address), redisAnswers(address)]);
  return { ssh, redis };
}
