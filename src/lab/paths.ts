// Where a lab lives on disk and what it records: node names and addresses, the lab dir layout,
// and lab.json (the pids `down`, `kill` and `start` act on). Kept apart so every other lab file
// agrees on one layout.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { LabError } from "./lab-error.js";

/** Options every lab command takes. */
export interface LabDirOptions {
  /** Lab directory. @default ".lab" in the current directory */
  dir?: string;
}

/** The processes of one running node, as seen from the host. */
export interface NodeProcs {
  /** The `unshare` (or, on a systemd node, `systemd-nspawn`) process that holds the node's namespaces. */
  unsharePid: number;
  /** The node's init (pid 1 inside its pid namespace); SIGKILL of it kills the whole node. */
  initPid: number;
  /** `readlink /proc/<initPid>/ns/pid`: identifies every process of the node. */
  pidNs: string;
}

/** One node in lab.json; `procs` is null while the node is down (killed). */
export interface LabNode {
  name: string;
  address: string;
  procs: NodeProcs | null;
}

/** The content of `<dir>/lab.json`. */
export interface LabState {
  version: 1;
  base: string;
  nodes: LabNode[];
  /** Set on a systemd lab: the Debian release its nodes boot, what they run, and their rootfs layers (top first). */
  systemd?: { os: string; server: string; layers: string[] };
}

/** Absolute paths of a lab's files. */
export interface LabPaths {
  dir: string;
  state: string;
  key: string;
  knownHosts: string;
  inventory: string;
  nodesDir: string;
}

export const DEFAULT_BASE = "127.0.0.11";
export const DEFAULT_NODES = 3;
export const MAX_NODES = 50;

export function labPaths(dir: string | undefined): LabPaths {
  const abs = resolve(dir ?? ".lab");
  return {
    dir: abs,
    state: join(abs, "lab.json"),
    key: join(abs, "id_ed25519"),
    knownHosts: join(abs, "known_hosts"),
    inventory: join(abs, "inventory.yaml"),
    nodesDir: join(abs, "nodes"),
  };
}

export function nodeDir(paths: LabPaths, name: string): string {
  return join(paths.nodesDir, name);
}

export function nodeName(index: number): string {
  return `node-${index + 1}`;
}

function toInt(addr: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function fromInt(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * Node addresses: base, base+1, ... Only loopback (127.0.0.0/8) is ever allowed, and the range
 * must not touch the network or broadcast address of 127/8.
 */
export function nodeAddresses(base: string, count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) {
    throw new LabError(`--nodes must be a whole number from 1 to ${MAX_NODES}, got ${count}`);
  }
  const start = toInt(base);
  if (start === null) throw new LabError(`--base "${base}" is not an IPv4 address; use e.g. ${DEFAULT_BASE}`);
  const first = toInt("127.0.0.1")!;
  const last = toInt("127.255.255.254")!;
  if (start < first || start + count - 1 > last) {
    throw new LabError(
      `lab addresses ${base} .. ${fromInt(start + count - 1)} leave loopback 127.0.0.0/8; choose a --base such as ${DEFAULT_BASE}`,
    );
  }
  return Array.from({ length: count }, (_, i) => fromInt(start + i));
}

export async function readState(paths: LabPaths): Promise<LabState | null> {
  let text: string;
  try {
    text = await readFile(paths.state, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  try {
    const state = JSON.parse(text) as LabState;
    if (state.version !== 1 || !Array.isArray(state.nodes)) throw new Error("unknown format");
    return state;
  } catch (err) {
    throw new LabError(`${paths.state} is not a lab state file (${(err as Error).message}); remove it by hand if no lab runs there`, undefined, { cause: err });
  }
}

/** Written atomically so a crash mid-write never leaves a lab whose pids are unknown. */
export async function writeState(paths: LabPaths, state: LabState): Promise<void> {
  await mkdir(paths.dir, { recursive: true });
  const tmp = `${paths.state}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + "\n");
  await rename(tmp, paths.state);
}

/** Resolves `node-K` against the state, with a message listing the valid names. */
export function findNode(state: LabState, name: string): LabNode {
  const node = state.nodes.find((n) => n.name === name);
  if (!node) {
    const names = state.nodes.map((n) => n.name).join(", ");
    throw new LabError(`no node "${name}" in this lab; nodes are: ${names}`, name);
  }
  return node;
}

