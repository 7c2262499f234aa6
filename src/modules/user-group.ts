// `group` and `user`: local accounts as Ansible's modules keep them, for what Redis roles ask
// (a service account: name, uid/gid, primary group, supplementary groups, home, shell, system).
// Planned from `getent` and `id` in one command, so --check says exactly what useradd, usermod,
// groupadd or userdel would do; applied with those (shadow-utils) commands. Passwords and SSH
// keys are not managed here.
import { failureText } from "../errors.js";
import { shq } from "../connection/quote.js";
import { excerpt } from "./command-output.js";
import type { Applied, Change, Module, Plan, TaskContext } from "./types.js";

/** Arguments of `group`. */
export interface GroupArgs {
  name: string;
  /** @default "present" */
  state?: "present" | "absent";
  gid?: number;
  system?: boolean;
}

/** Arguments of `user`. */
export interface UserArgs {
  name: string;
  /** @default "present" */
  state?: "present" | "absent";
  uid?: number;
  /** The primary group. */
  group?: string;
  /** Supplementary groups (a list, or a comma-separated string). */
  groups?: string[] | string;
  /** Add `groups` to the user's groups instead of setting them exactly. @default false */
  append?: boolean;
  home?: string;
  shell?: string;
  comment?: string;
  system?: boolean;
  /** @default true */
  create_home?: boolean;
  /** With state absent: remove the home directory too. */
  remove?: boolean;
}

const NAME = { type: "string", pattern: "^[a-z_][a-z0-9_.-]*\\$?$", maxLength: 32 } as const;

/** A passwd entry as getent prints it. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export function parsePasswd(line: string): PasswdEntry | undefined {
  const f = line.trim().split(":");
  if (f.length < 7) return undefined;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), comment: f[4]!, home: f[5]!, shell: f[6]! };
}

/** A group entry as getent prints it. */
export function parseGroup(line: string): { name: string; gid: number } | undefined {
  const f = line.trim().split(":");
  if (f.length < 3) return undefined;
  return { name: f[0]!, gid: Number(f[2]) };
}

async function run(ctx: TaskContext, cmd: string): Promise<{ code: number; out: string }> {
  const r = await (await ctx.conn()).exec(cmd, { become: ctx.become });
  return { code: r.code, out: `${r.stdout}\n${r.stderr}`.trim() };
}

interface Commands {
  cmds: string[];
}

async function applyCommands(ctx: TaskContext, _args: unknown, plan: Plan<Commands>): Promise<Applied> {
  for (const cmd of plan.state!.cmds) {
    const r = await run(ctx, `${cmd} 2>&1`);
    if (r.code !== 0) return { failed: `\`${cmd}\` returned ${r.code}: ${excerpt(r.out) || "no output"}` };
  }
  return {};
}

export const groupModule: Module<GroupArgs, Commands> = {
  name: "group",
  check: "full",
  freeForm: "name",
  schema: {
    type: "object",
    properties: { name: NAME, state: { enum: ["present", "absent"] }, gid: { type: "integer", minimum: 0 }, system: { type: "boolean" } },
    required: ["name"],
    additionalProperties: false,
  },
  async plan(ctx, a) {
    let found: ReturnType<typeof parseGroup>;
    try {
      const r = await run(ctx, `getent group ${shq(a.name)}`);
      found = r.code === 0 ? parseGroup(r.out.split("\n")[0]!) : undefined;
    } catch (err) {
      return { changes: [], failed: failureText(err) };
    }
    const changes: Change[] = [];
    const cmds: string[] = [];
    if ((a.state ?? "present") === "absent") {
      if (found) {
        changes.push({ summary: `remove group ${a.name}` });
        cmds.push(`groupdel ${shq(a.name)}`);
      }
    } else if (!found) {
      changes.push({ summary: `create group ${a.name}${a.gid !== undefined ? ` (gid ${a.gid})` : ""}${a.system ? " (system)" : ""}` });
      cmds.push(["groupadd", ...(a.gid !== undefined ? ["-g", String(a.gid)] : []), ...(a.system ? ["-r"] : []), shq(a.name)].join(" "));
    } else if (a.gid !== undefined && found.gid !== a.gid) {
      changes.push({ summary: `gid of group ${a.name} ${found.gid} -> ${a.gid}` });
      cmds.push(`groupmod -g ${a.gid} ${shq(a.name)}`);
    }
    const data = { name: a.name, state: a.state ?? "present", ...(found ? { gid: found.gid } : {}) };
    return changes.length > 0 ? { changes, data, state: { cmds } } : { changes, data, noop: found ? `group ${a.name} exists` : `no group ${a.name}` };
  },
  apply: applyCommands,
};

/** What `user` reads in one command: the passwd entry, the primary group's name, the groups, and each named group. */
function userProbe(a: UserArgs, groups: string[]): string {
  const n = shq(a.name);
  const named = [...(a.group ? [a.group] : []), ...groups];
  return [
    `echo "passwd=$(getent passwd ${n})"`,
    `echo "primary=$(id -gn ${n} 2>/dev/null)"`,
    `echo "groups=$(id -Gn ${n} 2>/dev/null)"`,
    ...named.map((g) => `getent group ${shq(g)} >/dev/null && echo "has=${g}"`),
  ].join("; ");
}

function groupList(g: UserArgs["groups"]): string[] {
  if (g === undefined) return [];
  return (Array.isArray(g) ? g : g.split(",")).map((x) => x.trim()).filter(Boolean);
}

