// A lab for integration tests: one per test file, each on its own base address and temp dir.
// startLab throws (the file fails, never skips) when the lab cannot start: not root, sshd or
// redis-server missing, addresses taken. stopLab proves the teardown: no recorded process
// alive, every address free.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labDown, labPaths, labUp, type LabPaths, type LabServer, type LabState, type LabSuite } from "../../src/lab/lab.js";
import { readState } from "../../src/lab/paths.js";
import { portOpen } from "../../src/lab/probe.js";
import { isLive } from "../../src/lab/procs.js";

/** A running test lab. */
export interface TestLab {
  dir: string;
  paths: LabPaths;
  /** State as recorded by `up` (pids included). */
  state: LabState;
  /** Node name -> address. */
  address: Record<string, string>;
  /** True when startLab made the temp dir, so stopLab removes it. */
  ownDir: boolean;
}

export interface StartLabOptions {
  nodes?: number;
  base: string;
  dir?: string;
  /** Boot systemd hosts of this Debian release instead of namespace nodes. */
  os?: LabSuite;
  /** What the systemd hosts run (with `os`). */
  server?: LabServer;
}

export async function startLab(opts: StartLabOptions): Promise<TestLab> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "redplay-lab-")));
  let up;
  try {
    const systemd = opts.os ? { os: opts.os, ...(opts.server ? { server: opts.server } : {}) } : {};
    up = await labUp({ nodes: opts.nodes ?? 3, base: opts.base, dir, ...systemd });
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const { state, paths, alreadyUp } = up;
  if (alreadyUp) throw new Error(`a lab was already up in ${dir}; test labs must start fresh`);
  const address = Object.fromEntries(state.nodes.map((n) => [n.name, n.address]));
  return { dir, paths, state, address, ownDir };
}

/** Pids recorded for the nodes' processes in one state. */
function recordedPids(state: LabState): number[] {
  return state.nodes.flatMap((n) => (n.procs ? [n.procs.unsharePid, n.procs.initPid] : []));
}

/** Takes the lab down and throws unless its processes are gone and its addresses free. */
export async function stopLab(lab: TestLab, extraPids: number[] = []): Promise<void> {
  const latest = await readState(labPaths(lab.dir));
  const pids = [...recordedPids(lab.state), ...(latest ? recordedPids(latest) : []), ...extraPids];
  await labDown({ dir: lab.dir });
  const alive: number[] = [];
  for (const pid of pids) if (await isLive(pid)) alive.push(pid);
  const open: string[] = [];
  for (const a of Object.values(lab.address)) {
    for (const port of [22, 6379]) if (await portOpen(a, port, 500)) open.push(`${a}:${port}`);
  }
  // A systemd lab mounts an overlay per node: none may outlive `down`.
  const mounts = (await readFile("/proc/self/mounts", "utf8")).split("\n").filter((l) => l.split(" ")[1]?.startsWith(`${lab.dir}/`));
  if (lab.ownDir && mounts.length === 0) await rm(lab.dir, { recursive: true, force: true });
  if (alive.length > 0 || open.length > 0 || mounts.length > 0) {
    throw new Error(
      `lab teardown incomplete: live pids [${alive.join(", ")}], open ports [${open.join(", ")}], mounts [${mounts.map((l) => l.split(" ")[1]).join(", ")}]`,
    );
  }
}

/** Result of one command run through the real `ssh` client. */
export interface SshRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` on a node with the OpenSSH client, the lab's key and known_hosts, host keys checked. */
export function sshRun(lab: TestLab, node: string, command: string): Promise<SshRun> {
  const args = [
    "-i", lab.paths.key,
    "-o", `UserKnownHostsFile=${lab.paths.knownHosts}`,
    "-o", "StrictHostKeyChecking=yes",
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=5",
    `root@${lab.address[node]}`,
    command,
  ];
  return new Promise((resolve) => {
    execFile("ssh", args, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 255) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
