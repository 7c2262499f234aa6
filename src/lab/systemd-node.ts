// One systemd lab node: an overlay over the cached rootfs layers, booted with
// `systemd-nspawn --boot` so systemd is its pid 1, sharing the machine's network. Before the
// first boot the node's own files are written into its upper layer: hostname, an sshd that
// listens only on the node's address with a host key of its own, root's authorized key, and a
// server config bound to the node's address. SIGKILL of the node's init is a crash of the whole
// node (its pid namespace dies with it); its disk is the overlay, which outlives the crash.
import { spawn } from "node:child_process";
import { existsSync, closeSync, openSync } from "node:fs";
import { mkdir, readFile, rm, writeFile, chmod, copyFile } from "node:fs/promises";
import { join } from "node:path";
import { $ } from "zx";
import { LabError } from "./lab-error.js";
import { newHostKey } from "./keys.js";
import type { NodeProcs } from "./paths.js";
import { reapLauncher } from "./node-process.js";
import { childPids, livePidsInNamespace, pidNamespaceOf, pollUntil, signal } from "./procs.js";

/** Host paths of one systemd node. */
export interface SystemdNodeDirs {
  dir: string;
  /** The merged overlay: the node's `/`. */
  root: string;
  upper: string;
  work: string;
  bootLog: string;
  hostKey: string;
  hostKeyPub: string;
}

export function systemdNodeDirs(dir: string): SystemdNodeDirs {
  return {
    dir,
    root: join(dir, "root"),
    upper: join(dir, "upper"),
    work: join(dir, "work"),
    bootLog: join(dir, "boot.log"),
    hostKey: join(dir, "ssh_host_ed25519_key"),
    hostKeyPub: join(dir, "ssh_host_ed25519_key.pub"),
  };
}

const sh = () => $({ quiet: true, nothrow: false });

async function isMounted(path: string): Promise<boolean> {
  return (await $({ quiet: true, nothrow: true })`mountpoint -q ${path}`).exitCode === 0;
}

/** Mounts the node's overlay unless it is mounted already (after a crash it still is). */
export async function mountSystemdNode(d: SystemdNodeDirs, layers: string[]): Promise<void> {
  if (await isMounted(d.root)) return;
  await sh()`mount -t overlay overlay -o ${`lowerdir=${layers.join(":")},upperdir=${d.upper},workdir=${d.work}`} ${d.root}`;
}

export async function unmountSystemdNode(d: SystemdNodeDirs): Promise<void> {
  if (await isMounted(d.root)) await sh()`umount ${d.root}`;
}

/** Replaces the uncommented `bind` line of a Redis/Valkey config with the node's address. */
export function bindTo(conf: string, address: string): string {
  return /^bind .*$/m.test(conf) ? conf.replace(/^bind .*$/m, `bind ${address}`) : `${conf}\nbind ${address}\n`;
}

/** Creates a fresh node: an empty upper layer, then the node's own files written through the overlay. */
export async function createSystemdNode(
  d: SystemdNodeDirs,
  layers: string[],
  name: string,
  address: string,
  clientPub: string,
): Promise<void> {
  await unmountSystemdNode(d);
  await rm(d.dir, { recursive: true, force: true });
  await mkdir(d.upper, { recursive: true });
  await mkdir(d.work);
  await mkdir(d.root);
  await chmod(d.dir, 0o755);
  await newHostKey(d.hostKey, name);
  await mountSystemdNode(d, layers);
  const r = (p: string) => join(d.root, p);
  await writeFile(r("etc/hostname"), `${name}\n`);
  await writeFile(
    r("etc/ssh/sshd_config.d/redplay-lab.conf"),
    `# redplay lab: this node's sshd listens only on its own address\nListenAddress ${address}\n` +
      `HostKey /etc/ssh/ssh_host_ed25519_key\nPermitRootLogin prohibit-password\nUseDNS no\nLogLevel VERBOSE\n`,
  );
  await copyFile(d.hostKey, r("etc/ssh/ssh_host_ed25519_key"));
  await chmod(r("etc/ssh/ssh_host_ed25519_key"), 0o600);
  await copyFile(d.hostKeyPub, r("etc/ssh/ssh_host_ed25519_key.pub"));
  await mkdir(r("root/.ssh"), { recursive: true, mode: 0o700 });
  await writeFile(r("root/.ssh/authorized_keys"), clientPub, { mode: 0o600 });
  // Stock configs bind 127.0.0.1: on a shared network every node would collide on it.
  for (const conf of ["etc/redis/redis.conf", "etc/valkey/valkey.conf"]) {
    if (existsSync(r(conf))) await writeFile(r(conf), bindTo(await readFile(r(conf), "utf8"), address));
  }
}

