// The switchover for servers without `FAILOVER` (Redis 5.0 and 6.0), built from commands every
// supported version has, with the same two promises as FAILOVER: never two writable primaries,
// and no acknowledged write lost.
//
// Why not `CLIENT PAUSE`: before 6.2 it pauses every client that is not a replica, *including the
// connection that sent it* (checked on 5.0.7: a PING after CLIENT PAUSE 1500 on the same
// connection waited 1.5 s). So the old primary cannot be demoted while the pause holds writes;
// when the pause runs out, held writes and our REPLICAOF are served in whatever order the clients
// come, and a held write served first is acknowledged by a primary that is about to discard it.
// Instead:
//
// 1. Fence: `CONFIG SET min-replicas-to-write 2147483647` (and a non-zero min-replicas-max-lag)
//    on the old primary. Every write command is refused with NOREPLICAS (never acknowledged; on
//    5.0 scripts and EXEC are not checked, see 3 and 4) and our own connection keeps working.
//    Replication keeps flowing.
// 2. Catch-up: poll until the target's slave_repl_offset reaches the old primary's
//    master_repl_offset (read in that order), bounded by timeout_ms. Not in time: the settings
//    are restored, the old primary never stopped being the primary, the task fails with why.
// 3. Demote: `REPLICAOF <own address> <own port>`, then read its master_repl_offset. From then on
//    the old primary is a read-only replica: every write is refused with READONLY, scripts (EVAL,
//    which 5.0's min-replicas check does not cover) and EXEC of transactions queued before the
//    fence included; and a replica without a link adds nothing to its stream, so the offset read
//    after the demotion is the last one it will ever have acknowledged a write below. (Not INFO
//    and REPLICAOF in one MULTI: INFO is neither read-only nor admin to 5.0, so EXEC would
//    propagate a MULTI into the stream, 15 bytes the target never receives.) It points at
//    *itself* on purpose: a replica whose own link is not up refuses every sync (-NOMASTERLINK),
//    so neither node can pull the other's data while we check; pointing it at the target straight
//    away could let it sync from a target that still lacks the last bytes.
// 4. Check: the target must report exactly that final offset. If it does not (a write that
//    slipped past the fence was still in the old primary's output buffer when the demotion cut
//    the link), roll back: `REPLICAOF NO ONE` on the old primary, which keeps every write (the
//    target resyncs partially from it), and, still fenced, try 2-4 again while timeout_ms allows
//    (at most 5 times); then fail with the old primary as the primary, unfenced. A repeated
//    demotion drains first: `MULTI; CLIENT KILL TYPE normal; CLIENT PAUSE 100; EXEC`, then
//    REPLICAOF. The pause holds every client (ours too) while the last bytes reach the target;
//    the kill makes our connection the oldest client, and when the pause runs out the server
//    serves held clients oldest first, so the REPLICAOF usually runs before any held script.
//    When it does not, the check below catches it again: the drain improves the odds, the check
//    is what keeps writes safe. Only after such a miss are clients killed (they were about to be
//    refused with READONLY anyway).
// 5. Promote the target (`REPLICAOF NO ONE`), then `REPLICAOF <target>` on the old primary,
//    together with its min-replicas settings put back. It resumes partially (PSYNC against the
//    target's master_replid2), so no full sync.
//
// Between 3 and 5 no node accepts writes: the window is the handover itself (milliseconds).
// Edge cases:
// - min-replicas-to-write on the promoted node: if the group sets it (REDIS.md §1 suggests 1),
//   the new primary refuses writes (NOREPLICAS) until a replica has synced with it; the old
//   primary resumes partially within a second or so, the other replicas once they are repointed.
//   Refused, never lost.
// - Client connections are not killed by a first demotion: a client of the old primary gets
//   NOREPLICAS, then READONLY, and must find the new primary (what FAILOVER's clients see too).
//   Killing them would not protect a single write more (READONLY already does) and would cut its
//   readers off too; only the drain of a repeated demotion (4) kills them, to order the server.
// - masterauth: the demoted node must authenticate to the new primary. The group shares one
//   password, set as masterauth on every node; the plan refuses a primary without masterauth.
// - replica-read-only must be yes on the old primary, or step 3 fences nothing; the plan checks.
// - If redplay dies between 1 and 5, the old primary is left fenced or read-only: writes are
//   refused, none is lost. `CONFIG GET min-replicas-to-write` shows 2147483647 then; `CONFIG SET`
//   of the file's value puts it back (CONFIG SET never touched the file, so a restart does too).
// - Other replicas lose their link at step 3 and resync through the old primary (a chain) until
//   they are repointed, as after FAILOVER; switchover.yaml repoints them.
import { errorText } from "../../errors.js";
import type { ReplicationInfo } from "../../facts/redis-info.js";
import { getRedisSession, type RedisSession } from "../../redis/client.js";
import { readInfoSections, transaction } from "../../redis/session-commands.js";
import type { Applied, TaskContext } from "../types.js";
import { sleep } from "./node-read.js";

