// Renders a module's FileDiff (before/after text as data) as a unified diff. The diff is computed
// on the raw text and redacted line by line afterwards: masking first would make a changed
// password look unchanged (`requirepass ********` on both sides) and drop the line from the diff.
import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from "diff";
import type { FileDiff } from "../modules/types.js";
import { painter, type Painter } from "./color.js";

/** Files above this size are summarised in one line instead of diffed. */
export const MAX_DIFF_BYTES = 1024 * 1024;

/** How to render one diff. */
export interface RenderDiffOptions {
  color: boolean;
  /** Unchanged lines shown around each change. @default 3 */
  context?: number;
  /** Applied to the rendered text before colouring (normally `secrets.redact`). */
  redact?: (text: string) => string;
}

function isBinary(text: string | null): boolean {
  return text !== null && text.includes("\0");
}

function byteLength(text: string | null): number {
  return text === null ? 0 : Buffer.byteLength(text, "utf8");
}

function colourLine(line: string, paint: Painter): string {
  if (line.startsWith("+++ ") || line.startsWith("--- ")) return paint("bold", line);
  if (line.startsWith("@@")) return paint("cyan", line);
  if (line.startsWith("+")) return paint("green", line);
  if (line.startsWith("-")) return paint("red", line);
  return line;
}

/**
 * A unified diff with `--- before: PATH` / `+++ after: PATH` headers; an absent side is
 * `/dev/null`. Empty when both sides are equal; one note line for binary or huge files.
 */
export function renderDiff(d: FileDiff, opts: RenderDiffOptions): string {
  const redact = opts.redact ?? ((text: string) => text);
  const paint = painter(opts.color);
  if (d.before === d.after) return "";
  if (isBinary(d.before) || isBinary(d.after)) {
    return redact(`Binary file ${d.path} differs; diff not shown`);
  }
  const size = Math.max(byteLength(d.before), byteLength(d.after));
  if (size > MAX_DIFF_BYTES) {
    return redact(`${d.path} is ${(size / 1024 / 1024).toFixed(1)} MiB, larger than the 1 MiB diff limit; diff not shown`);
  }
  const patch = structuredPatch(
    d.before === null ? "/dev/null" : `before: ${d.path}`,
    d.after === null ? "/dev/null" : `after: ${d.path}`,
    d.before ?? "",
    d.after ?? "",
    undefined,
    undefined,
    { context: opts.context ?? 3 },
  );
  if (patch.hunks.length === 0) return "";
  const text = redact(formatPatch(patch, FILE_HEADERS_ONLY).replace(/\n+$/, ""));
  return text
    .split("\n")
    .map((line) => colourLine(line, paint))
    .join("\n");
}
