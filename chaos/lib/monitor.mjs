// Watches the group while a schedule runs: every few hundred milliseconds it reads every node's
// role (kept as a timeline, from which promotions are dated) and asks every master to take a SET,
// so two writable primaries are caught while a step is in flight, not only between steps.
import { twoWritablePrimaries } from "./invariants.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function rolesOf(seen) {
  return Object.fromEntries(seen.map((n) => [n.name, !n.up ? "down" : n.info.role === "master" ? "master" : "replica"]));
}

/** Starts sampling; `violations` fills as they are seen; stop() resolves when the loop ended. */
export function startMonitor(nodes, password, { everyMs = 400 } = {}) {
  const timeline = [];
  const violations = [];
  let stopping = false;
  let samples = 0;
  const loop = (async () => {
    while (!stopping) {
      const t = Date.now();
      try {
        const { violation, seen } = await twoWritablePrimaries(nodes, password);
        timeline.push({ t, roles: rolesOf(seen) });
        samples++;
        if (violation && violations.length < 5) violations.push({ ...violation, at: t, by: "monitor" });
      } catch {
        // a sample that failed as a whole says nothing; the next one will
      }
      await sleep(everyMs);
    }
  })();
  return {
    timeline,
    violations,
    /** Records an observation made elsewhere (after a step), so the timeline misses nothing. */
    observe(seen, t = Date.now()) {
      timeline.push({ t, roles: rolesOf(seen) });
    },
    samples: () => samples,
    async stop() {
      stopping = true;
      await loop;
    },
  };
}
