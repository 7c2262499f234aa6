// Real redis-server processes on loopback addresses for integration tests: started with
// --daemonize no so the pid we hold is the server's, stopped by that pid (SIGTERM, then SIGKILL).
// Debian's redis-server by default; `binary` runs another build (a Redis or Valkey of another
// version, see src/lab/server-builds.ts) with the same arguments, which every version from 5.0 takes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One started server. */
export interface RedisServer {
  address: string;
  port: number;
  pid: number;
  dir: string;
  proc: ChildProcess;
}

/** Options of startRedis. */
export interface StartRedisOptions {
  address: string;
  port?: number;
  /** requirepass; none when absent (a fresh node). */
  password?: string;
  /** masterauth; none when absent. */
  masterauth?: string;
  extra?: string[];
  /** Server binary to run. @default "redis-server" (Debian's, from PATH) */
  binary?: string;
}

export async function startRedis(opts: StartRedisOptions): Promise<RedisServer> {
  const port = opts.port ?? 6379;
  const dir = mkdtempSync(join(tmpdir(), "redplay-redis-"));
  const args = [
    "--bind", opts.address, "--port", String(port), "--daemonize", "no", "--dir", dir,
    "--save", "", "--appendonly", "no", "--replica-announce-ip", opts.address,
    "--repl-diskless-sync-delay", "0", "--logfile", join(dir, "redis.log"),
  ];
  if (opts.password) args.push("--requirepass", opts.password);
  if (opts.masterauth) args.push("--masterauth", opts.masterauth);
  args.push(...(opts.extra ?? []));
  const binary = opts.binary ?? "redis-server";
  const proc = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (c: Buffer) => void (stderr += c.toString()));
  const spawned = new Promise<void>((resolve, reject) => {
    proc.once("spawn", resolve);
    proc.once("error", (e) => reject(new Error(`${binary} cannot be started (is it installed?): ${e.message}`)));
  });
  await spawned;
  try {
    await waitForPort(opts.address, port, 5000, proc);
  } catch (e) {
    if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid!, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}${stderr ? `: ${stderr.trim()}` : ""}`);
  }
  return { address: opts.address, port, pid: proc.pid!, dir, proc };
}

/** Stops the server by its pid and waits until it has exited; removes its directory. */
export async function stopRedis(server: RedisServer): Promise<void> {
  if (server.proc.exitCode === null && server.proc.signalCode === null) {
    const exited = new Promise<void>((resolve) => server.proc.once("exit", () => resolve()));
    process.kill(server.pid, "SIGTERM");
    const timer = setTimeout(() => {
      if (server.proc.exitCode === null) process.kill(server.pid, "SIGKILL");
    }, 5000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(server.dir, { recursive: true, force: true });
}

async function waitForPort(host: string, port: number, timeoutMs: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server on ${host}:${port} exited with code ${proc.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once("connect", () => { s.destroy(); resolve(true); });
      s.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`redis-server on ${host}:${port} did not start listening`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
