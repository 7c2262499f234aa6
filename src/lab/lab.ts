// The lab's operations: up, down, status, kill and start. Each node is a process tree in its own
// namespaces with the stock Debian redis-server and sshd on its own loopback address; lab.json
// records the pids so that down, kill and start act on exactly the processes the lab started.
import { mkdir, readFile, rm } from "node:fs/promises";
import pLimit from "p-limit";
import { ensureKeyPair, writeKnownHosts } from "./keys.js";
import { writeLabInventory } from "./inventory-file.js";
import { LabError } from "./lab-error.js";
import { createNodeDirs, nodeDirs, resetRunDir } from "./node-dirs.js";
import { killNodeProcess, nodeHasProcesses, startNodeProcess, stopNodeProcess } from "./node-process.js";
import {
  DEFAULT_BASE,
  DEFAULT_NODES,
  findNode,
  labPaths,
  nodeAddresses,
  nodeDir,
  nodeName,
  readState,
  writeState,
  type LabDirOptions,
  type LabNode,
  type LabPaths,
  type LabState,
} from "./paths.js";
import { ensurePackages, ensureSystemdLabPackages, raiseInotifyLimit, requireRoot } from "./prereqs.js";
import { checkServerForSuite, ensureLayers, LAB_SUITES, type LabServer, type LabSuite } from "./rootfs.js";
import { UPSTREAM_BUILDS } from "./server-builds.js";
import {
  bootSystemdNode,
  createSystemdNode,
  removeNodeCgroup,
  stopSystemdNode,
  systemdNodeDirs,
  unmountSystemdNode,
} from "./systemd-node.js";
import { redisAnswers, redisRole, sshdAnswers } from "./probe.js";
import { isLive } from "./procs.js";
import { readyTimeoutMs, takenPorts, waitAddressFree, waitNodeReady } from "./readiness.js";

export { LabError } from "./lab-error.js";
export type { LabDirOptions, LabNode, LabPaths, LabState } from "./paths.js";
export { labPaths } from "./paths.js";
export { LAB_SUITES, type LabServer, type LabSuite } from "./rootfs.js";

/** Options of `lab up`. */
export interface LabUpOptions extends LabDirOptions {
  /** Number of nodes. @default 3 (at most 50) */
  nodes?: number;
  /** Address of node-1; node-K gets base + K - 1. @default "127.0.0.11" */
  base?: string;
  /** Progress lines (package installation); silent when absent. */
  log?: (line: string) => void;
  /**
   * Boot each node as a Debian host of this release with systemd as pid 1 (systemd-nspawn);
   * absent: the fast namespace lab with this machine's own redis-server.
   */
  os?: LabSuite;
  /** What a systemd node runs: the distribution's redis or valkey package, an upstream build, or nothing. @default "redis" */
  server?: LabServer;
}

/** What `up` did: `alreadyUp` when the same lab was running and nothing was started. */
export interface LabUpResult {
  state: LabState;
  paths: LabPaths;
  alreadyUp: boolean;
}

/** One line of `lab status`. */
export interface LabStatusRow {
  node: string;
  address: string;
  sshd: "up" | "down";
  redis: "up" | "down";
  role: "master" | "slave" | "-";
}

// Node directory setup is mostly cp and ssh-keygen: a few at a time keeps two cores responsive.
const SETUP_CONCURRENCY = 8;

/** Whether the lab's nodes run a server at all (a systemd lab may start with nothing installed). */
function expectsRedis(state: LabState): boolean {
  return state.systemd?.server !== "none";
}

async function nodeFullyUp(state: LabState, node: LabNode): Promise<boolean> {
  if (!node.procs || !(await nodeHasProcesses(node.procs))) return false;
  return (await sshdAnswers(node.address)) && (!expectsRedis(state) || (await redisAnswers(node.address)));
}

async function requireState(paths: LabPaths): Promise<LabState> {
  const state = await readState(paths);
  if (!state) throw new LabError(`no lab in ${paths.dir}; start one with: redplay lab up --dir ${paths.dir}`);
  return state;
}

/** Starts a node's processes and records their pids in the (not yet written) state. */
async function spawnNode(paths: LabPaths, state: LabState, node: LabNode): Promise<void> {
  node.procs = state.systemd
    ? await bootSystemdNode(systemdNodeDirs(nodeDir(paths, node.name)), node.name, node.address, state.systemd.layers)
    : await startNodeProcess(node.name, node.address, nodeDirs(nodeDir(paths, node.name)));
}

async function waitReady(paths: LabPaths, state: LabState, node: LabNode, timeoutMs: number): Promise<void> {
  const dir = nodeDir(paths, node.name);
  const logs = state.systemd ? { root: dir, bootLog: systemdNodeDirs(dir).bootLog } : nodeDirs(dir);
  await waitNodeReady(node.name, node.address, logs, timeoutMs, expectsRedis(state));
}

