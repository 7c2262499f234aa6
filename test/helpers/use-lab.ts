// A 3-node lab for the enclosing describe (started in beforeAll, taken down in afterAll), with
// direct Redis access to its nodes: namespace nodes, or systemd hosts when `os` is given.
import { afterAll, beforeAll } from "vitest";
import type { LabServer, LabSuite } from "../../src/lab/lab.js";
import { startLab, stopLab, type TestLab } from "./lab.js";
import { labRedis, type LabRedis } from "./lab-redis.js";

export function useLab(opts: { base: string; os?: LabSuite; server?: LabServer }, password: string): LabRedis & { theLab: () => TestLab } {
  let lab: TestLab | undefined;
  const theLab = (): TestLab => {
    if (!lab) throw new Error("lab did not start");
    return lab;
  };
  const access = labRedis(theLab, password);
  beforeAll(async () => {
    lab = await startLab({ nodes: 3, ...opts });
  }, 900_000);
  afterAll(async () => {
    for (const c of access.clients) c.disconnect();
    if (lab) await stopLab(lab);
  }, 120_000);
  return { theLab, ...access };
}