/** What the manual handover needs to know. */
export interface ManualHandover {
  primary: string;
  target: string;
  /** The target as clients and replicas reach it. */
  address: string;
  port: number;
  /** The old primary's own address and port (step 3 points it at itself). */
  primaryAddress: string;
  primaryPort: number;
  /** Longest time writes stay fenced while the target catches up. */
  timeoutMs: number;
}

/** min-replicas-to-write while fenced: more replicas than any primary has, so every write is refused. */
export const FENCE_MIN_REPLICAS = "2147483647";
const POLL_MS = 20;
/** How long the target may take, after the demotion, to show the bytes it was already sent. */
const SETTLE_MS = 2000;
/** Demotions tried before giving up, each after a fresh catch-up (within timeout_ms as well). */
const MAX_ATTEMPTS = 5;
/** The pause that lets every byte reach the target before a repeated demotion. */
const DRAIN_MS = 100;

/** Runs steps 1 to 5 (see the file's header); never leaves two writable primaries. */
export async function manualHandover(ctx: TaskContext, h: ManualHandover): Promise<Applied> {
  const primary = await getRedisSession(ctx, h.primary);
  const target = await getRedisSession(ctx, h.target);
  const { restore, fence } = await primaryFence(primary);

  // 1. Fence.
  const fencedAt = Date.now();
  await transaction(primary, fence);

  // 2-4, repeated while the deadline allows: a write that slipped past the fence (see the
  // header) in the instant of the demotion can leave the target a few bytes short; the old
  // primary, which has them, is then made the primary again (still fenced) and the target
  // catches up once more.
  const deadline = fencedAt + h.timeoutMs;
  let finalOffset: number;
  let attempt = 1;
  for (; ; attempt++) {
    try {
      // 2. Catch-up, bounded by the timeout.
      const caught = await catchUp(primary, target, h, deadline);
      if (caught !== true) {
        await transaction(primary, restore);
        const tries = attempt > 1 ? ` (attempt ${attempt}; earlier ones lost the last bytes with the link)` : "";
        return {
          failed:
            `switchover aborted: ${h.target} did not catch up with ${h.primary} within ${h.timeoutMs} ms (${caught})${tries}; ` +
            `${h.primary} is still the primary and accepts writes again. Check ${h.target}'s replication lag and retry, or raise the timeout`,
          changed: false,
        };
      }
      // 3. Demote; the offset read afterwards is frozen (see the header). After a miss, drain
      // first (see the header): our REPLICAOF waits out the pause and is then served first.
      if (attempt > 1) {
        await transaction(primary, [
          ["CLIENT", "KILL", "TYPE", "normal"],
          ["CLIENT", "PAUSE", String(DRAIN_MS)],
        ]);
      }
      await primary.client.call("REPLICAOF", h.primaryAddress, String(h.primaryPort));
      const demoted = await replication(primary);
      if (demoted.role !== "slave") throw new Error(`${h.primary} still reports role:${demoted.role} after REPLICAOF`);
      finalOffset = demoted.master_repl_offset;
    } catch (e) {
      // The target was not promoted, so the old primary may safely be (or stay) the primary:
      // REPLICAOF NO ONE is a no-op on a primary and undoes a demotion whose reply was lost.
      const back = await transaction(primary, [["REPLICAOF", "NO", "ONE"], ...restore]).then(
        () => `${h.primary} is still the primary, its min-replicas settings restored`,
        (r) => `putting ${h.primary} back failed too (${errorText(r)}): check its role and CONFIG GET min-replicas-to-write`,
      );
      return { failed: `switchover from ${h.primary} to ${h.target} stopped before the handover: ${errorText(e)}; ${back}` };
    }

    // 4. The target must hold every byte the old primary wrote.
    const reached = await offsetReached(target, finalOffset, Date.now() + SETTLE_MS);
    if (reached === true) break;
    const last = attempt === MAX_ATTEMPTS || Date.now() >= deadline;
    const back = await transaction(primary, [["REPLICAOF", "NO", "ONE"], ...(last ? restore : [])]).then(
      () => undefined,
      (e: unknown) => `making ${h.primary} the primary again failed: ${errorText(e)}; it is read-only (REPLICAOF itself), run setup.yaml -e redis_primary=${h.primary}`,
    );
    if (back || last) {
      return {
        failed:
          `switchover aborted: ${h.target} did not receive ${h.primary}'s last writes (${reached}, needed offset ${finalOffset}` +
          `${attempt > 1 ? `, attempt ${attempt}` : ""}); ${back ?? `${h.primary} is the primary again and accepts writes`}`,
      };
    }
  }
  const fencedMs = Date.now() - fencedAt;

  // 5. Promote the target, then let the old primary follow it.
  try {
    await target.client.call("REPLICAOF", "NO", "ONE");
  } catch (e) {
    const role = await replication(target).then((r) => r.role, () => undefined);
    if (role !== "master") {
      // Only a target that is certainly still a replica may be given up on: else two primaries.
      if (role === "slave") {
        await transaction(primary, [["REPLICAOF", "NO", "ONE"], ...restore]).catch(() => undefined);
        return { failed: `switchover aborted: REPLICAOF NO ONE on ${h.target} failed (${errorText(e)}); ${h.primary} is the primary again` };
      }
      return {
        failed:
          `switchover stuck: REPLICAOF NO ONE on ${h.target} failed (${errorText(e)}) and its role cannot be read; ` +
          `${h.primary} stays read-only so that no two primaries can accept writes. Run setup.yaml -e redis_primary=NODE to settle it`,
      };
    }
  }
  try {
    await transaction(primary, [["REPLICAOF", h.address, String(h.port)], ...restore]);
  } catch (e) {
    return {
      failed:
        `${h.target} is the primary, but ${h.primary} could not be pointed at it (${errorText(e)}); ` +
        `${h.primary} is read-only with min-replicas-to-write ${FENCE_MIN_REPLICAS}: run setup.yaml -e redis_primary=${h.target}`,
    };
  }
  return {
    msg: `${h.target} is the primary (${h.address}:${h.port}); ${h.primary} follows it (handed over without FAILOVER: ${h.primary} was fenced for ${fencedMs} ms${attempt > 1 ? `, ${attempt} attempts` : ""})`,
    data: { old_primary: h.primary, new_primary: h.target, method: "manual", offset: finalOffset, attempts: attempt },
  };
}

