// Starting and stopping one node: a process tree in its own mount, UTS and pid namespaces.
// The pid namespace is what makes a crash complete: SIGKILL of the node's init makes the kernel
// kill every process of the node, sshd's per-connection children included, so no client keeps
// talking to a "dead" node. The init is a bash loop because pid 1 must reap orphans (daemonized
// redis-server, ended ssh sessions), which `sleep infinity` would not do.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { LabError } from "./lab-error.js";
import type { NodeDirs } from "./node-dirs.js";
import type { NodeProcs } from "./paths.js";
import { childPids, cmdlineOf, livePidsInNamespace, pidNamespaceOf, pollUntil, signal } from "./procs.js";

// Runs as pid 1 of the node. $1 node name, $2 address, then the host dirs to bind over the
// standard paths. On SIGTERM it stops its services (Redis saves its data, as on a real
// shutdown) and exits, after which the kernel removes whatever is left.
const INIT_SCRIPT = String.raw`#!/bin/bash
# pid 1 of a redplay lab node
set -e
name=$1 addr=$2 etc_redis=$3 var_lib_redis=$4 var_log=$5 run=$6 etc_ssh=$7 var_lib_redplay=$8 root_home=$9
mount --bind "$etc_redis" /etc/redis
mount --bind "$var_lib_redis" /var/lib/redis
# redplay's own state on a host (the primary record) is per node, as on separate machines.
mkdir -p "$var_lib_redplay" /var/lib/redplay
mount --bind "$var_lib_redplay" /var/lib/redplay
# root's home too: a separate host has its own, and the machine's root shell start-up files
# (a version manager's hooks, its locks) stay out of every login to the node.
mkdir -p "$root_home"
chmod 0700 "$root_home"
mount --bind "$root_home" /root
mount --bind "$var_log" /var/log
mount --bind "$run" /run
mount --bind "$etc_ssh" /etc/ssh
hostname "$name"
mkdir -p /run/sshd
chmod 0755 /run/sshd
/usr/sbin/sshd -o ListenAddress="$addr" -o HostKey=/etc/ssh/ssh_host_ed25519_key \
  -o PidFile=/run/sshd.pid -o AuthorizedKeysFile=/etc/ssh/lab_authorized_keys \
  -o LogLevel=VERBOSE -E /var/log/sshd.log
service redis-server start
set +e
stopping=
trap 'stopping=1' TERM
while [ -z "$stopping" ]; do
  sleep 1 &
  wait $!
done
service redis-server stop
kill -TERM -1 2>/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do
  kill -0 -1 2>/dev/null || break
  sleep 0.2
done
echo "$name stopped"
`;

/** Boots a node and returns its pids once its init is running in the new namespaces. */
export async function startNodeProcess(name: string, address: string, dirs: NodeDirs): Promise<NodeProcs> {
  // A file rather than `bash -c`, so `ps` on the node shows a readable pid 1.
  await writeFile(dirs.initScript, INIT_SCRIPT, { mode: 0o755 });
  const out = openSync(dirs.bootLog, "a");
  let child;
  try {
    child = spawn(
      "unshare",
      [
        "--mount", "--propagation", "private", "--uts", "--pid", "--fork", "--mount-proc",
        "/bin/bash", dirs.initScript,
        name, address, dirs.etcRedis, dirs.varLibRedis, dirs.varLog, dirs.run, dirs.etcSsh, dirs.varLibRedplay, dirs.rootHome,
      ],
      // detached: its own session, so the node outlives a `redplay lab up` that exits
      { detached: true, stdio: ["ignore", out, out] },
    );
  } finally {
    closeSync(out);
  }
  child.unref();
  const unsharePid = child.pid;
  if (unsharePid === undefined) throw new LabError(`could not run unshare for ${name}; is util-linux installed?`, name);
  child.on("error", () => {}); // a failed spawn shows up below as a missing init

  let initPid = 0;
  let pidNs: string | null = null;
  const ownNs = await pidNamespaceOf(process.pid);
  const found = await pollUntil(async () => {
    const kids = await childPids(unsharePid);
    if (kids.length === 0) return false;
    initPid = kids[0]!;
    pidNs = await pidNamespaceOf(initPid);
    return pidNs !== null && pidNs !== ownNs;
  }, 5000, 10);
  if (!found || pidNs === null) {
    signal(unsharePid, "SIGKILL");
    throw new LabError(`${name} did not start its namespaces (see ${dirs.bootLog})`, name);
  }
  return { unsharePid, initPid, pidNs };
}

/** True while any process of the node is alive (zombies excluded: they hold nothing). */
export async function nodeHasProcesses(procs: NodeProcs): Promise<boolean> {
  return (await livePidsInNamespace(procs.pidNs)).length > 0;
}

/** Signals the node's init, but only if that pid is still the init of this very node. */
async function signalInit(procs: NodeProcs, sig: NodeJS.Signals): Promise<void> {
  if ((await pidNamespaceOf(procs.initPid)) === procs.pidNs) signal(procs.initPid, sig);
}

// What holds a node's namespaces: unshare (namespace nodes) or systemd-nspawn (systemd nodes).
const LAUNCHERS = new Set(["unshare", "systemd-nspawn"]);

/** The launcher exits with the node's init; it is only killed if it somehow lingers. */
export async function reapLauncher(procs: NodeProcs, timeoutMs = 2000): Promise<void> {
  const gone = await pollUntil(async () => !LAUNCHERS.has((await cmdlineOf(procs.unsharePid))[0] ?? ""), timeoutMs);
  if (!gone) signal(procs.unsharePid, "SIGKILL");
}

/** A crash: SIGKILL to the node's init, which takes every process of the node with it. */
export async function killNodeProcess(name: string, procs: NodeProcs): Promise<void> {
  await signalInit(procs, "SIGKILL");
  if (!(await pollUntil(async () => !(await nodeHasProcesses(procs)), 10_000))) {
    const left = await livePidsInNamespace(procs.pidNs);
    throw new LabError(`${name} still has processes after SIGKILL: ${left.join(", ")}`, name);
  }
  await reapLauncher(procs);
}

/** A clean stop: SIGTERM, a few seconds for Redis and sshd to exit, then SIGKILL. */
export async function stopNodeProcess(name: string, procs: NodeProcs, graceMs = 5000): Promise<void> {
  await signalInit(procs, "SIGTERM");
  if (await pollUntil(async () => !(await nodeHasProcesses(procs)), graceMs)) {
    await reapLauncher(procs);
    return;
  }
  await killNodeProcess(name, procs);
}
