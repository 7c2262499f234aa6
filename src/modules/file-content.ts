// Putting bytes at a path on a host, shared by copy and template: plan compares the bytes and
// attributes found there, apply validates (optional), backs up (optional) and writes atomically.
// Content and attributes are separate changes so a mode-only change never rewrites the file.
//
// `validate` (as in Ansible): a command run on the host with `%s` replaced by the path of a temp
// file holding the new content (mode 0600, in a private temp dir, removed afterwards), before the
// file is replaced; a non-zero exit fails the task with the command's output and leaves dest
// untouched. It runs only when the content changes, so a run with nothing to write pays nothing.
// Under --check it runs too, from plan: a validate command only reads the file it is given, and
// this is what lets `--check --diff` predict that a new file would be refused (the diff is still
// shown with the failure).
//
// `backup` keeps the old file beside dest as `dest.YYYYmmddHHMMSS~`, readable by its owner and
// group at most (mode 0640 or stricter: a config often holds passwords); `backup_keep: N` then
// removes all but the newest N. `backup_marker` (implies backup) is for a change that is only
// known good once something else has happened (a service restarted with it): before dest is
// replaced, the marker file is written (0600) with the path of the backup to go back to, unless
// it already exists: then an earlier change was never confirmed, and the marker keeps naming the
// file from before it. The caller removes the marker once the new file is known good; the backup
// it names is never pruned.
import { basename, dirname } from "node:path";
import { shq } from "../connection/quote.js";
import type { FileStat } from "../connection/types.js";
import { failureText, UnreachableError } from "../errors.js";
import { excerpt } from "./command-output.js";
import { applyAttrs, attrChanges, modeSchema, parseMode, type WantedAttrs } from "./file-attrs.js";
import type { Applied, Change, Plan, TaskContext } from "./types.js";

/** Arguments copy and template share. */
export interface DestArgs {
  dest: string;
  mode?: string | number;
  owner?: string;
  group?: string;
  backup?: boolean;
  /** Keep only the newest N backups of dest (with backup). */
  backup_keep?: number;
  /** A file naming the backup to go back to until the caller removes it (implies backup). */
  backup_marker?: string;
  /** A command with `%s`, run on the new content (in a temp file) before it replaces dest. */
  validate?: string;
}

/** JSON Schema properties for DestArgs. */
export const destSchemaProps = {
  dest: { type: "string", minLength: 1 },
  mode: modeSchema,
  owner: { type: "string", minLength: 1 },
  group: { type: "string", minLength: 1 },
  backup: { type: "boolean" },
  backup_keep: { type: "integer", minimum: 1 },
  backup_marker: { type: "string", minLength: 1 },
  validate: { type: "string", pattern: "%s" },
} as const;

/** What plan found, handed to apply so it does not read the host again. */
export interface ContentState {
  content: Buffer;
  contentChanged: boolean;
  attrs: WantedAttrs;
  /** The file before (null when absent), kept for the backup. */
  old: Buffer | null;
  oldStat: FileStat;
}

