// templates/redis.conf.hbs rendered per server version is accepted by that version's own binary
// (Redis 5.0, 6.2, 7.0 from Debian, 7.2, 7.4, Valkey 7.2, 8.0), checked the way the playbooks
// check it (the copy module's `validate` running the redis_conf_check command), then started for
// real: it serves the values the file says, and a replica file really replicates. The check
// itself rejects a directive from a newer version quoting the server's FATAL line, never prints
// the password, leaves no process or temp dir behind, and never contacts the primary a replica
// file points at. Binaries come from ensureBuild (built once per machine); a missing one fails.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild } from "../../src/lab/server-builds.js";
import { copyModule } from "../../src/modules/copy.js";
import { debianLayout } from "../../src/modules/redis/redis-server.js";
import { confCheckCommand } from "../../src/redis/conf-check.js";
import { versionFromBinary, type ServerVersion } from "../../src/redis/server-version.js";
import { renderFile } from "../../src/template/handlebars.js";
import { makeTaskContext, runModule } from "../helpers/task-context.js";

const TEMPLATE = join(import.meta.dirname, "..", "..", "templates", "redis.conf.hbs");
const PASSWORD = `pa ss"wo'rd-7Qx`;
const PORT = 6379;

interface Target {
  /** Build name, or "debian" for /usr/bin/redis-server. */
  name: string;
  primary: string;
  replica: string;
}

// Loopback addresses 127.0.0.121-134, two per version: nothing else in the suite uses them.
const TARGETS: Target[] = [
  { name: "redis-5.0.7", primary: "127.0.0.121", replica: "127.0.0.122" },
  { name: "redis-6.2.16", primary: "127.0.0.123", replica: "127.0.0.124" },
  { name: "debian", primary: "127.0.0.125", replica: "127.0.0.126" },
  { name: "redis-7.2.6", primary: "127.0.0.127", replica: "127.0.0.128" },
  { name: "redis-7.4.1", primary: "127.0.0.129", replica: "127.0.0.130" },
  { name: "valkey-7.2.7", primary: "127.0.0.131", replica: "127.0.0.132" },
  { name: "valkey-8.0.1", primary: "127.0.0.133", replica: "127.0.0.134" },
];

interface Binary {
  server: string;
  version: ServerVersion;
}

async function binaryFor(name: string): Promise<Binary> {
  if (name !== "debian") {
    // Valkey 7.2 names itself "Server v=7.2.7" in --version, so the build's own name says what it is.
    const build = await ensureBuild(name);
    const redisCompat = build.flavor === "valkey" ? "7.2.4" : build.version;
    return { server: build.server, version: { flavor: build.flavor, version: build.version, redisCompat } };
  }
  const server = "/usr/bin/redis-server";
  if (!existsSync(server)) throw new Error(`${server} is missing (apt-get install redis-server)`);
  const line = await new Promise<string>((resolve, reject) => {
    const p = spawn(server, ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    p.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    p.once("error", reject);
    p.once("exit", () => resolve(out));
  });
  const version = versionFromBinary(line);
  if (!version) throw new Error(`${server} --version said ${JSON.stringify(line)}`);
  return { server, version };
}

/** The redis_server fact for a binary, with its flavour's standard paths (as redis_server publishes them). */
function factFor(b: Binary): Record<string, unknown> {
  return {
    ...debianLayout(b.version.flavor),
    installed: true,
    new: false,
    version: b.version.version,
    redis_compat: b.version.redisCompat,
    binary: b.server,
    cli: b.server.replace(/-server$/, "-cli"),
  };
}

function vars(b: Binary, t: Target, role: "primary" | "replica", dir: string | null, extra: Record<string, unknown> = {}) {
  return {
    inventory_hostname: role === "primary" ? "node-1" : "node-2",
    ansible_host: role === "primary" ? t.primary : t.replica,
    redis_password: PASSWORD,
    redis_topology: { primary: "node-1", primary_address: t.primary, primary_port: PORT, replicas: ["node-2"] },
    redis_server: factFor(b),
    redis_repl_diskless_sync_delay: 0,
    // Where this machine differs from a node: its own dirs, not /var/lib/redis.
    ...(dir ? { redis_dir: dir, redis_pidfile: join(dir, "server.pid"), redis_logfile: join(dir, "server.log") } : {}),
    ...extra,
  };
}

const render = (v: Record<string, unknown>) => renderFile(TEMPLATE, v, { file: "templates/redis.conf.hbs", host: String(v.inventory_hostname) });

/** Writes `content` to `dest` through the copy module with the playbooks' validate; the module's result. */
async function writeChecked(b: Binary, dest: string, content: string) {
  return runModule(copyModule, makeTaskContext(), { dest, content, mode: "0640", validate: `${confCheckCommand(b.server, 20)} %s` });
}

interface Started {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; output: string }>;
}

