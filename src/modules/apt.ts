// `apt` (and `package`, its portable name): Debian and Ubuntu packages present or absent. The plan
// is read from `dpkg-query`, so `--check` names exactly the packages a real run would install or
// remove, and installs nothing. `policy_rc_d: 101` holds every service a package would start
// (as Ansible's apt does), so a daemon never runs with its stock config before ours is in place.
import { failureText } from "../errors.js";
import { shq } from "../connection/quote.js";
import type { BecomeOptions, Connection } from "../connection/types.js";
import { excerpt } from "./command-output.js";

import type { Module, TaskContext } from "./types.js";

/** Arguments of `apt` / `package`. */
export interface AptArgs {
  /** Optional for `apt` with update_cache alone (a task that only refreshes the package lists). */
  name?: string | string[];
  /** @default "present" */
  state?: "present" | "absent";
  /** `apt-get update` before installing (only when something is to be installed). */
  update_cache?: boolean;
  /** Exit code of a temporary /usr/sbin/policy-rc.d during the change; 101 keeps services from starting. */
  policy_rc_d?: number;
  /** @default true: as apt-get itself does. */
  install_recommends?: boolean;
  /** With update_cache: skip the update when the lists are younger than this many seconds. */
  cache_valid_time?: number;
}

/** Installed state of each package, from dpkg-query's `Status` (`install ok installed`). */
export function parseDpkgStatus(out: string, names: string[]): Map<string, boolean> {
  const installed = new Map(names.map((n) => [n, false]));
  for (const line of out.split("\n")) {
    const m = /^(\S+?)(?::\S+)?\t(.*)$/.exec(line.trim());
    if (m && installed.has(m[1]!)) installed.set(m[1]!, /\binstalled$/.test(m[2]!.trim()) && m[2]!.includes("ok"));
  }
  return installed;
}

/** Which of `names` are installed on the host. */
export async function installedPackages(conn: Connection, names: string[], become: BecomeOptions): Promise<Map<string, boolean>> {
  const r = await conn.exec(`dpkg-query -W -f='\${Package}\\t\${Status}\\n' ${names.map(shq).join(" ")} 2>/dev/null`, { become });
  return parseDpkgStatus(r.stdout, names);
}

/** The version apt would install (`Candidate:` of apt-cache policy), or null when unknown. */
export async function candidateVersion(conn: Connection, name: string, become: BecomeOptions): Promise<string | null> {
  const r = await conn.exec(`apt-cache policy ${shq(name)} 2>/dev/null`, { become });
  const m = /Candidate:\s*(\S+)/.exec(r.stdout);
  return m && m[1] !== "(none)" ? m[1]! : null;
}

/** Options of runApt. */
export interface AptRun {
  install: string[];
  remove: string[];
  updateCache?: boolean;
  policyRcD?: number;
  installRecommends?: boolean;
}

/** Carries out installs and removals in one shell; resolves to a failure message or null. */
export async function runApt(conn: Connection, run: AptRun, become: BecomeOptions): Promise<string | null> {
  const env = "DEBIAN_FRONTEND=noninteractive";
  const steps: string[] = [];
  if (run.updateCache && run.install.length > 0) steps.push(`${env} apt-get update -qq`);
  const recommends = run.installRecommends === false ? " --no-install-recommends" : "";
  if (run.install.length > 0) steps.push(`${env} apt-get install -y -q${recommends} ${run.install.map(shq).join(" ")}`);
  if (run.remove.length > 0) steps.push(`${env} apt-get remove -y -q ${run.remove.map(shq).join(" ")}`);
  let script = steps.join(" && ");
  if (run.policyRcD !== undefined) {
    // A policy-rc.d of the host's own is kept and put back; ours exists only for this change.
    const code = Math.trunc(run.policyRcD);
    script =
      `p=/usr/sbin/policy-rc.d; b=; [ -e $p ] && { b=$(mktemp); cp -p $p "$b"; }; ` +
      `printf '#!/bin/sh\\nexit ${code}\\n' > $p && chmod 0755 $p; ` +
      `( ${script} ); rc=$?; if [ -n "$b" ]; then mv "$b" $p; else rm -f $p; fi; exit $rc`;
  }
  const r = await conn.exec(script, { become, timeoutMs: 15 * 60_000 });
  if (r.code === 0) return null;
  return `apt-get failed (exit ${r.code}): ${excerpt(`${r.stderr}\n${r.stdout}`.trim())}`;
}

interface AptPlanState {
  install: string[];
  remove: string[];
  /** A task with update_cache and no package: only `apt-get update`. */
  updateOnly?: boolean;
}

function names(args: AptArgs): string[] {
  if (args.name === undefined) return [];
  return (Array.isArray(args.name) ? args.name : [args.name]).map((n) => n.trim()).filter(Boolean);
}

