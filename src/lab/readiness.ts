// Waiting for nodes: up when sshd sends its banner and Redis answers PING; down when nothing
// listens on the node's ports any more, so a following `up` can bind them again.
import { readFile } from "node:fs/promises";
import { LabError } from "./lab-error.js";
import { portOpen, redisAnswers, sshdAnswers } from "./probe.js";
import { pollUntil } from "./procs.js";

/** Time allowed for a lab of `count` nodes to answer; two cores start 50 nodes in seconds. */
export function readyTimeoutMs(count: number): number {
  return 20_000 + 500 * count;
}

async function tail(path: string, lines: number): Promise<string> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    return text.split("\n").slice(-lines).join(" / ");
  } catch {
    return "";
  }
}

/** Where a node's boot output and files are, for the message when it does not come up. */
export interface NodeLogs {
  root: string;
  bootLog: string;
}

/**
 * Resolves when the node's services answer (sshd, and Redis unless `redis` is false: a node with
 * nothing installed); a LabError names the node and what is missing.
 */
export async function waitNodeReady(name: string, address: string, dirs: NodeLogs, timeoutMs: number, redisExpected = true): Promise<void> {
  let ssh = false;
  let redis = !redisExpected;
  const ok = await pollUntil(async () => {
    ssh = ssh || (await sshdAnswers(address));
    redis = redis || (await redisAnswers(address));
    return ssh && redis;
  }, timeoutMs, 100);
  if (ok) return;
  const missing = [ssh ? null : `sshd on ${address}:22`, redis ? null : `redis on ${address}:6379`].filter(Boolean).join(" and ");
  const log = await tail(dirs.bootLog, 3);
  throw new LabError(
    `${name}: ${missing} did not answer within ${Math.round(timeoutMs / 1000)}s${log ? ` (boot log: ${log})` : ""}; see ${dirs.root}`,
    name,
  );
}

/** True once neither port of the address accepts connections. */
export async function waitAddressFree(address: string, timeoutMs: number): Promise<boolean> {
  return pollUntil(async () => !(await portOpen(address, 22, 300)) && !(await portOpen(address, 6379, 300)), timeoutMs, 100);
}

/** Which of the lab's ports are already taken, as `addr:port` strings. */
export async function takenPorts(addresses: string[]): Promise<string[]> {
  const checks = addresses.flatMap((a) => [22, 6379].map(async (p) => ((await portOpen(a, p, 500)) ? `${a}:${p}` : null)));
  return (await Promise.all(checks)).filter((x): x is string => x !== null);
}
