// `redis_promote`: turns the task's host, a replica of a failed primary, into the primary the way
// Sentinel does (sentinel.c sentinelSendSlaveOf): REPLICAOF NO ONE together with CLIENT KILL of
// the normal and pubsub clients in one MULTI, so clients that were reading from the replica
// reconnect and learn its new role. Only clients that are not redplay's are killed, one CLIENT
// KILL ID each (read from CLIENT LIST just before): a kill by TYPE would also cut the probe of
// another failover run, which would then take this live node for dead and promote a second one.
// Right before the MULTI it re-checks the decision (redis_failover's, else what plan saw): the
// node must still follow the old primary, and no other reachable node of the group may have
// become a primary with replicas; otherwise it changes nothing and fails. No restart (a restart
// right after promotion can lose data) and no CONFIG REWRITE (redis.conf belongs to the
// template). After EXEC it checks that the node is a primary and kept the old history as
// master_replid2, which lets the other replicas resync partially instead of fully.
import { failureText, errorText } from "../../errors.js";
import type { ReplicationInfo } from "../../facts/redis-info.js";
import { getRedisSession, isRedplayClientName, type RedisSession } from "../../redis/client.js";
import { redisEndpoint } from "../../redis/endpoint.js";
import { readInfoSections, transaction } from "../../redis/session-commands.js";
import { shq } from "../../connection/quote.js";
import type { Module, TaskContext } from "../types.js";
import { readInfo } from "./node-read.js";

/** Arguments of `redis_promote` (none: the decision comes from the `redis_failover` fact). */
export type RedisPromoteArgs = Record<string, never>;

/** The primary the replica must still follow when the promotion acts. */
interface Leader {
  /** Inventory name, when the failover decision named it. */
  host?: string;
  address: string;
  port: number;
}

/** Handed from plan to apply: the history the replica followed, and what the decision saw. */
interface PromoteState {
  replid: string;
  leader: Leader;
  /** The other nodes of the group to re-check (the decision's reachable ones). */
  others: string[];
}

