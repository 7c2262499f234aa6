// The persistent shells of one SSH connection: up to `max` of them, opened lazily when every
// open one is busy, so concurrent commands on one host (a run_once probe while another task runs
// there) do not queue behind each other. If a shell cannot be started, or breaks the protocol, or
// shells keep dying, the pool turns itself off and the connection goes back to one exec channel
// per command: slower, never wrong.
import pLimit from "p-limit";
import type { Client } from "ssh2";
import { RemoteShell, ShellStartError, type ShellOutcome } from "./ssh-shell.js";
import type { ShellCommand } from "./ssh-shell-script.js";

/** How many shells may die (killed by a command, say) before the pool stops opening new ones. */
const MAX_DEATHS = 3;

export interface ShellPoolOptions {
  /** Most shells open at once (each holds one SSH session). */
  max: number;
  /** How long a new shell may take to report ready (the login shell's start-up files run first). */
  readyTimeoutMs: number;
  /** Told once, with the reason, when the pool turns itself off. */
  onDisabled: (reason: string) => void;
}

export class ShellPool {
  private readonly idle: RemoteShell[] = [];
  private readonly all = new Set<RemoteShell>();
  private readonly slots: ReturnType<typeof pLimit>;
  private deaths = 0;
  private disabledReason?: string;

  constructor(
    private readonly client: () => Promise<Client>,
    private readonly opts: ShellPoolOptions,
  ) {
    this.slots = pLimit(opts.max);
  }

  /** False once the pool has turned itself off. */
  get enabled(): boolean {
    return this.disabledReason === undefined;
  }

  private disable(reason: string): void {
    if (this.disabledReason !== undefined) return;
    this.disabledReason = reason;
    for (const s of this.idle.splice(0)) s.close();
    this.opts.onDisabled(reason);
  }

  private forget(shell: RemoteShell): void {
    this.all.delete(shell);
    const at = this.idle.indexOf(shell);
    if (at >= 0) this.idle.splice(at, 1);
  }

  private async take(): Promise<RemoteShell | undefined> {
    // A shell being opened ahead of time (warm) is for the first command: wait for it rather than
    // start a second one, whose login files would run for nothing.
    if (this.warming) {
      await this.warming;
      if (!this.enabled) return undefined;
    }
    for (;;) {
      const s = this.idle.pop();
      if (!s) break;
      if (s.usable) return s;
    }
    return this.open();
  }

  private async open(): Promise<RemoteShell | undefined> {
    const client = await this.client();
    try {
      const shell = await RemoteShell.open(client, this.opts.readyTimeoutMs, (s) => this.forget(s));
      this.all.add(shell);
      return shell;
    } catch (err) {
      if (!(err instanceof ShellStartError)) throw err;
      this.disable(err.message);
      return undefined;
    }
  }

  private warming?: Promise<void>;

  /**
   * Opens the first shell now, so the login shell's start-up files run while the controller is
   * still busy; it waits idle for the first command. Failures are left for that command to meet.
   */
  warm(): void {
    if (!this.enabled || this.all.size > 0 || this.warming) return;
    this.warming = this.open().then(
      (shell) => {
        if (shell) this.idle.push(shell);
      },
      () => undefined,
    ).finally(() => {
      this.warming = undefined;
    });
  }

  /** Runs `cmd` in a free shell; undefined when shells are off and the caller must use a channel. */
  run(cmd: ShellCommand, timeoutMs?: number): Promise<ShellOutcome | undefined> {
    if (!this.enabled) return Promise.resolve(undefined);
    return this.slots(async () => {
      if (!this.enabled) return undefined;
      const shell = await this.take();
      if (!shell) return undefined;
      const outcome = await shell.run(cmd, timeoutMs);
      if (outcome.kind === "done" && shell.usable && this.enabled) {
        this.idle.push(shell);
      } else if (outcome.kind === "broken") {
        this.disable(`the remote shell broke the protocol (${outcome.reason})`);
      } else if (outcome.kind === "died" || outcome.kind === "stuck") {
        this.deaths += 1;
        if (this.deaths >= MAX_DEATHS) this.disable(`${this.deaths} remote shells ended while running commands`);
      }
      if (outcome.kind !== "done") shell.close();
      return outcome;
    });
  }

  /** Ends every shell (their directories are removed as they exit). */
  close(): void {
    for (const s of this.all) s.close();
    this.all.clear();
    this.idle.length = 0;
  }
}