const started: Started[] = [];

function start(b: Binary, conf: string): Started {
  const proc = spawn(b.server, [conf, "--daemonize", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    proc.once("error", reject);
    proc.once("exit", (code) => resolve({ code, output }));
  });
  const s = { proc, exited };
  started.push(s);
  return s;
}

/** Stops a server this file started, by its pid, and waits for it to exit. */
async function stop(s: Started): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  process.kill(s.proc.pid!, "SIGTERM");
  const timer = setTimeout(() => {
    if (s.proc.exitCode === null && s.proc.signalCode === null) process.kill(s.proc.pid!, "SIGKILL");
  }, 5000);
  await s.exited.catch(() => undefined);
  clearTimeout(timer);
}

async function connect(s: Started, host: string): Promise<Redis> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (s.proc.exitCode !== null) throw new Error(`server exited early: ${(await s.exited).output}`);
    const client = new Redis({ host, port: PORT, password: PASSWORD, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.ping();
      return client;
    } catch (err) {
      client.disconnect();
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function infoField(info: string, key: string): string | undefined {
  return new RegExp(`^${key}:(.*)\\r?$`, "m").exec(info)?.[1]?.trim();
}

/** Pids whose working directory is a conf-check temp dir (the checked server chdirs there). */
function checkProcesses(): string[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).includes("redplay-conf-check.");
      } catch {
        return false;
      }
    });
}

const checkDirs = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith("redplay-conf-check.") || f.startsWith(".redplay-validate-")));

