// A real redis-server 7.0 accepts templates/redis.conf.hbs as rendered for a node: it starts
// from the file on the node's own address, requires the password (quoted, with a space and
// quotes in it) and has masterauth set; a bad redis_extra_config line makes it refuse to start.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderFile } from "../../src/template/handlebars.js";

const TEMPLATE = join(import.meta.dirname, "..", "..", "templates", "redis.conf.hbs");
const ADDRESS = "127.0.0.81";
const PORT = 6379;
const PASSWORD = `pa ss"wo'rd`;

interface Started {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; stderr: string }>;
}

function startServer(confPath: string): Started {
  const proc = spawn("redis-server", [confPath, "--daemonize", "no"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    proc.once("error", (e) => reject(new Error(`redis-server cannot be started (is it installed?): ${e.message}`)));
    proc.once("exit", (code) => resolve({ code, stderr }));
  });
  return { proc, exited };
}

/** Stops a server this file started, by its pid, and waits for it to exit. */
async function stopServer(s: Started | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  process.kill(s.proc.pid!, "SIGTERM");
  const timer = setTimeout(() => {
    if (s.proc.exitCode === null && s.proc.signalCode === null) process.kill(s.proc.pid!, "SIGKILL");
  }, 5000);
  await s.exited.catch(() => undefined);
  clearTimeout(timer);
}

async function connectWhenUp(s: Started, password: string | null): Promise<Redis> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (s.proc.exitCode !== null) throw new Error(`redis-server exited early: ${(await s.exited).stderr}`);
    const client = new Redis({
      host: ADDRESS,
      port: PORT,
      ...(password === null ? {} : { password }),
      lazyConnect: true,
      // The ready check sends INFO, which a server with a password refuses to an anonymous client.
      enableReadyCheck: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    // Failures surface through connect(); the event would only print them a second time.
    client.on("error", () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      client.disconnect();
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function renderTo(dir: string, extra: Record<string, unknown> = {}): Promise<string> {
  const vars = {
    inventory_hostname: "node-1",
    ansible_host: ADDRESS,
    redis_password: PASSWORD,
    redis_topology: { primary: "node-1", primary_address: ADDRESS, primary_port: PORT, replicas: ["node-2"] },
    redis_dir: dir,
    redis_logfile: join(dir, "redis-server.log"),
    redis_pidfile: join(dir, "redis-server.pid"),
    ...extra,
  };
  const path = join(dir, "redis.conf");
  await writeFile(path, await renderFile(TEMPLATE, vars, { host: "node-1" }));
  return path;
}

describe("redis-server started from the rendered template", () => {
  let dir = "";
  let server: Started | undefined;
  let client: Redis | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "redplay-conf-"));
    server = startServer(await renderTo(dir));
    client = await connectWhenUp(server, PASSWORD);
  });

  afterAll(async () => {
    client?.disconnect();
    await stopServer(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers PING with the quoted password", async () => {
    expect(await client!.ping()).toBe("PONG");
  });

  it("has masterauth set to the same password", async () => {
    expect(await client!.config("GET", "masterauth")).toEqual(["masterauth", PASSWORD]);
  });

  it("refuses a client without the password", async () => {
    const anonymous = await connectWhenUp(server!, null);
    try {
      await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    } finally {
      anonymous.disconnect();
    }
  });

  it("listens on the node's address and announces it, with AOF on", async () => {
    expect(await client!.config("GET", "bind")).toEqual(["bind", ADDRESS]);
    expect(await client!.config("GET", "replica-announce-ip")).toEqual(["replica-announce-ip", ADDRESS]);
    expect(await client!.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
    expect(await client!.config("GET", "min-replicas-to-write")).toEqual(["min-replicas-to-write", "1"]);
  });

  it("writes its pid file and log where redis_pidfile and redis_logfile say", async () => {
    expect((await readFile(join(dir, "redis-server.pid"), "utf8")).trim()).toBe(String(server!.proc.pid));
    expect(existsSync(join(dir, "redis-server.log"))).toBe(true);
    expect(await client!.config("GET", "dir")).toEqual(["dir", dir]);
  });
});

describe("redis_extra_config reaches the file", () => {
  let dir = "";
  let server: Started | undefined;

  afterAll(async () => {
    await stopServer(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("an invalid extra directive makes redis-server refuse the file", async () => {
    dir = await mkdtemp(join(tmpdir(), "redplay-conf-bad-"));
    server = startServer(await renderTo(dir, { redis_extra_config: ["no-such-directive yes"] }));
    const { code, stderr } = await server.exited;
    expect(code).not.toBe(0);
    expect(stderr).toContain("no-such-directive");
  });
});
