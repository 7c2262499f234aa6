// Runs one benchmarked command the way a user would, and measures it from outside: wall time,
// peak RSS of the largest process (GNU time -v) and peak RSS of the whole process tree (sampled
// from /proc, because ansible-playbook forks workers that GNU time reports only one of).
import { spawn } from "node:child_process";
import { readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What one measured command did. */
export function run(cmd, args, { cwd, env, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, pid: child.pid });
    });
  });
}

async function rssKb(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function childrenOf(pid) {
  try {
    const tasks = await readdir(`/proc/${pid}/task`);
    const out = [];
    for (const t of tasks) {
      const text = await readFile(`/proc/${pid}/task/${t}/children`, "utf8").catch(() => "");
      for (const c of text.trim().split(/\s+/)) if (c) out.push(Number(c));
    }
    return out;
  } catch {
    return [];
  }
}

/** Sum of VmRSS over `pid` and its descendants, in kB. */
async function treeRssKb(pid) {
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop();
    total += await rssKb(p);
    queue.push(...(await childrenOf(p)));
  }
  return total;
}

let seq = 0;

/**
 * Runs `cmd args` under /usr/bin/time -v. Returns the result plus wallMs, maxRssKb (largest
 * single process) and treeRssKb (peak of the summed tree, sampled every 50 ms).
 */
export async function measured(cmd, args, opts = {}) {
  const timeFile = join(tmpdir(), `redplay-bench-time-${process.pid}-${seq++}.txt`);
  const started = process.hrtime.bigint();
  const child = run("/usr/bin/time", ["-v", "-o", timeFile, cmd, ...args], opts);
  let peakTree = 0;
  const result = await sampleWhile(child, (kb) => (peakTree = Math.max(peakTree, kb)));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const timeText = await readFile(timeFile, "utf8").catch(() => "");
  await rm(timeFile, { force: true });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeText);
  return { ...result, wallMs, maxRssKb: m ? Number(m[1]) : null, treeRssKb: peakTree || null };
}

/** Samples the tree RSS under the spawned /usr/bin/time until the command ends. */
async function sampleWhile(resultPromise, onSample) {
  let finished = false;
  let result;
  const done = resultPromise.then((r) => {
    finished = true;
    result = r;
  });
  // The pid is known only once spawned; find it as our own newest /usr/bin/time child.
  while (!finished) {
    const kids = await childrenOf(process.pid);
    let kb = 0;
    for (const k of kids) {
      const comm = await readFile(`/proc/${k}/comm`, "utf8").catch(() => "");
      if (comm.trim() === "time") for (const g of await childrenOf(k)) kb += await treeRssKb(g);
    }
    if (kb > 0) onSample(kb);
    await Promise.race([done, new Promise((r) => setTimeout(r, 50))]);
  }
  return result;
}
