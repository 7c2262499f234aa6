// Builds the command line sent over an SSH exec channel. sshd hands it to the login user's
// shell, so the real command is always wrapped as `/bin/sh -c '<quoted>'`: the result is the
// same whatever that shell is (bash, zsh, dash). `become` adds sudo in front, never with a
// password in argv. Pure, so the exact lines are unit-tested.
import { randomBytes } from "node:crypto";
import type { BecomeOptions } from "./types.js";
import { shq } from "./quote.js";

/** How the channel must be driven once the command line is sent. */
export type SudoMode =
  /** No sudo: stdin goes straight to the command. */
  | { kind: "none" }
  /** `sudo -n`: fails at once instead of prompting when a password would be needed. */
  | { kind: "nopass" }
  /**
   * Password sudo: answer `prompt` on stderr with the password, then wait for `marker` (printed
   * by the command's wrapper once sudo let it run) before writing the caller's stdin. Waiting
   * for the marker means a password is never fed to the command itself, e.g. when a NOPASSWD
   * rule lets sudo run without asking.
   */
  | { kind: "password"; prompt: string; marker: string; password: string; user: string };

/** A ready-to-send command line and how to drive it. */
export interface BuiltCommand {
  line: string;
  sudo: SudoMode;
}

/** The user `become` switches to, or undefined when no switch is needed for `loginUser`. */
export function becomeUser(become: BecomeOptions | undefined, loginUser: string): string | undefined {
  if (!become?.enabled) return undefined;
  const user = become.user ?? "root";
  return user === loginUser ? undefined : user;
}

/** Wraps `cmd` for sh, adding sudo when `become` asks for another user. */
export function buildCommand(
  cmd: string,
  become: BecomeOptions | undefined,
  loginUser: string,
  nonce: string = randomBytes(8).toString("hex"),
): BuiltCommand {
  const user = becomeUser(become, loginUser);
  if (user === undefined) return { line: `/bin/sh -c ${shq(cmd)}`, sudo: { kind: "none" } };
  if (become?.password === undefined || become.password === "") {
    return {
      line: `sudo -H -S -n -u ${shq(user)} -- /bin/sh -c ${shq(cmd)}`,
      sudo: { kind: "nopass" },
    };
  }
  const prompt = `[redplay-sudo-${nonce}] `;
  const marker = `redplay-become-${nonce}`;
  // The command travels as $1 so it needs one level of quoting, not two.
  const wrapper = `printf '%s\\n' ${marker} >&2; exec /bin/sh -c "$1"`;
  return {
    // -k: ignore cached credentials, so sudo prompts exactly when the rule needs a password.
    line: `sudo -H -S -k -p ${shq(prompt)} -u ${shq(user)} -- /bin/sh -c ${shq(wrapper)} redplay ${shq(cmd)}`,
    sudo: { kind: "password", prompt, marker, password: become.password, user },
  };
}
