// A client that writes every millisecond while a playbook changes the group, to measure what an
// application sees. It follows the primary wherever it moves: a node that answers READONLY is a
// replica now, so its ROLE names the primary; any other failure (a node restarting or dead,
// NOREPLICAS) makes it ask every node's ROLE and go to the one primary (or, if two say so, the
// one with more replicas). Each write adds a unique member to one set, so at the end every
// acknowledged write can be looked for on the final primary.
import Redis from "ioredis";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const KEY = "__bench_writes";

function makeClient(address, password, commandTimeout = 200) {
  const c = new Redis({
    host: address,
    port: 6379,
    password,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout,
    connectTimeout: 500,
    retryStrategy: () => 20,
    reconnectOnError: () => false,
  });
  c.on("error", () => undefined);
  return c;
}

function errorKind(err) {
  const m = String(err?.message ?? err);
  for (const k of ["READONLY", "NOREPLICAS", "LOADING", "MASTERDOWN", "NOAUTH"]) if (m.startsWith(k)) return k;
  if (/timed out/i.test(m)) return "timeout";
  if (/writeable|ECONNREFUSED|ECONNRESET|closed|EPIPE/i.test(m)) return "connection";
  return "other";
}

/** ROLE of one node: { role, master?: address, replicas?: n } or null when it does not answer. */
async function roleOf(client) {
  try {
    const r = await client.role();
    if (r[0] === "master") return { role: "master", replicas: Array.isArray(r[2]) ? r[2].length : 0 };
    if (r[0] === "slave") return { role: "slave", master: String(r[1]) };
    return { role: String(r[0]) };
  } catch {
    return null;
  }
}

/**
 * Starts writing to `primaryName`. stop() resolves to the run's figures: attempts, acked (count),
 * failures by kind, maxGapMs (longest time between two acknowledged writes, blocked writes
 * included), the first failed write, the first acknowledged write on another node, and the
 * moves it followed (times in ms since the start).
 */
export function startWriter(lab, primaryName, password) {
  const byAddress = new Map(lab.nodes.map((n) => [n.address, n.name]));
  const clients = new Map(lab.nodes.map((n) => [n.name, makeClient(n.address, password)]));
  const tag = `${process.pid}-${Date.now()}`;
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const acked = [];
  const ackTimes = [];
  const state = { attempts: 0, failures: 0, kinds: {}, maxGapMs: 0, maxGapAtMs: null, firstFailMs: null, firstOtherAckMs: null, otherNode: null, moves: [] };
  let lastAck = null;
  let target = primaryName;
  let stopping = false;

  const moveTo = (name, why) => {
    if (name && name !== target) {
      state.moves.push({ atMs: Math.round(now()), from: target, to: name, why });
      target = name;
    }
  };

  const locate = async (kind) => {
    if (kind === "READONLY") {
      const r = await roleOf(clients.get(target));
      if (r?.role === "slave" && byAddress.has(r.master)) return moveTo(byAddress.get(r.master), "READONLY");
    }
    const roles = await Promise.all(lab.nodes.map(async (n) => ({ name: n.name, r: await roleOf(clients.get(n.name)) })));
    const masters = roles.filter((x) => x.r?.role === "master").sort((a, b) => b.r.replicas - a.r.replicas);
    if (masters.length === 1 || (masters.length > 1 && masters[0].r.replicas > masters[1].r.replicas)) moveTo(masters[0].name, kind);
  };

  const loop = (async () => {
    // Wait until the first connection is up, so start-up is not counted as unavailability.
    while (!stopping && clients.get(primaryName).status !== "ready") await sleep(5);
    let i = 0;
    while (!stopping) {
      state.attempts++;
      const member = `${tag}:${i++}`;
      try {
        await clients.get(target).sadd(KEY, member);
        const t = now();
        if (lastAck !== null && t - lastAck > state.maxGapMs) {
          state.maxGapMs = t - lastAck;
          state.maxGapAtMs = lastAck;
        }
        lastAck = t;
        acked.push(member);
        ackTimes.push(t);
        if (target !== primaryName && state.firstOtherAckMs === null) {
          state.firstOtherAckMs = t;
          state.otherNode = target;
        }
      } catch (err) {
        state.failures++;
        if (state.firstFailMs === null) state.firstFailMs = now();
        const kind = errorKind(err);
        state.kinds[kind] = (state.kinds[kind] ?? 0) + 1;
        await locate(kind);
      }
      await sleep(1);
    }
  })();

  return {
    /** Milliseconds since the writer started. */
    elapsed: now,
    /** Resolves once a write was acknowledged by a node other than the first primary, or after `timeoutMs`. */
    async waitOtherPrimary(timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (state.firstOtherAckMs === null && performance.now() < deadline) await sleep(5);
      return state.firstOtherAckMs !== null;
    },
    /** Resolves once `n` more writes were acknowledged (the group takes writes again), or after `timeoutMs`. */
    async waitWrites(n, timeoutMs) {
      const want = acked.length + n;
      const deadline = performance.now() + timeoutMs;
      while (acked.length < want && performance.now() < deadline) await sleep(5);
      return acked.length >= want;
    },
    async stop() {
      stopping = true;
      await loop;
      for (const c of clients.values()) c.disconnect();
      return { ...state, acked: acked.length, ackedMembers: acked, ackTimes, finalTarget: target, durationMs: now() };
    },
  };
}

/**
 * The longest time between two consecutive acknowledged writes whose second one falls in
 * (`from`, `to`] (ms since the writer started): the longest time a client could not write then.
 */
export function longestGap(ackTimes, from, to = Infinity) {
  let m = 0;
  for (let i = 1; i < ackTimes.length; i++) {
    if (ackTimes[i] > from && ackTimes[i] <= to) m = Math.max(m, ackTimes[i] - ackTimes[i - 1]);
  }
  return m;
}

/**
 * Looks for every acknowledged write on the group's primary (the one node with role master).
 * Returns { primary, acked, missing, missingSample }.
 */
export async function checkAcked(lab, password, result) {
  // Not the writer's 200 ms: SMEMBERS of thousands of members on a loaded machine may take longer.
  const clients = lab.nodes.map((n) => ({ n, c: makeClient(n.address, password, 10_000) }));
  try {
    const deadline = Date.now() + 5000;
    while (clients.some(({ c }) => c.status !== "ready") && Date.now() < deadline) await sleep(10);
    const roles = await Promise.all(clients.map(async ({ n, c }) => ({ n, r: await roleOf(c) })));
    const masters = roles.filter((x) => x.r?.role === "master");
    if (masters.length !== 1) throw new Error(`expected one primary after the run, found ${masters.map((m) => m.n.name).join(", ") || "none"}`);
    const primary = masters[0].n;
    const c = clients.find((x) => x.n === primary).c;
    const members = new Set(await c.smembers(KEY));
    const missing = result.ackedMembers.filter((m) => !members.has(m));
    return { primary: primary.name, acked: result.ackedMembers.length, missing: missing.length, missingSample: missing.slice(0, 5) };
  } finally {
    for (const { c } of clients) c.disconnect();
  }
}