/**
 * The primary's min-replicas settings as they are (`saved`), the commands that put them back
 * (`restore`), and the fence that refuses every write while the target catches up (`fence`: a
 * non-zero min-replicas-max-lag, so the fence counts).
 */
export async function primaryFence(primary: RedisSession): Promise<{ saved: Record<string, string>; restore: string[][]; fence: string[][] }> {
  const saved = await configValues(primary, ["min-replicas-to-write", "min-replicas-max-lag"]);
  const restore = [
    ["CONFIG", "SET", "min-replicas-to-write", saved["min-replicas-to-write"] ?? "0"],
    ["CONFIG", "SET", "min-replicas-max-lag", saved["min-replicas-max-lag"] ?? "10"],
  ];
  const lag = saved["min-replicas-max-lag"] && saved["min-replicas-max-lag"] !== "0" ? saved["min-replicas-max-lag"] : "10";
  const fence = [
    ["CONFIG", "SET", "min-replicas-max-lag", lag],
    ["CONFIG", "SET", "min-replicas-to-write", FENCE_MIN_REPLICAS],
  ];
  return { saved, restore, fence };
}

/** True once the target, still following the primary, has its offset; else why not, at the deadline. */
export async function catchUp(primary: RedisSession, target: RedisSession, h: ManualHandover, deadline: number): Promise<true | string> {
  let last = "no offsets read yet";
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return last;
    try {
      // The primary first: a target at or past this offset has everything written before it.
      const p = await bounded(replication(primary), left);
      const t = await bounded(replication(target), deadline - Date.now());
      if (p.role !== "master") return `${h.primary} reports role:${p.role}`;
      if (t.role !== "slave" || t.master_host !== h.primaryAddress || t.master_port !== h.primaryPort) {
        return `${h.target} no longer follows ${h.primary} (role:${t.role}, master ${t.master_host}:${t.master_port})`;
      }
      const offset = t.slave_repl_offset ?? -1;
      if (t.master_link_status === "up" && offset >= p.master_repl_offset) return true;
      last = `${h.target} at offset ${offset} of ${p.master_repl_offset}, link ${t.master_link_status ?? "unknown"}`;
    } catch (e) {
      last = errorText(e);
    }
    await sleep(POLL_MS);
  }
}

/** True once the target reports `offset` (its link to the demoted node is gone by then); else what it reports. */
async function offsetReached(target: RedisSession, offset: number, deadline: number): Promise<true | string> {
  let last = "its offset could not be read";
  for (;;) {
    try {
      const t = await bounded(replication(target), Math.max(1, deadline - Date.now()));
      const got = t.slave_repl_offset ?? -1;
      if (got >= offset) return true;
      last = `it reports offset ${got}`;
      // Once it has seen the link close it has applied every byte that came before: no more will.
      if (t.master_link_status === "down") return last;
    } catch (e) {
      last = errorText(e);
    }
    if (Date.now() >= deadline) return last;
    await sleep(POLL_MS);
  }
}

export async function replication(session: RedisSession): Promise<ReplicationInfo> {
  const info = (await readInfoSections(session, ["replication"])).replication;
  if (!info) throw new Error(`INFO on ${session.endpoint.host} has no replication section`);
  return info;
}

/** CONFIG GET of each name, as name -> value (names the server does not know are absent). */
export async function configValues(session: RedisSession, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const reply = (await session.client.call("CONFIG", "GET", name)) as string[];
    if (reply.length >= 2) out[name] = String(reply[1]);
  }
  return out;
}

/** `p`, or a rejection after `ms`: a stopped node must not hold the handover past its deadline. */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  p.catch(() => undefined);
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
