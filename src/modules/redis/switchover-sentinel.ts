// The switchover of a group that Sentinel manages: the primary is moved by Sentinel itself
// (`SENTINEL FAILOVER`), so that every Sentinel records the new primary with a new config-epoch
// and none of them later "corrects" a handover made behind its back. SENTINEL FAILOVER alone
// promises neither the target nor the writes: it promotes the replica it prefers, and the old
// primary keeps acknowledging writes until Sentinel demotes it, writes its resync then discards.
// So redplay wraps it with the safety checks of its own handover (switchover-manual.ts):
//
// 1. Make the target the only candidate: `replica-priority 0` on the other replicas (saved), and
//    wait until the Sentinel that will be asked reports it (it reads replicas' INFO only every
//    10 s; asked earlier, it promotes whom it knew as best). Done before writes stop.
// 2. Fence the old primary: `min-replicas-to-write 2147483647`, every write refused (NOREPLICAS),
//    never acknowledged; replication keeps flowing.
// 3. Wait until the target has the old primary's final offset (bounded by timeout_ms; not in
//    time: the fence is lifted, the priorities put back, nothing changed).
// 4. `SENTINEL FAILOVER <master>` on that Sentinel, and wait until the target is the primary and
//    every Sentinel that answers names it. Sentinel's promotion kills the target's clients, so
//    every read after it opens a fresh session.
// 5. Point the old primary at the target (what Sentinel would do itself some seconds later:
//    +convert-to-slave), with its min-replicas settings put back; the other replicas get their
//    replica-priority back. Sentinel repoints them (parallel-syncs); switchover.yaml then checks.
// If Sentinel refuses or does not finish in time while the target is still a replica, the
// priorities and the fence are put back and the old primary is still the primary and writable.
// Left behind only if redplay itself dies half way: a fenced primary (writes refused, none lost)
// or replicas with replica-priority 0; setup.yaml puts both back from the template.
import { errorText } from "../../errors.js";
import { getRedisSession, type RedisSession } from "../../redis/client.js";
import { getSentinel, sentinelList, sentinelMaster, type SentinelSession } from "../../redis/sentinel-client.js";
import { transaction } from "../../redis/session-commands.js";
import type { Applied, TaskContext } from "../types.js";
import { sleep } from "./node-read.js";
import { catchUp, configValues, FENCE_MIN_REPLICAS, primaryFence, replication, type ManualHandover } from "./switchover-manual.js";

/** What a switchover through Sentinel needs to know. */
export interface SentinelHandover extends ManualHandover {
  /** The master name Sentinel monitors the group under. */
  masterName: string;
  /** Hosts whose Sentinels watch the group. */
  sentinels: string[];
  /** The other replicas (not the target). */
  others: string[];
}

const POLL_MS = 50;
/** How long Sentinel may take to promote the target and record it, after SENTINEL FAILOVER. */
const SENTINEL_GRACE_MS = 30_000;
/** Sentinel reads a replica's INFO every 10 s: how long it may take to see a new replica-priority. */
const SENTINEL_INFO_MS = 25_000;
/** Tries of one command on a node whose connection Sentinel may just have closed. */
const RETRIES = 5;

