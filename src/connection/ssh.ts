// The SSH Connection: one ssh2 Client per host for the whole run, opened on first use, with
// every exec, SFTP request and forward multiplexed as a channel on it. Concurrent first calls
// share one connect; a failed connect is remembered so later calls fail at once instead of
// hammering the host; a connection lost after it was up is re-opened at most once. Commands run
// through a few persistent remote shells (ssh-shell-pool.ts), so the login shell's start-up files
// run once per shell rather than once per command; an exec channel per command is the fallback.
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import pLimit from "p-limit";
import type { Client, SFTPWrapper } from "ssh2";
import { UnreachableError } from "../errors.js";
import { ForwardError } from "./forward-error.js";
import { openClientChain, type ClientChain } from "./ssh-client.js";
import { shq } from "./quote.js";
import { buildCommand } from "./ssh-command.js";
import { userSshConfig } from "./ssh-config.js";
import { ChannelLostError, runOnChannel, type RawResult } from "./ssh-exec.js";
import { shellFailure, shellJob, shellResult } from "./ssh-shell-exec.js";
import { ShellPool } from "./ssh-shell-pool.js";
import { IdResolver, readFileOn, statOn, statReadOn, writeFileOn, type FileHost } from "./ssh-files.js";
import { resolveSshSettings, type SshSettings } from "./ssh-settings.js";
import type { BecomeOptions, Connection, ExecOptions, ExecResult, FileStat, WriteOptions } from "./types.js";

/** Run-wide SSH options (from the command line). */
export interface SshRunOptions {
  /** Record unknown host keys instead of refusing them (`--accept-new`). */
  acceptNew?: boolean;
  /** Handshake deadline when the host sets no `ansible_timeout`. @default 10000 */
  connectTimeoutMs?: number;
  /** Directory of the inventory file: relative key and known_hosts paths start there. */
  inventoryDir?: string;
  /** known_hosts to use instead of ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  /** Told when a host's connection stops using persistent shells, and why. */
  onWarning?: (host: string, msg: string) => void;
}

// Reason codes of SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254, 5.1).
const SSH_OPEN_ADMINISTRATIVELY_PROHIBITED = 1;
const SSH_OPEN_CONNECT_FAILED = 2;

// OpenSSH's default MaxSessions is 10 and the SFTP session holds one: shells and exec channels
// together stay below it.
const MAX_SHELLS = 4;
const MAX_CHANNELS = 4;
// A shell's start-up may run slow login files; give it as long as a command would reasonably take.
const SHELL_READY_TIMEOUT_MS = 30_000;

/** Clients whose socket has closed: waiting for their `close` event would hang. */
const closedClients = new WeakSet<Client>();

interface Session {
  chain: ClientChain;
  sftp?: Promise<SFTPWrapper>;
  shells?: ShellPool;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "root";
  }
}

/**
 * sshd keeps a session's processes running when the channel closes, and not every server
 * honours signal requests, so the host enforces the deadline itself (`timeout` kills the whole
 * process group) a moment after the client has given up and reported it.
 */
function withRemoteTimeout(cmd: string, timeoutMs: number | undefined): string {
  if (timeoutMs === undefined) return cmd;
  return `exec timeout -s KILL ${(timeoutMs + 1000) / 1000} /bin/sh -c ${shq(cmd)}`;
}

class SshConnection implements Connection, FileHost {
  private session?: Promise<Session>;
  private dead?: UnreachableError;
  /** Why the last connection to the host ended, once one has. */
  private lostWhy?: string;
  private reconnectsLeft = 1;
  private closing = false;
  private readonly channels = pLimit(MAX_CHANNELS);
  private readonly ids = new IdResolver(this);

  constructor(
    readonly host: string,
    private readonly settings: SshSettings,
    private readonly acceptNew: boolean,
    private readonly defaultKnownHosts: boolean,
    /** False once shells failed on this host (or when turned off): every command gets its own channel. */
    private useShells: boolean,
    private readonly warn: (host: string, msg: string) => void,
  ) {}

  get loginUser(): string {
    return this.settings.user;
  }

  get prefersShell(): boolean {
    return this.useShells;
  }

