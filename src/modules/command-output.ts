// How a command's result becomes task data and a failure message: shared by command/shell,
// the template `validate` step and the service module, so every failure reads the same way.
import type { ExecResult } from "../connection/types.js";

/** The data `register` gets from a command: Ansible's names, trailing newline stripped. */
export function commandData(cmd: string, r: ExecResult): Record<string, unknown> {
  const stdout = r.stdout.replace(/\n$/, "");
  const stderr = r.stderr.replace(/\n$/, "");
  return {
    cmd,
    rc: r.code,
    stdout,
    stderr,
    stdout_lines: stdout === "" ? [] : stdout.split("\n"),
    stderr_lines: stderr === "" ? [] : stderr.split("\n"),
  };
}

/** The last lines of some output, short enough for one result line. */
export function excerpt(text: string, maxLines = 5, maxChars = 500): string {
  const lines = text.trimEnd().split("\n").slice(-maxLines).join("\n");
  return lines.length > maxChars ? `...${lines.slice(-maxChars)}` : lines;
}

/** "non-zero return code 2: <stderr excerpt>" (stdout when stderr is empty). */
export function nonZeroMessage(r: ExecResult): string {
  const detail = excerpt(r.stderr.trim() ? r.stderr : r.stdout);
  return `non-zero return code ${r.code}${detail ? `: ${detail}` : ""}`;
}