export async function sentinelHandover(ctx: TaskContext, h: SentinelHandover): Promise<Applied> {
  const primary = await getRedisSession(ctx, h.primary);
  const target = await getRedisSession(ctx, h.target);
  const { saved, restore, fence } = await primaryFence(primary);
  // A fresh session each time: Sentinel's reconfiguration kills the clients of the nodes it changes.
  const unfence = async () =>
    onNode(ctx, h.primary, (s) => transaction(s, restore))
      .then(() => "", (e: unknown) => `; lifting the fence failed (${errorText(e)}): CONFIG SET min-replicas-to-write ${saved["min-replicas-to-write"]} on ${h.primary}`);

  // 1. Only the target may be chosen, and the Sentinel that is asked must know it: it reads the
  // replicas' INFO (slave_priority) every 10 s, so this is done before writes are fenced.
  const priorities: Record<string, string> = {};
  const putBack = async () => {
    const notes: string[] = [];
    for (const [host, value] of Object.entries(priorities)) {
      await onNode(ctx, host, (s) => s.client.call("CONFIG", "SET", "replica-priority", value))
        .catch((e: unknown) => notes.push(`replica-priority of ${host} not put back to ${value} (${errorText(e)})`));
    }
    return notes.length > 0 ? `; ${notes.join("; ")}` : "";
  };
  const asked = await answeringSentinel(ctx, h);
  if (typeof asked === "string") return { failed: `switchover aborted: ${asked}; nothing was changed`, changed: false };
  try {
    const lowered: { address: string; port: number }[] = [];
    for (const host of h.others) {
      const s = await getRedisSession(ctx, host).catch(() => undefined);
      // A replica that does not answer cannot be chosen by Sentinel either.
      if (!s) continue;
      priorities[host] = (await configValues(s, ["replica-priority"]))["replica-priority"] ?? "100";
      await s.client.call("CONFIG", "SET", "replica-priority", "0");
      lowered.push({ address: s.endpoint.address, port: s.endpoint.port });
    }
    const seen = await prioritiesSeen(asked, h.masterName, lowered, Date.now() + SENTINEL_INFO_MS);
    if (seen !== true) return { failed: `switchover aborted: ${asked.endpoint.host}'s Sentinel does not see the other replicas' replica-priority 0 (${seen}); ${h.primary} is still the primary${await putBack()}`, changed: false };
  } catch (e) {
    return { failed: `switchover aborted before Sentinel was asked: ${errorText(e)}; ${h.primary} is still the primary${await putBack()}`, changed: false };
  }

  // 2. Fence.
  const fencedAt = Date.now();
  await transaction(primary, fence);
  // 3. Catch-up.
  const caught = await catchUp(primary, target, h, fencedAt + h.timeoutMs);
  if (caught !== true) {
    return {
      failed:
        `switchover aborted: ${h.target} did not catch up with ${h.primary} within ${h.timeoutMs} ms (${caught}); ` +
        `${h.primary} is still the primary and accepts writes again${await putBack()}${await unfence()}`,
      changed: false,
    };
  }
  // 4. Sentinel fails over.
  try {
    await asked.client.call("SENTINEL", "FAILOVER", h.masterName);
  } catch (e) {
    return { failed: `switchover aborted: SENTINEL FAILOVER ${h.masterName} refused by ${asked.endpoint.host}'s Sentinel (${errorText(e)}); ${h.primary} is still the primary and accepts writes again${await putBack()}${await unfence()}`, changed: false };
  }
  const promoted = await promotedBySentinel(ctx, h, Date.now() + SENTINEL_GRACE_MS);
  if (promoted !== true) {
    const role = await roleOf(ctx, h.target);
    if (role === "slave" && (await roleOf(ctx, h.primary)) === "master") {
      return { failed: `switchover aborted: Sentinel did not promote ${h.target} (${promoted}); ${h.primary} is still the primary and accepts writes again${await putBack()}${await unfence()}` };
    }
    return {
      failed:
        `switchover stuck: after SENTINEL FAILOVER, ${h.target} reports role:${role} and ${promoted}; ${h.primary} stays fenced ` +
        `(min-replicas-to-write ${FENCE_MIN_REPLICAS}) so that no two primaries accept writes. Check SENTINEL MASTER ${h.masterName}${await putBack()}`,
    };
  }
  const fencedMs = Date.now() - fencedAt;
  // 5. The old primary follows the target, unfenced; the other replicas get their priority back.
  const followed = await onNode(ctx, h.primary, (s) => transaction(s, [["REPLICAOF", h.address, String(h.port)], ...restore]))
    .then(
      () => "",
      (e: unknown) => `; ${h.primary} could not be pointed at ${h.target} (${errorText(e)}): Sentinel does it itself shortly, then set its min-replicas-to-write back`,
    );
  const back = await putBack();
  const msg = `${h.target} is the primary (${h.address}:${h.port}), promoted by Sentinel (SENTINEL FAILOVER ${h.masterName}); ${h.primary} follows it (writes were fenced for ${fencedMs} ms)${followed}${back}`;
  return followed || back ? { failed: msg } : { msg, data: { old_primary: h.primary, new_primary: h.target, method: "sentinel" } };
}

