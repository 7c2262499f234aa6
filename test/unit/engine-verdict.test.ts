// The engine's decision for one task on one host, as a table: plan, check mode, apply result,
// changed_when and failed_when in; status out.
import { describe, expect, it } from "vitest";
import { finalVerdict, moduleVerdict, planDecision, type ConditionResults } from "../../src/engine/verdict.js";
import type { Applied, Plan } from "../../src/modules/types.js";

const change = { summary: "write /etc/x" };
const plans: Record<string, Plan> = {
  empty: { changes: [], noop: "in place" },
  changes: { changes: [change] },
  probes: { changes: [], probes: [{ summary: "canary" }] },
  unknown: { changes: [], unknown: true },
  failed: { changes: [change], failed: "bad state" },
};

describe("planDecision", () => {
  it.each([
    ["empty", false, "noop"],
    ["empty", true, "noop"],
    ["changes", false, "apply"],
    ["changes", true, "predict"],
    ["probes", false, "apply"],
    ["probes", true, "predict"],
    ["unknown", false, "apply"],
    ["unknown", true, "unpredictable"],
    ["failed", false, "failed"],
    ["failed", true, "failed"],
  ] as const)("%s plan, check=%s -> %s", (plan, check, want) => {
    expect(planDecision(plans[plan]!, check)).toBe(want);
  });
});

describe("moduleVerdict", () => {
  const applied: Record<string, Applied | undefined> = {
    none: undefined,
    ok: {},
    unchanged: { changed: false },
    changedAnyway: { changed: true },
    failed: { failed: "boom" },
    failedAfterChange: { failed: "boom", changed: true },
    skippedAfterAll: { changed: false, skipped: "the run stopped at node-2" },
  };
  it.each([
    // plan, check, applied, status, didChange, msg
    ["empty", false, "none", "ok", false, "in place"],
    ["changes", true, "none", "changed", true, undefined],
    ["changes", false, "ok", "changed", true, undefined],
    ["changes", false, "unchanged", "ok", false, undefined],
    ["changes", false, "failed", "failed", true, "boom"],
    ["probes", true, "none", "ok", false, undefined],
    ["probes", false, "ok", "ok", false, undefined],
    ["unknown", true, "none", "skipped", false, "cannot predict the effect of command in check mode"],
    ["unknown", false, "changedAnyway", "changed", true, undefined],
    ["unknown", false, "ok", "ok", false, undefined],
    ["changes", false, "skippedAfterAll", "skipped", false, "the run stopped at node-2"],
    ["failed", false, "none", "failed", false, "bad state"],
    ["failed", true, "none", "failed", false, "bad state"],
  ] as const)("%s plan, check=%s, apply %s -> %s", (plan, check, ap, status, didChange, msg) => {
    const v = moduleVerdict(plans[plan]!, check, applied[ap], "command");
    expect(v).toEqual({ status, didChange, msg });
  });

  it("refuses an apply decision without an apply result", () => {
    expect(() => moduleVerdict(plans.changes!, false, undefined, "copy")).toThrow(/no result/);
  });

  it("a failed apply that changed something reports what it changed for failed_when", () => {
    expect(moduleVerdict(plans.changes!, false, applied.failedAfterChange, "copy").didChange).toBe(true);
  });
});

describe("finalVerdict", () => {
  type Row = [string, ReturnType<typeof moduleVerdict>, ConditionResults, string, boolean];
  const ok = { status: "ok", didChange: false } as const;
  const changed = { status: "changed", didChange: true } as const;
  const failedNoChange = { status: "failed", didChange: false } as const;
  const failedChanged = { status: "failed", didChange: true } as const;
  const skipped = { status: "skipped", didChange: false } as const;
  const rows: Row[] = [
    ["no conditions keep ok", ok, {}, "ok", false],
    ["no conditions keep changed", changed, {}, "changed", false],
    ["changed_when true makes ok changed", ok, { changedWhen: true }, "changed", false],
    ["changed_when false makes changed ok", changed, { changedWhen: false }, "ok", false],
    ["changed_when does not hide a failure", failedNoChange, { changedWhen: false }, "failed", false],
    ["failed_when true fails a success", changed, { failedWhen: true }, "failed", true],
    ["failed_when true on a failure is not 'by condition'", failedNoChange, { failedWhen: true }, "failed", false],
    ["failed_when false clears a failure that changed nothing", failedNoChange, { failedWhen: false }, "ok", false],
    ["failed_when false clears a failure that changed something", failedChanged, { failedWhen: false }, "changed", false],
    ["failed_when false with changed_when decides by changed_when", failedChanged, { failedWhen: false, changedWhen: false }, "ok", false],
    ["failed_when false keeps changed_when true", ok, { failedWhen: false, changedWhen: true }, "changed", false],
    ["skipped stays skipped", skipped, { failedWhen: true, changedWhen: true }, "skipped", false],
  ];
  it.each(rows)("%s", (_name, v, c, status, byCondition) => {
    expect(finalVerdict(v, c)).toEqual({ status, failedByCondition: byCondition });
  });
});
