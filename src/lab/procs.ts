// The host's view of a node's processes, read from /proc. A node is every process sharing its
// pid namespace; a crash must reach all of them (sshd's per-connection children included), and
// a recorded pid is only signalled after checking it still belongs to the node, so a recycled
// pid of some unrelated process is never touched.
import { readdir, readFile, readlink } from "node:fs/promises";

/** `pid:[4026...]` of a process, or null when it is gone. */
export async function pidNamespaceOf(pid: number): Promise<string | null> {
  try {
    return await readlink(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

/** Process state letter from /proc/<pid>/status (`R`, `S`, `Z`...), or null when gone. */
export async function processState(pid: number): Promise<string | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    return /^State:\s+(\S)/m.exec(status)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** A zombie has exited and holds nothing (no ports, no files); only its parent can reap it. */
export async function isLive(pid: number): Promise<boolean> {
  const state = await processState(pid);
  return state !== null && state !== "Z";
}

/** Host pids of every live (non-zombie) process in the given pid namespace. */
export async function livePidsInNamespace(pidNs: string): Promise<number[]> {
  const entries = await readdir("/proc");
  const found: number[] = [];
  await Promise.all(
    entries.map(async (e) => {
      if (!/^\d+$/.test(e)) return;
      const pid = Number(e);
      if ((await pidNamespaceOf(pid)) !== pidNs) return;
      if (await isLive(pid)) found.push(pid);
    }),
  );
  return found.sort((a, b) => a - b);
}

/** Children of a process (first thread), from /proc; empty when it is gone. */
export async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The process's argv, or [] when it is gone. */
export async function cmdlineOf(pid: number): Promise<string[]> {
  try {
    const text = await readFile(`/proc/${pid}/cmdline`, "utf8");
    return text.split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** Sends a signal; a process that is already gone is not an error. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or the time runs out; returns the last answer. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}
