// Runs a playbook with the built CLI as a user would (`node bin/redplay.js run ...`), optionally
// killing the controller with SIGKILL by its pid at a given moment, as a crashed machine would.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/redplay.js", import.meta.url));

/** Resolves to { code, signal, killed, ms, out, args } once the process is gone. */
export function runPlaybook(inventory, playbook, extra = [], { killAtMs, timeoutMs = 240_000 } = {}) {
  const args = ["run", `playbooks/${playbook}.yaml`, "-i", inventory, ...extra];
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let killed = false;
    let exited = false;
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const kill = (why) => {
      if (exited || child.pid === undefined) return;
      killed = why;
      process.kill(child.pid, "SIGKILL");
    };
    const killTimer = killAtMs === undefined ? null : setTimeout(() => kill("schedule"), killAtMs);
    const guard = setTimeout(() => kill("timeout"), timeoutMs);
    child.on("error", reject);
    child.on("exit", () => {
      exited = true;
    });
    child.on("close", (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      clearTimeout(guard);
      resolve({ code, signal, killed, ms: Date.now() - t0, out, args, pid: child.pid });
    });
  });
}

/** Nodes that setup names as demoted primaries whose writes are discarded (its WARNING lines). */
export function discardedPrimaries(out) {
  const names = new Set();
  for (const m of out.matchAll(/WARNING: (\S+) was a primary holding data/g)) names.add(m[1]);
  return [...names];
}