export const redisPromoteModule: Module<RedisPromoteArgs, PromoteState> = {
  name: "redis_promote",
  check: "full",
  schema: { type: "object", properties: {}, additionalProperties: false },
  async plan(ctx) {
    let info: ReplicationInfo | undefined;
    try {
      info = (await readInfo(ctx, ctx.host, ["replication"])).info.replication;
    } catch (e) {
      return { changes: [], failed: failureText(e) };
    }
    if (!info) return { changes: [], failed: `INFO on ${ctx.host} has no replication section` };
    if (info.role === "master") return { changes: [], noop: `${ctx.host} is a primary` };
    let decided: { leader?: Leader; others: string[] };
    try {
      decided = decision(ctx);
    } catch (e) {
      return { changes: [], failed: failureText(e) };
    }
    const leader: Leader = decided.leader ?? { address: info.master_host ?? "?", port: info.master_port ?? 0 };
    if (!follows(info, leader)) {
      return { changes: [], failed: `${ctx.host} follows ${info.master_host}:${info.master_port}, not ${describeLeader(leader)} as the failover decided; nothing was changed` };
    }
    return {
      changes: [
        { summary: `REPLICAOF NO ONE on ${ctx.host} (it follows ${info.master_host}:${info.master_port}, offset ${info.slave_repl_offset ?? "?"})` },
        { summary: "CLIENT KILL ID of every normal and pubsub client that is not redplay's (same MULTI: clients reconnect and see the new role)" },
      ],
      state: { replid: info.master_replid, leader, others: decided.others } satisfies PromoteState,
    };
  },
  async apply(ctx, _args, plan) {
    const { replid, leader, others } = plan.state!;
    try {
      const session = await getRedisSession(ctx, ctx.host);
      // The decision may be stale by now (another run, an operator): re-check it as late as possible.
      const now = (await readInfoSections(session, ["replication"])).replication;
      if (!now) return { failed: `INFO on ${ctx.host} has no replication section` };
      if (now.role === "master") {
        if (now.master_replid2 === replid) {
          return {
            changed: false,
            msg: `${ctx.host} was already promoted meanwhile (by another run?): it is a primary with ${describeLeader(leader)}'s history as master_replid2; nothing was changed`,
          };
        }
        return { failed: `${ctx.host} became a primary meanwhile, without ${describeLeader(leader)}'s history ${replid}; nothing was changed` };
      }
      if (!follows(now, leader)) {
        return { failed: `${ctx.host} now follows ${now.master_host}:${now.master_port}, not ${describeLeader(leader)}: the group changed since the decision; nothing was changed` };
      }
      const rival = await rivalPrimary(ctx, others, leader);
      if (rival) return { failed: `${rival}: promoting ${ctx.host} too would make two primaries; nothing was changed` };

      // The file first: a node killed between the promotion and the rewrite of its redis.conf
      // would otherwise restart following the old primary, whose full resync then replaces
      // everything it took as the primary.
      const fileNote = await dropReplicaof(ctx, ctx.host, session, "before the promotion");
      const victims = await otherClients(session);
      const kills = victims.map((id) => ["CLIENT", "KILL", "ID", id]);
      try {
        // REPLICAOF exists from 5.0 (the oldest supported), CLIENT KILL ID from 2.8.12. A client
        // gone since CLIENT LIST makes its kill reply 0 (or "No such client"): not a failure.
        await transaction(session, [["REPLICAOF", "NO", "ONE"], ...kills], {
          accept: (command, err) => command[1] === "KILL" && /no such client/i.test(err.message),
        });
      } catch (e) {
        return { failed: `promotion of ${ctx.host} failed: ${failureText(e)}` };
      }
      const after = (await readInfo(ctx, ctx.host, ["replication"])).info.replication;
      if (after?.role !== "master") return { failed: `${ctx.host} still reports role:${after?.role} after REPLICAOF NO ONE` };
      const killed = `${victims.length} client(s) disconnected`;
      if (after.master_replid2 !== replid) {
        return {
          msg: `${ctx.host} is now a primary, but its master_replid2 (${after.master_replid2}) is not the old history ${replid}: the other replicas will fully resync (${killed})${fileNote}`,
        };
      }
      return {
        msg: `${ctx.host} is now a primary (history ${replid} kept as master_replid2 up to offset ${after.second_repl_offset}; ${killed})${fileNote}`,
        data: {
          master_replid: after.master_replid,
          master_replid2: after.master_replid2,
          second_repl_offset: after.second_repl_offset,
          clients_killed: victims.length,
        },
      };
    } catch (e) {
      return { failed: failureText(e) };
    }
  },
};

/** The old primary and the nodes to re-check, from the `redis_failover` fact when there is one. */
function decision(ctx: TaskContext): { leader?: Leader; others: string[] } {
  const fact = ctx.vars.redis_failover as { old_primary?: unknown; reachable?: unknown } | undefined;
  const reachable = Array.isArray(fact?.reachable) ? fact.reachable.filter((h): h is string => typeof h === "string") : undefined;
  const others = (reachable ?? ctx.playHosts).filter((h) => h !== ctx.host);
  const old = typeof fact?.old_primary === "string" && fact.old_primary !== "" ? fact.old_primary : undefined;
  if (!old) return { others };
  const e = redisEndpoint(old, ctx.varsFor(old));
  return { leader: { host: old, address: e.address, port: e.port }, others: others.filter((h) => h !== old) };
}

function follows(info: ReplicationInfo, leader: Leader): boolean {
  return info.role === "slave" && info.master_host === leader.address && Number(info.master_port) === leader.port;
}

function describeLeader(l: Leader): string {
  return l.host ? `${l.host} (${l.address}:${l.port})` : `${l.address}:${l.port}`;
}

/**
 * Another node of the group that is now a primary with replicas (connected, or reachable nodes
 * configured to follow it), described; undefined when there is none. Nodes that do not answer
 * are skipped: the decision already counted them out.
 */
