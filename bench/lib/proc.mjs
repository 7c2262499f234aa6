// Runs one benchmarked command the way a user would and measures it from outside:
// - wall time, from spawn to the command's exit;
// - CPU seconds (user + system) of everything the command started, daemons included: the command
//   runs in a cgroup of its own (cgroup v1 `cpuacct`), so the SSH ControlPersist masters that
//   ansible-playbook leaves behind are counted until they are closed; GNU time's figure (which
//   only sees waited-for children) is kept beside it;
// - peak RSS: of the largest single process (GNU `time -v`) and of the whole tree (VmRSS summed
//   over the cgroup's processes, sampled every 50 ms).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to its end; resolves to { code, stdout, stderr, pid }. */
export function run(cmd, args, { cwd, env, timeoutMs = 900_000 } = {}) {
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

const CPUACCT = "/sys/fs/cgroup/cpuacct";
const CG_PARENT = join(CPUACCT, "redplay-bench");
let seq = 0;

async function cgroupPids(cg) {
  const text = await readFile(join(cg, "cgroup.procs"), "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map(Number);
}

/** Whether per-run CPU accounting by cgroup is available (cgroup v1 cpuacct, root). */
export function cgroupAccounting() {
  return existsSync(join(CPUACCT, "cpuacct.usage"));
}

function timeField(text, label) {
  const m = new RegExp(`${label}: ([\\d.]+)`).exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * Runs `cmd args` under /usr/bin/time -v in a cgroup of its own. `afterExit` runs once the command
 * has exited and before its CPU is read (to end daemons it left, such as SSH masters). Returns the
 * run's result plus wallMs, cpuS (cgroup: the whole tree), timeCpuS (GNU time: user+sys of waited
 * children), maxRssKb (largest single process) and treeRssKb (peak of the summed tree).
 */
export async function measured(cmd, args, opts = {}) {
  const id = `${process.pid}-${seq++}`;
  const timeFile = join(tmpdir(), `redplay-bench-time-${id}.txt`);
  const useCg = cgroupAccounting();
  const cg = join(CG_PARENT, id);
  if (useCg) await mkdir(cg, { recursive: true });
  const argv = ["-v", "-o", timeFile, cmd, ...args];
  const started = process.hrtime.bigint();
  // The shell joins the cgroup, then becomes /usr/bin/time: nothing runs outside it.
  const child = useCg
    ? run("/bin/sh", ["-c", 'echo $$ > "$BENCH_CG/cgroup.procs" && exec /usr/bin/time "$@"', "sh", ...argv], { ...opts, env: { ...opts.env, BENCH_CG: cg } })
    : run("/usr/bin/time", argv, opts);
  let finished = false;
  let result;
  let wallMs = 0;
  const done = child.then((r) => {
    wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    finished = true;
    result = r;
  });
  let peakTree = 0;
  while (!finished) {
    if (useCg) {
      let kb = 0;
      for (const pid of await cgroupPids(cg)) kb += await rssKb(pid);
      peakTree = Math.max(peakTree, kb);
    }
    await Promise.race([done, sleep(50)]);
  }
  await done;
  if (opts.afterExit) await opts.afterExit();
  let cpuS = null;
  if (useCg) {
    // Daemons of the run (SSH masters) must be gone before the account is read.
    const deadline = Date.now() + 15_000;
    while ((await cgroupPids(cg)).length > 0 && Date.now() < deadline) await sleep(50);
    const left = await cgroupPids(cg);
    if (left.length > 0) throw new Error(`${cmd}: processes ${left.join(", ")} still run 15 s after the command ended`);
    cpuS = Number(await readFile(join(cg, "cpuacct.usage"), "utf8")) / 1e9;
    await rmdir(cg).catch(() => undefined);
  }
  const timeText = await readFile(timeFile, "utf8").catch(() => "");
  await rm(timeFile, { force: true });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeText);
  const user = timeField(timeText, "User time \\(seconds\\)");
  const sys = timeField(timeText, "System time \\(seconds\\)");
  return {
    ...result,
    wallMs,
    cpuS,
    timeCpuS: user !== null && sys !== null ? user + sys : null,
    maxRssKb: m ? Number(m[1]) : null,
    treeRssKb: peakTree || null,
  };
}

/** Removes the bench's (empty) parent cgroup. */
export async function removeCgroupParent() {
  await rmdir(CG_PARENT).catch(() => undefined);
}
