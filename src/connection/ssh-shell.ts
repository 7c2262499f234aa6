// One long-lived `/bin/sh` on a session channel, through which commands run one at a time
// (each as its own child process; see ssh-shell-script.ts for the protocol). The login shell's
// start-up files (a ~/.bashrc initialising a version manager, say) then run once per shell
// instead of once per command. Knows how to tell the three ways a command can end apart: a
// result frame, the shell itself dying (the host is still there), and the connection vanishing.
import { randomBytes } from "node:crypto";
import type { Client, ClientChannel } from "ssh2";
import { openExec, type ExitStatus } from "./ssh-exec.js";
import { commandScript, FrameReader, FramingError, shellBootScript, type ShellCommand, type ShellFrame } from "./ssh-shell-script.js";

/** How a command sent to the shell ended. */
export type ShellOutcome =
  /** The shell reported the command's exit code and output. */
  | { kind: "done"; code: number; stdout: Buffer; stderr: Buffer; deadlinePassed: boolean }
  /** The shell process ended (it reported an exit status or signal) before the command's frame. */
  | { kind: "died"; how: string }
  /** The shell stopped following the protocol; it has been closed. */
  | { kind: "broken"; reason: string }
  /** No frame long after the deadline; the shell has been closed. */
  | { kind: "stuck" }
  /** The channel closed without an exit status: the connection is gone. */
  | { kind: "lost" };

/** Why a shell could not be started. */
export class ShellStartError extends Error {}

/** Extra wait after a command's deadline for the host's `timeout` to report, before giving up. */
const STUCK_GRACE_MS = 3000;

export class RemoteShell {
  private readonly token = `rp${randomBytes(12).toString("hex")}`;
  private readonly reader = new FrameReader(this.token);
  private seq = 0;
  private closed = false;
  private waiting?: (f: ShellFrame | Error | "closed") => void;
  private errTail = "";
  /** The remote shell's process id, once it is ready. */
  pid = 0;

  private constructor(
    private readonly ch: ClientChannel,
    private readonly exit: ExitStatus,
    private readonly onClose: (shell: RemoteShell) => void,
  ) {
    ch.on("data", (d: Buffer) => {
      let frames: ShellFrame[];
      try {
        frames = this.reader.push(d);
      } catch (err) {
        this.deliver(err as Error);
        return;
      }
      for (const f of frames) this.deliver(f);
    });
    // The shell itself writes nothing there unless something is wrong; keep the end for messages.
    ch.stderr.on("data", (d: Buffer) => {
      this.errTail = (this.errTail + d.toString("utf8")).slice(-500);
    });
    ch.on("close", () => {
      this.closed = true;
      this.deliver("closed");
      this.onClose(this);
    });
  }

  /** How the shell process ended, when the server said. */
  private get exitInfo(): string | undefined {
    const { code, signal } = this.exit;
    if (typeof code === "number") return `exit status ${code}`;
    return code === undefined && signal === undefined ? undefined : `signal ${signal ?? "unknown"}`;
  }

  /** Opens a channel running `/bin/sh` and waits until its start-up script reports ready. */
  static async open(client: Client, readyTimeoutMs: number, onClose: (shell: RemoteShell) => void): Promise<RemoteShell> {
    let opened: Awaited<ReturnType<typeof openExec>>;
    try {
      opened = await openExec(client, "exec /bin/sh");
    } catch (err) {
      throw new ShellStartError(`cannot open a session channel: ${(err as Error).message}`, { cause: err });
    }
    const shell = new RemoteShell(opened.ch, opened.exit, onClose);
    const first = await shell.await(shellBootScript(shell.token), readyTimeoutMs);
    if (first !== "timeout" && !(first instanceof Error) && first !== "closed" && first.kind === "ready") {
      shell.pid = first.pid;
      return shell;
    }
    shell.close();
    const why = first === "timeout"
      ? `no answer within ${readyTimeoutMs} ms`
      : first === "closed"
        ? `it ended (${shell.exitInfo ?? "no exit status"})`
        : first instanceof Error
          ? first.message
          : "unexpected first frame";
    const said = shell.errTail.trim();
    throw new ShellStartError(`the remote /bin/sh did not start: ${why}${said ? `: ${said}` : ""}`);
  }

  /** True while the shell can take another command. */
  get usable(): boolean {
    return !this.closed;
  }

  private deliver(what: ShellFrame | Error | "closed"): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w(what);
    else if (what instanceof Error || (what !== "closed" && what.kind === "result")) {
      // Output nobody asked for: the shell is out of step, so it must not be used again.
      this.close();
    }
  }

  private await(script: string, timeoutMs: number | undefined): Promise<ShellFrame | Error | "closed" | "timeout"> {
    return new Promise((resolve) => {
      if (this.closed) {
        resolve("closed");
        return;
      }
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.waiting = undefined;
        resolve("timeout");
      }, timeoutMs);
      this.waiting = (f) => {
        if (timer) clearTimeout(timer);
        resolve(f);
      };
      this.ch.write(script);
    });
  }

  /** Runs one command; the caller must not send another until this settles. */
  async run(cmd: ShellCommand, timeoutMs?: number): Promise<ShellOutcome> {
    this.seq += 1;
    const started = Date.now();
    const got = await this.await(commandScript(this.token, this.seq, cmd), timeoutMs === undefined ? undefined : timeoutMs + STUCK_GRACE_MS);
    if (got === "timeout") {
      this.kill();
      return { kind: "stuck" };
    }
    if (got === "closed") return this.exitInfo ? { kind: "died", how: this.exitInfo } : { kind: "lost" };
    if (got instanceof FramingError || got instanceof Error) {
      this.close();
      return { kind: "broken", reason: got.message };
    }
    if (got.kind !== "result") {
      this.close();
      return { kind: "broken", reason: "a second readiness line" };
    }
    const deadlinePassed = timeoutMs !== undefined && Date.now() - started >= timeoutMs;
    return { kind: "done", code: got.code, stdout: got.stdout, stderr: got.stderr, deadlinePassed };
  }

  /** Ends the shell: EOF on its stdin makes it exit and remove its directory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ch.end();
  }

  private kill(): void {
    try {
      this.ch.signal("KILL");
    } catch {
      // servers that refuse signals still end the session when the channel closes
    }
    this.closed = true;
    this.ch.close();
  }
}