async function rivalPrimary(ctx: TaskContext, others: string[], leader: Leader): Promise<string | undefined> {
  const seen = await Promise.all(
    others.map(async (host) => {
      const e = redisEndpoint(host, ctx.varsFor(host));
      try {
        const { info } = await readInfo(ctx, host, ["replication"]);
        return { host, address: e.address, port: e.port, info: info.replication };
      } catch (err) {
        ctx.log(`redis_promote: re-check of ${host} skipped: ${errorText(err)}`, 2);
        return { host, address: e.address, port: e.port, info: undefined };
      }
    }),
  );
  for (const n of seen) {
    if (n.info?.role !== "master") continue;
    // The old primary coming back with its replicas still following it is a rival too.
    const followers = seen.filter((r) => r.info?.role === "slave" && r.info.master_host === n.address && Number(r.info.master_port) === n.port);
    if (n.info.connected_slaves > 0 || followers.length > 0) {
      const who = followers.length > 0 ? followers.map((r) => r.host).join(", ") : `${n.info.connected_slaves} replica(s)`;
      const was = n.address === leader.address && n.port === leader.port ? " (the old primary is back)" : "";
      return `${n.host} (${n.address}:${n.port}) is now a primary with replicas (${who})${was}`;
    }
  }
  return undefined;
}

/** Ids of the normal and pubsub clients of the node that are neither redplay's nor this session. */
async function otherClients(session: RedisSession): Promise<string[]> {
  const self = String(await session.client.call("CLIENT", "ID"));
  const ids = new Set<string>();
  for (const type of ["normal", "pubsub"]) {
    const text = String(await session.client.call("CLIENT", "LIST", "TYPE", type));
    for (const line of text.split("\n")) {
      const fields = new Map(
        line
          .trim()
          .split(" ")
          .map((kv) => {
            const i = kv.indexOf("=");
            return [kv.slice(0, i), kv.slice(i + 1)] as const;
          }),
      );
      const id = fields.get("id");
      if (!id || id === self || isRedplayClientName(fields.get("name"))) continue;
      ids.add(id);
    }
  }
  return [...ids].sort((a, b) => Number(a) - Number(b));
}

/**
 * Takes the `replicaof` (or `slaveof`) line out of the file `host`'s server was started with (INFO
 * server's config_file), atomically and keeping its owner and mode; the rest of the file is left
 * to redis_config. Used right around a promotion, so that a node killed before its file is
 * persisted comes back a primary, not a replica of the old primary. A note for the result when it
 * could not (the promotion goes on: it is not held back by a file).
 */
export function dropReplicaof(ctx: TaskContext, host: string, session: RedisSession, when: string): Promise<string> {
  return setReplicaofLine(ctx, host, session, null, when);
}

/**
 * Makes the file `host`'s server was started with follow `target` (its replicaof/slaveof lines
 * replaced by one `replicaof ADDRESS PORT`), or nobody (null: the lines removed), atomically and
 * keeping owner and mode. A note for the result ("" when done or when the server has no file).
 */
export async function setReplicaofLine(
  ctx: TaskContext,
  host: string,
  session: RedisSession,
  target: { address: string; port: number } | null,
  when: string,
): Promise<string> {
  const notChanged = (why: string) => `; ${host}'s redis.conf was not changed ${when} (${why})`;
  let file: string | undefined;
  try {
    file = (await readInfoSections(session, ["server"])).sections.server?.config_file?.trim();
  } catch (e) {
    return notChanged(errorText(e));
  }
  if (!file) return "";
  try {
    const conn = await ctx.connFor(host);
    const f = shq(file);
    const line = target ? `replicaof ${target.address} ${target.port}` : undefined;
    // Nothing to do when the file already says it: exactly that one line, or no line at all.
    const done = line ? `[ "$n" = 1 ] && grep -Fqx ${shq(line)} ${f}` : `[ "$n" = 0 ]`;
    const r = await conn.exec(
      `[ -f ${f} ] || exit 0; n=$(grep -Eic '^[[:space:]]*(replicaof|slaveof)[[:space:]]' ${f}); ${done} && exit 0; ` +
        `t=$(mktemp ${shq(`${file}.XXXXXX`)}) && cp -p -- ${f} "$t" && ` +
        `{ sed -E '/^[[:space:]]*([Rr][Ee][Pp][Ll][Ii][Cc][Aa][Oo][Ff]|[Ss][Ll][Aa][Vv][Ee][Oo][Ff])[[:space:]]/d' -- ${f}${line ? `; printf '%s\\n' ${shq(line)}` : ""}; } > "$t" && mv -f -- "$t" ${f}`,
      { become: ctx.become },
    );
    if (r.code !== 0) return notChanged((r.stderr || r.stdout).trim() || `exit ${r.code}`);
    return "";
  } catch (e) {
    return notChanged(errorText(e));
  }
}
