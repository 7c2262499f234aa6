// `redis_switchover`: a planned change of primary (run it with run_once). Where both nodes have
// it (Redis 6.2+, Valkey), Redis's own `FAILOVER TO host port TIMEOUT ms` does it: the primary
// pauses writes, waits until the target has every write, then swaps roles, so no acknowledged
// write is lost; writes held during the pause are refused with READONLY, never acknowledged.
// FAILOVER matches the target by the address the primary lists it under, so the plan checks that
// listing first (replica-announce-ip). Apply watches master_failover_state to the end: when the
// target does not catch up in time Redis aborts on its own and the old primary stays writable;
// the task then fails with that reason. FAILOVER ABORT is used only while the target is still a
// replica, the one state where it cannot make two primaries. Older servers (5.0, 6.0) get a
// manual handover with the same guarantees (switchover-manual.ts says how and why).
import { failureText } from "../../errors.js";
import type { ReplicationInfo } from "../../facts/redis-info.js";
import { getRedis, getRedisSession } from "../../redis/client.js";
import { chooseCandidate } from "../../redis/candidate.js";
import { describeEndpoint, redisEndpoint, type RedisEndpoint } from "../../redis/endpoint.js";
import { describeVersion, featuresOf, type ServerVersion } from "../../redis/server-version.js";
import { decideTopology } from "../../redis/topology.js";
import { nextRecord, sameRecord, writeRecords, type PrimaryRecord } from "../../redis/primary-record.js";
import type { Applied, GroupModule, GroupPlan, Plan, TaskContext } from "../types.js";
import { unknownHostPlan } from "../group.js";
import { observeRecorded, readInfo, sleep } from "./node-read.js";
import { dropReplicaof } from "./redis-promote.js";
import { FENCE_MIN_REPLICAS, manualHandover } from "./switchover-manual.js";
import { sentinelHandover } from "./switchover-sentinel.js";
import { sentinelDecision, sentinelHostsOf, sentinelMasterName } from "../../redis/sentinel-view.js";

/** Arguments of `redis_switchover`. */
export interface RedisSwitchoverArgs {
  /** Inventory names of the group. @default the play's hosts */
  hosts?: string[];
  /** The replica to promote. @default the best replica */
  new_primary?: string;
  /** How long the primary may pause writes waiting for the target. @default 5000 */
  timeout_ms?: number;
}

/** How the roles are swapped: Redis's FAILOVER, or the manual sequence for servers without it. */
export type SwitchoverMethod = "failover" | "manual" | "sentinel";

/** Handed from plan to apply. */
export interface SwitchoverState {
  primary: string;
  target: string;
  address: string;
  port: number;
  timeoutMs: number;
  method: SwitchoverMethod;
  primaryAddress: string;
  primaryPort: number;
  /** Set when Sentinel manages the group: the handover goes through SENTINEL FAILOVER. */
  sentinel?: { masterName: string; hosts: string[]; others: string[] };
  /** The primary record naming the target, written before the handover on the nodes in `recordOn`. */
  record?: PrimaryRecord;
  recordOn?: string[];
}

const POLL_MS = 50;
/** How long `failover-in-progress` (the handshake after the pause) may last before it is treated as stuck. */
const HANDOFF_GRACE_MS = 15_000;
/** How long a target that follows the primary may take to be listed online (a reconnect and sync after a restart). */
const SETTLE_MS = 15_000;
const SETTLE_POLL_MS = 200;

