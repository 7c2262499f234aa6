// File operations over one SSH connection. While the connection runs commands through its
// persistent shells, reads and writes go through them too (`cat`, or a script fed the bytes on
// stdin), with sudo when `become` asks for another user: an SFTP session would cost one more
// start of the login shell on the host (sshd runs subsystems through it). Otherwise the login
// user's own reads and writes use the cached SFTP session. Writes are atomic either way: a temp
// file in the target's directory, mode and owner set, then one rename over the target
// (`posix-rename@openssh.com` over SFTP, `mv -f` within one directory through the shell).
import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { SFTPWrapper, Stats } from "ssh2";
import { RedplayError } from "../errors.js";
import { shq } from "./quote.js";
import { becomeUser } from "./ssh-command.js";
import type { RawResult } from "./ssh-exec.js";
import type { BecomeOptions, ExecOptions, FileStat, WriteOptions } from "./types.js";

/** What file operations need from the connection. */
export interface FileHost {
  readonly host: string;
  readonly loginUser: string;
  /** Commands run through persistent shells: file operations are cheaper as commands than over SFTP. */
  readonly prefersShell: boolean;
  sftp(): Promise<SFTPWrapper>;
  run(cmd: string, opts: ExecOptions): Promise<RawResult>;
}

/** A file operation that failed on the host (not a transport fault). */
export class RemoteFileError extends RedplayError {}

const SFTP_NO_SUCH_FILE = 2;

/** True when the operation must go through sudo rather than SFTP. */
function viaSudo(h: FileHost, become: BecomeOptions | undefined): boolean {
  return h.loginUser !== "root" && becomeUser(become, h.loginUser) !== undefined;
}

/** True when the operation runs as a command (with sudo when `become` needs it), not over SFTP. */
function viaCommand(h: FileHost, become: BecomeOptions | undefined): boolean {
  return h.prefersShell || viaSudo(h, become);
}

function fail(h: FileHost, what: string, path: string, detail: string): RemoteFileError {
  return new RemoteFileError(`cannot ${what} ${path} on ${h.host}: ${detail.trim() || "unknown error"}`);
}

function isNoSuchFile(err: unknown): boolean {
  return (err as { code?: unknown }).code === SFTP_NO_SUCH_FILE;
}

