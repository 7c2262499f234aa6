// `redis_lock`: runs that change a group's roles (setup, failover, switchover) exclude each other.
// The lock is a directory created with mkdir (atomic) on every node that can be reached, holding
// who took it (a random token, the controller's host name and pid, the time). It is taken on the
// first node in inventory order, then on the others at once; a node already locked by another
// run stops this one before it changes anything (the locks it took are given back). It is
// released when the run ends, however it ends; a lock left by a controller that was killed
// expires after `ttl` seconds, or at once when that controller was this machine and its process
// is gone. A node that cannot be reached is not locked (a dead node is changed by no run) and is
// not reported failed.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { shq } from "../../connection/quote.js";
import { errorText, UnreachableError } from "../../errors.js";
import type { GroupModule, GroupPlan, TaskContext } from "../types.js";

/** Arguments of `redis_lock`. */
export interface RedisLockArgs {
  /** Seconds after which a lock whose run never released it may be taken over. @default 900 */
  ttl?: number;
  /** Where the lock directory is made on each node. @default /run/redplay/lock */
  path?: string;
}

const DEFAULT_PATH = "/run/redplay/lock";

interface LockState {
  path: string;
  ttl: number;
  /** Hosts that answered over SSH, in inventory order. */
  reachable: string[];
}

/** Who holds a lock, as its owner file says. */
interface Holder {
  token: string;
  controller: string;
  pid: string;
  since: number;
}

/** The run's locks by host: the lock directory this run holds there (a host it holds none on is absent). */
function heldLocks(ctx: TaskContext): Map<string, string> {
  return ctx.resources.get("redis-lock:held", () => new Map<string, string>());
}

/**
 * The owner file of the lock this run holds on ctx's host, or undefined when it holds none there;
 * a restart guard (restart-guard.ts) leaves the node to whichever run holds that lock next.
 */
export function heldLockOwner(ctx: TaskContext): string | undefined {
  const path = heldLocks(ctx).get(ctx.host);
  return path === undefined ? undefined : `${path}/owner`;
}

/** This run's token: one per controller process, so every lock task of a run is the same holder. */
const TOKEN = randomUUID();

export const redisLockModule: GroupModule<RedisLockArgs, LockState> = {
  name: "redis_lock",
  scope: "group",
  check: "full",
  schema: {
    type: "object",
    properties: {
      ttl: { type: "integer", minimum: 1 },
      path: { type: "string", pattern: "^/[A-Za-z0-9._/-]+$" },
    },
    additionalProperties: false,
  },
  async plan(g, args) {
    const path = args.path ?? DEFAULT_PATH;
    const ttl = args.ttl ?? 900;
    const out: GroupPlan<LockState> = { hosts: {}, state: { path, ttl, reachable: [] } };
    const seen = await Promise.all(g.hosts.map((h) => readHolder(g.ctx(h), path)));
    for (const [i, host] of g.hosts.entries()) {
      const s = seen[i]!;
      if (s === "unreachable") {
        out.hosts[host] = { changes: [], noop: `${host} cannot be reached: not locked (a node that cannot be reached is changed by no run)` };
        continue;
      }
      out.state!.reachable.push(host);
      if (s !== null && s.token !== TOKEN && !expired(s, ttl)) {
        out.hosts[host] = { changes: [], failed: heldMessage(host, path, s) };
        continue;
      }
      out.hosts[host] = {
        changes: [],
        noop: s?.token === TOKEN ? `${host} is locked by this run` : `${host} is not locked by another run`,
        // Taking the lock writes, but changes nothing a rerun would see: a probe, never under --check.
        probes: s?.token === TOKEN ? [] : [{ summary: `lock ${path} on ${host} for this run` }],
      };
    }
    // One node held by another run stops the whole group before anything is locked or changed.
    const held = Object.entries(out.hosts).find(([, p]) => p.failed);
    if (held) {
      for (const [host, p] of Object.entries(out.hosts)) if (!p.failed) out.hosts[host] = { changes: [], failed: `not locked: ${held[1].failed}` };
    }
    return out;
  },
  async apply(g, _args, plan) {
    const { path, ttl, reachable } = plan.state!;
    const taken: string[] = [];
    // The first node alone, then the others at once: two runs over the same group both start with
    // its first node, so only one of them gets past it.
    const [first, ...rest] = reachable;
    for (const round of first === undefined ? [] : [[first], rest]) {
      const got = await Promise.all(round.map((h) => take(g.ctx(h), path, ttl)));
      round.forEach((h, i) => got[i] === true && taken.push(h));
      const lost = round.findIndex((_, i) => got[i] !== true);
      if (lost < 0) continue;
      // Someone else got there first: give back what this run took, and stop before any change.
      await Promise.all(taken.map((h) => release(g.ctx(h), path)));
      const host = round[lost]!;
      const failed = got[lost] as string;
      return { hosts: Object.fromEntries(g.hosts.map((h) => [h, { failed: h === host ? failed : `not locked: ${failed}` }])) };
    }
    // Released when the run ends, whatever happens in between.
    const ctx = g.ctx(g.hosts[0]!);
    for (const h of taken) heldLocks(ctx).set(h, path);
    ctx.resources.get(`redis-lock:${path}:${taken.join(",")}`, () => taken, async (hosts) => {
      await Promise.all(hosts.map((h) => release(g.ctx(h), path).catch(() => undefined)));
      for (const h of hosts) heldLocks(ctx).delete(h);
    });
    return { hosts: {} };
  },
};

