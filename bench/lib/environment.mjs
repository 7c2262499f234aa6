// The machine and tool versions a result was measured with, so figures can be compared.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

function out(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    return String(err.stderr ?? "").trim() || "unknown";
  }
}

function sshVersion() {
  // `ssh -V` prints its version on stderr.
  return spawnSync("ssh", ["-V"], { encoding: "utf8" }).stderr.trim() || "unknown";
}

/** Machine description and versions of node, redplay, ansible-core and OpenSSH (the lab's server is added by run.mjs). */
export function describeEnvironment(repo) {
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"));
  const cpus = os.cpus();
  return {
    machine: {
      cores: cpus.length,
      cpuModel: cpus[0]?.model ?? "unknown",
      memoryMiB: Math.round(os.totalmem() / 2 ** 20),
      os: `${os.type()} ${os.release()}`,
      loadavgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    versions: {
      node: process.version,
      redplay: `${pkg.version} (${out("git", ["-C", repo, "rev-parse", "--short", "HEAD"])})`,
      ansibleCore: out("ansible-playbook", ["--version"]).split("\n")[0],
      openssh: sshVersion(),
    },
  };
}