export const redisSwitchoverModule: GroupModule<RedisSwitchoverArgs, SwitchoverState> = {
  name: "redis_switchover",
  scope: "group",
  hostArgs: ["hosts", "new_primary"],
  check: "full",
  setsFacts: ["redis_switchover", "redis_topology"],
  schema: {
    type: "object",
    properties: {
      hosts: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
      new_primary: { type: "string" },
      timeout_ms: { type: "integer", minimum: 1 },
    },
    additionalProperties: false,
  },
  async plan(g, args) {
    const unknownHost = unknownHostPlan<SwitchoverState>(g, redisSwitchoverModule, args as unknown as Record<string, unknown>);
    if (unknownHost) return unknownHost;
    const ctx = g.ctx(g.hosts[0]!);
    const plan = await planSwitchover(ctx, args.hosts ?? g.groupHosts, nonEmpty(args.new_primary), args.timeout_ms ?? 5000);
    // Each host's line says what happens to it: the primary hands over, the target takes over.
    const out: GroupPlan<SwitchoverState> = { hosts: {} };
    if (plan.state) out.state = plan.state;
    for (const host of g.hosts) {
      const involved = plan.state && (host === plan.state.primary || host === plan.state.target);
      out.hosts[host] = involved || plan.failed ? plan : { changes: [], noop: plan.noop ?? "not part of the handover", facts: plan.facts, data: plan.data };
    }
    return out;
  },
  async apply(g, _args, plan) {
    const s = plan.state!;
    const applied = await applySwitchover(g.ctx(g.hosts[0]!), s);
    return { hosts: Object.fromEntries(g.hosts.filter((h) => h === s.primary || h === s.target).map((h) => [h, applied])) };
  },
};

/** Decides a switchover of the group `hosts` to `requested` (else the best replica): reads only. */
export async function planSwitchover(ctx: TaskContext, hosts: string[], requested: string | undefined, timeoutMs: number): Promise<Plan<SwitchoverState>> {
  if (requested !== undefined && !hosts.includes(requested)) {
    return { changes: [], failed: `new_primary "${requested}" is not one of the nodes (${hosts.join(", ")})` };
  }
  const observed = await Promise.all(hosts.map((h) => observeRecorded(ctx, h)));
  const t = decideTopology(observed);
  if ("error" in t) return { changes: [], failed: `${t.error}\n${t.report}` };
  if (t.fresh) return { changes: [], failed: "the group has no replicas yet; run setup.yaml first" };
  const primary = observed.find((n) => n.host === t.primary)!;
  if (!primary.info) return { changes: [], failed: `the primary ${primary.host} does not answer (${primary.error}); use failover.yaml` };

  const followers = observed.filter((n) => n.info?.role === "slave" && n.info.master_host === primary.address && n.info.master_port === primary.port);
  let target = requested;
  if (target === undefined) {
    const choice = chooseCandidate(followers.map((n) => ({ host: n.host, info: n.info! })));
    if ("error" in choice) return { changes: [], failed: `no replica to switch over to: ${choice.error}` };
    target = choice.host;
  }
  const endpoint = redisEndpoint(target, ctx.varsFor(target));
  const facts = (primaryHost: string, ep: RedisEndpoint, old: string) => ({
    redis_switchover: { old_primary: old, new_primary: primaryHost, client_address: `${ep.address}:${ep.port}` },
    redis_topology: {
      primary: primaryHost,
      primary_address: ep.address,
      primary_port: ep.port,
      replicas: hosts.filter((h) => h !== primaryHost),
      fresh: false,
    },
  });
  if (target === primary.host) {
    return { changes: [], noop: `${target} is already the primary`, facts: facts(target, endpoint, target) };
  }
  const problem = await settledTargetProblem(ctx, primary.host, primary.info, endpoint, followers.some((n) => n.host === target));
  if (problem) return { changes: [], failed: problem };
  // A target that does not answer now is still tried: the handover then times out, and the
  // old primary stays the primary (with FAILOVER as without). Its version is taken to be the
  // primary's until it can be read.
  const targetVersion = observed.find((n) => n.host === target)?.version ?? primary.version!;
  const demotable = await demotionProblem(ctx, primary.host);
  if (demotable) return { changes: [], failed: demotable };
  // Where Sentinel manages the group, Sentinel moves the primary (with redplay's safety checks
  // around it): a handover behind its back would be "corrected" by it.
  const sentinel = await sentinelDecision(ctx, hosts);
  if (sentinel.managed && "error" in sentinel) return { changes: [], failed: `${sentinel.error}\n${sentinel.report}` };
  if (sentinel.managed && sentinel.primary !== primary.host) {
    return { changes: [], failed: `Sentinel names ${sentinel.primary} the primary, but the replicas follow ${primary.host}: Sentinel is still reconfiguring the group; run again in a few seconds\n${sentinel.report}` };
  }
  if (sentinel.managed && (await replicaPriority(ctx, target)) === "0") {
    return { changes: [], failed: `${target} has replica-priority 0: Sentinel never promotes it. Choose another new_primary, or give it a priority (redis_replica_priority)` };
  }
  const method = sentinel.managed ? "sentinel" : switchoverMethod(primary.version!, targetVersion);
  const state: SwitchoverState = {
    primary: primary.host,
    target,
    address: endpoint.address,
    port: endpoint.port,
    timeoutMs,
    method,
    primaryAddress: primary.address,
    primaryPort: primary.port,
  };
  // The target is recorded as the primary on every node that answers before the handover (a node
  // down meanwhile is then known superseded); a handover that fails leaves a record naming a
  // replica, which decides nothing.
  const reachable = observed.filter((n) => n.reachable);
  state.record = nextRecord(reachable.map((n) => n.record), target, "redis_switchover");
  state.recordOn = reachable.filter((n) => !sameRecord(n.record, state.record!)).map((n) => n.host);
  if (sentinel.managed) {
    const others = observed.filter((n) => n.host !== primary.host && n.host !== target).map((n) => n.host);
    state.sentinel = { masterName: sentinelMasterName(ctx.vars), hosts: sentinelHostsOf(ctx.vars, hosts), others };
  }
  return { changes: describeSwitchover(state, primary.version!, targetVersion), state, facts: facts(target, endpoint, primary.host) };
}

