// The Connection for this machine (`ansible_connection: local`). Commands run under `sh -c`
// like on any remote host, so modules behave the same whichever connection they get; files are
// written with node fs when no privilege change is needed, through sudo otherwise.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs, constants as fsc } from "node:fs";
import { createConnection as netConnect, type NetConnectOpts } from "node:net";
import { constants as osConstants, tmpdir, userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Duplex } from "node:stream";
import { parseStat, statCommand } from "../facts/stat.js";
import { ForwardError } from "./forward-error.js";
import { shq } from "./quote.js";
import type {
  BecomeOptions,
  Connection,
  ExecOptions,
  ExecResult,
  FileStat,
  WriteOptions,
} from "./types.js";

/** Exit code reported when a command is killed for exceeding its timeout (as coreutils `timeout`). */
export const TIMEOUT_EXIT_CODE = 124;

export class LocalConnection implements Connection {
  private readonly me = userInfo().username;

  constructor(readonly host: string) {}

  /** True when `become` asks for a user other than the one running redplay. */
  private needsSudo(become?: BecomeOptions): become is BecomeOptions {
    return !!become?.enabled && (become.user ?? "root") !== this.me;
  }

  async exec(cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    let argv = ["sh", "-c", cmd];
    let stdin: Buffer | undefined =
      opts.stdin === undefined ? undefined : Buffer.from(opts.stdin);
    if (this.needsSudo(opts.become)) {
      const user = opts.become.user ?? "root";
      const pw = opts.become.password;
      // -S reads the password from stdin (never argv); -n fails fast instead of prompting when none is given.
      argv = pw === undefined
        ? ["sudo", "-n", "-H", "-u", user, "--", ...argv]
        : ["sudo", "-S", "-p", "", "-H", "-u", user, "--", ...argv];
      if (pw !== undefined) stdin = Buffer.concat([Buffer.from(`${pw}\n`), stdin ?? Buffer.alloc(0)]);
    }
    return run(argv, stdin, opts.timeoutMs);
  }

  async read(path: string, opts: { become?: BecomeOptions } = {}): Promise<Buffer | null> {
    if (this.needsSudo(opts.become)) {
      const r = await this.exec(`if [ -e ${shq(path)} ]; then base64 < ${shq(path)}; else exit 66; fi`, opts);
      if (r.code === 66) return null;
      if (r.code !== 0) throw new Error(`cannot read ${path}: ${r.stderr.trim()}`);
      return Buffer.from(r.stdout, "base64");
    }
    try {
      return await fs.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async stat(path: string, opts: { become?: BecomeOptions } = {}): Promise<FileStat> {
    const r = await this.exec(statCommand(path), opts);
    const parsed = parseStat(r.code, r.stdout, r.stderr);
    if ("error" in parsed) throw new Error(`cannot stat ${path}: ${parsed.error}`);
    return parsed;
  }

  async write(path: string, data: Buffer, opts: WriteOptions = {}): Promise<void> {
    if (this.needsSudo(opts.become)) return this.writeWithSudo(path, data, opts);
    const dir = dirname(path);
    const tmp = join(dir, `.${basename(path)}.redplay-${randomBytes(6).toString("hex")}`);
    const existing = await fs.stat(path).catch(() => null);
    const mode = opts.mode ?? (existing ? existing.mode & 0o7777 : 0o644);
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      await handle.writeFile(data);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await fs.chmod(tmp, mode);
      if (opts.owner !== undefined || opts.group !== undefined) {
        await this.chownByName(tmp, opts.owner, opts.group);
      } else if (existing && this.me === "root") {
        await fs.chown(tmp, existing.uid, existing.gid);
      }
      await fs.rename(tmp, path);
      await syncDir(dir);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await fs.unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  async forwardSocket(path: string): Promise<Duplex> {
    return connected({ path }, (err) => new Error(`cannot connect to ${path}: ${err.message}`, { cause: err }));
  }

  async forward(host: string, port: number): Promise<Duplex> {
    return connected({ host, port }, (err) => {
      const detail = err.code === "ECONNREFUSED" ? "connection refused" : err.message;
      return new ForwardError(this.host, host, port, "connect", detail, { cause: err });
    });
  }

  async close(): Promise<void> {}

  /** chown takes names; the shell resolves them, so no passwd parsing here. */
  private async chownByName(path: string, owner?: string, group?: string): Promise<void> {
    const spec = `${owner ?? ""}${group !== undefined ? `:${group}` : ""}`;
    const r = await this.exec(`chown -- ${shq(spec)} ${shq(path)}`);
    if (r.code !== 0) throw new Error(`cannot set owner of ${path} to ${spec}: ${r.stderr.trim()}`);
  }

  /** The bytes are staged in a private temp file so stdin stays free for sudo's password. */
  private async writeWithSudo(path: string, data: Buffer, opts: WriteOptions): Promise<void> {
    const stageDir = await fs.mkdtemp(join(tmpdir(), "redplay-"));
    const staged = join(stageDir, "data");
    try {
      await fs.writeFile(staged, data, { mode: 0o644 });
      await fs.chmod(stageDir, 0o755);
      const p = shq(path);
      const dir = shq(dirname(path));
      const modeCmd = opts.mode !== undefined
        ? `chmod ${opts.mode.toString(8)} "$t"`
        : `if [ -e ${p} ]; then chmod --reference=${p} "$t" && chown --reference=${p} "$t"; else chmod 644 "$t"; fi`;
      const spec = `${opts.owner ?? ""}${opts.group !== undefined ? `:${opts.group}` : ""}`;
      const chownCmd = spec ? ` && chown -- ${shq(spec)} "$t"` : "";
      const script =
        `t=$(mktemp ${dir}/.${shq(basename(path))}.redplay-XXXXXX) || exit 1; ` +
        `{ cat ${shq(staged)} > "$t" && sync "$t" && ${modeCmd}${chownCmd} && mv -f "$t" ${p}; } || { rm -f "$t"; exit 1; }`;
      const r = await this.exec(script, { become: opts.become });
      if (r.code !== 0) throw new Error(`cannot write ${path}: ${r.stderr.trim()}`);
    } finally {
      await fs.rm(stageDir, { recursive: true, force: true });
    }
  }
}

/** A rename is only durable once the directory entry is on disk. */
async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, fsc.O_RDONLY).catch(() => null);
  if (!h) return;
  await h.sync().catch(() => undefined);
  await h.close();
}

function run(argv: string[], stdin: Buffer | undefined, timeoutMs?: number): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout kills everything the shell started, not only the shell.
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            child.kill("SIGKILL");
          }
        }, timeoutMs)
      : undefined;
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      let stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) stderr += `${stderr && !stderr.endsWith("\n") ? "\n" : ""}timed out after ${timeoutMs} ms`;
      resolve({
        code: timedOut ? TIMEOUT_EXIT_CODE : (code ?? (signal ? 128 + signalNumber(signal) : 1)),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr,
      });
    });
    // A command that exits without reading stdin closes the pipe; that is not an error.
    child.stdin.on("error", () => undefined);
    child.stdin.end(stdin);
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return osConstants.signals[signal] ?? 0;
}

/** A socket to `target` once it is connected; its connect error, as `failure` words it, otherwise. */
function connected(target: NetConnectOpts, failure: (err: NodeJS.ErrnoException) => Error): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const sock = netConnect(target);
    const fail = (err: NodeJS.ErrnoException) => reject(failure(err));
    sock.once("connect", () => {
      sock.removeListener("error", fail);
      resolve(sock);
    });
    sock.once("error", fail);
  });
}