/** `update_cache` with no package, as Ansible's apt: an update (a change), unless cache_valid_time says the lists are fresh. */
async function planCacheOnly(ctx: TaskContext, args: AptArgs) {
  if (args.cache_valid_time !== undefined) {
    try {
      const r = await (await ctx.conn()).exec(
        "echo $(date +%s) $(stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0)",
        { become: ctx.become },
      );
      const [now, then] = r.stdout.trim().split(/\s+/).map(Number);
      const age = (now ?? 0) - (then ?? 0);
      if (then && age >= 0 && age < args.cache_valid_time) return { changes: [], noop: `the package lists are ${age} s old (cache_valid_time ${args.cache_valid_time})` };
    } catch (e) {
      return { changes: [], failed: failureText(e) };
    }
  }
  return { changes: [{ summary: "apt-get update" }], state: { install: [], remove: [], updateOnly: true } satisfies AptPlanState };
}

async function planApt(ctx: TaskContext, args: AptArgs) {
  const list = names(args);
  if (list.length === 0 && args.update_cache && args.name === undefined) return planCacheOnly(ctx, args);
  if (list.length === 0) return { changes: [], failed: "name lists no package" };
  const bad = list.find((n) => !/^[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+:~-]+)?$/.test(n));
  if (bad) return { changes: [], failed: `${JSON.stringify(bad)} is not a Debian package name` };
  let installed: Map<string, boolean>;
  try {
    const conn = await ctx.conn();
    const probe = await conn.exec("command -v dpkg-query >/dev/null && command -v apt-get >/dev/null");
    if (probe.code !== 0) return { changes: [], failed: `${ctx.host} has no dpkg/apt-get: only Debian and Ubuntu hosts are supported` };
    installed = await installedPackages(conn, list.map((n) => n.split("=")[0]!), ctx.become);
  } catch (e) {
    return { changes: [], failed: failureText(e) };
  }
  const want = (args.state ?? "present") === "present";
  const state: AptPlanState = { install: [], remove: [] };
  for (const n of list) {
    const has = installed.get(n.split("=")[0]!) ?? false;
    if (want && !has) state.install.push(n);
    if (!want && has) state.remove.push(n);
  }
  const changes = [
    ...state.install.map((n) => ({ summary: `install ${n}${args.policy_rc_d === 101 ? " (its services held)" : ""}` })),
    ...state.remove.map((n) => ({ summary: `remove ${n}` })),
  ];
  const noop = want ? `installed: ${list.join(", ")}` : `absent: ${list.join(", ")}`;
  return changes.length > 0 ? { changes, state } : { changes, noop };
}

function createAptModule(name: "apt" | "package", extra: Record<string, unknown>): Module<AptArgs, AptPlanState> {
  return {
    name,
    check: "full",
    freeForm: "name",
    schema: {
      type: "object",
      properties: {
        name: {
          anyOf: [
            { type: "string", minLength: 1 },
            { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
          ],
        },
        state: { enum: ["present", "absent"] },
        ...extra,
      },
      ...(name === "apt" ? { anyOf: [{ required: ["name"] }, { required: ["update_cache"] }] } : { required: ["name"] }),
      additionalProperties: false,
    },
    plan: planApt,
    async apply(ctx, args, plan) {
      const st = plan.state!;
      if (st.updateOnly) {
        const r = await (await ctx.conn()).exec("DEBIAN_FRONTEND=noninteractive apt-get update -qq", { become: ctx.become, timeoutMs: 15 * 60_000 });
        return r.code === 0 ? {} : { failed: `apt-get update failed (exit ${r.code}): ${excerpt(`${r.stderr}\n${r.stdout}`.trim())}` };
      }
      const run: AptRun = { install: st.install, remove: st.remove };
      if (args.update_cache !== undefined) run.updateCache = args.update_cache;
      if (args.policy_rc_d !== undefined) run.policyRcD = args.policy_rc_d;
      if (args.install_recommends !== undefined) run.installRecommends = args.install_recommends;
      const failed = await runApt(await ctx.conn(), run, ctx.become);
      return failed ? { failed } : {};
    },
  };
}

/** `apt`: Debian/Ubuntu packages, with Ansible's update_cache, policy_rc_d and install_recommends. */
export const aptModule = createAptModule("apt", {
  update_cache: { type: "boolean" },
  policy_rc_d: { type: "integer", minimum: 0, maximum: 255 },
  install_recommends: { type: "boolean" },
  cache_valid_time: { type: "integer", minimum: 0 },
});

/** `package`: the portable name; on Debian and Ubuntu it is apt with name and state only. */
export const packageModule = createAptModule("package", {});
