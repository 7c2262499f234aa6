// The one error kind of the local lab. Lab failures are about this machine (root, ports, a node
// that never became ready), not a user's playbook, so they carry the node and lab dir instead of a
// file:line location, and the CLI prints them as one line.
import { RedplayError } from "../errors.js";

/** A lab operation failed; `node` names the node concerned when there is one. */
export class LabError extends RedplayError {
  constructor(
    message: string,
    readonly node?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The last `count` lines of what a failed tool printed (zx's error: stderr, else its message), on one line. */
export function toolOutputTail(e: unknown, count = 4): string {
  const text = String((e as { stderr?: string }).stderr || (e as Error).message || e).trim();
  return text.split("\n").slice(-count).join(" / ");
}
