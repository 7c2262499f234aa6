// Starts a real OpenSSH sshd on a loopback address for integration tests: its own temporary
// host key, config, pid file and VERBOSE log (read to count connections), one authorized_keys
// file shared by every user. A missing sshd is an error, never a skip. Stopped by pid.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const SSHD = "/usr/sbin/sshd";

/** A running sshd started by a test. */
export interface Sshd {
  address: string;
  port: number;
  pid: number;
  dir: string;
  /** The public host key line as in a .pub file: `ssh-ed25519 AAAA... comment`. */
  hostKeyPub: string;
  /** `address key` line for a known_hosts file. */
  knownHostsLine: string;
  /** The log written so far. */
  log(): string;
  /** How many logins succeeded with a public key (one per SSH connection). */
  acceptedLogins(): number;
  /** How many session channels were started (one per exec channel, persistent shell or SFTP). */
  sessionsStarted(): number;
  stop(): Promise<void>;
}

/** Creates an unencrypted ed25519 key pair; returns the private key path (`.pub` beside it). */
export function makeKey(dir: string, name: string, passphrase = ""): string {
  const file = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", file]);
  return file;
}

/** `SHA256:...` of a public key file, as OpenSSH prints it. */
export function opensshFingerprint(pubFile: string): string {
  const out = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", pubFile], { encoding: "utf8" });
  const m = out.match(/SHA256:[A-Za-z0-9+/]+/);
  if (!m) throw new Error(`no fingerprint in ssh-keygen output: ${out}`);
  return m[0];
}

function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts sshd on `address:port` accepting the given public keys for every user. */
export async function startSshd(opts: { address: string; port?: number; authorizedKeys: string[] }): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server to run the SSH integration tests`);
  // sshd refuses to start without its privilege separation directory.
  if (!existsSync("/run/sshd")) mkdirSync("/run/sshd", { mode: 0o755 });
  const port = opts.port ?? 22;
  const dir = mkdtempSync(join(tmpdir(), "redplay-sshd-"));
  // sshd reads authorized_keys as the logging-in user, so every user must reach it.
  chmodSync(dir, 0o755);
  const hostKey = makeKey(dir, "host_ed25519");
  writeFileSync(join(dir, "authorized_keys"), opts.authorizedKeys.map((k) => readFileSync(k, "utf8").trim()).join("\n") + "\n", {
    mode: 0o644,
  });
  const logFile = join(dir, "sshd.log");
  const conf = join(dir, "sshd_config");
  writeFileSync(
    conf,
    [
      `ListenAddress ${opts.address}:${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "StrictModes no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "AllowTcpForwarding yes",
      "LogLevel VERBOSE",
      "Subsystem sftp internal-sftp",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(SSHD, ["-D", "-E", logFile, "-f", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const pid = child.pid;
  if (pid === undefined) throw new Error("sshd did not start");
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  for (let i = 0; ; i++) {
    if (log().includes(`Server listening on ${opts.address} port ${port}`)) break;
    if (child.exitCode !== null || i > 100) {
      if (child.exitCode === null) process.kill(pid, "SIGTERM");
      throw new Error(`sshd on ${opts.address}:${port} did not start: ${stderr}${log()}`);
    }
    await sleep(50);
  }
  const hostKeyPub = readFileSync(`${hostKey}.pub`, "utf8").trim();
  const [type, b64] = hostKeyPub.split(/\s+/);
  const named = port === 22 ? opts.address : `[${opts.address}]:${port}`;
  return {
    address: opts.address,
    port,
    pid,
    dir,
    hostKeyPub,
    knownHostsLine: `${named} ${type} ${b64}\n`,
    log,
    acceptedLogins: () => log().split("\n").filter((l) => l.includes("Accepted publickey")).length,
    sessionsStarted: () => log().split("\n").filter((l) => l.includes("Starting session:")).length,
    async stop() {
      const children = childPids(pid);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(pid, "SIGTERM");
        await exited;
      }
      // Per-connection processes outlive the listener; end the ones this sshd started.
      for (const c of children) if (alive(c)) process.kill(c, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
