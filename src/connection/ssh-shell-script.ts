// The text protocol spoken with a persistent remote `/bin/sh`: the start-up script, the script
// that runs one command, and the reader that cuts the shell's stdout back into results. Pure,
// so the exact scripts and the framing are unit-tested without a server.
//
// Why files and frames: a command's stdin, stdout and stderr are private files in a `mktemp -d`
// directory (mode 0700, removed when the shell exits), never the control channel, so nothing a
// command reads or prints can desynchronise the shell. After each command the shell prints one
// frame line `<token> <exit> <stdout bytes> <stderr bytes>` followed by exactly those bytes. The
// token is random per shell; payloads travel base64-encoded in quoted here-documents and the
// command text single-quoted, so nothing the user writes can end a here-document or a quote.
import { shq } from "./quote.js";

/** The exit code the shell's start-up script uses when a tool it needs is missing. */
export const SHELL_MISSING_TOOL_EXIT = 98;

/** One command, ready to be written to the shell. */
export interface ShellCommand {
  /** The command line to run (from buildCommand), without redirections. */
  line: string;
  /** Bytes for the command's stdin; none means /dev/null. */
  stdin?: Buffer;
  /** Bytes for sudo's stdin (the become password line); never the command's stdin. */
  sudoStdin?: Buffer;
}

/** Result frames and the start-up acknowledgement, as parsed from the shell's stdout. */
export type ShellFrame =
  | { kind: "ready"; pid: number }
  | { kind: "result"; code: number; stdout: Buffer; stderr: Buffer };

/** Raised when the shell's stdout does not follow the protocol. */
export class FramingError extends Error {}

/** The script that prepares a fresh shell: private directory, clean-up trap, readiness line. */
export function shellBootScript(token: string): string {
  return [
    // Tools every command script needs; without them the connection falls back to one channel per command.
    `for t in mktemp base64 head wc rm cat; do command -v "$t" >/dev/null 2>&1 || exit ${SHELL_MISSING_TOOL_EXIT}; done`,
    "d=$(mktemp -d) || exit 97",
    `trap 'rm -rf "$d"' EXIT`,
    // Hang-up or termination still removes the directory (the EXIT trap runs on exit).
    "trap 'exit 129' HUP",
    "trap 'exit 143' TERM",
    `printf '\\n%s ready %s\\n' ${token} "$$"`,
    "",
  ].join("\n");
}

function hereDoc(target: string, data: Buffer, token: string): string[] {
  const b64 = data.toString("base64");
  const lines: string[] = [`base64 -d >${target} <<'${token}'`];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  lines.push(token);
  return lines;
}

/**
 * The script that runs command number `seq` and prints its frame. Files are named per command so
 * a background process left writing to an old stdout cannot corrupt a later result; `head -c`
 * sends exactly the counted bytes even if such a file keeps growing.
 */
export function commandScript(token: string, seq: number, cmd: ShellCommand): string {
  const i = `"$d/i${seq}"`;
  const p = `"$d/p${seq}"`;
  const o = `"$d/o${seq}"`;
  const e = `"$d/e${seq}"`;
  const hasStdin = cmd.stdin !== undefined && cmd.stdin.length > 0;
  const lines: string[] = [];
  if (hasStdin) lines.push(...hereDoc(i, cmd.stdin!, token));
  if (cmd.sudoStdin) lines.push(...hereDoc(p, cmd.sudoStdin, token));
  const stdin = hasStdin ? i : "/dev/null";
  lines.push(
    `rpin=${stdin}`,
    // A subshell that execs the command: the persistent shell's own report of a child killed by
    // a signal ("Killed") goes to /dev/null, not into the command's stderr.
    `( exec ${cmd.line} <${cmd.sudoStdin ? p : '"$rpin"'} >${o} 2>${e} ) 2>/dev/null`,
    "r=$?",
    `rm -f ${p} ${i}`,
    `a=$(wc -c <${o} 2>/dev/null); b=$(wc -c <${e} 2>/dev/null)`,
    `printf '%s %s %s %s\\n' ${token} "$r" \${a:-0} \${b:-0}`,
    `head -c \${a:-0} ${o} 2>/dev/null; head -c \${b:-0} ${e} 2>/dev/null`,
    `rm -f ${o} ${e}`,
    "",
  );
  return lines.join("\n");
}

/**
 * The sudo line for a become password inside the shell: sudo reads the password from its own
 * stdin (a private file, `-p ''` so no prompt is printed), and the wrapper, which runs only once
 * sudo has let the command start, prints `marker` on stderr and gives the command its real stdin.
 * So the password never reaches the command, even when a NOPASSWD rule means sudo reads nothing.
 */
export function passwordSudoLine(cmd: string, user: string, marker: string): string {
  const wrapper = `printf '%s\\n' ${marker} >&2; exec /bin/sh -c "$1" <"$2"`;
  // -k: ignore cached credentials, so sudo asks exactly when the rule needs a password.
  // "$rpin" is set by commandScript to the command's stdin file or /dev/null.
  return `sudo -H -S -k -p '' -u ${shq(user)} -- /bin/sh -c ${shq(wrapper)} redplay ${shq(cmd)} "$rpin"`;
}

/**
 * Cuts the shell's stdout into frames. Bytes before the readiness line are dropped: the login
 * shell's start-up files may print there. After it, anything that is not a frame is a protocol
 * violation.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private ready = false;
  private head?: { code: number; out: number; err: number; start: number };

  constructor(private readonly token: string) {}

  /** Appends bytes and returns every frame they complete. Throws FramingError on a violation. */
  push(data: Buffer): ShellFrame[] {
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    const frames: ShellFrame[] = [];
    for (;;) {
      const f = this.next();
      if (!f) return frames;
      frames.push(f);
    }
  }

  private next(): ShellFrame | undefined {
    if (!this.ready) {
      const marker = Buffer.from(`\n${this.token} ready `);
      const at = this.buf.indexOf(marker);
      if (at < 0) {
        // Keep only a tail that may hold the start of the marker: start-up noise can be long.
        if (this.buf.length > marker.length) this.buf = this.buf.subarray(this.buf.length - marker.length);
        return undefined;
      }
      const nl = this.buf.indexOf(10, at + marker.length);
      if (nl < 0) return undefined;
      const pid = Number(this.buf.subarray(at + marker.length, nl).toString("latin1"));
      this.buf = this.buf.subarray(nl + 1);
      this.ready = true;
      return { kind: "ready", pid };
    }
    if (!this.head) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) {
        if (this.buf.length > this.token.length + 64) throw new FramingError("expected a result frame line");
        return undefined;
      }
      const line = this.buf.subarray(0, nl).toString("latin1");
      const m = /^(\S+) (\d+) (\d+) (\d+)$/.exec(line);
      if (!m || m[1] !== this.token) throw new FramingError(`unexpected line from the remote shell: ${JSON.stringify(line.slice(0, 80))}`);
      this.head = { code: Number(m[2]), out: Number(m[3]), err: Number(m[4]), start: nl + 1 };
    }
    const { code, out, err, start } = this.head;
    if (this.buf.length < start + out + err) return undefined;
    const stdout = Buffer.from(this.buf.subarray(start, start + out));
    const stderr = Buffer.from(this.buf.subarray(start + out, start + out + err));
    this.buf = this.buf.subarray(start + out + err);
    this.head = undefined;
    return { kind: "result", code, stdout, stderr };
  }
}