const CGROUP_ROOT = "/sys/fs/cgroup";

/**
 * The cgroup each node's systemd takes as its root, one per node address. Without a host systemd
 * to give every container its own, all nodes would share one tree and each node's systemd would
 * create, and on stop kill, the same `/system.slice/redis-server.service` as its neighbours'.
 */
function nodeCgroup(address: string): string {
  return `redplay-lab/${address}`;
}

// Joins the node's own cgroup in every hierarchy (cpuset is left alone: a new v1 cpuset has no
// CPUs until set), then becomes systemd-nspawn, keeping the pid the lab records.
const JOIN_CGROUP_AND_BOOT = String.raw`set -e
for h in ${CGROUP_ROOT}/*/; do
  case "$h" in */cpuset/) continue ;; esac
  [ -e "$h/cgroup.procs" ] || continue
  mkdir -p "$h/$CG"
  echo $$ > "$h/$CG/cgroup.procs"
done
exec "$@"`;

/** Removes a stopped node's cgroups, deepest first (the node's systemd left its own sub-trees). */
export async function removeNodeCgroup(address: string): Promise<void> {
  const cg = nodeCgroup(address);
  await $({ quiet: true, nothrow: true })`for h in ${CGROUP_ROOT}/*/; do [ -d "$h"/${cg} ] && find "$h"/${cg} -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$h"/redplay-lab 2>/dev/null; done; true`;
}

/** Boots the node and returns its pids once its init runs in a pid namespace of its own. */
export async function bootSystemdNode(d: SystemdNodeDirs, name: string, address: string, layers: string[]): Promise<NodeProcs> {
  await mountSystemdNode(d, layers);
  const out = openSync(d.bootLog, "a");
  let child;
  try {
    child = spawn(
      "/bin/sh",
      [
        "-c", JOIN_CGROUP_AND_BOOT, "redplay-lab-boot",
        "systemd-nspawn", "--boot", "--quiet", "-D", d.root, `--machine=redplay-${name}`, `--hostname=${name}`,
        "--register=no", "--keep-unit", "--console=passive",
      ],
      // detached: the node outlives the `redplay lab up` that started it
      { detached: true, stdio: ["ignore", out, out], env: { ...process.env, CG: nodeCgroup(address) } },
    );
  } finally {
    closeSync(out);
  }
  child.unref();
  child.on("error", () => {});
  const nspawnPid = child.pid;
  if (nspawnPid === undefined) throw new LabError(`could not run systemd-nspawn for ${name}; is systemd-container installed?`, name);
  const ownNs = await pidNamespaceOf(process.pid);
  let initPid = 0;
  let pidNs: string | null = null;
  const found = await pollUntil(async () => {
    const kids = await childPids(nspawnPid);
    for (const k of kids) {
      const ns = await pidNamespaceOf(k);
      if (ns !== null && ns !== ownNs) {
        initPid = k;
        pidNs = ns;
        return true;
      }
    }
    return false;
  }, 15_000, 20);
  if (!found || pidNs === null) {
    signal(nspawnPid, "SIGKILL");
    throw new LabError(`${name} did not boot (see ${d.bootLog})`, name);
  }
  return { unsharePid: nspawnPid, initPid, pidNs };
}

/** A clean shutdown: SIGTERM to systemd-nspawn makes the node's systemd power off in order. */
export async function stopSystemdNode(name: string, procs: NodeProcs, graceMs = 20_000): Promise<void> {
  if ((await pidNamespaceOf(procs.initPid)) === procs.pidNs) signal(procs.unsharePid, "SIGTERM");
  if (!(await pollUntil(async () => (await livePidsInNamespace(procs.pidNs)).length === 0, graceMs, 100))) {
    if ((await pidNamespaceOf(procs.initPid)) === procs.pidNs) signal(procs.initPid, "SIGKILL");
    if (!(await pollUntil(async () => (await livePidsInNamespace(procs.pidNs)).length === 0, 10_000))) {
      throw new LabError(`${name} still has processes after SIGKILL`, name);
    }
  }
  // systemd-nspawn tidies up its mounts after the node's init is gone; the overlay is unmounted after it.
  await reapLauncher(procs, 15_000);
}
