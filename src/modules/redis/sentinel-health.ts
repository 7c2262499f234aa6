// `sentinel_health`: waits until the group's Sentinels agree and can fail over, or fails with a
// report per Sentinel. Healthy means, on every Sentinel: it monitors the master, names the same
// primary as the others, and that node really is the primary (INFO role:master, followed by the
// replicas); its flags show nothing down; it sees every other Sentinel and every replica (by their
// own addresses, link up); and `SENTINEL CKQUORUM` passes. Sentinels find each other through the
// primary (hello messages every 2 s) and replicas through its INFO (every 10 s), so a fresh
// deployment takes a few seconds to get there. Only reads.
import { errorText } from "../../errors.js";
import { redisEndpoint } from "../../redis/endpoint.js";
import { flagsOf, getSentinel, sentinelCkquorum, sentinelEndpoint, sentinelList, sentinelMaster } from "../../redis/sentinel-client.js";
import { decideTopology } from "../../redis/topology.js";
import { forEveryHost } from "../group.js";
import type { GroupModule, GroupPlan, TaskContext } from "../types.js";
import { observeNode, sleep } from "./node-read.js";

/** Arguments of `sentinel_health`. */
export interface SentinelHealthArgs {
  /** @default "redis" */
  master_name?: string;
  /** The Redis group's hosts. @default groups.redis */
  redis_hosts?: string[];
  /** Seconds to wait for health. @default 60 */
  timeout?: number;
}

/** What one Sentinel says, judged. */
interface SentinelReport {
  host: string;
  problems: string[];
  line: string;
  primary?: string;
}

const POLL_MS = 500;

export const sentinelHealthModule: GroupModule<SentinelHealthArgs> = {
  name: "sentinel_health",
  scope: "group",
  check: "full",
  hostArgs: ["redis_hosts"],
  setsFacts: ["sentinel_health"],
  schema: {
    type: "object",
    properties: {
      master_name: { type: "string", minLength: 1 },
      redis_hosts: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
      timeout: { type: "number", minimum: 0 },
    },
    additionalProperties: false,
  },
  async plan(g, args) {
    const ctx = g.ctx(g.hosts[0]!);
    const groups = (ctx.vars.groups ?? {}) as Record<string, string[] | undefined>;
    const redisHosts = args.redis_hosts ?? groups.redis ?? [];
    const name = args.master_name ?? "redis";
    const timeoutMs = (args.timeout ?? 60) * 1000;
    const deadline = Date.now() + timeoutMs;
    let reports: SentinelReport[];
    let primary: string | undefined;
    for (;;) {
      ({ reports, primary } = await assess(ctx, g.hosts, redisHosts, name));
      if (reports.every((r) => r.problems.length === 0) || Date.now() >= deadline) break;
      await sleep(POLL_MS);
    }
    const failing = reports.filter((r) => r.problems.length > 0);
    const report = reports.map((r) => `${r.host}: ${r.problems.length > 0 ? r.problems.join("; ") : r.line}`).join("\n");
    if (failing.length > 0) {
      return forEveryHost(g, { changes: [], failed: `Sentinels not healthy after ${timeoutMs / 1000}s:\n${report}`, data: { report } });
    }
    const summary = `${reports.length} Sentinel(s) agree: primary ${primary} (${name}); each sees the ${reports.length - 1} other(s) and every replica; CKQUORUM OK`;
    const out: GroupPlan = { hosts: {} };
    for (const r of reports) {
      out.hosts[r.host] = { changes: [], noop: r.line, data: { primary, line: r.line }, facts: { sentinel_health: { primary, summary, report } } };
    }
    return out;
  },
  async apply() {
    return { hosts: {} };
  },
};

/** Reads every Sentinel and the group once, and judges each Sentinel. */
async function assess(ctx: TaskContext, sentinels: string[], redisHosts: string[], name: string): Promise<{ reports: SentinelReport[]; primary?: string }> {
  const endpoints = redisHosts.map((h) => redisEndpoint(h, h === ctx.host ? ctx.vars : ctx.varsFor(h)));
  const nodeAt = (ip: string | undefined, port: string | number | undefined) => endpoints.find((e) => e.address === ip && e.port === Number(port))?.host;
  const observed = await Promise.all(redisHosts.map((h) => observeNode(ctx, h)));
  const topology = decideTopology(observed);
  const realPrimary = "error" in topology ? undefined : topology.primary;
  const sentinelAddrs = sentinels.map((h) => sentinelEndpoint(h, h === ctx.host ? ctx.vars : ctx.varsFor(h)));
  const reports = await Promise.all(
    sentinels.map(async (host): Promise<SentinelReport> => {
      const problems: string[] = [];
      try {
        const s = await getSentinel(ctx, host);
        const m = await sentinelMaster(s, name);
        if (!m) return { host, problems: [`does not monitor ${name}`], line: "" };
        const primary = nodeAt(m.ip, m.port);
        const flags = flagsOf(m).filter((f) => f !== "master" && f !== "primary");
        if (!primary) problems.push(`names ${m.ip}:${m.port} the primary, which is not a node of the group`);
        else if (realPrimary && primary !== realPrimary) problems.push(`names ${primary} the primary, but the replicas follow ${realPrimary}`);
        if (flags.length > 0) problems.push(`flags the primary ${flags.join(",")}`);
        const others = await sentinelList(s, "SENTINELS", name);
        const seen = others.filter((o) => !flagsOf(o).some((f) => f === "s_down" || f === "disconnected"));
        const expected = sentinelAddrs.filter((e) => e.host !== host);
        const missing = expected.filter((e) => !seen.some((o) => o.ip === e.address && Number(o.port) === e.port)).map((e) => e.host);
        if (missing.length > 0) problems.push(`does not see the Sentinel(s) of ${missing.join(", ")}`);
        const replicas = await sentinelList(s, "REPLICAS", name);
        const wantedReplicas = redisHosts.filter((h) => h !== primary);
        const healthy = replicas.filter((r) => !flagsOf(r).some((f) => f === "s_down" || f === "o_down" || f === "disconnected") && r["master-link-status"] === "ok");
        const absent = wantedReplicas.filter((h) => {
          const e = endpoints.find((x) => x.host === h)!;
          return !healthy.some((r) => r.ip === e.address && Number(r.port) === e.port);
        });
        if (absent.length > 0) problems.push(`does not see ${absent.join(", ")} as replica(s) with their link up`);
        const q = await sentinelCkquorum(s, name);
        if (!q.ok) problems.push(`CKQUORUM: ${q.text}`);
        const line =
          `primary ${primary} (${m.ip}:${m.port}), quorum ${m.quorum}, ${seen.length} other Sentinel(s), ` +
          `replicas ${wantedReplicas.join(", ") || "none"}; CKQUORUM: ${q.text}`;
        return { host, problems, line, ...(primary ? { primary } : {}) };
      } catch (e) {
        return { host, problems: [errorText(e)], line: "" };
      }
    }),
  );
  const named = [...new Set(reports.map((r) => r.primary).filter(Boolean))];
  if (named.length > 1) for (const r of reports) r.problems.push(`the Sentinels disagree on the primary (${named.join(", ")})`);
  return { reports, ...(named.length === 1 ? { primary: named[0] } : {}) };
}
