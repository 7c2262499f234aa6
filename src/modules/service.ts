// `service`: a service's run state and boot-time enablement, through systemctl where systemd
// runs (real hosts) and `service`/init scripts elsewhere (the lab, containers). The init system
// is detected once per host per run. After a start the service is polled until it really runs,
// because init scripts report success for daemons that die a moment later. A start that fails
// quotes what the daemon said: the unit's journal under systemd, the init script's output
// elsewhere; these are read only on the failure path, never on a successful run.
import { failureText } from "../errors.js";
import { shq } from "../connection/quote.js";
import type { BecomeOptions, Connection } from "../connection/types.js";
import { parseRcLinks, parseServiceStatus, parseSystemctlShow, unitStateFromShow, type RunState } from "../facts/service.js";
import { excerpt } from "./command-output.js";

import type { Change, Module, TaskContext } from "./types.js";

/** Arguments of `service`. */
export interface ServiceArgs {
  name: string;
  state?: "started" | "stopped" | "restarted" | "reloaded";
  enabled?: boolean;
}

/** How services are driven on one host. */
export interface InitSystem {
  kind: "systemd" | "service" | "initd";
  /** Debian's update-rc.d is present (boot links for SysV scripts). */
  updateRcD: boolean;
}

const DETECT =
  "if [ -d /run/systemd/system ]; then echo systemd; " +
  "elif command -v service >/dev/null 2>&1; then echo service; else echo initd; fi; " +
  "if command -v update-rc.d >/dev/null 2>&1; then echo update-rc.d; fi";

/** Reads the init system of the host once per run (cached in ctx.resources). */
export function initSystem(ctx: TaskContext, conn: Connection): Promise<InitSystem> {
  return ctx.resources.get(`service:init-system:${ctx.host}`, async () => {
    const r = await conn.exec(DETECT);
    const words = r.stdout.split(/\s+/);
    const kind = words.includes("systemd") ? "systemd" : words.includes("service") ? "service" : "initd";
    return { kind, updateRcD: words.includes("update-rc.d") } satisfies InitSystem;
  });
}

/** The command that performs `verb` on the service. */
function actionCmd(init: InitSystem, name: string, verb: string): string {
  if (init.kind === "systemd") return `systemctl ${verb} ${shq(name)}`;
  if (init.kind === "service") return `service ${shq(name)} ${verb}`;
  return `/etc/init.d/${shq(name)} ${verb}`;
}

function enableCmd(init: InitSystem, name: string, enable: boolean): string {
  if (init.kind === "systemd") return `systemctl ${enable ? "enable" : "disable"} ${shq(name)}`;
  // `defaults` creates the links when a package never did; `enable` turns existing K links into S links.
  return enable ? `update-rc.d ${shq(name)} defaults && update-rc.d ${shq(name)} enable` : `update-rc.d ${shq(name)} disable`;
}

/** A service's state as read from its init system. */
export interface Status {
  run: RunState;
  enabled?: boolean;
  /** The init system's own words, for failure messages. */
  output: string;
}

export async function readStatus(conn: Connection, init: InitSystem, name: string, become: BecomeOptions, withEnabled: boolean): Promise<Status> {
  if (init.kind === "systemd") {
    const r = await conn.exec(`systemctl show ${shq(name)} -p LoadState,ActiveState,SubState,UnitFileState`, { become });
    const unit = unitStateFromShow(parseSystemctlShow(r.stdout));
    return { run: unit.run, enabled: unit.enabled, output: r.stdout };
  }
  const r = await conn.exec(`${actionCmd(init, name, "status")} 2>&1`, { become });
  const status: Status = { run: parseServiceStatus(r.code, r.stdout), output: r.stdout };
  if (withEnabled && init.updateRcD) {
    const ls = await conn.exec("ls /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d 2>/dev/null", { become });
    status.enabled = parseRcLinks(ls.stdout, name);
  }
  return status;
}

interface ServicePlanState {
  init: InitSystem;
  /** Commands in order; `verify` ones must leave the service running. */
  steps: Array<{ cmd: string; verify: boolean }>;
}

/** Options of the service module; tests shorten the wait. */
export interface ServiceTiming {
  /** How long a started service has to show up as running. @default 5000 */
  verifyMs: number;
  /** @default 500 */
  intervalMs: number;
}