/** Carries out a planned switchover: FAILOVER TO, or the manual handover on servers without it. */
export async function applySwitchover(ctx: TaskContext, s: SwitchoverState): Promise<Applied> {
  if (s.record && s.recordOn && s.recordOn.length > 0) {
    const failed = Object.entries(await writeRecords(() => ctx, s.record, s.recordOn));
    if (failed.length > 0) return { failed: `nothing was handed over: ${failed.map(([, f]) => f.failed).join("; ")}` };
  }
  if (s.method === "sentinel" && s.sentinel) {
    try {
      return await sentinelHandover(ctx, { ...s, masterName: s.sentinel.masterName, sentinels: s.sentinel.hosts, others: s.sentinel.others });
    } catch (e) {
      return { failed: `switchover from ${s.primary} to ${s.target} through Sentinel: ${failureText(e)}` };
    }
  }
  let done: Applied;
  try {
    if (s.method === "manual") {
      done = await manualHandover(ctx, s);
    } else {
      const client = await getRedis(ctx, s.primary);
      await client.call("FAILOVER", "TO", s.address, String(s.port), "TIMEOUT", String(s.timeoutMs));
      done = await watch(ctx, s);
    }
  } catch (e) {
    return { failed: `switchover from ${s.primary} to ${s.target}: ${failureText(e)}` };
  }
  if (done.failed) return done;
  const note = await persistPromotion(ctx, s.target);
  return note ? { ...done, msg: done.msg ? `${done.msg}${note}` : note.replace(/^; /, "") } : done;
}

/**
 * Right after the handover, the new primary's file stops following anybody: killed before the
 * playbook persists the roles, it then comes back a primary with its writes, not a replica of the
 * old primary (itself now following it: a loop nobody could serve from). Only once the handover
 * succeeded: a target whose file said "primary" after a failed handover would be a second primary
 * at its next start.
 */
async function persistPromotion(ctx: TaskContext, target: string): Promise<string> {
  try {
    const session = await getRedisSession(ctx, target);
    return await dropReplicaof(ctx, target, session, "right after the handover");
  } catch (e) {
    return `; ${target}'s redis.conf was not changed right after the handover (${failureText(e)})`;
  }
}

/** FAILOVER where both ends have it (the old primary runs it, the target answers its PSYNC FAILOVER). */
export function switchoverMethod(primary: ServerVersion, target: ServerVersion): SwitchoverMethod {
  return featuresOf(primary).failoverCommand && featuresOf(target).failoverCommand ? "failover" : "manual";
}

