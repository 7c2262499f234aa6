// What `lab up` needs from the machine: root (namespaces, port 22) and Debian's redis-server and
// openssh-server. Missing packages are installed with apt-get, saying so, because the lab's
// whole point is to use the packaged daemons exactly as a fresh host would.
import { access, constants, readFile, writeFile } from "node:fs/promises";
import { LabError } from "./lab-error.js";
import { runTool } from "./run-tool.js";

const REQUIRED = ["/usr/bin/redis-server", "/usr/sbin/sshd", "/usr/bin/redis-cli", "/usr/bin/ssh-keygen"];
const PACKAGES = ["redis-server", "openssh-server", "sudo"];

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `command` is the lab subcommand, named in the message so the suggested retry is exact. */
export function requireRoot(command: string): void {
  if (process.platform !== "linux") {
    throw new LabError("redplay lab needs Linux (it uses mount, UTS and pid namespaces)");
  }
  if (process.getuid?.() !== 0) {
    throw new LabError(
      `redplay lab ${command} must run as root (it creates mount namespaces and binds 127.0.0.11-13:22); try: sudo npx redplay lab ${command}`,
    );
  }
}

/** Installs redis-server, openssh-server and sudo when any daemon is missing. */
export async function ensurePackages(log: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  for (const p of REQUIRED) if (!(await executable(p))) missing.push(p);
  if (missing.length === 0) return;
  if (!(await executable("/usr/bin/apt-get"))) {
    throw new LabError(`missing ${missing.join(", ")} and no apt-get to install them; install ${PACKAGES.join(" ")} and retry`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  log(`missing ${missing.join(", ")}: running apt-get update && apt-get install -y ${PACKAGES.join(" ")}`);
  await runTool("apt-get", ["update"], undefined, env);
  await runTool("apt-get", ["install", "-y", ...PACKAGES], undefined, env);
}

const SYSTEMD_LAB_TOOLS: [string, string][] = [
  ["/usr/bin/systemd-nspawn", "systemd-container"],
  ["/usr/sbin/debootstrap", "debootstrap"],
  ["/usr/bin/ssh-keygen", "openssh-client"],
];

/** Installs what a systemd lab needs on this machine: systemd-nspawn, debootstrap, ssh-keygen. */
export async function ensureSystemdLabPackages(log: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  for (const [path, pkg] of SYSTEMD_LAB_TOOLS) if (!(await executable(path))) missing.push(pkg);
  if (missing.length === 0) return;
  if (!(await executable("/usr/bin/apt-get"))) {
    throw new LabError(`missing ${missing.join(", ")} and no apt-get to install them; install them and retry`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  log(`running apt-get update && apt-get install -y ${missing.join(" ")}`);
  await runTool("apt-get", ["update"], undefined, env);
  await runTool("apt-get", ["install", "-y", ...missing], undefined, env);
}

/**
 * Every booted node's systemd takes inotify instances; past the kernel's default of 128 per user
 * a booting systemd dies with "Failed to allocate manager object". Raised, never lowered.
 */
export async function raiseInotifyLimit(min = 1024): Promise<void> {
  const path = "/proc/sys/fs/inotify/max_user_instances";
  const now = Number((await readFile(path, "utf8")).trim());
  if (now < min) await writeFile(path, `${min}\n`);
}
