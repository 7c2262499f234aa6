// Watches every node while a playbook runs: `INFO server replication` every 50 ms, recording each
// change of run_id (a restart) and of role. From that: how many times each node restarted, and
// which role it had just before each restart (a primary that was switched over first is a
// replica by then).
import Redis from "ioredis";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function field(info, name) {
  const m = new RegExp(`^${name}:(.*)$`, "m").exec(info);
  return m ? m[1].trim() : undefined;
}

/** Starts watching; stop() resolves to { [node]: { restarts, events, rolesBeforeRestart, firstRole } }. */
export function startWatch(lab, password, intervalMs = 50) {
  const t0 = performance.now();
  let stopping = false;
  const nodes = {};
  const loops = lab.nodes.map(async (n) => {
    const c = new Redis({ host: n.address, port: 6379, password, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500, connectTimeout: 500, retryStrategy: () => 20 });
    c.on("error", () => undefined);
    const w = (nodes[n.name] = { events: [], runIds: [], rolesBeforeRestart: [], firstRole: null });
    let last = { runId: null, role: null };
    while (!stopping) {
      try {
        const info = await c.info("server", "replication");
        const runId = field(info, "run_id");
        const role = field(info, "role");
        if (w.firstRole === null) w.firstRole = role;
        if (runId !== last.runId) {
          if (last.runId !== null) w.rolesBeforeRestart.push(last.role);
          w.runIds.push(runId);
        }
        if (runId !== last.runId || role !== last.role) w.events.push({ atMs: Math.round(performance.now() - t0), runId: runId.slice(0, 8), role });
        last = { runId, role };
      } catch {
        // down or restarting: the next answer tells whether its run_id changed
      }
      await sleep(intervalMs);
    }
    c.disconnect();
  });
  return {
    /** Resolves once every node answered once (so no restart before the run is missed). */
    async ready(timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        if (lab.nodes.every((n) => nodes[n.name]?.firstRole)) return true;
        await sleep(10);
      }
      throw new Error("the watcher could not read every node before the run");
    },
    async stop() {
      stopping = true;
      await Promise.all(loops);
      const out = {};
      for (const [name, w] of Object.entries(nodes)) {
        out[name] = { restarts: Math.max(0, w.runIds.length - 1), firstRole: w.firstRole, rolesBeforeRestart: w.rolesBeforeRestart, events: w.events };
      }
      return out;
    },
  };
}
