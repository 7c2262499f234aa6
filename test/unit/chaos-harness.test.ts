// The chaos harness's pure parts (chaos/lib): schedules are a function of their seed, and the
// writes it excuses are exactly those of an old primary after the failover that replaced it.
import { describe, expect, it } from "vitest";
import { mulberry32, scheduleSeeds } from "../../chaos/lib/prng.mjs";
import { describeStep, makeSchedule } from "../../chaos/lib/schedule.mjs";
import { allowedDiscards, promotions } from "../../chaos/lib/invariants.mjs";
import { discardedPrimaries } from "../../chaos/lib/redplay.mjs";

type Roles = Record<string, "master" | "replica" | "down">;
const at = (t: number, roles: Roles) => ({ t, roles });
const acked = (node: string, t: number) => ({ key: `k:${node}:${t}`, value: "1", node, t });

describe("chaos schedules", () => {
  it("mulberry32 gives the same floats for the same seed", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(scheduleSeeds(7, 5)).toEqual(scheduleSeeds(7, 5));
  });

  it("a seed always gives the same schedule, and different seeds different ones", () => {
    const a = makeSchedule(123456).map(describeStep);
    expect(makeSchedule(123456).map(describeStep)).toEqual(a);
    const distinct = new Set(scheduleSeeds(1, 50).map((s: number) => JSON.stringify(makeSchedule(s))));
    expect(distinct.size).toBeGreaterThan(45);
  });

  it("never plans more dead nodes than the group can lose and keep one", () => {
    for (const seed of scheduleSeeds(99, 500)) {
      let dead = 0;
      for (const s of makeSchedule(seed, { nodes: 3 })) {
        const runs = s.kind === "two-runs" ? s.runs : s.kind === "run" ? [s] : [];
        if (s.kind === "kill") dead++;
        if (s.kind === "start") dead--;
        for (const r of runs) for (const e of r.events) dead += e.kind === "kill" ? 1 : -1;
        expect(dead).toBeGreaterThanOrEqual(0);
        expect(dead).toBeLessThanOrEqual(2);
      }
    }
  });
});

describe("writes a setup may discard", () => {
  // node-1 primary, killed; node-2 promoted by a failover; node-1 back as a master.
  const timeline = [
    at(0, { "node-1": "master", "node-2": "replica", "node-3": "replica" }),
    at(10, { "node-1": "down", "node-2": "replica", "node-3": "replica" }),
    at(20, { "node-1": "down", "node-2": "master", "node-3": "replica" }),
    at(30, { "node-1": "master", "node-2": "master", "node-3": "replica" }),
  ];

  it("dates promotions, not a return from the dead", () => {
    expect(promotions(timeline)).toEqual([
      { t: 0, node: "node-1" },
      { t: 20, node: "node-2" },
    ]);
  });

  it("excuses the old primary's writes after the failover that replaced it, and no earlier ones", () => {
    const writes = [acked("node-1", 5), acked("node-1", 35), acked("node-2", 25)];
    const allowed = allowedDiscards(writes, timeline, [{ t0: 40, t1: 50, discarded: ["node-1"] }]);
    expect(allowed).toEqual([{ node: "node-1", from: 20, to: 50, replacedBy: "node-2", keys: ["k:node-1:35"] }]);
  });

  it("excuses nothing when setup demotes the primary the failover promoted", () => {
    const writes = [acked("node-2", 25)];
    const allowed = allowedDiscards(writes, timeline, [{ t0: 40, t1: 50, discarded: ["node-2"] }]);
    expect(allowed[0].keys).toEqual([]);
    expect(allowed[0].from).toBeNull();
  });

  it("reads the demoted primaries from setup's WARNING lines", () => {
    const out = 'ok: [node-1] => WARNING: node-1 was a primary holding data ({"db0":"keys=3"}), but node-2 is the primary: ...';
    expect(discardedPrimaries(out)).toEqual(["node-1"]);
    expect(discardedPrimaries("TASK [Say which writes are discarded]\nskipping: [node-1]")).toEqual([]);
  });
});
