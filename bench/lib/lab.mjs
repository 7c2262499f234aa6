// The benchmark's lab, driven through the `redplay lab` CLI as a user would: Debian 12 hosts
// booted by systemd-nspawn (`--os bookworm --server redis`: Debian's redis-server 7.0 with its
// stock config, sshd), plus what the bench reads from it: node addresses, the SSH connections
// each node's sshd accepted (from the node's journal), and when the machine is idle again.
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { run } from "./proc.mjs";
import { installPython } from "./python-layer.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The lab's helper commands run in bash, and Debian's bash reads ~/.bashrc when its stdin is a
// socket (as a pipe from Node is). A machine's ~/.bashrc may do slow work (a version manager's
// init); the lab CLI gets an empty HOME so none of it runs inside the bench.
const LAB_HOME = join(tmpdir(), `redplay-bench-home-${process.pid}`);

/** Removes the lab CLI's empty HOME. */
export async function removeLabHome() {
  await rm(LAB_HOME, { recursive: true, force: true });
}

/** Runs `redplay lab ...`; throws with its output when it fails. */
export async function labCli(repo, args) {
  await mkdir(LAB_HOME, { recursive: true });
  const r = await run(process.execPath, [join(repo, "bin/redplay.js"), "lab", ...args], { cwd: repo, env: { HOME: LAB_HOME } });
  if (r.code !== 0) throw new Error(`redplay lab ${args.join(" ")} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return r;
}

/**
 * A fresh lab of `nodes` systemd hosts (any lab already in `dir` is taken down first), with
 * python3 on every node (Ansible needs it; see python-layer.mjs), once the machine is idle again
 * after the boot. Returns the lab and how long the boot and the settling took.
 */
export async function freshLab(repo, dir, nodes, base, log) {
  await labDownIfAny(repo, dir);
  const t0 = Date.now();
  await labCli(repo, ["up", "--os", "bookworm", "--server", "redis", "--nodes", String(nodes), "--base", base, "--dir", dir]);
  const lab = await readLab(dir);
  await installPython(lab, log);
  const upMs = Date.now() - t0;
  lab.prep = { upMs, settleMs: await waitIdle(lab) };
  return lab;
}

/** Takes down the lab in `dir` if there is one; a loaded machine may need a second try. */
export async function labDownIfAny(repo, dir) {
  if (!existsSync(join(dir, "lab.json"))) return;
  try {
    await labCli(repo, ["down", "--dir", dir]);
  } catch (first) {
    process.stderr.write(`[bench] lab down failed, trying again: ${first.message}\n`);
    await sleep(2000);
    await labCli(repo, ["down", "--dir", dir]);
  }
}

/** Node names and addresses of the lab in `dir`, from the inventory `lab up` wrote. */
export async function readLab(dir) {
  const inv = parse(await readFile(join(dir, "inventory.yaml"), "utf8"));
  const hosts = inv.all.children.redis.hosts;
  const nodes = Object.entries(hosts).map(([name, h]) => ({ name, address: h.ansible_host }));
  return { dir, nodes, inventory: join(dir, "inventory.yaml") };
}

/** The node's root as the machine sees it (its overlay, mounted by the lab). */
export function nodeRoot(lab, name) {
  return join(lab.dir, "nodes", name, "root");
}

async function journalDir(lab, name) {
  const base = join(nodeRoot(lab, name), "var/log/journal");
  const ids = await readdir(base).catch(() => []);
  return ids.length === 1 ? join(base, ids[0]) : base;
}

/** Accepted SSH logins per node so far, from each node's journal (sshd runs with LogLevel VERBOSE). */
export async function sshLogins(lab) {
  const counts = await Promise.all(
    lab.nodes.map(async (n) => {
      const r = await run("journalctl", ["-D", await journalDir(lab, n.name), "--no-pager", "-q", "-o", "cat", "-t", "sshd"]);
      return r.stdout.split("\n").filter((l) => l.startsWith("Accepted publickey")).length;
    }),
  );
  return Object.fromEntries(lab.nodes.map((n, i) => [n.name, counts[i]]));
}

/** Mean SSH connections per host between two sshLogins snapshots. */
export function connectionsPerHost(before, after) {
  const names = Object.keys(after);
  const total = names.reduce((s, n) => s + (after[n] - (before[n] ?? 0)), 0);
  return names.length ? total / names.length : 0;
}

/** Busy and total CPU time of the whole machine so far, in seconds (from /proc/stat). */
export async function machineCpu() {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0];
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = v[3] + v[4];
  const total = v.reduce((a, b) => a + b, 0);
  // USER_HZ is 100 on Linux.
  return { busyS: (total - idle) / 100, totalS: total / 100 };
}

/** CPU seconds the lab's nodes used so far: each node runs in the lab's cgroup redplay-lab/<address>. */
export async function labCpuS(lab) {
  let ns = 0;
  for (const n of lab.nodes) {
    const text = await readFile(`/sys/fs/cgroup/cpuacct/redplay-lab/${n.address}/cpuacct.usage`, "utf8").catch(() => "0");
    ns += Number(text);
  }
  return ns / 1e9;
}

/**
 * Waits until the lab's nodes are idle (a freshly booted node keeps systemd busy for a while):
 * together at most 0.05 CPU-seconds per second plus 0.01 per node, over one second; at most
 * `maxMs`. Other work on the machine is not waited for. Returns the milliseconds waited.
 */
export async function waitIdle(lab, maxMs = 60_000) {
  const t0 = Date.now();
  const limit = 0.05 + 0.01 * lab.nodes.length;
  while (Date.now() - t0 < maxMs) {
    const a = await labCpuS(lab);
    await sleep(1000);
    if ((await labCpuS(lab)) - a <= limit) break;
  }
  return Date.now() - t0;
}