/** The holder of the lock on one host: null when free, "unreachable" when SSH does not answer. */
async function readHolder(ctx: TaskContext, path: string): Promise<Holder | null | "unreachable"> {
  try {
    const conn = await ctx.conn();
    const data = await conn.read(`${path}/owner`, { become: ctx.become });
    return data === null ? null : parseHolder(data.toString("utf8"));
  } catch (e) {
    if (e instanceof UnreachableError) return "unreachable";
    throw e;
  }
}

/** Takes the lock on one host: true, or why not. */
async function take(ctx: TaskContext, path: string, ttl: number): Promise<true | string> {
  const conn = await ctx.conn();
  const owner = `${TOKEN} ${hostname()} ${process.pid} ${Math.floor(Date.now() / 1000)}\n`;
  const parent = path.replace(/\/[^/]+$/, "") || "/";
  // Made complete (owner file inside) under a temp name, then renamed into place: rename(2) is
  // atomic and fails onto a lock directory that exists (it is never empty), so no run ever sees a
  // lock without its owner.
  const script =
    `mkdir -p ${shq(parent)} && t=$(mktemp -d ${shq(`${path}.XXXXXX`)}) && ` +
    `printf '%s' ${shq(owner)} > "$t/owner" && chmod 0600 "$t/owner" && ` +
    `{ mv -T "$t" ${shq(path)} 2>/dev/null || { rm -rf -- "$t"; exit 1; }; }`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = await conn.exec(script, { become: ctx.become });
    if (r.code === 0) return true;
    const holder = await readHolder(ctx, path);
    if (holder === "unreachable") return `${ctx.host} could not be reached while locking`;
    if (holder?.token === TOKEN) return true;
    if (holder && !expired(holder, ttl)) return heldMessage(ctx.host, path, holder);
    // Expired: its run was killed and never released it.
    await conn.exec(`rm -rf -- ${shq(path)}`, { become: ctx.become });
  }
  return `${ctx.host}: the lock ${path} could not be taken`;
}

/** Removes the lock on one host if this run holds it: the owner's token read and compared on the host, one command. */
async function release(ctx: TaskContext, path: string): Promise<void> {
  try {
    const conn = await ctx.conn();
    const owner = shq(`${path}/owner`);
    // The token is the owner file's first word (parseHolder); `read` returns non-zero at a last
    // line without a newline, yet has read it.
    await conn.exec(
      `if { read -r t _ < ${owner} || [ -n "$t" ]; } 2>/dev/null && [ "$t" = ${shq(TOKEN)} ]; then rm -rf -- ${shq(path)}; fi`,
      { become: ctx.become },
    );
  } catch (e) {
    ctx.log(`releasing ${path}: ${errorText(e)}`);
  }
}

function parseHolder(text: string): Holder {
  const [token = "", controller = "?", pid = "?", since = "0"] = text.trim().split(/\s+/);
  return { token, controller, pid, since: Number(since) || 0 };
}

/** A lock its run can no longer release: older than `ttl`, or taken on this controller by a process that is gone. */
function expired(h: Holder, ttl: number): boolean {
  if (h.since > 0 && Date.now() / 1000 - h.since > ttl) return true;
  return h.controller === hostname() && /^\d+$/.test(h.pid) && !processAlive(Number(h.pid));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function heldMessage(host: string, path: string, h: Holder): string {
  const since = h.since > 0 ? new Date(h.since * 1000).toISOString() : "an unknown time";
  return (
    `${host}: another run is changing this group (lock ${path} held by pid ${h.pid} on ${h.controller} since ${since}); ` +
    `nothing was changed. Wait for it to finish, or remove ${path} on the nodes if that run is gone`
  );
}
