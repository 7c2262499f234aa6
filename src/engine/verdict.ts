// The engine's decision for one task on one host, as pure functions: whether a module's apply
// runs, what its plan and apply mean (ok, changed, skipped, failed), and how `changed_when` and
// `failed_when` then override that. execute-task.ts calls these; test/unit/engine-verdict.test.ts
// holds the whole table.
import type { Applied, Plan } from "../modules/types.js";
import type { HostStatus } from "./events.js";

/** What the engine does with a plan. */
export type PlanDecision =
  /** The plan failed: apply never runs. */
  | "failed"
  /** Nothing to do (no changes, no probes, not unknown). */
  | "noop"
  /** Check mode, and the plan cannot predict its effect (a bare `command`): skipped. */
  | "unpredictable"
  /** Check mode: report what would change; apply does not run. */
  | "predict"
  /** Run apply. */
  | "apply";

type PlanView = Pick<Plan, "changes" | "unknown" | "failed" | "probes">;

export function planDecision(plan: PlanView, check: boolean): PlanDecision {
  if (plan.failed) return "failed";
  const writes = plan.changes.length > 0 || (plan.probes?.length ?? 0) > 0;
  if (!writes && !plan.unknown) return "noop";
  if (check) return plan.unknown ? "unpredictable" : "predict";
  return "apply";
}

export interface ModuleVerdict {
  status: Exclude<HostStatus, "unreachable">;
  /** The module changed something (before changed_when), as failed_when's override needs it. */
  didChange: boolean;
  msg?: string;
}

/**
 * The module's own verdict: a failed plan or apply fails; a plan with changes is `changed` (under
 * --check, predicted); probes alone (a canary written and deleted) are `ok`; apply may override
 * `changed`.
 */
export function moduleVerdict(plan: Plan, check: boolean, applied: Applied | undefined, moduleName: string): ModuleVerdict {
  const planned = plan.changes.length > 0;
  const planMsg = plan.msg ?? plan.noop;
  switch (planDecision(plan, check)) {
    case "failed":
      return { status: "failed", didChange: false, msg: plan.failed };
    case "noop":
      return { status: "ok", didChange: false, msg: planMsg };
    case "unpredictable":
      return { status: "skipped", didChange: false, msg: `cannot predict the effect of ${moduleName} in check mode` };
    case "predict":
      return { status: planned ? "changed" : "ok", didChange: planned, msg: planMsg };
    case "apply": {
      if (!applied) throw new Error("moduleVerdict: apply ran but no result was given");
      if (applied.skipped !== undefined) return { status: "skipped", didChange: false, msg: applied.skipped };
      const didChange = applied.changed ?? planned;
      if (applied.failed) return { status: "failed", didChange, msg: applied.failed };
      return { status: didChange ? "changed" : "ok", didChange, msg: applied.msg ?? planMsg };
    }
  }
}

/** Results of the task's conditions, evaluated against the registered result (undefined: not written). */
export interface ConditionResults {
  changedWhen?: boolean;
  failedWhen?: boolean;
}

export interface FinalVerdict {
  status: Exclude<HostStatus, "unreachable">;
  /** failed_when turned a success into a failure (the message then names the condition). */
  failedByCondition: boolean;
}

/**
 * `changed_when` and `failed_when` over the module's verdict, as Ansible applies them: a skipped
 * task stays skipped; changed_when decides changed/ok unless the module failed; failed_when decides
 * failure either way, and a module failure it clears becomes changed or ok by what the module did
 * (or by changed_when).
 */
export function finalVerdict(v: ModuleVerdict, c: ConditionResults): FinalVerdict {
  if (v.status === "skipped") return { status: "skipped", failedByCondition: false };
  let status = v.status;
  if (c.changedWhen !== undefined && status !== "failed") status = c.changedWhen ? "changed" : "ok";
  if (c.failedWhen === undefined) return { status, failedByCondition: false };
  if (c.failedWhen) return { status: "failed", failedByCondition: v.status !== "failed" };
  if (status === "failed") {
    status = c.changedWhen !== undefined ? (c.changedWhen ? "changed" : "ok") : v.didChange ? "changed" : "ok";
  }
  return { status, failedByCondition: false };
}