function describeSwitchover(s: SwitchoverState, primary: ServerVersion, target: ServerVersion) {
  if (s.method === "sentinel" && s.sentinel) {
    const others = s.sentinel.others.length > 0 ? `replica-priority 0 on ${s.sentinel.others.join(", ")} for the handover, ` : "";
    return [
      {
        summary:
          `through Sentinel: ${s.primary}'s writes fenced (NOREPLICAS, never acknowledged) until ${s.target} has them all (at most ${s.timeoutMs} ms), ` +
          `${others}SENTINEL FAILOVER ${s.sentinel.masterName}, then ${s.primary} follows ${s.target} (${s.address}:${s.port})`,
      },
    ];
  }
  if (s.method === "failover") {
    return [
      {
        summary:
          `FAILOVER TO ${s.address} ${s.port} TIMEOUT ${s.timeoutMs} on ${s.primary}: ` +
          `writes pause until ${s.target} has them all, then ${s.target} becomes the primary`,
      },
    ];
  }
  const without = featuresOf(primary).failoverCommand ? `${s.target} runs ${describeVersion(target)}` : `${s.primary} runs ${describeVersion(primary)}`;
  return [
    {
      summary:
        `${without}, without FAILOVER: handover by hand. CONFIG SET min-replicas-to-write ${FENCE_MIN_REPLICAS} on ${s.primary} ` +
        `(writes refused with NOREPLICAS, never acknowledged) until ${s.target} has every write, at most ${s.timeoutMs} ms`,
    },
    {
      summary:
        `REPLICAOF ${s.primaryAddress} ${s.primaryPort} on ${s.primary} (itself: read-only from then on, its offset final), ` +
        `REPLICAOF NO ONE on ${s.target} once it holds that offset (else ${s.primary} is made primary again)`,
    },
    { summary: `REPLICAOF ${s.address} ${s.port} on ${s.primary}, its min-replicas settings restored` },
  ];
}

/**
 * Why the primary could not safely become a replica: a writable replica would accept writes its
 * resync then discards, and without masterauth it could not follow a primary that has a password.
 */
async function demotionProblem(ctx: TaskContext, host: string): Promise<string | undefined> {
  try {
    const session = await getRedisSession(ctx, host);
    const readOnly = (await session.client.call("CONFIG", "GET", "replica-read-only")) as string[];
    if (readOnly[1] !== undefined && readOnly[1] !== "yes") {
      return `${host} has replica-read-only ${readOnly[1]}: once demoted it would accept writes that its resync then discards; set replica-read-only yes`;
    }
    if (session.auth === "password") {
      const auth = (await session.client.call("CONFIG", "GET", "masterauth")) as string[];
      if (auth[1]) ctx.addSecret(String(auth[1]));
      if (!auth[1]) return `${host} has no masterauth: once demoted it could not authenticate to the new primary; set masterauth (run setup.yaml)`;
    }
    return undefined;
  } catch (e) {
    return failureText(e);
  }
}

/** Why FAILOVER TO would not find or not accept the target, judged from the primary's own listing. */
export function targetProblem(primary: ReplicationInfo, primaryHost: string, target: Pick<RedisEndpoint, "host" | "address" | "port">): string | undefined {
  const line = primary.slaves.find((r) => r.ip === target.address && r.port === target.port);
  if (!line) {
    const listed = primary.slaves.map((r) => `${r.ip}:${r.port}`).join(", ") || "none";
    return (
      `${primaryHost} does not list ${describeEndpoint(target)} among its replicas (it lists: ${listed}); FAILOVER TO ` +
      "matches the address a replica announces, so set replica-announce-ip on it (run setup.yaml)"
    );
  }
  if (line.state !== "online") return `${target.host} is not online on ${primaryHost} (state=${line.state}): wait for its sync to finish`;
  if (primary.master_failover_state && primary.master_failover_state !== "no-failover") {
    return `${primaryHost} is already in master_failover_state:${primary.master_failover_state}`;
  }
  return undefined;
}

/**
 * targetProblem, given time to clear when the target follows the primary but is not listed online
 * yet: the primary or the target has just restarted, and the replica is reconnecting or syncing
 * (for up to SETTLE_MS). A target that follows another node is judged at once.
 */
