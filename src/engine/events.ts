// Events the engine emits; reporters in src/output subscribe. Values here are raw: the output
// layer redacts secrets before anything is printed or serialised.
import type { Location } from "../errors.js";
import type { FileDiff } from "../modules/types.js";

export type HostStatus = "ok" | "changed" | "skipped" | "failed" | "unreachable";

export interface HostResult {
  host: string;
  status: HostStatus;
  /** Human message (failure reason, skip reason, noop text, debug msg). */
  msg?: string;
  /** What the plan would do / did, one line each. */
  changes?: string[];
  diff?: FileDiff[];
  /** The loop item, when the task loops. */
  item?: unknown;
  /** Failure was ignored (ignore_errors). */
  ignored?: boolean;
  /** Unreachable, and the play expected it (a failover's dead primary): it does not fail the run. */
  expected?: boolean;
  /** no_log: the reporter shows only the status. */
  noLog?: boolean;
  /** Registered data (rc, stdout, ...). */
  data?: Record<string, unknown>;
  durationMs: number;
}

export interface HostCounts {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type RunEvent =
  | { type: "playbook_start"; file: string; check: boolean; diff: boolean }
  | { type: "play_start"; name: string; pattern: string; hosts: string[] }
  | { type: "task_start"; name: string; module: string; handler: boolean; loc: Location }
  | { type: "host_result"; task: string; result: HostResult }
  | { type: "task_end"; task: string; durationMs: number }
  /** The task is slow: these hosts have not answered yet. */
  | { type: "task_waiting"; task: string; hosts: string[]; elapsedMs: number }
  | { type: "warning"; msg: string; host?: string }
  /** Handlers a host was owed but did not run because it failed (without --force-handlers). */
  | { type: "handlers_owed"; host: string; handlers: string[] }
  | {
      type: "recap";
      hosts: Record<string, HostCounts>;
      owedHandlers: Record<string, string[]>;
      durationMs: number;
    };

export interface Reporter {
  onEvent(event: RunEvent): void;
  /** Flush and stop live output. */
  close(): void;
}
