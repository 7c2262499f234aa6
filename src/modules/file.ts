// `file`: a path's kind (file, directory, absent) and attributes. `touch` creates a missing
// file but leaves an existing one's times alone, so a second run reports no change.
import { failureText } from "../errors.js";
import { shq } from "../connection/quote.js";
import type { FileStat } from "../connection/types.js";
import { applyAttrs, attrChanges, formatMode, modeSchema, parseMode, type WantedAttrs } from "./file-attrs.js";

import type { Change, Module } from "./types.js";

/** Arguments of `file`. */
export interface FileArgs {
  path: string;
  /** @default "file" */
  state?: "file" | "directory" | "absent" | "touch";
  mode?: string | number;
  owner?: string;
  group?: string;
}

interface FileState {
  /** What to do to the path's existence before setting attributes. */
  action: "none" | "create-file" | "create-dir" | "remove";
  attrs: WantedAttrs;
}

export const fileModule: Module<FileArgs, FileState> = {
  name: "file",
  check: "full",
  schema: {
    type: "object",
    properties: {
      path: { type: "string", minLength: 1 },
      state: { enum: ["file", "directory", "absent", "touch"] },
      mode: modeSchema,
      owner: { type: "string", minLength: 1 },
      group: { type: "string", minLength: 1 },
    },
    required: ["path"],
    additionalProperties: false,
  },
  async plan(ctx, args) {
    const mode = parseMode(args.mode);
    if (typeof mode === "object") return { changes: [], failed: mode.error };
    const attrs: WantedAttrs = { mode, owner: args.owner, group: args.group };
    const path = args.path;
    const state = args.state ?? "file";
    let st: FileStat;
    try {
      st = await (await ctx.conn()).stat(path, { become: ctx.become });
    } catch (err) {
      return { changes: [], failed: failureText(err) };
    }
    const data = { path, state };
    const done = (changes: Change[], action: FileState["action"], noop: string) => ({
      changes,
      noop: changes.length === 0 ? noop : undefined,
      data,
      state: { action, attrs } satisfies FileState,
    });
    if (state === "absent") {
      return st.exists
        ? done([{ summary: `remove ${path}${st.isDir ? " (directory, recursively)" : ""}` }], "remove", "")
        : done([], "none", `${path} is absent`);
    }
    const wantDir = state === "directory";
    if (st.exists && st.isDir !== wantDir) {
      return {
        changes: [],
        failed: `${path} is a ${st.isDir ? "directory" : "file"}, not a ${wantDir ? "directory" : "file"}; remove it first (state: absent) if it should be replaced`,
      };
    }
    if (!st.exists) {
      if (state === "file") {
        return { changes: [], failed: `${path} does not exist; use state: touch to create an empty file` };
      }
      const what = wantDir ? "directory" : "file";
      const how = attrs.mode !== undefined ? ` (mode ${formatMode(attrs.mode)})` : "";
      return done([{ summary: `create ${what} ${path}${how}` }], wantDir ? "create-dir" : "create-file", "");
    }
    return done(attrChanges(path, st, attrs), "none", `${path} is up to date`);
  },
  async apply(ctx, args, plan) {
    const s = plan.state!;
    const conn = await ctx.conn();
    const p = shq(args.path);
    try {
      let cmd: string | undefined;
      if (s.action === "remove") cmd = `rm -rf -- ${p}`;
      else if (s.action === "create-dir") cmd = `mkdir -p -- ${p}`;
      // `: >` only when still absent: a file that appeared since plan is not truncated.
      else if (s.action === "create-file") cmd = `[ -e ${p} ] || : > ${p}`;
      if (cmd) {
        const r = await conn.exec(cmd, { become: ctx.become });
        if (r.code !== 0) return { failed: `${cmd} failed: ${r.stderr.trim() || `exit code ${r.code}`}` };
      }
      if (s.action === "remove") return {};
      const err = await applyAttrs(conn, args.path, s.attrs, ctx.become);
      return err ? { failed: err } : {};
    } catch (err) {
      return { failed: failureText(err) };
    }
  },
};
