// The sentinel_* variables, checked before anything runs: a quorum no group of Sentinels can
// reach, a port that collides with Redis's, or a master name Sentinel would split into two words
// stop the run with a located error (exit 4), not half way through a deployment.
import { LoadError, type Location } from "../errors.js";
import type { Inventory } from "../inventory/types.js";
import { TEMPLATE_MARKER } from "../schema/templated.js";

/** Integer variables and their smallest allowed value. */
const INTEGERS: Record<string, number> = {
  sentinel_quorum: 1,
  sentinel_down_after_milliseconds: 1,
  sentinel_failover_timeout: 1,
  sentinel_parallel_syncs: 1,
  sentinel_port: 1,
};

/** One problem per variable and value (the first host that has it names it). */
export function checkSentinelVars(inventory: Inventory | undefined, extraVars: Record<string, unknown>): LoadError[] {
  const errors: LoadError[] = [];
  const seen = new Set<string>();
  const hosts = inventory?.hosts() ?? [];
  const groups = inventory?.groups() ?? {};
  const sentinels = groups.sentinels?.length ? groups.sentinels : (groups.redis ?? []);
  const report = (name: string, value: unknown, message: string, loc: Location, hint?: string) => {
    const key = `${name}=${String(value)}`;
    if (seen.has(key)) return;
    seen.add(key);
    errors.push(new LoadError(message, loc, hint));
  };
  const targets: { vars: Record<string, unknown>; where: string; loc: Location }[] = hosts.map((h) => ({
    vars: { ...inventory!.hostVars(h), ...extraVars },
    where: `for ${h}`,
    loc: inventory!.hostLoc(h) ?? { file: inventory!.file, line: 1, col: 1 },
  }));
  if (hosts.length === 0) targets.push({ vars: extraVars, where: "in -e", loc: { file: "-e", line: 1, col: 1 } });
  for (const { vars, where, loc } of targets) {
    const from = (name: string) => (name in extraVars ? "(given with -e)" : where);
    for (const [name, min] of Object.entries(INTEGERS)) {
      const v = vars[name];
      if (v === undefined || v === null || (typeof v === "string" && v.includes(TEMPLATE_MARKER))) continue;
      const n = typeof v === "number" ? v : typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
      const max = name === "sentinel_port" ? 65535 : name === "sentinel_quorum" ? Math.max(1, sentinels.length) : Number.MAX_SAFE_INTEGER;
      if (!Number.isInteger(n) || n < min || n > max) {
        const range = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
        const why = name === "sentinel_quorum" && Number.isInteger(n) && n > max ? ` (the group has ${sentinels.length} Sentinel(s): ${sentinels.join(", ")})` : "";
        report(name, v, `${name} is ${JSON.stringify(v)} ${from(name)}: it must be ${range}${why}`, name in extraVars ? { file: "-e", line: 1, col: 1 } : loc);
      }
    }
    const port = vars.sentinel_port;
    const redisPort = vars.redis_port ?? 6379;
    if (port !== undefined && String(port) === String(redisPort)) {
      report("sentinel_port", port, `sentinel_port ${String(port)} ${from("sentinel_port")} is Redis's own port (redis_port): Sentinel needs a port of its own`, loc, "the usual one is 26379");
    }
    const master = vars.sentinel_master_name;
    if (master !== undefined && !(typeof master === "string" && master.includes(TEMPLATE_MARKER))) {
      if (typeof master !== "string" || !/^[A-Za-z0-9._-]+$/.test(master)) {
        const at = "sentinel_master_name" in extraVars ? { file: "-e", line: 1, col: 1 } : loc;
        report("sentinel_master_name", master, `sentinel_master_name is ${JSON.stringify(master)} ${from("sentinel_master_name")}: use letters, digits, '.', '_' and '-' only`, at);
      }
    }
  }
  return errors;
}