/** A systemd node boots a whole Debian: allow for two cores booting many of them at once. */
function bootTimeoutMs(state: LabState, count: number): number {
  return state.systemd ? 90_000 + 3_000 * count : readyTimeoutMs(count);
}

function checkSystemdOptions(os: string, server: string): void {
  if (!(LAB_SUITES as readonly string[]).includes(os)) throw new LabError(`--os must be one of ${LAB_SUITES.join(", ")}, got "${os}"`);
  const servers = ["redis", "valkey", "none", ...UPSTREAM_BUILDS];
  if (!servers.includes(server)) throw new LabError(`--server must be one of ${servers.join(", ")}, got "${server}"`);
  checkServerForSuite(os as LabSuite, server as LabServer);
}

/**
 * Creates and starts a fresh lab. Running it again on a lab that is fully up with the same
 * shape does nothing (`alreadyUp`); any other recorded lab in the dir is refused, so there are
 * never two labs on one state file.
 */
export async function labUp(opts: LabUpOptions = {}): Promise<LabUpResult> {
  requireRoot("up");
  const paths = labPaths(opts.dir);
  const count = opts.nodes ?? DEFAULT_NODES;
  const base = opts.base ?? DEFAULT_BASE;
  const addresses = nodeAddresses(base, count);

  const server = opts.server ?? (opts.os ? "redis" : undefined);
  if (server && !opts.os) throw new LabError("--server needs --os (the namespace lab runs this machine's own redis-server)");
  if (opts.os) checkSystemdOptions(opts.os, server!);

  const existing = await readState(paths);
  if (existing) {
    const sameShape =
      existing.base === base &&
      existing.nodes.length === count &&
      existing.systemd?.os === opts.os &&
      existing.systemd?.server === server;
    const allUp = (await Promise.all(existing.nodes.map((n) => nodeFullyUp(existing, n)))).every(Boolean);
    if (sameShape && allUp) return { state: existing, paths, alreadyUp: true };
    const what = allUp ? `a ${existing.nodes.length}-node lab at ${existing.base}` : "a lab that is not fully up";
    throw new LabError(`${paths.dir} already holds ${what}; run: redplay lab down --dir ${paths.dir}`);
  }

  const log = opts.log ?? (() => {});
  let layers: string[] = [];
  if (opts.os) {
    await ensureSystemdLabPackages(log);
    await raiseInotifyLimit();
    layers = await ensureLayers(opts.os, server as LabServer, log);
  } else {
    await ensurePackages(log);
  }
  const taken = await takenPorts(addresses);
  if (taken.length > 0) {
    throw new LabError(`cannot start the lab: ${taken.join(", ")} already in use by another program; stop it or choose another --base`);
  }

  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await ensureKeyPair(paths.key, "redplay-lab");
  const clientPub = await readFile(`${paths.key}.pub`, "utf8");
  const nodes: LabNode[] = addresses.map((address, i) => ({ name: nodeName(i), address, procs: null }));
  const limit = pLimit(SETUP_CONCURRENCY);
  const state: LabState = { version: 1, base, nodes };
  if (opts.os) state.systemd = { os: opts.os, server: server!, layers };
  // Recorded before anything is mounted, so `down` can always clean up after a failed `up`.
  await writeState(paths, state);
  const hostKeyPub = (name: string) =>
    state.systemd ? systemdNodeDirs(nodeDir(paths, name)).hostKeyPub : nodeDirs(nodeDir(paths, name)).hostKeyPub;
  try {
    await Promise.all(
      nodes.map((n) =>
        limit(() =>
          state.systemd
            ? createSystemdNode(systemdNodeDirs(nodeDir(paths, n.name)), layers, n.name, n.address, clientPub)
            : createNodeDirs(nodeDirs(nodeDir(paths, n.name)), n.name, n.address, clientPub),
        ),
      ),
    );
  } catch (e) {
    await labDown({ dir: paths.dir }).catch(() => {});
    throw e;
  }
  await writeKnownHosts(paths.knownHosts, nodes.map((n) => ({ address: n.address, hostKeyPub: hostKeyPub(n.name) })));
  await writeLabInventory(paths.inventory, { nodes, keyFile: paths.key, knownHostsFile: paths.knownHosts });

  const spawned = await Promise.allSettled(nodes.map((n) => spawnNode(paths, state, n)));
  // Recorded before waiting, so a lab whose `up` was interrupted can still be taken down.
  await writeState(paths, state);
  const timeoutMs = bootTimeoutMs(state, count);
  const ready = spawned.some((s) => s.status === "rejected")
    ? spawned
    : await Promise.allSettled(nodes.map((n) => waitReady(paths, state, n, timeoutMs)));
  const failed = ready.find((b): b is PromiseRejectedResult => b.status === "rejected");
  if (failed) {
    // A half-started lab is worse than none: stop what did start so the addresses are free.
    await labDown({ dir: paths.dir }).catch(() => {});
    throw failed.reason;
  }
  return { state, paths, alreadyUp: false };
}