async function settledTargetProblem(
  ctx: TaskContext,
  primaryHost: string,
  info: ReplicationInfo,
  target: RedisEndpoint,
  follows: boolean,
): Promise<string | undefined> {
  let problem = targetProblem(info, primaryHost, target);
  const deadline = Date.now() + SETTLE_MS;
  while (problem && follows && Date.now() < deadline) {
    await sleep(SETTLE_POLL_MS);
    problem = targetProblem(await replication(ctx, primaryHost), primaryHost, target);
  }
  return problem;
}

/** Follows master_failover_state on the old primary until the handover ended, one way or the other. */
async function watch(ctx: TaskContext, s: SwitchoverState) {
  const started = Date.now();
  let inProgressSince: number | undefined;
  let last: ReplicationInfo | undefined;
  for (;;) {
    last = await replication(ctx, s.primary);
    const state = last.master_failover_state ?? "no-failover";
    if (state === "no-failover") break;
    if (state === "failover-in-progress") {
      inProgressSince ??= Date.now();
      if (Date.now() - inProgressSince > HANDOFF_GRACE_MS) return await stuck(ctx, s);
    } else if (Date.now() - started > s.timeoutMs + HANDOFF_GRACE_MS) {
      return await stuck(ctx, s);
    }
    await sleep(POLL_MS);
  }
  if (last.role === "master") {
    return {
      failed:
        `switchover aborted: ${s.target} did not catch up with ${s.primary} within ${s.timeoutMs} ms ` +
        `(or refused the handover); ${s.primary} is still the primary and accepts writes again. ` +
        `Check ${s.target}'s replication lag and retry, or raise the timeout`,
      changed: false,
    };
  }
  const target = await waitForRole(ctx, s.target, "master", HANDOFF_GRACE_MS);
  if (target?.role !== "master") {
    return { failed: `${s.primary} handed over, but ${s.target} reports role:${target?.role ?? "unknown"}; run setup.yaml -e redis_primary=${s.target}` };
  }
  return {
    msg: `${s.target} is the primary (${s.address}:${s.port}); ${s.primary} follows it`,
    data: { old_primary: s.primary, new_primary: s.target, method: "failover" },
  };
}

/** The handover did not finish. ABORT only if the target is still a replica: then no second primary can appear. */
async function stuck(ctx: TaskContext, s: SwitchoverState) {
  const target = await replication(ctx, s.target).catch(() => undefined);
  if (target?.role === "slave") {
    await (await getRedis(ctx, s.primary)).call("FAILOVER", "ABORT").catch(() => undefined);
    const after = await replication(ctx, s.primary).catch(() => undefined);
    return {
      failed:
        `switchover stuck in master_failover_state; FAILOVER ABORT sent while ${s.target} was still a replica: ` +
        `${s.primary} reports role:${after?.role ?? "unknown"}, master_failover_state:${after?.master_failover_state ?? "unknown"}`,
    };
  }
  return {
    failed:
      `switchover stuck: ${s.target} reports role:${target?.role ?? "unknown"} while ${s.primary} is still handing over; ` +
      `not aborting (that could leave two primaries). Run setup.yaml -e redis_primary=${s.target} to settle it`,
  };
}

async function waitForRole(ctx: TaskContext, host: string, role: "master", ms: number): Promise<ReplicationInfo | undefined> {
  const deadline = Date.now() + ms;
  let last: ReplicationInfo | undefined;
  for (;;) {
    last = await replication(ctx, host).catch(() => last);
    if (last?.role === role || Date.now() >= deadline) return last;
    await sleep(POLL_MS);
  }
}

async function replication(ctx: TaskContext, host: string): Promise<ReplicationInfo> {
  const info = (await readInfo(ctx, host, ["replication"])).info.replication;
  if (!info) throw new Error(`INFO on ${host} has no replication section`);
  return info;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}


/** The target's replica-priority (CONFIG GET), or undefined when it cannot be read. */
async function replicaPriority(ctx: TaskContext, host: string): Promise<string | undefined> {
  try {
    const reply = (await (await getRedis(ctx, host)).call("CONFIG", "GET", "replica-priority")) as string[];
    return reply[1] !== undefined ? String(reply[1]) : undefined;
  } catch {
    return undefined;
  }
}