  private open(): Promise<Session> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.closing) return Promise.reject(new UnreachableError(this.host, `the connection to ${this.host} is closed`));
    if (!this.session) {
      const attempt = openClientChain(this.settings, this.acceptNew, this.defaultKnownHosts).then(
        (chain) => {
          const session: Session = { chain };
          this.lostWhy = undefined;
          if (this.useShells) {
            session.shells = new ShellPool(async () => chain.client, {
              max: MAX_SHELLS,
              readyTimeoutMs: SHELL_READY_TIMEOUT_MS,
              onDisabled: (reason) => {
                this.useShells = false;
                // A shell opened ahead of time that the run's end (or a failed check) cut short.
                if (this.closing) return;
                this.warn(this.host, `running each command on its own SSH channel from now on: ${reason}`);
              },
            });
          }
          this.watch(session);
          return session;
        },
        (err: unknown) => {
          this.dead = err instanceof UnreachableError
            ? err
            : new UnreachableError(this.host, `cannot connect to ${this.host}: ${(err as Error).message}`, { cause: err });
          throw this.dead;
        },
      );
      this.session = attempt;
    }
    return this.session;
  }

  /** Notices a connection that drops after it was up. */
  private watch(session: Session): void {
    const clients = [session.chain.client, ...session.chain.jumps];
    let gone = false;
    let why: string | undefined;
    const lost = (c: Client) => {
      if (gone || this.closing) return;
      gone = true;
      // What ended it, for the message of every command it cut short: the server's or the
      // socket's reason when ssh2 reported one (a DISCONNECT, a reset), else a plain close.
      this.lostWhy = why ?? `${c === session.chain.client ? "the SSH connection" : "the connection through a jump host"} closed`;
      session.shells?.close();
      for (const c of clients) c.end();
      if (this.reconnectsLeft > 0) {
        this.reconnectsLeft -= 1;
        this.session = undefined;
      } else {
        this.dead = new UnreachableError(this.host, `the connection to ${this.host} was lost: ${this.lostWhy}`);
      }
    };
    for (const c of clients) {
      c.on("error", (err: Error) => {
        why ??= err.message;
        lost(c);
      });
      c.on("close", () => {
        closedClients.add(c);
        lost(c);
      });
    }
  }

  private lostError(err: unknown): UnreachableError {
    if (err instanceof UnreachableError) return err;
    const why = this.lostWhy ? `${this.lostWhy} (${(err as Error).message})` : (err as Error).message;
    return this.dead ?? new UnreachableError(this.host, `the connection to ${this.host} was lost: ${why}`, { cause: err });
  }

  private async client(): Promise<Client> {
    return (await this.open()).chain.client;
  }

  /** The SFTP session, opened once per connection. */
  async sftp(): Promise<SFTPWrapper> {
    const session = await this.open();
    if (!session.sftp) {
      session.sftp = new Promise<SFTPWrapper>((resolve, reject) => {
        session.chain.client.sftp((err, sftp) => {
          if (err) {
            session.sftp = undefined;
            reject(this.lostError(err));
          } else {
            sftp.on("close", () => {
              if (session.sftp) session.sftp = undefined;
            });
            resolve(sftp);
          }
        });
      });
    }
    return session.sftp;
  }

  /** Runs a command with raw byte output; the building block for exec and the file operations. */
  async run(cmd: string, opts: ExecOptions): Promise<RawResult> {
    if (this.useShells) {
      const session = await this.open();
      const job = session.shells?.enabled ? shellJob(cmd, opts, this.settings.user) : undefined;
      if (job) {
        const outcome = await session.shells!.run(job.cmd, opts.timeoutMs);
        if (outcome?.kind === "done") return shellResult(job, outcome, opts.timeoutMs);
        if (outcome?.kind === "lost") throw this.lostError(new Error("the session channel closed"));
        if (outcome) return shellFailure(this.host, outcome, opts.timeoutMs);
      }
    }
    return this.runOnOwnChannel(cmd, opts);
  }

  /** The fallback: one exec channel for this command (the login shell's start-up runs each time). */
  private runOnOwnChannel(cmd: string, opts: ExecOptions): Promise<RawResult> {
    return this.channels(async () => {
      const client = await this.client();
      const built = buildCommand(withRemoteTimeout(cmd, opts.timeoutMs), opts.become, this.settings.user);
      const stdin = opts.stdin === undefined ? undefined : Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin);
      try {
        return await runOnChannel(client, built, stdin, opts.timeoutMs);
      } catch (err) {
        if (err instanceof ChannelLostError) throw this.lostError(err);
        throw err;
      }
    });
  }

  async exec(cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.run(cmd, opts);
    return { code: r.code, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
  }

  read(path: string, opts: { become?: BecomeOptions } = {}): Promise<Buffer | null> {
    return readFileOn(this, path, opts.become);
  }

  write(path: string, data: Buffer, opts: WriteOptions = {}): Promise<void> {
    return writeFileOn(this, this.ids, path, data, opts);
  }

  stat(path: string, opts: { become?: BecomeOptions } = {}): Promise<FileStat> {
    return statOn(this, path, opts.become);
  }

  statRead(path: string, opts: { become?: BecomeOptions } = {}): Promise<{ stat: FileStat; data: Buffer | null }> {
    return statReadOn(this, path, opts.become);
  }

  async forward(host: string, port: number): Promise<Duplex> {
    const client = await this.client();
    return new Promise((resolve, reject) => {
      try {
        client.forwardOut("127.0.0.1", 0, host, port, (err, stream) => {
          if (err) reject(this.forwardError(err, host, port));
          else resolve(stream);
        });
      } catch (err) {
        // ssh2 throws when the connection has gone away since client() returned.
        reject(this.lostError(err));
      }
    });
  }

  async forwardSocket(path: string): Promise<Duplex> {
    const client = await this.client();
    return new Promise((resolve, reject) => {
      try {
        client.openssh_forwardOutStreamLocal(path, (err, stream) => {
          if (err) reject(new Error(`${this.host}'s sshd did not open ${path}: ${err.message.replace(/^\(SSH\) /, "")}`, { cause: err }));
          else resolve(stream);
        });
      } catch (err) {
        reject(this.lostError(err));
      }
    });
  }

  /**
   * sshd answered the channel request with a failure (a numeric reason): the host is up and only
   * its connection to host:port failed, which is the target's problem, not the host's. Anything
   * else (the channel closed without an answer) means the SSH connection itself is gone.
   */
  private forwardError(err: Error & { reason?: unknown }, host: string, port: number): Error {
    if (typeof err.reason !== "number") return this.lostError(err);
    const said = err.message.replace(/^\(SSH\) Channel open failure:\s*/, "").trim();
    const failure =
      err.reason === SSH_OPEN_CONNECT_FAILED ? "connect" : err.reason === SSH_OPEN_ADMINISTRATIVELY_PROHIBITED ? "prohibited" : "other";
    // OpenSSH passes on the connect() error in its own words ("Connection refused"); a server that
    // gives no reason (or a bare "open failed") still tried to connect, and nothing accepted it.
    const detail =
      failure === "prohibited"
        ? `${this.host}'s sshd does not allow TCP forwarding (AllowTcpForwarding)`
        : said === "" || /^open failed$/i.test(said)
          ? failure === "connect"
            ? "nothing accepted the connection"
            : `channel open failure ${err.reason}`
          : said.charAt(0).toLowerCase() + said.slice(1);
    return new ForwardError(this.host, host, port, failure, detail, { cause: err });
  }

  /** Connects (and opens the first shell) in the background; a failure stays for the first use. */
  warm(): void {
    if (this.dead || this.closing) return;
    this.open().then(
      (session) => session.shells?.warm(),
      () => undefined,
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    const pending = this.session;
    this.session = undefined;
    if (!pending) return;
    let session: Session;
    try {
      session = await pending;
    } catch {
      return;
    }
    session.shells?.close();
    const clients = [session.chain.client, ...[...session.chain.jumps].reverse()];
    for (const c of clients) {
      if (closedClients.has(c)) continue;
      await new Promise<void>((resolve) => {
        c.once("close", () => resolve());
        c.end();
      });
    }
  }
}

/** Creates (does not open) the SSH connection for `host`; it connects on first use. */
export function createSshConnection(host: string, vars: Record<string, unknown>, run: SshRunOptions): Connection {
  const home = process.env.HOME || homedir();
  const settings = resolveSshSettings(host, vars, {
    home,
    currentUser: currentUser(),
    env: process.env,
    inventoryDir: run.inventoryDir,
    knownHostsFile: run.knownHostsFile,
    connectTimeoutMs: run.connectTimeoutMs,
    sshConfig: userSshConfig(home),
  });
  const defaultKnownHosts = settings.knownHostsFile === join(home, ".ssh", "known_hosts");
  // `redplay_persistent_shell: false` keeps the one-channel-per-command behaviour for a host.
  const shells = vars.redplay_persistent_shell !== false && vars.redplay_persistent_shell !== "false";
  const warn = run.onWarning ?? (() => undefined);
  return new SshConnection(host, settings, run.acceptNew === true, defaultKnownHosts, shells, warn);
}
