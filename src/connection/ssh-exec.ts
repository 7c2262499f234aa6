// Runs one command on an open ssh2 Client as an exec channel: stdin, exit status, signals, a
// timeout, and the sudo password conversation. Output is kept as bytes so file reads through
// `sudo cat` stay binary-safe; callers decode.
import type { Client, ClientChannel } from "ssh2";
import type { BuiltCommand } from "./ssh-command.js";

/** Exit code reported for a command killed by its timeout (as coreutils `timeout`). */
export const TIMEOUT_EXIT_CODE = 124;

/** Raw outcome of one channel. */
export interface RawResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15 };

/** Thrown when the channel could not be opened or vanished with the connection. */
export class ChannelLostError extends Error {}

/** How the command ended, as the server said (exit-status or exit-signal). */
export interface ExitStatus {
  code?: number | null;
  signal?: string;
}

/**
 * Opens the exec channel and listens for its exit status at once, in ssh2's callback: the server's
 * answer, the command's output, its exit status and the channel's close can arrive in one read,
 * which ssh2 parses in one go, before any code awaiting the channel runs. The output waits in the
 * stream and `close` comes after it is read, but an `exit` with no listener yet would be lost.
 */
export function openExec(client: Client, line: string): Promise<{ ch: ClientChannel; exit: ExitStatus }> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(line, (err, ch) => {
        if (err) {
          reject(new ChannelLostError(err.message, { cause: err }));
          return;
        }
        const exit: ExitStatus = {};
        ch.on("exit", (code: number | null, signal?: string) => {
          exit.code = code;
          exit.signal = signal;
        });
        resolve({ ch, exit });
      });
    } catch (err) {
      reject(new ChannelLostError((err as Error).message, { cause: err }));
    }
  });
}

/** Executes `cmd` and resolves with its status and output; rejects only with ChannelLostError. */
export async function runOnChannel(
  client: Client,
  cmd: BuiltCommand,
  stdin: Buffer | undefined,
  timeoutMs: number | undefined,
): Promise<RawResult> {
  const { ch, exit } = await openExec(client, cmd.line);
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let rejectedPassword = false;
    const sudo = cmd.sudo;
    // Password sudo: stderr is held back until the marker shows the command itself started.
    let waiting = sudo.kind === "password";
    let pending = "";
    let prompts = 0;

    const sendStdin = () => {
      if (stdin && stdin.length > 0) ch.write(stdin);
      ch.end();
    };

    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      try {
        ch.signal("KILL");
      } catch {
        // older servers refuse signals; closing the channel still ends the session
      }
      ch.close();
      // sshd only closes the channel once the process exits; do not wait for a process that
      // ignored the signal.
      const note = Buffer.from(`command timed out after ${timeoutMs} ms\n`);
      resolve({ code: TIMEOUT_EXIT_CODE, stdout: Buffer.concat(out), stderr: Buffer.concat([...err, note]) });
    }, timeoutMs);

    ch.on("data", (d: Buffer) => out.push(d));
    ch.stderr.on("data", (d: Buffer) => {
      if (!waiting || sudo.kind !== "password") {
        err.push(d);
        return;
      }
      pending += d.toString("utf8");
      for (;;) {
        const p = pending.indexOf(sudo.prompt);
        if (p < 0) break;
        pending = pending.slice(0, p) + pending.slice(p + sudo.prompt.length);
        prompts += 1;
        if (prompts === 1) {
          ch.write(`${sudo.password}\n`);
        } else {
          // sudo asks again only when the password was wrong; never send it twice.
          rejectedPassword = true;
          ch.close();
          return;
        }
      }
      const m = pending.indexOf(`${sudo.marker}\n`);
      if (m >= 0) {
        waiting = false;
        const rest = pending.slice(m + sudo.marker.length + 1);
        pending = "";
        if (rest) err.push(Buffer.from(rest));
        sendStdin();
      }
    });
    ch.on("close", () => {
      const code = typeof exit.code === "number" ? exit.code : exit.signal ? 128 + (SIGNALS[exit.signal.replace(/^SIG/, "")] ?? 0) : undefined;
      if (timer) clearTimeout(timer);
      if (sudo.kind === "password" && waiting) {
        // sudo never ran the command: report what it said (minus its prompts).
        const said = pending.replace(/Sorry, try again\.\n?/g, "").trim();
        const msg = rejectedPassword
          ? `sudo rejected the become password for user ${sudo.user}: check ansible_become_password`
          : said || `sudo did not run the command as ${sudo.user}`;
        resolve({ code: code && code !== 0 ? code : 1, stdout: Buffer.concat(out), stderr: Buffer.from(`${msg}\n`) });
        return;
      }
      if (timedOut) return;
      if (code === undefined) {
        reject(new ChannelLostError("the channel closed without an exit status"));
        return;
      }
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
    if (sudo.kind !== "password") sendStdin();
  });
}