/**
 * Stops every recorded process (SIGTERM, then SIGKILL), waits until they are gone and the
 * addresses are free, then removes the node directories and lab.json. The client key stays, so
 * the next `up` keeps the same login key. Returns false when there was no lab.
 */
export async function labDown(opts: LabDirOptions = {}): Promise<boolean> {
  requireRoot("down");
  const paths = labPaths(opts.dir);
  const state = await readState(paths);
  if (!state) return false;
  await Promise.all(
    state.nodes.map(async (n) => {
      if (!n.procs) return;
      if (state.systemd) await stopSystemdNode(n.name, n.procs);
      else await stopNodeProcess(n.name, n.procs);
    }),
  );
  for (const n of state.nodes) {
    const left = n.procs ? [n.procs.initPid, n.procs.unsharePid] : [];
    for (const pid of left) {
      if (await isLive(pid)) throw new LabError(`${n.name}: recorded pid ${pid} is still running after stop`, n.name);
    }
  }
  const busy = await Promise.all(state.nodes.map(async (n) => ((await waitAddressFree(n.address, 10_000)) ? null : n)));
  const stuck = busy.find((n) => n !== null);
  if (stuck) throw new LabError(`${stuck.name}: ${stuck.address} still has a listener on :22 or :6379 after stop`, stuck.name);
  if (state.systemd) {
    for (const n of state.nodes) {
      await unmountSystemdNode(systemdNodeDirs(nodeDir(paths, n.name)));
      await removeNodeCgroup(n.address);
    }
  }
  await rm(paths.nodesDir, { recursive: true, force: true });
  await rm(paths.knownHosts, { force: true });
  await rm(paths.inventory, { force: true });
  await rm(paths.state, { force: true });
  return true;
}

/** Probes every node: sshd banner, Redis PING, replication role. */
/** `password`: to read roles once the group is locked; default REDIS_PASSWORD, else the lab's default. */
export async function labStatus(opts: LabDirOptions & { password?: string } = {}): Promise<LabStatusRow[]> {
  const paths = labPaths(opts.dir);
  const state = await requireState(paths);
  return Promise.all(
    state.nodes.map(async (n): Promise<LabStatusRow> => {
      const [sshd, redis] = await Promise.all([sshdAnswers(n.address), redisAnswers(n.address)]);
      const role = redis ? await redisRole(n.address, opts.password) : null;
      return { node: n.name, address: n.address, sshd: sshd ? "up" : "down", redis: redis ? "up" : "down", role: role ?? "-" };
    }),
  );
}

/** Crashes a node: SIGKILL of every process it has, no clean shutdown, disk left as it is. */
export async function labKill(name: string, opts: LabDirOptions = {}): Promise<void> {
  requireRoot("kill");
  const paths = labPaths(opts.dir);
  const state = await requireState(paths);
  const node = findNode(state, name);
  if (!node.procs) throw new LabError(`${name} is already down; bring it back with: redplay lab start ${name}`, name);
  await killNodeProcess(name, node.procs);
  if (!(await waitAddressFree(node.address, 10_000))) {
    throw new LabError(`${name}: ${node.address} still accepts connections after the kill`, name);
  }
  node.procs = null;
  await writeState(paths, state);
}

/**
 * Brings a killed node back on the same directories, so its data and config survive.
 * Returns false when the node was already running (nothing done).
 */
export async function labStart(name: string, opts: LabDirOptions = {}): Promise<boolean> {
  requireRoot("start");
  const paths = labPaths(opts.dir);
  const state = await requireState(paths);
  const node = findNode(state, name);
  if (node.procs && (await nodeHasProcesses(node.procs))) return false;
  const taken = await takenPorts([node.address]);
  if (taken.length > 0) throw new LabError(`cannot start ${name}: ${taken.join(", ")} already in use`, name);
  // A systemd node's /run is a fresh tmpfs on every boot; the namespace node's must be emptied.
  if (!state.systemd) await resetRunDir(nodeDirs(nodeDir(paths, name)));
  await spawnNode(paths, state, node);
  await writeState(paths, state);
  await waitReady(paths, state, node, bootTimeoutMs(state, 1));
  return true;
}

/** Host path of a node's sshd log (one "Accepted publickey" line per SSH connection). */
export function nodeSshdLog(name: string, opts: LabDirOptions = {}): string {
  return nodeDirs(nodeDir(labPaths(opts.dir), name)).sshdLog;
}
