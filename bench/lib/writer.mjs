// A client that writes every millisecond while a playbook moves the primary, to measure what an
// application sees: the write-unavailability window runs from the first failed write to the
// first successful write on a node other than the old primary.
import Redis from "ioredis";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts writing to `primary`; stop() resolves to { attempts, failures, firstFailMs, firstNewWriteMs, windowMs, newPrimary }. */
export function startWriter(lab, primaryName, password) {
  const clients = new Map(
    lab.nodes.map((n) => [
      n.name,
      new Redis({
        host: n.address,
        port: 6379,
        password,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: 200,
        connectTimeout: 500,
        retryStrategy: () => 20,
        reconnectOnError: () => false,
      }),
    ]),
  );
  for (const c of clients.values()) c.on("error", () => undefined);
  const t0 = performance.now();
  const state = { attempts: 0, failures: 0, firstFailMs: null, firstNewWriteMs: null, newPrimary: null };
  let target = primaryName;
  let stopping = false;
  const names = lab.nodes.map((n) => n.name);

  const loop = (async () => {
    let i = 0;
    while (!stopping && state.firstNewWriteMs === null) {
      state.attempts++;
      try {
        await clients.get(target).set("__bench_writer", String(i++));
        if (target !== primaryName) {
          state.firstNewWriteMs = performance.now() - t0;
          state.newPrimary = target;
          break;
        }
      } catch {
        state.failures++;
        if (state.firstFailMs === null) state.firstFailMs = performance.now() - t0;
        // Try the next node: a replica answers READONLY at once, a dead node times out.
        target = names[(names.indexOf(target) + 1) % names.length];
      }
      await sleep(1);
    }
  })();

  return {
    /** Milliseconds since the writer started. */
    elapsed: () => performance.now() - t0,
    /** Resolves once a write succeeded on a new primary, or after `timeoutMs`. */
    async waitNewPrimary(timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (state.firstNewWriteMs === null && performance.now() < deadline) await sleep(5);
      return state.firstNewWriteMs !== null;
    },
    async stop() {
      stopping = true;
      await loop;
      for (const c of clients.values()) c.disconnect();
      const windowMs =
        state.firstNewWriteMs === null ? null : state.firstFailMs === null ? 0 : state.firstNewWriteMs - state.firstFailMs;
      return { ...state, windowMs };
    },
  };
}