export async function planContent(ctx: TaskContext, args: DestArgs, content: Buffer): Promise<Plan<ContentState>> {
  const mode = parseMode(args.mode);
  if (typeof mode === "object") return { changes: [], failed: mode.error };
  const attrs: WantedAttrs = { mode, owner: args.owner, group: args.group };
  const conn = await ctx.conn();
  const become = ctx.become;
  const dest = args.dest;
  let st: FileStat;
  let old: Buffer | null = null;
  try {
    if (conn.statRead) {
      ({ stat: st, data: old } = await conn.statRead(dest, { become }));
    } else {
      st = await conn.stat(dest, { become });
      if (st.exists && !st.isDir) old = await conn.read(dest, { become });
    }
    if (st.isDir) return { changes: [], failed: `dest ${dest} is a directory; give the full path of the file` };
    if (!st.exists) {
      const parent = await conn.stat(dirname(dest), { become });
      // Under --check an earlier task may only have *planned* the directory: predict the write.
      if ((!parent.exists || !parent.isDir) && !(ctx.check && !parent.exists)) {
        return {
          changes: [],
          failed: `directory ${dirname(dest)} does not exist on ${ctx.host}; create it first (file module, state: directory)`,
        };
      }
    }
  } catch (err) {
    return { changes: [], failed: failureText(err) };
  }
  const contentChanged = old === null || !old.equals(content);
  const changes: Change[] = [];
  if (old === null) changes.push({ summary: `create ${dest}` });
  else if (contentChanged) changes.push({ summary: `content of ${dest}` });
  if (st.exists) changes.push(...attrChanges(dest, st, attrs));
  const diff = contentChanged ? [{ path: dest, before: old?.toString("utf8") ?? null, after: content.toString("utf8") }] : undefined;
  if (ctx.check && contentChanged && args.validate) {
    let failed: string | undefined;
    try {
      failed = await validate(ctx, args.validate, content, dest, old !== null);
    } catch (err) {
      failed = failureText(err);
    }
    if (failed) return { changes, diff, data: { dest }, failed };
  }
  return {
    changes,
    noop: changes.length === 0 ? `${dest} is up to date` : undefined,
    diff,
    data: { dest },
    state: { content, contentChanged, attrs, old, oldStat: st },
  };
}

export async function applyContent(ctx: TaskContext, args: DestArgs, plan: Plan<ContentState>): Promise<Applied> {
  const s = plan.state!;
  const conn = await ctx.conn();
  const become = ctx.become;
  const dest = args.dest;
  const data: Record<string, unknown> = { dest };
  try {
    if (!s.contentChanged) {
      const err = await applyAttrs(conn, dest, s.attrs, become);
      return err ? { failed: err, data } : { data };
    }
    if (args.validate) {
      const failed = await validate(ctx, args.validate, s.content, dest, s.old !== null);
      if (failed) return { failed, data };
    }
    let backups: Backup[] = [];
    if ((args.backup || args.backup_marker) && s.old !== null) {
      backups = await withNewBackup(ctx, dest);
      const backupFile = backups[0]!.path;
      await conn.write(backupFile, s.old, {
        mode: (s.oldStat.mode ?? 0o640) & 0o640,
        owner: s.oldStat.owner,
        group: s.oldStat.group,
        become,
      });
      data.backup_file = backupFile;
    }
    if (args.backup_marker) {
      const named = await conn.read(args.backup_marker, { become });
      if (named === null) {
        // Empty when there was no old file: a change is still pending, with nothing to go back to.
        const text = data.backup_file ? `${data.backup_file as string}\n` : "";
        await conn.write(args.backup_marker, Buffer.from(text, "utf8"), { mode: 0o600, become });
      }
      data.backup_marker = args.backup_marker;
    }
    if (args.backup_keep !== undefined && data.backup_file) {
      const failed = await pruneBackups(ctx, args.backup_keep, args.backup_marker, backups);
      if (failed) return { failed, data };
    }
    await conn.write(dest, s.content, { ...s.attrs, become });
    return { data };
  } catch (err) {
    return { failed: failureText(err), data };
  }
}

/**
 * Runs the validate command on the new content, in a temp file of a private temp dir (0700) with
 * mode 0600, the destination's base name, removed afterwards; a failure message or undefined.
 */
