// Small text helpers shared by the two reporters: how durations, loop items and the no_log notice
// read. Kept here so the human and JSON outputs never disagree on them.
import type { Secrets } from "./redact.js";

/** What a no_log result shows instead of its content (the wording ansible users know). */
export const NO_LOG_NOTICE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/** `850ms`, `12.3s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}

/** A loop item as one redacted line: strings bare, anything else as compact JSON. */
export function formatItem(item: unknown, secrets: Secrets): string {
  if (typeof item === "string") return secrets.redact(item);
  const safe = secrets.redactDeep(item);
  const text = JSON.stringify(safe);
  return secrets.redact(text === undefined ? String(safe) : text);
}
