// The application of a chaos schedule: SET + WAIT 1 in a loop on whichever node is the primary,
// following it through failovers and switchovers. A key counts as acknowledged only when WAIT
// said a replica has it; every acknowledged key is recorded with the node that took it and when.
import { client, primaryOf, replicationOf } from "./servers.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts writing `${prefix}${seq}` = seq; stop() resolves to the writer's record. */
export function startWriter(nodes, password, prefix, { pauseMs = 4 } = {}) {
  // Persistent clients that reconnect on their own: a promotion kills the clients of the
  // promoted replica, and nodes come and go.
  const clients = new Map(
    nodes.map((n) => [n.name, client(n.address, password, { lazyConnect: false, retryStrategy: () => 100, commandTimeout: 2500 })]),
  );
  const acked = [];
  const switches = [];
  const state = { attempts: 0, unacked: 0, errors: 0, lastError: "" };
  let stopping = false;
  let target = null;
  let queue = [];

  async function findPrimary() {
    const seen = await replicationOf(nodes, password);
    const masters = seen.filter((n) => n.up && n.info.role === "master");
    const best = primaryOf(seen);
    // Try the master with replicas first, then the others: a fenced one answers NOREPLICAS.
    const order = [best, ...masters.filter((m) => m !== best)].filter(Boolean);
    return order.map((n) => n.name);
  }

  const loop = (async () => {
    let seq = 0;
    while (!stopping) {
      if (target === null) {
        if (queue.length === 0) queue = await findPrimary().catch(() => []);
        if (queue.length === 0) {
          await sleep(50);
          continue;
        }
        target = queue.shift();
        if (switches.at(-1)?.node !== target) switches.push({ t: Date.now(), node: target });
      }
      const c = clients.get(target);
      const key = `${prefix}${++seq}`;
      state.attempts++;
      try {
        await c.set(key, String(seq));
        const n = Number(await c.call("WAIT", "1", "1000"));
        if (n >= 1) {
          acked.push({ key, value: String(seq), node: target, t: Date.now() });
          queue = [];
        } else {
          state.unacked++;
          target = null; // no replica confirmed: maybe no longer the group's primary
        }
      } catch (e) {
        state.errors++;
        state.lastError = `${target}: ${e.message}`;
        target = null;
        await sleep(20);
      }
      await sleep(pauseMs);
    }
  })();

  return {
    acked,
    switches,
    state,
    async stop() {
      stopping = true;
      await loop;
      for (const c of clients.values()) c.disconnect();
      return { acked, switches, ...state };
    },
  };
}