describe.each(TARGETS)("redis.conf for $name", (t) => {
  let b: Binary;
  let dir = "";
  let dirsBefore: Set<string>;
  const clients: Redis[] = [];

  // On a machine without the build cache, the first use of a version builds it (up to ~3 min).
  beforeAll(async () => {
    b = await binaryFor(t.name);
    dir = await mkdtemp(join(tmpdir(), `redplay-conf-${t.name}-`));
    dirsBefore = checkDirs();
  }, 600_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const s of started.splice(0)) await stop(s);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the server's own check accepts the primary and replica files, with its flavour's standard paths", async () => {
    // The check wants the data dir and the log's dir to exist, as the flavour's package makes them.
    const layout = debianLayout(b.version.flavor);
    const made = [layout.dir, dirname(layout.logfile)].filter((d) => !existsSync(d));
    for (const d of made) await mkdir(d, { recursive: true });
    try {
      for (const role of ["primary", "replica"] as const) {
        const conf = await render(vars(b, t, role, null));
        const valkey = b.version.flavor === "valkey";
        expect(conf).toContain(valkey ? "\ndir /var/lib/valkey\n" : "\ndir /var/lib/redis\n");
        const r = await writeChecked(b, join(dir, `${role}-standard.conf`), conf);
        expect(r.applied?.failed ?? r.plan.failed).toBeUndefined();
        expect(r.status).toBe("changed");
      }
    } finally {
      for (const d of made.reverse()) await rm(d, { recursive: true, force: true });
    }
  });

  it("refuses a log file or data dir in a directory that does not exist, before the server runs; nothing is written", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ redis_logfile: "/nonexistent-redplay/x.log" }, "logfile /nonexistent-redplay/x.log: no such directory /nonexistent-redplay"],
      [{ redis_logfile: "/tmp" }, "logfile /tmp: is a directory"],
      [{ redis_dir: "/nonexistent-redplay-data" }, "dir /nonexistent-redplay-data: no such directory"],
    ];
    for (const [extra, said] of cases) {
      const dest = join(dir, "bad-path.conf");
      const r = await writeChecked(b, dest, await render(vars(b, t, "primary", dir, extra)));
      expect(r.status).toBe("failed");
      expect(r.applied?.failed).toMatch(/^validation failed, nothing written: the validate command returned 1: /);
      expect(r.applied?.failed).toContain(`redplay conf check: ${said}`);
      expect(existsSync(dest)).toBe(false);
    }
  });

  it("started for real from the file, it serves the values the file says", async () => {
    const pdir = join(dir, "primary");
    await rm(pdir, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(pdir));
    const path = join(pdir, "server.conf");
    const r = await writeChecked(b, path, await render(vars(b, t, "primary", pdir, { redis_repl_backlog_size: "32mb" })));
    expect(r.status).toBe("changed");
    const s = start(b, path);
    const c = await connect(s, t.primary);
    clients.push(c);
    const get = async (k: string) => ((await c.config("GET", k)) as string[])[1];
    expect(await get("bind")).toBe(t.primary);
    expect(await get("port")).toBe(String(PORT));
    expect(await get("requirepass")).toBe(PASSWORD);
    expect(await get("masterauth")).toBe(PASSWORD);
    expect(await get("appendonly")).toBe("yes");
    expect(await get("min-replicas-to-write")).toBe("1");
    expect(await get("repl-backlog-size")).toBe(String(32 * 1024 * 1024));
    expect(await get("replica-announce-ip")).toBe(t.primary);
    expect(await get("dir")).toBe(pdir);
    expect(await get("repl-diskless-sync-delay")).toBe("0");
    if (b.version.redisCompat.startsWith("5.") || b.version.redisCompat.startsWith("6.")) {
      expect(await get("hash-max-ziplist-entries")).toBe("512");
    } else {
      expect(await get("hash-max-listpack-entries")).toBe("512");
      expect(await get("appenddirname")).toBe("appendonlydir");
    }
    if (b.version.flavor === "valkey" && !b.version.version.startsWith("7.")) expect(await get("primaryauth")).toBe(PASSWORD);
  });

  it("checking a replica file never contacts its primary; the same file started for real does", async () => {
    const primary = clients[0]!;
    const syncFull = async () => Number(infoField(await primary.info("stats"), "sync_full"));
    expect(await syncFull()).toBe(0);
    const rdir = join(dir, "replica");
    await import("node:fs/promises").then((fs) => fs.mkdir(rdir));
    const path = join(rdir, "server.conf");
    const conf = await render(vars(b, t, "replica", rdir));
    expect(conf).toContain(`\nreplicaof ${t.primary} ${PORT}\n`);
    const r = await writeChecked(b, path, conf);
    expect(r.status).toBe("changed");
    // The replication cron would have connected within a second: wait longer than that.
    await new Promise((res) => setTimeout(res, 1500));
    const repl = await primary.info("replication");
    expect(infoField(repl, "connected_slaves")).toBe("0");
    expect(await syncFull()).toBe(0);

    // Control: the file itself does replicate, so the primary would have shown the checker.
    const s = start(b, path);
    const replica = await connect(s, t.replica);
    clients.push(replica);
    const deadline = Date.now() + 20_000;
    while (infoField(await replica.info("replication"), "master_link_status") !== "up") {
      if (Date.now() > deadline) throw new Error(`replica never synced: ${await replica.info("replication")}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(infoField(await primary.info("replication"), "connected_slaves")).toBe("1");
    expect(await syncFull()).toBe(1);
  });

  it("rejects a directive from a newer version, quoting the server's FATAL line; nothing is written", async () => {
    const newer: Record<string, string> = {
      "5.0": `appenddirname "appendonlydir"`,
      "6.2": `appenddirname "appendonlydir"`,
      "7.0": "set-max-listpack-entries 128",
      "7.2": "max-new-connections-per-cycle 10",
      "7.4": "dual-channel-replication-enabled no",
      "8.0": "no-such-directive-in-valkey-8 yes",
    };
    const series = b.version.version.split(".").slice(0, 2).join(".");
    const line = newer[series]!;
    const dest = join(dir, "rejected.conf");
    const r = await writeChecked(b, dest, await render(vars(b, t, "primary", dir, { redis_extra_config: [line] })));
    expect(r.status).toBe("failed");
    expect(r.applied?.failed).toMatch(/^validation failed, nothing written: the validate command returned 1: /);
    expect(r.applied?.failed).toContain("rejected the file (exit 1)");
    expect(r.applied?.failed).toMatch(/\*\*\* FATAL CONFIG FILE ERROR/);
    expect(r.applied?.failed).toContain(`>>> '${line}'`);
    expect(existsSync(dest)).toBe(false);
  });

  it("--check predicts the refusal with the diff, and a bad password line is quoted without the password", async () => {
    const dest = join(dir, "check-mode.conf");
    const conf = await render(vars(b, t, "primary", dir, { redis_extra_config: [`requirepass ${PASSWORD} extra`] }));
    const r = await runModule(copyModule, makeTaskContext({ check: true }), { dest, content: conf, validate: `${confCheckCommand(b.server, 20)} %s` });
    expect(r.status).toBe("failed");
    expect(r.plan.failed).toMatch(/^validation failed, nothing written \(check mode\): /);
    expect(r.plan.failed).toContain(">>> 'requirepass (value hidden)'");
    expect(r.plan.failed).not.toContain("7Qx");
    expect(r.plan.diff?.[0]?.after).toBe(conf);
    expect(existsSync(dest)).toBe(false);
  });

  it("leaves no checking process and no temp dir behind", () => {
    expect(checkProcesses()).toEqual([]);
    expect([...checkDirs()].filter((d) => !dirsBefore.has(d))).toEqual([]);
  });
});
