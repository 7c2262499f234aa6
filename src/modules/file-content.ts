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
import { basename, dirname } from "node:path";
import { shq } from "../connection/quote.js";
import type { FileStat } from "../connection/types.js";
import { UnreachableError } from "../errors.js";
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

/** Rethrows transport faults; anything else becomes a message for a failed result. */
export function failureText(err: unknown): string {
  if (err instanceof UnreachableError) throw err;
  return err instanceof Error ? err.message : String(err);
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
    st = await conn.stat(dest, { become });
    if (st.isDir) return { changes: [], failed: `dest ${dest} is a directory; give the full path of the file` };
    if (st.exists) {
      old = await conn.read(dest, { become });
    } else {
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

export async function applyContent(ctx: TaskContext, args: DestArgs, plan: Plan): Promise<Applied> {
  const s = plan.state as ContentState;
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
    if (args.backup && s.old !== null) {
      const backupFile = `${dest}.${timestamp(new Date())}~`;
      await conn.write(backupFile, s.old, {
        mode: s.oldStat.mode,
        owner: s.oldStat.owner,
        group: s.oldStat.group,
        become,
      });
      data.backup_file = backupFile;
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
async function validate(ctx: TaskContext, command: string, content: Buffer, dest: string, destExists: boolean): Promise<string | undefined> {
  const conn = await ctx.conn();
  const become = ctx.become;
  const mk = await conn.exec(`mktemp -d "\${TMPDIR:-/tmp}/.redplay-validate-XXXXXX"`, { become });
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

/** YYYYmmddHHMMSS in local time, for backup names that sort by age. */
export function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
