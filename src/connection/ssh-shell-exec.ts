// `exec` semantics on top of a persistent shell: what to send for a command (timeout and become
// included) and how a shell outcome becomes the same RawResult an exec channel would give:
// exit 124 plus a note for a timeout, sudo's own chatter removed, a clear message when sudo
// refused the password. Pure apart from the random marker, so it is unit-tested.
import { randomBytes } from "node:crypto";
import { shq } from "./quote.js";
import { becomeUser, buildCommand } from "./ssh-command.js";
import { TIMEOUT_EXIT_CODE, type RawResult } from "./ssh-exec.js";
import type { ShellOutcome } from "./ssh-shell.js";
import { passwordSudoLine, type ShellCommand } from "./ssh-shell-script.js";
import type { ExecOptions } from "./types.js";

/** A command prepared for a shell, with what is needed to read its result back. */
export interface ShellJob {
  cmd: ShellCommand;
  /** Set for password sudo: the stderr line the wrapper prints once the command really started. */
  marker?: string;
  /** Target user of a password sudo, for messages. */
  sudoUser?: string;
}

/** `timeout -s KILL` ends the whole process group; it reports 137 (itself killed) or 124. */
const TIMEOUT_STATUSES = new Set([TIMEOUT_EXIT_CODE, 137]);

/**
 * Prepares `cmd` for a shell, or returns undefined when only an exec channel can run it with
 * the same guarantees: password sudo to a user other than root with stdin data, since that user
 * could not open the private stdin file.
 */
export function shellJob(cmd: string, opts: ExecOptions, loginUser: string, nonce = randomBytes(8).toString("hex")): ShellJob | undefined {
  const timed = opts.timeoutMs === undefined ? cmd : `exec timeout -s KILL ${opts.timeoutMs / 1000} /bin/sh -c ${shq(cmd)}`;
  const stdin = opts.stdin === undefined ? undefined : Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin);
  const hasStdin = stdin !== undefined && stdin.length > 0;
  const user = becomeUser(opts.become, loginUser);
  const password = opts.become?.password;
  if (user === undefined || password === undefined || password === "") {
    return { cmd: { line: buildCommand(timed, opts.become, loginUser).line, stdin } };
  }
  if (hasStdin && user !== "root") return undefined;
  const marker = `redplay-become-${nonce}`;
  return {
    cmd: { line: passwordSudoLine(timed, user, marker), stdin, sudoStdin: Buffer.from(`${password}\n`) },
    marker,
    sudoUser: user,
  };
}

/** Turns a finished command's frame into the result an exec channel would have produced. */
export function shellResult(job: ShellJob, done: Extract<ShellOutcome, { kind: "done" }>, timeoutMs?: number): RawResult {
  let { code, stderr } = done;
  if (job.marker !== undefined) {
    const line = Buffer.from(`${job.marker}\n`);
    const at = stderr.indexOf(line);
    if (at < 0) {
      const text = stderr.toString("utf8");
      // sudo never ran the command: report what it said, or that it refused the password.
      const rejected = /Sorry, try again|incorrect password/.test(text);
      const said = text.replace(/Sorry, try again\.\n?/g, "").trim();
      const msg = rejected
        ? `sudo rejected the become password for user ${job.sudoUser}: check ansible_become_password`
        : said || `sudo did not run the command as ${job.sudoUser}`;
      return { code: code !== 0 ? code : 1, stdout: Buffer.alloc(0), stderr: Buffer.from(`${msg}\n`) };
    }
    // What sudo printed before the command started is sudo's, not the command's.
    stderr = Buffer.from(stderr.subarray(at + line.length));
  }
  if (done.deadlinePassed && timeoutMs !== undefined && TIMEOUT_STATUSES.has(code)) {
    code = TIMEOUT_EXIT_CODE;
    stderr = Buffer.concat([stderr, Buffer.from(`command timed out after ${timeoutMs} ms\n`)]);
  }
  return { code, stdout: done.stdout, stderr };
}

/** The result reported when a command's shell ended or hung before reporting (host still up). */
export function shellFailure(host: string, outcome: Extract<ShellOutcome, { kind: "died" | "broken" | "stuck" }>, timeoutMs?: number): RawResult {
  if (outcome.kind === "stuck") {
    return { code: TIMEOUT_EXIT_CODE, stdout: Buffer.alloc(0), stderr: Buffer.from(`command timed out after ${timeoutMs} ms\n`) };
  }
  const why = outcome.kind === "died" ? `ended (${outcome.how})` : `stopped following the protocol (${outcome.reason})`;
  return {
    code: 255,
    stdout: Buffer.alloc(0),
    stderr: Buffer.from(`the remote shell running this command on ${host} ${why} before the command finished\n`),
  };
}
