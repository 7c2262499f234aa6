// The Connection contract: everything that touches a host goes through it. Implementations:
// local.ts (this machine, via node:child_process and fs) and ssh.ts (ssh2, one connection per host per run).
// A non-zero exit status is a value; only transport faults throw (UnreachableError, AuthError).
import type { Duplex } from "node:stream";

/** Privilege escalation for one call. */
export interface BecomeOptions {
  /** Run through sudo (no tty; the password, if any, goes on stdin). */
  enabled: boolean;
  /** Target user; default root. */
  user?: string;
  /** Sudo password; a secret, never placed in argv. */
  password?: string;
}

export interface ExecOptions {
  become?: BecomeOptions;
  /** Bytes written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
  /** Kill the command and fail after this long. */
  timeoutMs?: number;
}

/** The outcome of a remote command: a value, whatever the exit status. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface WriteOptions {
  /** Octal permission bits, e.g. 0o640. When absent, an existing file's mode is kept (new files: 0644). */
  mode?: number;
  owner?: string;
  group?: string;
  become?: BecomeOptions;
}

/** What `stat` reports of a path; `exists: false` and nothing else when absent. */
export interface FileStat {
  exists: boolean;
  isDir?: boolean;
  /** Permission bits, e.g. 0o644. */
  mode?: number;
  owner?: string;
  group?: string;
  size?: number;
}

export interface Connection {
  /** The inventory name of the host this connection reaches. */
  readonly host: string;
  /** Runs `cmd` with POSIX `sh -c` on the host. Values inside `cmd` must already be quoted (quote.ts). */
  exec(cmd: string, opts?: ExecOptions): Promise<ExecResult>;
  /** The file's bytes, or null when it does not exist. */
  read(path: string, opts?: { become?: BecomeOptions }): Promise<Buffer | null>;
  /** Atomic write: temp file in the same directory, mode/owner set, then rename. */
  write(path: string, data: Buffer, opts?: WriteOptions): Promise<void>;
  /** Mode, owner, group and type of a path, in one round trip. */
  stat(path: string, opts?: { become?: BecomeOptions }): Promise<FileStat>;
  /** stat and, unless the path is absent or a directory, read: in one round trip where the transport allows. */
  statRead?(path: string, opts?: { become?: BecomeOptions }): Promise<{ stat: FileStat; data: Buffer | null }>;
  /** A byte stream to host:port as seen from the host (ssh: forwardOut; local: a TCP socket). */
  forward(host: string, port: number): Promise<Duplex>;
  /** A byte stream to a unix socket of the host, as the login user (ssh: OpenSSH's streamlocal forwarding; local: the socket). */
  forwardSocket?(path: string): Promise<Duplex>;
  /**
   * Starts opening the connection now, in the background, so it is ready when the first task
   * needs it. A failure is not reported here: the first real use fails with it, as it would have.
   */
  warm?(): void;
  close(): Promise<void>;
}
