// The primary record: which node redplay last made (or found) the group's primary, with a
// generation number that only grows, kept on every node it reached (`/var/lib/redplay/primary-
// <port>.json`). Replication state alone cannot always tell a promoted replica from an old primary
// that came back (both are masters; on 7.0+ both carry the old replication id as their second
// one), nor which of two forks holds the writes clients were told to use. The record can: a
// failover or switchover writes the next generation on every node it reaches before it acts, so a
// node that was down meanwhile keeps an older one and is known to be superseded. Records hold no
// secret; a node without one counts as generation 0. `redplay_state_dir` moves them (tests that run
// several "hosts" on one machine give each its own).
import { shq } from "../connection/quote.js";
import { errorText } from "../errors.js";
import type { TaskContext } from "../modules/types.js";
import { redisEndpoint } from "./endpoint.js";

export interface PrimaryRecord {
  generation: number;
  /** Inventory name of the primary. */
  primary: string;
  /** Which run wrote it: setup, failover, switchover. */
  by?: string;
  /** When (ISO 8601, the controller's clock). */
  at?: string;
}

export const RECORD_DIR = "/var/lib/redplay";

/** Where `host`'s record lives: one per Redis port, so two servers on one host keep their own. */
export function recordPath(ctx: TaskContext, host: string): string {
  const vars = host === ctx.host ? ctx.vars : ctx.varsFor(host);
  const { port } = redisEndpoint(host, vars);
  return `${stateDir(vars)}/primary-${port}.json`;
}

/** redplay's state directory on a host: `redplay_state_dir` (an absolute path), else /var/lib/redplay. */
function stateDir(vars: Record<string, unknown>): string {
  const dir = vars.redplay_state_dir;
  return typeof dir === "string" && dir.startsWith("/") ? dir.replace(/\/+$/, "") || "/" : RECORD_DIR;
}

/** A record from its file's text; anything unreadable counts as no record. */
export function parseRecord(text: string | null | undefined): PrimaryRecord | undefined {
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as Partial<PrimaryRecord>;
    if (typeof r.primary !== "string" || r.primary === "" || !Number.isInteger(r.generation) || r.generation! < 1) return undefined;
    return { generation: r.generation!, primary: r.primary, ...(typeof r.by === "string" ? { by: r.by } : {}), ...(typeof r.at === "string" ? { at: r.at } : {}) };
  } catch {
    return undefined;
  }
}

/** `host`'s record, or undefined when it has none (or cannot be read: SSH errors propagate). */
export async function readRecord(ctx: TaskContext, host: string): Promise<PrimaryRecord | undefined> {
  const conn = await ctx.connFor(host);
  const data = await conn.read(recordPath(ctx, host), { become: ctx.become });
  return parseRecord(data?.toString("utf8"));
}

/** Writes `record` on `host`, complete under a temporary name and renamed into place. */
export async function writeRecord(ctx: TaskContext, host: string, record: PrimaryRecord): Promise<void> {
  const conn = await ctx.connFor(host);
  const path = recordPath(ctx, host);
  const text = `${JSON.stringify(record)}\n`;
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  const r = await conn.exec(
    `mkdir -p ${shq(dir)} && t=$(mktemp ${shq(`${path}.XXXXXX`)}) && printf '%s' ${shq(text)} > "$t" && chmod 0644 "$t" && mv -f "$t" ${shq(path)}`,
    { become: ctx.become },
  );
  if (r.code !== 0) throw new Error(`${host}: cannot write ${path}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
}

/** Writes `record` on each of `hosts` in parallel; the hosts it failed on, with why (for a group apply). */
export async function writeRecords(ctxOf: (host: string) => TaskContext, record: PrimaryRecord, hosts: string[]): Promise<Record<string, { failed: string }>> {
  const failed: Record<string, { failed: string }> = {};
  await Promise.all(
    hosts.map(async (h) => {
      try {
        await writeRecord(ctxOf(h), h, record);
      } catch (e) {
        failed[h] = { failed: errorText(e) };
      }
    }),
  );
  return failed;
}

/** The newest record among `records`; `tie` when two records of that generation name different primaries. */
export function newestRecord(records: Array<PrimaryRecord | undefined>): { record?: PrimaryRecord; tie: boolean } {
  let newest: PrimaryRecord | undefined;
  let tie = false;
  for (const r of records) {
    if (!r) continue;
    if (!newest || r.generation > newest.generation) {
      newest = r;
      tie = false;
    } else if (r.generation === newest.generation && r.primary !== newest.primary) {
      tie = true;
    }
  }
  return newest ? { record: newest, tie } : { tie: false };
}

/** The record a run that settles `primary` writes: the newest one when it already names it, else the next generation. */
export function nextRecord(records: Array<PrimaryRecord | undefined>, primary: string, by: string): PrimaryRecord {
  const { record, tie } = newestRecord(records);
  const generation = record && record.primary === primary && !tie ? record.generation : (record?.generation ?? 0) + 1;
  return { generation, primary, by, at: new Date().toISOString() };
}

/** Whether `have` already says what `want` says (the time and author aside). */
export function sameRecord(have: PrimaryRecord | undefined, want: PrimaryRecord): boolean {
  return have !== undefined && have.generation === want.generation && have.primary === want.primary;
}