export async function validate(ctx: TaskContext, command: string, content: Buffer, dest: string, destExists: boolean): Promise<string | undefined> {
  const conn = await ctx.conn();
  const become = ctx.become;
  // A dir left by a controller killed mid-validate (it removes its own in `finally`) goes once it
  // is an hour old, older than any validation runs.
  const mk = await conn.exec(
    `find "\${TMPDIR:-/tmp}" -maxdepth 1 -name '.redplay-validate-*' -type d -mmin +60 -exec rm -rf {} + 2>/dev/null; mktemp -d "\${TMPDIR:-/tmp}/.redplay-validate-XXXXXX"`,
    { become },
  );
  const dir = mk.stdout.trim();
  if (mk.code !== 0 || !dir.startsWith("/")) {
    return `validate: cannot create a temp dir on ${ctx.host}: ${excerpt(mk.stderr || mk.stdout) || `mktemp returned ${mk.code}`}`;
  }
  try {
    const tmp = `${dir}/${basename(dest)}`;
    await conn.write(tmp, content, { mode: 0o600, become });
    const cmd = command.split("%s").join(shq(tmp));
    const r = await conn.exec(cmd, { become });
    if (r.code === 0) return undefined;
    const out = excerpt([r.stdout, r.stderr].filter((t) => t.trim()).join("\n"), 12, 1500);
    const what = ctx.check ? "nothing written (check mode)" : destExists ? "file left unchanged" : "nothing written";
    // A long command (a script run with sh -c) is named, not quoted: its output says what failed.
    const shown = command.length <= 200 && !command.includes("\n") ? `\`${command}\`` : "the validate command";
    return `validation failed, ${what}: ${shown} returned ${r.code}${out ? `: ${out}` : ""}`;
  } finally {
    await conn.exec(`rm -rf -- ${shq(dir)}`, { become });
  }
}

/** A backup's name after dest: `.YYYYmmddHHMMSS~`, or `.YYYYmmddHHMMSS.N~` for the Nth of one second. */
const BACKUP_SUFFIX = /^\.(\d{14})(?:\.(\d+))?~$/;

interface Backup {
  path: string;
  ts: string;
  n: number;
}

/** The backups of dest found beside it, newest first; or a failure message. */
async function listBackups(ctx: TaskContext, dest: string): Promise<Backup[] | string> {
  const conn = await ctx.conn();
  const dir = dirname(dest);
  const ls = await conn.exec(`ls -1A -- ${shq(dir)}`, { become: ctx.become });
  if (ls.code !== 0) return `cannot list ${dir} on ${ctx.host}: ${excerpt(ls.stderr || ls.stdout) || `ls returned ${ls.code}`}`;
  const prefix = basename(dest);
  return ls.stdout
    .split("\n")
    .flatMap((name) => {
      const m = name.startsWith(prefix) ? BACKUP_SUFFIX.exec(name.slice(prefix.length)) : null;
      return m ? [{ path: `${dest}${m[0]}`, ts: m[1]!, n: Number(m[2] ?? 0) }] : [];
    })
    .sort((a, b) => (a.ts === b.ts ? b.n - a.n : a.ts < b.ts ? 1 : -1));
}

/**
 * The backups of dest once it is backed up now, newest first: the new one (`dest.<now>~`, or after
 * the newest backup of this same second, `dest.<now>.N~`, so names keep their order), then those
 * there are.
 */
async function withNewBackup(ctx: TaskContext, dest: string): Promise<Backup[]> {
  const ts = timestamp(new Date());
  const backups = await listBackups(ctx, dest);
  if (typeof backups === "string") throw new Error(`backup: ${backups}`);
  const same = backups.find((b) => b.ts === ts);
  const n = same ? same.n + 1 : 0;
  return [{ path: same ? `${dest}.${ts}.${n}~` : `${dest}.${ts}~`, ts, n }, ...backups];
}

/** Removes all but the newest `keep` of `backups` (newest first; never the one the marker names); a failure message or undefined. */
async function pruneBackups(ctx: TaskContext, keep: number, marker: string | undefined, backups: Backup[]): Promise<string | undefined> {
  const conn = await ctx.conn();
  const become = ctx.become;
  const named = marker ? (await conn.read(marker, { become }))?.toString("utf8").trim() : undefined;
  const old = backups.slice(keep).map((b) => b.path).filter((p) => p !== named);
  if (old.length === 0) return undefined;
  const rm = await conn.exec(`rm -f -- ${old.map(shq).join(" ")}`, { become });
  return rm.code === 0 ? undefined : `backup_keep: cannot remove old backups on ${ctx.host}: ${excerpt(rm.stderr || rm.stdout)}`;
}

/** YYYYmmddHHMMSS in local time, for backup names that sort by age. */
export function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
