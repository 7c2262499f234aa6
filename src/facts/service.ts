// Reads service state from init-system output: `systemctl show` properties on systemd hosts,
// `service NAME status` exit codes (LSB) elsewhere. Pure functions so every case is a fixture.

/** Whether a service runs, as far as the init system can tell; "missing" when it does not know the name. */
export type RunState = "running" | "stopped" | "missing" | "unknown";

/** A service as a systemd host reports it. */
export interface SystemdUnitState {
  run: RunState;
  /** `UnitFileState`: enabled, disabled, static, masked...; undefined when the unit is missing. */
  unitFileState?: string;
  /** True for "enabled"/"enabled-runtime"/"alias"; undefined when not applicable (static, missing). */
  enabled?: boolean;
}

/** Parses `systemctl show -p A,B` output (`Key=value` lines) into a map. */
export function parseSystemctlShow(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) props[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return props;
}

/** Turns `LoadState`, `ActiveState`, `UnitFileState` into a unit state. */
export function unitStateFromShow(props: Record<string, string>): SystemdUnitState {
  if (props.LoadState === "not-found") return { run: "missing" };
  const active = props.ActiveState;
  // "reloading" still serves; "activating" has not proven itself yet, so it is not running.
  const run: RunState =
    active === "active" || active === "reloading"
      ? "running"
      : active === "inactive" || active === "failed" || active === "deactivating" || active === "activating"
        ? "stopped"
        : "unknown";
  const unitFileState = props.UnitFileState || undefined;
  let enabled: boolean | undefined;
  if (unitFileState === "enabled" || unitFileState === "enabled-runtime" || unitFileState === "alias") {
    enabled = true;
  } else if (unitFileState === "disabled" || unitFileState === "masked" || unitFileState === "masked-runtime") {
    enabled = false;
  }
  return { run, unitFileState, enabled };
}

/**
 * Reads `service NAME status` (or `/etc/init.d/NAME status`) by LSB exit code: 0 running,
 * 1-3 not running (dead with pid file, dead with lock, stopped), 4 unknown. Scripts that
 * predate LSB sometimes exit 0 and say "not running", so the text wins over a 0.
 */
export function parseServiceStatus(code: number, output: string): RunState {
  if (/unrecognized service|not found|No such file or directory/i.test(output) && code !== 0) {
    return "missing";
  }
  if (code === 0) return /\bnot running\b|\bis stopped\b|\bdead\b/i.test(output) ? "stopped" : "running";
  if (code >= 1 && code <= 3) return "stopped";
  return "unknown";
}

/** Whether a SysV service starts at boot: any `S??NAME` link in runlevels 2-5 (from `ls` output). */
export function parseRcLinks(lsOutput: string, name: string): boolean {
  const re = new RegExp(`(^|/)S\\d\\d${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  return lsOutput.split("\n").some((line) => re.test(line.trim()));
}