export const userModule: Module<UserArgs, Commands> = {
  name: "user",
  check: "full",
  freeForm: "name",
  schema: {
    type: "object",
    properties: {
      name: NAME,
      state: { enum: ["present", "absent"] },
      uid: { type: "integer", minimum: 0 },
      group: NAME,
      groups: { anyOf: [{ type: "array", items: NAME }, { type: "string" }] },
      append: { type: "boolean" },
      home: { type: "string", pattern: "^/" },
      shell: { type: "string", minLength: 1 },
      comment: { type: "string", pattern: "^[^:\\n]*$" },
      system: { type: "boolean" },
      create_home: { type: "boolean" },
      remove: { type: "boolean" },
    },
    required: ["name"],
    additionalProperties: false,
  },
  async plan(ctx, a) {
    const groups = groupList(a.groups);
    let kv: Map<string, string[]>;
    try {
      const r = await run(ctx, userProbe(a, groups));
      kv = new Map();
      for (const line of r.out.split("\n")) {
        const eq = line.indexOf("=");
        if (eq > 0) kv.set(line.slice(0, eq), [...(kv.get(line.slice(0, eq)) ?? []), line.slice(eq + 1)]);
      }
    } catch (err) {
      return { changes: [], failed: failureText(err) };
    }
    const entry = parsePasswd(kv.get("passwd")?.[0] ?? "");
    const n = shq(a.name);
    const changes: Change[] = [];
    const cmds: string[] = [];
    if ((a.state ?? "present") === "absent") {
      if (entry) {
        changes.push({ summary: `remove user ${a.name}${a.remove ? " and its home" : ""}` });
        cmds.push(`userdel ${a.remove ? "-r " : ""}${n}`);
      }
      return changes.length > 0 ? { changes, state: { cmds }, data: { name: a.name, state: "absent" } } : { changes, noop: `no user ${a.name}`, data: { name: a.name, state: "absent" } };
    }
    const known = new Set(kv.get("has") ?? []);
    const missing = [...(a.group ? [a.group] : []), ...groups].filter((g) => !known.has(g));
    // Under --check an earlier task may only have planned the group.
    if (missing.length > 0 && !ctx.check) return { changes: [], failed: `group(s) ${missing.join(", ")} do not exist on ${ctx.host}; create them first (group module)` };
    const flags: string[] = [];
    const what: string[] = [];
    const set = (flag: string, value: string, summary: string) => {
      flags.push(flag, shq(value));
      what.push(summary);
    };
    if (!entry) {
      if (a.uid !== undefined) set("-u", String(a.uid), `uid ${a.uid}`);
      if (a.group) set("-g", a.group, `group ${a.group}`);
      if (groups.length > 0) set("-G", groups.join(","), `groups ${groups.join(",")}`);
      if (a.home) set("-d", a.home, `home ${a.home}`);
      if (a.shell) set("-s", a.shell, `shell ${a.shell}`);
      if (a.comment !== undefined) set("-c", a.comment, `comment ${JSON.stringify(a.comment)}`);
      if (a.system) flags.push("-r");
      flags.push(a.create_home === false ? "-M" : "-m");
      changes.push({ summary: `create user ${a.name}${a.system ? " (system)" : ""}${what.length ? ` (${what.join(", ")})` : ""}` });
      cmds.push(`useradd ${flags.join(" ")} ${n}`);
    } else {
      const primary = kv.get("primary")?.[0] ?? "";
      const current = (kv.get("groups")?.[0] ?? "").split(/\s+/).filter((g) => g && g !== primary);
      if (a.uid !== undefined && entry.uid !== a.uid) set("-u", String(a.uid), `uid ${entry.uid} -> ${a.uid}`);
      if (a.group && primary !== a.group) set("-g", a.group, `group ${primary} -> ${a.group}`);
      if (a.home && entry.home !== a.home) set("-d", a.home, `home ${entry.home} -> ${a.home}`);
      if (a.shell && entry.shell !== a.shell) set("-s", a.shell, `shell ${entry.shell} -> ${a.shell}`);
      if (a.comment !== undefined && entry.comment !== a.comment) set("-c", a.comment, `comment ${JSON.stringify(entry.comment)} -> ${JSON.stringify(a.comment)}`);
      if (a.groups !== undefined) {
        const want = groups.filter((g) => g !== (a.group ?? primary));
        const add = want.filter((g) => !current.includes(g));
        const extra = current.filter((g) => !want.includes(g));
        if (a.append ? add.length > 0 : add.length > 0 || extra.length > 0) {
          if (a.append) flags.push("-a");
          set("-G", a.append ? add.join(",") : want.join(","), `groups ${current.join(",") || "(none)"} -> ${a.append ? [...current, ...add].join(",") : want.join(",") || "(none)"}`);
        }
      }
      if (flags.length > 0) {
        changes.push({ summary: `user ${a.name}: ${what.join(", ")}` });
        cmds.push(`usermod ${flags.join(" ")} ${n}`);
      }
    }
    const data = { name: a.name, state: "present", ...(entry ? { uid: entry.uid, home: entry.home, shell: entry.shell } : {}) };
    return changes.length > 0 ? { changes, data, state: { cmds } } : { changes, data, noop: `user ${a.name} is as asked` };
  },
  apply: applyCommands,
};
