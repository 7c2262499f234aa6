// `systemd` (and `systemd_service`, its newer name): a unit's run state, boot-time enablement and
// mask on a host that runs systemd, after an optional `daemon-reload`, as Ansible's systemd
// module. The reading and the start check are the service module's (one `systemctl show`; after
// a start the unit is polled until it really runs, and a failure quotes its journal).
// daemon-reload is a probe: it runs on a real run (first, so a changed unit file is read), never
// under --check, and alone it changes nothing, as in Ansible.
import { failureText } from "../errors.js";
import { shq } from "../connection/quote.js";
import { excerpt } from "./command-output.js";
import { initSystem, journalOf, readStatus, verifyRunning, type ServiceTiming, type Status } from "./service.js";
import type { Change, Module } from "./types.js";

/** Arguments of `systemd` / `systemd_service`. */
export interface SystemdArgs {
  name?: string;
  state?: "started" | "stopped" | "restarted" | "reloaded";
  enabled?: boolean;
  masked?: boolean;
  daemon_reload?: boolean;
  /** Accepted for Ansible compatibility: the system manager only. */
  scope?: "system";
  no_block?: boolean;
}

interface Step {
  cmd: string;
  /** The unit must be running afterwards. */
  verify: boolean;
}

interface SystemdPlanState {
  steps: Step[];
}

export function createSystemdModule(
  name: "systemd" | "systemd_service",
  timing: ServiceTiming = { verifyMs: 5000, intervalMs: 500 },
): Module<SystemdArgs, SystemdPlanState> {
  return {
    name,
    check: "full",
    schema: {
      type: "object",
      properties: {
        name: { type: "string", minLength: 1 },
        state: { enum: ["started", "stopped", "restarted", "reloaded"] },
        enabled: { type: "boolean" },
        masked: { type: "boolean" },
        daemon_reload: { type: "boolean" },
        daemon_reexec: { type: "boolean" },
        scope: { enum: ["system"] },
        no_block: { type: "boolean" },
      },
      anyOf: [{ required: ["name"] }, { required: ["daemon_reload"] }],
      additionalProperties: false,
    },
    async plan(ctx, args) {
      const unit = args.name;
      if (unit?.includes("/")) return { changes: [], failed: `unit name ${JSON.stringify(unit)} must not contain "/"` };
      if (unit && args.state === undefined && args.enabled === undefined && args.masked === undefined && !args.daemon_reload) {
        return { changes: [], failed: "give state, enabled, masked or daemon_reload" };
      }
      const steps: Step[] = [];
      const changes: Change[] = [];
      const probes: Change[] = [];
      const noops: string[] = [];
      let status: Status | undefined;
      try {
        const conn = await ctx.conn();
        const init = await initSystem(ctx, conn);
        if (init.kind !== "systemd") return { changes: [], failed: `${ctx.host} does not run systemd (${init.kind}); use the service module` };
        if (args.daemon_reload) {
          probes.push({ summary: "systemctl daemon-reload" });
          steps.push({ cmd: "systemctl daemon-reload", verify: false });
        }
        if (unit) status = await readStatus(conn, init, unit, ctx.become, true);
      } catch (err) {
        return { changes: [], failed: failureText(err) };
      }
      if (unit && status) {
        const fileState = /UnitFileState=(\S*)/.exec(status.output)?.[1] ?? "";
        const masked = fileState.startsWith("masked");
        const step = (verb: string, verify: boolean) => {
          changes.push({ summary: `${verb} ${unit}` });
          steps.push({ cmd: `systemctl ${verb} ${shq(unit)}`, verify });
        };
        if (args.masked === false && masked) step("unmask", false);
        if (args.masked === true && !masked) step("mask", false);
        if (args.masked !== undefined && changes.length === 0) noops.push(`${unit} is ${masked ? "masked" : "not masked"}`);
        if (status.run === "missing" && args.masked !== true && (args.state !== undefined || args.enabled !== undefined)) {
          // Under --check an earlier task may only have planned the unit file: predict its changes.
          if (!ctx.check) return { changes: [], failed: `unit ${unit} is not found on ${ctx.host}` };
          if (args.enabled) changes.push({ summary: `enable ${unit} (not found now: an earlier task is expected to install it)` });
          if (args.state && args.state !== "stopped") changes.push({ summary: `${args.state === "reloaded" ? "start" : args.state.replace(/ed$/, "")} ${unit}` });
          return { changes, probes: probes.length > 0 ? probes : undefined, noop: changes.length === 0 ? `${unit} is not installed` : undefined, state: { steps: [] } };
        }
        const running = status.run === "running";
        if (args.enabled !== undefined) {
          if (status.enabled === undefined && !(args.masked === false && masked)) noops.push(`${unit} has no boot-time state to change (${fileState || "static"})`);
          else if (status.enabled === args.enabled && !(args.masked === false && masked)) noops.push(`${unit} is ${args.enabled ? "enabled" : "disabled"}`);
          else step(args.enabled ? "enable" : "disable", false);
        }
        switch (args.state) {
          case "started":
            if (running) noops.push(`${unit} is running`);
            else step("start", true);
            break;
          case "stopped":
            if (running) step("stop", false);
            else noops.push(`${unit} is stopped`);
            break;
          case "restarted":
            step("restart", true);
            break;
          case "reloaded":
            step(running ? "reload" : "start", true);
            break;
        }
      }
      return {
        changes,
        probes: probes.length > 0 ? probes : undefined,
        noop: changes.length === 0 ? (noops.join("; ") || "daemon-reload only") : undefined,
        data: {
          ...(unit ? { name: unit, state: status?.run === "running" ? "started" : "stopped" } : {}),
          ...(status?.enabled !== undefined ? { enabled: status.enabled } : {}),
        },
        state: { steps },
      };
    },
    async apply(ctx, args, plan) {
      const conn = await ctx.conn();
      const init = await initSystem(ctx, conn);
      for (const s of plan.state!.steps) {
        const r = await conn.exec(`${s.cmd} 2>&1`, { become: ctx.become });
        if (r.code !== 0) {
          const said = s.verify && args.name ? await journalOf(conn, init, args.name, ctx.become) : "";
          return { failed: `\`${s.cmd}\` returned ${r.code}: ${excerpt(r.stdout, 10, 1500) || "no output"}${said}` };
        }
        if (s.verify && args.name) {
          const failed = await verifyRunning(conn, init, args.name, ctx.become, timing, r.stdout);
          if (failed) return { failed, data: { name: args.name, state: "stopped" } };
        }
      }
      const data = args.name ? { name: args.name, state: args.state === "stopped" ? "stopped" : "started" } : {};
      // daemon-reload alone is not a change (as in Ansible).
      return plan.changes.length === 0 ? { data, changed: false } : { data };
    },
  };
}

export const systemdModule = createSystemdModule("systemd");
export const systemdServiceModule = createSystemdModule("systemd_service");