function promisify<T>(fn: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

/** The file's bytes, or null when it does not exist. */
export async function readFileOn(h: FileHost, path: string, become?: BecomeOptions): Promise<Buffer | null> {
  if (viaCommand(h, become)) {
    const r = await h.run(`if [ -e ${shq(path)} ]; then exec cat -- ${shq(path)}; else exit 3; fi`, {
      become: viaSudo(h, become) ? become : undefined,
    });
    if (r.code === 3) return null;
    if (r.code !== 0) throw fail(h, "read", path, r.stderr.toString("utf8"));
    return r.stdout;
  }
  const sftp = await h.sftp();
  try {
    return await promisify<Buffer>((cb) => sftp.readFile(path, cb));
  } catch (err) {
    if (isNoSuchFile(err)) return null;
    throw fail(h, "read", path, (err as Error).message);
  }
}

const STAT_FORMAT = "'%F|%a|%U|%G|%s'";

/** Mode, owner, group, type and size in one command; `{exists:false}` when absent. */
export async function statOn(h: FileHost, path: string, become?: BecomeOptions): Promise<FileStat> {
  const q = shq(path);
  const r = await h.run(`if [ -e ${q} ]; then exec stat -L -c ${STAT_FORMAT} -- ${q}; else echo absent; fi`, {
    become: viaSudo(h, become) ? become : undefined,
  });
  if (r.code !== 0) throw fail(h, "stat", path, r.stderr.toString("utf8"));
  return parseStatLine(h, path, r.stdout.toString("utf8").trim());
}

function parseStatLine(h: FileHost, path: string, out: string): FileStat {
  if (out === "absent") return { exists: false };
  const [type, mode, owner, group, size] = out.split("|");
  if (size === undefined) throw fail(h, "stat", path, `unexpected stat output "${out}"`);
  return { exists: true, isDir: type === "directory", mode: parseInt(mode!, 8), owner, group, size: Number(size) };
}

/**
 * statOn and, for a path that is not a directory, readFileOn, in one command while reads go
 * through commands: the stat line first, then the bytes. Over SFTP, the two requests.
 */
export async function statReadOn(h: FileHost, path: string, become?: BecomeOptions): Promise<{ stat: FileStat; data: Buffer | null }> {
  if (!viaCommand(h, become)) {
    const stat = await statOn(h, path, become);
    return { stat, data: stat.exists && !stat.isDir ? await readFileOn(h, path, become) : null };
  }
  const q = shq(path);
  // Exit 4: stat itself failed; any other failure is cat's.
  const r = await h.run(
    `if [ -e ${q} ]; then stat -L -c ${STAT_FORMAT} -- ${q} || exit 4; [ -d ${q} ] || exec cat -- ${q}; else echo absent; fi`,
    { become: viaSudo(h, become) ? become : undefined },
  );
  if (r.code === 4) throw fail(h, "stat", path, r.stderr.toString("utf8"));
  if (r.code !== 0) throw fail(h, "read", path, r.stderr.toString("utf8"));
  const nl = r.stdout.indexOf(0x0a);
  const stat = parseStatLine(h, path, r.stdout.subarray(0, nl === -1 ? r.stdout.length : nl).toString("utf8").trim());
  return { stat, data: stat.exists && !stat.isDir ? r.stdout.subarray(nl + 1) : null };
}

/** Looks up numeric ids for owner/group names (numbers pass through); cached per connection. */
export class IdResolver {
  private readonly cache = new Map<string, Promise<number>>();
  constructor(private readonly h: FileHost) {}

  uid(name: string): Promise<number> {
    return this.lookup(`u:${name}`, name, `id -u -- ${shq(name)}`, (s) => s);
  }

  gid(name: string): Promise<number> {
    return this.lookup(`g:${name}`, name, `getent group -- ${shq(name)}`, (s) => s.split(":")[2] ?? "");
  }

  private lookup(key: string, name: string, cmd: string, pick: (out: string) => string): Promise<number> {
    if (/^\d+$/.test(name)) return Promise.resolve(Number(name));
    let p = this.cache.get(key);
    if (!p) {
      p = this.h.run(cmd, {}).then((r) => {
        const id = Number(pick(r.stdout.toString("utf8").trim()));
        if (r.code !== 0 || !Number.isInteger(id)) {
          throw new RemoteFileError(`${key.startsWith("u") ? "user" : "group"} "${name}" does not exist on ${this.h.host}`);
        }
        return id;
      });
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }
}

function tempName(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.redplay-${randomBytes(6).toString("hex")}`);
}

/** Atomic write through SFTP (login user may write the directory itself). */
async function writeViaSftp(h: FileHost, ids: IdResolver, path: string, data: Buffer, o: WriteOptions): Promise<void> {
  const sftp = await h.sftp();
  let existing: Stats | undefined;
  // The old file's attributes are only needed for what the caller leaves to it.
  if (o.mode === undefined || o.owner === undefined || o.group === undefined) {
    try {
      existing = await promisify<Stats>((cb) => sftp.stat(path, cb));
    } catch (err) {
      if (!isNoSuchFile(err)) throw fail(h, "write", path, (err as Error).message);
    }
  }
  const mode = o.mode ?? (existing ? existing.mode & 0o7777 : 0o644);
  const uid = o.owner !== undefined ? await ids.uid(o.owner) : existing?.uid;
  const gid = o.group !== undefined ? await ids.gid(o.group) : existing?.gid;
  const tmp = tempName(path);
  try {
    await promisify<void>((cb) => sftp.writeFile(tmp, data, { mode: 0o600 }, (e) => cb(e, undefined)));
    // chown, then chmod (a chown may clear set-id bits), sent back to back: the server answers in order.
    const steps: Promise<void>[] = [];
    if (uid !== undefined || gid !== undefined) {
      const fresh = uid === undefined || gid === undefined ? await promisify<Stats>((cb) => sftp.stat(tmp, cb)) : undefined;
      const chown = promisify<void>((cb) => sftp.chown(tmp, uid ?? fresh!.uid, gid ?? fresh!.gid, (e) => cb(e, undefined)));
      // Keeping an existing file's owner is best effort; an owner that was asked for is not.
      steps.push(o.owner !== undefined || o.group !== undefined ? chown : chown.catch(() => undefined));
    }
    steps.push(promisify<void>((cb) => sftp.chmod(tmp, mode, (e) => cb(e, undefined))));
    await Promise.all(steps);
    await promisify<void>((cb) => sftp.ext_openssh_rename(tmp, path, (e) => cb(e, undefined)));
  } catch (err) {
    await promisify<void>((cb) => sftp.unlink(tmp, (e) => cb(e, undefined))).catch(() => undefined);
    if (err instanceof RemoteFileError) throw err;
    throw fail(h, "write", path, (err as Error).message);
  }
}

/** Atomic write as a command (with sudo for `become`): the bytes arrive on stdin, never in argv or a world-readable file. */
async function writeViaCommand(h: FileHost, path: string, data: Buffer, o: WriteOptions): Promise<void> {
  const p = shq(path);
  const t = shq(tempName(path));
  const lines = [
    "set -e",
    "umask 077",
    `t=${t}`,
    `trap 'rm -f -- "$t"' EXIT`,
    `cat > "$t"`,
    o.mode !== undefined
      ? `chmod ${o.mode.toString(8)} "$t"`
      : `if [ -e ${p} ]; then chmod --reference=${p} "$t"; else chmod 644 "$t"; fi`,
    `if [ -e ${p} ]; then chown --reference=${p} "$t" 2>/dev/null || true; fi`,
  ];
  if (o.owner !== undefined) lines.push(`chown -- ${shq(o.owner)} "$t"`);
  if (o.group !== undefined) lines.push(`chgrp -- ${shq(o.group)} "$t"`);
  lines.push(`mv -f -- "$t" ${p}`, "trap - EXIT");
  const r = await h.run(lines.join("\n"), { become: viaSudo(h, o.become) ? o.become : undefined, stdin: data });
  if (r.code !== 0) throw fail(h, "write", path, r.stderr.toString("utf8"));
}

/** Writes `data` to `path` atomically with the requested mode/owner/group. */
export async function writeFileOn(h: FileHost, ids: IdResolver, path: string, data: Buffer, o: WriteOptions = {}): Promise<void> {
  if (viaCommand(h, o.become)) return writeViaCommand(h, path, data, o);
  return writeViaSftp(h, ids, path, data, o);
}
