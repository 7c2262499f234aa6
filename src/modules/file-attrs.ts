// Mode, owner and group of a path: the part copy, template and file share. Planned from one
// stat, applied with chmod/chown only, so an attribute change never rewrites a file's content.
import { shq } from "../connection/quote.js";
import type { BecomeOptions, Connection, FileStat } from "../connection/types.js";
import type { Change } from "./types.js";

/**
 * JSON Schema of a `mode` argument: a string of octal digits ("0640", "640", "0o640") or, as in
 * Ansible, a number that already is the mode (YAML reads an unquoted `0640` as octal).
 */
export const modeSchema = {
  anyOf: [
    { type: "string", pattern: "^(0o|0)?[0-7]{3,4}$" },
    { type: "integer", minimum: 0, maximum: 0o7777 },
  ],
} as const;

/** The attributes a task asks for; absent ones are left as they are. */
export interface WantedAttrs {
  mode?: number;
  owner?: string;
  group?: string;
}

/**
 * Permission bits from a `mode` argument. A string is octal digits; a number is the mode itself,
 * as in Ansible (the loader reads an unquoted YAML `0640` as the octal number 0o640).
 */
export function parseMode(mode: string | number | undefined): number | undefined | { error: string } {
  if (mode === undefined) return undefined;
  if (typeof mode === "number") {
    return Number.isInteger(mode) && mode >= 0 && mode <= 0o7777
      ? mode
      : { error: `mode ${mode} is not a permission; write it as a string such as "0640"` };
  }
  const digits = mode.replace(/^0o/, "");
  if (!/^[0-7]{1,4}$/.test(digits)) {
    return { error: `mode ${JSON.stringify(mode)} is not an octal permission; write it as a string such as "0640"` };
  }
  return parseInt(digits, 8);
}

/** "0640" */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

/** One change per attribute that differs from the stat of an existing path. */
export function attrChanges(path: string, st: FileStat, want: WantedAttrs): Change[] {
  const changes: Change[] = [];
  if (want.mode !== undefined && st.mode !== want.mode) {
    changes.push({ summary: `mode of ${path} ${st.mode === undefined ? "?" : formatMode(st.mode)} -> ${formatMode(want.mode)}` });
  }
  if (want.owner !== undefined && st.owner !== want.owner) {
    changes.push({ summary: `owner of ${path} ${st.owner ?? "?"} -> ${want.owner}` });
  }
  if (want.group !== undefined && st.group !== want.group) {
    changes.push({ summary: `group of ${path} ${st.group ?? "?"} -> ${want.group}` });
  }
  return changes;
}

/** Sets the wanted attributes with chmod/chown; returns an error message or undefined. */
export async function applyAttrs(
  conn: Connection,
  path: string,
  want: WantedAttrs,
  become: BecomeOptions,
): Promise<string | undefined> {
  const cmds: string[] = [];
  if (want.owner !== undefined || want.group !== undefined) {
    cmds.push(`chown -- ${shq(`${want.owner ?? ""}${want.group !== undefined ? `:${want.group}` : ""}`)} ${shq(path)}`);
  }
  // chmod after chown: chown clears setuid/setgid bits the mode may ask for. The extra leading
  // 0 makes GNU chmod set a directory's setgid bit exactly as given; with four digits it keeps
  // the bit a directory inherited (/etc/redis is setgid), and the mode would never converge.
  if (want.mode !== undefined) cmds.push(`chmod -- 0${formatMode(want.mode)} ${shq(path)}`);
  if (cmds.length === 0) return undefined;
  const r = await conn.exec(cmds.join(" && "), { become });
  return r.code === 0 ? undefined : `cannot set attributes of ${path}: ${r.stderr.trim() || `exit code ${r.code}`}`;
}
