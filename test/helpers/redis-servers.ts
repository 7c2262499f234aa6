// Real redis-server processes on loopback addresses for integration tests: started with
// --daemonize no so the pid we hold is the server's, stopped by that pid (SIGTERM, then SIGKILL).
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
  const proc = spawn("redis-server", args, { stdio: "ignore" });
  const spawned = new Promise<void>((resolve, reject) => {
    proc.once("spawn", resolve);
    proc.once("error", (e) => reject(new Error(`redis-server cannot be started (is it installed?): ${e.message}`)));
  });
  await spawned;
  await waitForPort(opts.address, port, 5000);
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

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
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
