// Reads `stat` output into a FileStat. One command (statCommand) and one parser, so every
// Connection that has to stat through a shell (become, ssh) reports the same thing.
import { shq } from "../connection/quote.js";
import type { FileStat } from "../connection/types.js";

/** `%F` type, `%a` octal mode (special bits included), owner and group names, size in bytes. */
const FORMAT = "%F|%a|%U|%G|%s";

/** The shell command whose output parseStat reads; follows symlinks like the modules' dest paths. */
export function statCommand(path: string): string {
  return `LC_ALL=C stat -L -c ${shq(FORMAT)} -- ${shq(path)}`;
}

/** Why a stat could not be read: not "absent", but a real problem (permission, bad output). */
export interface StatProblem {
  error: string;
}

/** Parses statCommand's result; a missing path is `{ exists: false }`, anything else odd is a problem. */
export function parseStat(code: number, stdout: string, stderr: string): FileStat | StatProblem {
  if (code !== 0) {
    if (/No such file or directory|Not a directory/.test(stderr)) return { exists: false };
    return { error: stderr.trim() || `stat exited with code ${code}` };
  }
  const line = stdout.trim().split("\n")[0] ?? "";
  const parts = line.split("|");
  if (parts.length !== 5) return { error: `unexpected stat output: ${JSON.stringify(line)}` };
  const [type, mode, owner, group, size] = parts as [string, string, string, string, string];
  if (!/^[0-7]{1,4}$/.test(mode) || !/^\d+$/.test(size)) {
    return { error: `unexpected stat output: ${JSON.stringify(line)}` };
  }
  return {
    exists: true,
    isDir: type === "directory",
    mode: parseInt(mode, 8),
    owner,
    group,
    size: Number(size),
  };
}