/** The first Sentinel of the group that answers and watches the master, or why there is none. */
async function answeringSentinel(ctx: TaskContext, h: SentinelHandover): Promise<SentinelSession | string> {
  const said: string[] = [];
  for (const host of h.sentinels) {
    try {
      const s = await getSentinel(ctx, host);
      if (await sentinelMaster(s, h.masterName)) return s;
      said.push(`${host}'s Sentinel does not monitor ${h.masterName}`);
    } catch (e) {
      said.push(`${host}'s Sentinel: ${errorText(e)}`);
    }
  }
  return `no Sentinel to ask (${said.join("; ")})`;
}

/** True once the Sentinel lists every `lowered` replica with slave-priority 0 (or not at all); else what it says. */
async function prioritiesSeen(s: SentinelSession, name: string, lowered: { address: string; port: number }[], deadline: number): Promise<true | string> {
  let last = "";
  for (;;) {
    const replicas = await sentinelList(s, "REPLICAS", name);
    const stale = lowered.filter((l) => replicas.some((r) => r.ip === l.address && Number(r.port) === l.port && r["slave-priority"] !== "0"));
    if (stale.length === 0) return true;
    last = stale.map((l) => `${l.address}:${l.port}`).join(", ");
    if (Date.now() >= deadline) return `still priority above 0: ${last}`;
    await sleep(200);
  }
}

/** True once the target is the primary and every Sentinel that answers names it; else what is missing at the deadline. */
async function promotedBySentinel(ctx: TaskContext, h: SentinelHandover, deadline: number): Promise<true | string> {
  let last = "no answer yet";
  for (;;) {
    try {
      // Sentinel's promotion kills the target's normal clients (ours too): a session per poll.
      const role = await roleOf(ctx, h.target);
      const named = await Promise.all(
        h.sentinels.map(async (host) => {
          try {
            const s = await getSentinel(ctx, host);
            const reply = (await s.client.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", h.masterName)) as string[] | null;
            return reply ? `${reply[0]}:${reply[1]}` : "none";
          } catch {
            return undefined;
          }
        }),
      );
      const answering = named.filter((n): n is string => n !== undefined);
      const wrong = answering.filter((n) => n !== `${h.address}:${h.port}`);
      if (role === "master" && answering.length > 0 && wrong.length === 0) return true;
      last = `${h.target} is role:${role}; the Sentinels name ${answering.join(", ") || "nothing"}`;
    } catch (e) {
      last = errorText(e);
    }
    if (Date.now() >= deadline) return last;
    await sleep(POLL_MS);
  }
}

/**
 * Runs `fn` on the node, again on a fresh session if the connection was closed under it: Sentinel
 * ends every normal client of a node it reconfigures (CLIENT KILL TYPE normal), ours included.
 */
async function onNode<T>(ctx: TaskContext, host: string, fn: (s: RedisSession) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(await getRedisSession(ctx, host));
    } catch (e) {
      if (attempt >= RETRIES || !/Connection is closed|ECONNRESET|Stream isn't writeable|did not answer/i.test(errorText(e))) throw e;
      await sleep(100 * attempt);
    }
  }
}

async function roleOf(ctx: TaskContext, host: string): Promise<string> {
  try {
    return (await replication(await getRedisSession(ctx, host))).role;
  } catch {
    return "unknown";
  }
}
