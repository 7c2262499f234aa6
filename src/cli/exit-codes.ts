// The one place that maps outcomes and error kinds to exit codes (documented in the README).
import { LoadError, LoadErrors, NoHostsMatchedError, TemplateError, ExpressionError, UsageError } from "../errors.js";
import type { RunOutcome } from "../engine/runner.js";

export const EXIT = {
  /** Success (with --detailed-exitcode: success and nothing changed). */
  OK: 0,
  /** redplay itself failed (a bug, or an unexpected environment problem). */
  INTERNAL: 1,
  /** A task failed on some host. */
  FAILED: 2,
  /** Some host was unreachable, and no task failed. */
  UNREACHABLE: 3,
  /** Invalid input: nothing was run. */
  INVALID: 4,
  /** A play's host pattern matched no host: nothing was run. */
  NO_HOSTS: 5,
  /** With --detailed-exitcode: success, and something changed (or would, under --check). */
  CHANGED: 6,
  /** Interrupted (Ctrl-C): tasks in flight finished, no further task started. */
  INTERRUPTED: 130,
} as const;

export function exitCodeForOutcome(outcome: RunOutcome, detailed: boolean): number {
  if (outcome.interrupted) return EXIT.INTERRUPTED;
  if (outcome.failedHosts.length > 0) return EXIT.FAILED;
  // any_errors_fatal / max_fail_percentage also stop a run for a host that was lost; with no
  // task failed, that run is still "unreachable".
  if (outcome.unreachableHosts.length > 0) return EXIT.UNREACHABLE;
  if (outcome.aborted) return EXIT.FAILED;
  if (detailed && outcome.changed) return EXIT.CHANGED;
  return EXIT.OK;
}

export function exitCodeForError(err: unknown): number {
  if (err instanceof NoHostsMatchedError) return EXIT.NO_HOSTS;
  if (
    err instanceof LoadError ||
    err instanceof LoadErrors ||
    err instanceof TemplateError ||
    err instanceof ExpressionError ||
    err instanceof UsageError
  ) {
    return EXIT.INVALID;
  }
  return EXIT.INTERNAL;
}
