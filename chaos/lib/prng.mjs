// Seeded randomness for the chaos schedules: mulberry32 (a well-known 32-bit generator, good
// enough to pick faults and delays), so a schedule is a pure function of its seed and can be
// replayed with --seed.

/** A generator of floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers over one generator: integers, choices, weighted choices. */
export function random(seed) {
  const next = mulberry32(seed);
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // lo..hi inclusive
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
    /** `table`: [[weight, value], ...]; entries of weight 0 are never chosen. */
    weighted(table) {
      const total = table.reduce((s, [w]) => s + w, 0);
      let x = next() * total;
      for (const [w, v] of table) {
        if (w <= 0) continue;
        if (x < w) return v;
        x -= w;
      }
      return table.filter(([w]) => w > 0).at(-1)[1];
    },
  };
}

/** The seeds of a run's schedules, derived from the run's own seed. */
export function scheduleSeeds(runSeed, count) {
  const next = mulberry32(runSeed);
  return Array.from({ length: count }, () => Math.floor(next() * 4294967296) >>> 0);
}

/** A fresh seed when none is given (printed, so the run can be repeated). */
export function freshSeed() {
  return (Date.now() ^ (process.pid << 16) ^ Math.floor(Math.random() * 4294967296)) >>> 0;
}