export function createServiceModule(timing: ServiceTiming = { verifyMs: 5000, intervalMs: 500 }): Module<ServiceArgs, ServicePlanState> {
  return {
    name: "service",
    check: "full",
    schema: {
      type: "object",
      properties: {
        name: { type: "string", minLength: 1 },
        state: { enum: ["started", "stopped", "restarted", "reloaded"] },
        enabled: { type: "boolean" },
      },
      required: ["name"],
      anyOf: [{ required: ["state"] }, { required: ["enabled"] }],
      additionalProperties: false,
    },
    async plan(ctx, args) {
      const name = args.name;
      if (name.includes("/")) return { changes: [], failed: `service name ${JSON.stringify(name)} must not contain "/"` };
      let init: InitSystem;
      let status: Status;
      try {
        const conn = await ctx.conn();
        init = await initSystem(ctx, conn);
        status = await readStatus(conn, init, name, ctx.become, args.enabled !== undefined);
      } catch (err) {
        return { changes: [], failed: failureText(err) };
      }
      if (status.run === "missing") return { changes: [], failed: `service ${name} is not installed on ${ctx.host} (${init.kind})` };
      const running = status.run === "running";
      const changes: Change[] = [];
      const steps: ServicePlanState["steps"] = [];
      const noops: string[] = [];
      const step = (verb: string, verify: boolean) => {
        changes.push({ summary: `${verb} ${name}` });
        steps.push({ cmd: actionCmd(init, name, verb), verify });
      };
      switch (args.state) {
        case "started":
          if (running) noops.push(`${name} is running`);
          else step("start", true);
          break;
        case "stopped":
          if (running) step("stop", false);
          else noops.push(`${name} is stopped`);
          break;
        case "restarted":
          step("restart", true);
          break;
        case "reloaded":
          step(running ? "reload" : "start", true);
          break;
      }
      if (args.enabled !== undefined) {
        const word = args.enabled ? "enabled" : "disabled";
        if (init.kind !== "systemd" && !init.updateRcD) {
          noops.push(`enabled is not applicable on ${ctx.host}: no systemd and no update-rc.d`);
        } else if (status.enabled === undefined) {
          noops.push(`${name} has no boot-time state to change (static unit)`);
        } else if (status.enabled === args.enabled) {
          noops.push(`${name} is ${word}`);
        } else {
          changes.push({ summary: `${args.enabled ? "enable" : "disable"} ${name}` });
          steps.push({ cmd: enableCmd(init, name, args.enabled), verify: false });
        }
      }
      return {
        changes,
        noop: changes.length === 0 ? noops.join("; ") : undefined,
        data: { name, state: running ? "started" : "stopped", init: init.kind, ...(status.enabled !== undefined ? { enabled: status.enabled } : {}) },
        state: { init, steps } satisfies ServicePlanState,
      };
    },
    async apply(ctx, args, plan) {
      const { init, steps } = plan.state!;
      const conn = await ctx.conn();
      for (const s of steps) {
        const r = await conn.exec(`${s.cmd} 2>&1`, { become: ctx.become });
        if (r.code !== 0) {
          const said = s.verify ? await journalOf(conn, init, args.name, ctx.become) : "";
          return { failed: `\`${s.cmd}\` returned ${r.code}: ${excerpt(r.stdout, 10, 1500) || "no output"}${said}`, data: { name: args.name } };
        }
        if (s.verify) {
          const failed = await verifyRunning(conn, init, args.name, ctx.become, timing, r.stdout);
          if (failed) return { failed, data: { name: args.name, state: "stopped" } };
        }
      }
      return { data: { name: args.name, state: args.state === "stopped" ? "stopped" : "started", init: init.kind } };
    },
  };
}

/** How many journal lines a failed start quotes. */
const JOURNAL_LINES = 20;

/**
 * Under systemd, the unit's status and last journal lines (where a daemon's own start-up errors
 * land, e.g. redis-server's `*** FATAL CONFIG FILE ERROR`), as a message suffix; "" elsewhere.
 */
export async function journalOf(conn: Connection, init: InitSystem, name: string, become: BecomeOptions): Promise<string> {
  if (init.kind !== "systemd") return "";
  const unit = shq(name);
  const r = await conn.exec(
    `systemctl status --no-pager -n 0 ${unit} 2>&1; echo "--- journalctl -u ${name} -n ${JOURNAL_LINES}"; ` +
      `journalctl -u ${unit} -n ${JOURNAL_LINES} --no-pager 2>&1`,
    { become },
  );
  const text = r.stdout.trimEnd();
  return text ? `\n${excerpt(text, JOURNAL_LINES + 12, 4000)}` : "";
}

/**
 * Polls until the service runs; otherwise a failure message quoting the status and what the
 * service said: its journal under systemd, the start command's own output elsewhere.
 */
export async function verifyRunning(
  conn: Connection,
  init: InitSystem,
  name: string,
  become: BecomeOptions,
  t: ServiceTiming,
  startOutput: string,
): Promise<string | undefined> {
  const deadline = Date.now() + t.verifyMs;
  let last: Status;
  do {
    await new Promise((r) => setTimeout(r, t.intervalMs));
    last = await readStatus(conn, init, name, become, false);
    if (last.run === "running") return undefined;
  } while (Date.now() < deadline);
  const head = `${name} is not running ${Math.round(t.verifyMs / 1000)} s after start`;
  if (init.kind === "systemd") return `${head}:${(await journalOf(conn, init, name, become)) || ` ${last.run}`}`;
  const said = excerpt(startOutput, 10, 1500);
  return `${head}: ${excerpt(last.output) || last.run}${said ? `\nthe start command said:\n${said}` : ""}`;
}

export const serviceModule = createServiceModule();
