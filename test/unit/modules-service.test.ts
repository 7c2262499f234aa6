// The service module against a connection stubbed at the exec boundary: a tiny fake init
// system that answers the commands a real host would. The real thing runs on the lab.
import { describe, expect, it } from "vitest";
import type { Connection, ExecResult } from "../../src/connection/types.js";
import { createServiceModule } from "../../src/modules/service.js";
import { makeResources, makeTaskContext, runModule } from "../helpers/task-context.js";

const service = createServiceModule({ verifyMs: 200, intervalMs: 20 });

/** A host with one service: `service`/`systemctl` commands change `running`/`enabled`. */
class FakeInitHost implements Connection {
  readonly host = "node-1";
  readonly commands: string[] = [];
  running = false;
  enabled = true;
  /** The daemon dies right after start (bad config). */
  crashesOnStart = false;
  /** The start command itself fails (init script or systemctl exit non-zero). */
  failsToStart = false;
  constructor(readonly init: "systemd" | "service" | "bare", readonly name = "redis-server") {}

  async exec(cmd: string): Promise<ExecResult> {
    this.commands.push(cmd);
    const ok = (stdout = ""): ExecResult => ({ code: 0, stdout, stderr: "" });
    const n = this.name;
    if (cmd.includes("/run/systemd/system")) {
      return ok(this.init === "systemd" ? "systemd\n" : this.init === "service" ? "service\nupdate-rc.d\n" : "initd\n");
    }
    if (cmd.startsWith(`systemctl show ${n}`)) {
      return ok(`LoadState=loaded\nActiveState=${this.running ? "active" : "failed"}\nSubState=x\nUnitFileState=${this.enabled ? "enabled" : "disabled"}\n`);
    }
    if (cmd.startsWith(`systemctl status`)) {
      // The module asks for the status and the unit's journal in one command.
      const journal = cmd.includes(`journalctl -u ${n} -n 20 --no-pager`)
        ? `--- journalctl -u ${n} -n 20\n${n}[42]: *** FATAL CONFIG FILE ERROR (Redis 6.2.16) ***\n${n}[42]: >>> 'appenddirname "appendonlydir"'\n`
        : "";
      return { code: 3, stdout: `${n}.service - Redis\n  Active: failed\n${journal}`, stderr: "" };
    }
    if (cmd.startsWith(`ls /etc/rc2.d`)) return ok(this.enabled ? `/etc/rc2.d:\nS01${n}\n` : `/etc/rc2.d:\nK01${n}\n`);
    const m = /^(?:service (\S+) (\w+)|\/etc\/init\.d\/(\S+) (\w+)|systemctl (\w+) (\S+)|update-rc\.d (\S+) (\w+))/.exec(cmd);
    if (!m) return { code: 127, stdout: "", stderr: `unexpected command: ${cmd}` };
    const unit = m[1] ?? m[3] ?? m[6] ?? m[7];
    const verb = m[2] ?? m[4] ?? m[5] ?? m[8];
    if (unit !== n) return { code: 1, stdout: `${unit}: unrecognized service\n`, stderr: "" };
    switch (verb) {
      case "status":
        return this.running ? ok(`${n} is running.\n`) : { code: 3, stdout: `${n} is not running ... failed!\n`, stderr: "" };
      case "start":
      case "restart":
      case "reload":
        this.running = !this.crashesOnStart;
        if (this.failsToStart) return { code: 1, stdout: `Starting ${n}: failed\n`, stderr: "" };
        return ok(`Starting ${n}: ${n}.\n`);
      case "stop":
        this.running = false;
        return ok();
      case "enable":
      case "defaults":
        this.enabled = true;
        return ok();
      case "disable":
        this.enabled = false;
        return ok();
    }
    return { code: 2, stdout: "", stderr: `bad verb ${verb}` };
  }
  async read(): Promise<Buffer | null> { throw new Error("not used"); }
  async write(): Promise<void> { throw new Error("not used"); }
  async stat(): Promise<never> { throw new Error("not used"); }
  async forward(): Promise<never> { throw new Error("not used"); }
  async close(): Promise<void> {}
}

describe("service without systemd", () => {
  it("check run plans a start and runs nothing; real run starts; second run is a noop", async () => {
    const conn = new FakeInitHost("service");
    const args = { name: "redis-server", state: "started" as const };
    const check = await runModule(service, makeTaskContext({ conn, check: true }), args);
    expect(check.status).toBe("changed");
    expect(check.plan.changes).toEqual([{ summary: "start redis-server" }]);
    expect(conn.running).toBe(false);

    const real = await runModule(service, makeTaskContext({ conn }), args);
    expect(real.status).toBe("changed");
    expect(conn.commands).toContain("service redis-server start 2>&1");
    expect(conn.running).toBe(true);

    const again = await runModule(service, makeTaskContext({ conn }), args);
    expect(again.changed).toBe(false);
    expect(again.plan.noop).toBe("redis-server is running");
  });

  it("detects the init system once per host per run", async () => {
    const conn = new FakeInitHost("service");
    const resources = makeResources();
    await runModule(service, makeTaskContext({ conn, resources }), { name: "redis-server", state: "started" });
    await runModule(service, makeTaskContext({ conn, resources }), { name: "redis-server", state: "stopped" });
    expect(conn.commands.filter((c) => c.includes("/run/systemd/system"))).toHaveLength(1);
  });

  it("fails with the status output and the init script's own output when the service dies right after start", async () => {
    const conn = new FakeInitHost("service");
    conn.crashesOnStart = true;
    const r = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "restarted" });
    expect(r.status).toBe("failed");
    expect(r.applied?.failed).toMatch(
      /^redis-server is not running .* after start: redis-server is not running \.\.\. failed!\nthe start command said:\nStarting redis-server: redis-server\.$/,
    );
    expect(conn.commands.some((c) => c.includes("journalctl"))).toBe(false);
  });

  it("a start command that fails is quoted, with no journal to read", async () => {
    const conn = new FakeInitHost("service");
    conn.failsToStart = true;
    const r = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "restarted" });
    expect(r.applied?.failed).toBe("`service redis-server restart` returned 1: Starting redis-server: failed");
  });

  it("always restarts on restarted, even when running", async () => {
    const conn = new FakeInitHost("service");
    conn.running = true;
    const r = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "restarted" });
    expect(r.changed).toBe(true);
    expect(conn.commands).toContain("service redis-server restart 2>&1");
  });

  it("stops a running service, then reports it stopped", async () => {
    const conn = new FakeInitHost("service");
    conn.running = true;
    expect((await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "stopped" })).changed).toBe(true);
    expect(conn.running).toBe(false);
    const again = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "stopped" });
    expect(again.plan.noop).toBe("redis-server is stopped");
  });

  it("enables boot links with update-rc.d", async () => {
    const conn = new FakeInitHost("service");
    conn.enabled = false;
    const r = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", enabled: true });
    expect(r.plan.changes).toEqual([{ summary: "enable redis-server" }]);
    expect(conn.enabled).toBe(true);
    expect((await runModule(service, makeTaskContext({ conn }), { name: "redis-server", enabled: true })).plan.noop).toBe("redis-server is enabled");
  });

  it("says enabled is not applicable without systemd or update-rc.d", async () => {
    const conn = new FakeInitHost("bare");
    conn.running = true;
    const r = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "started", enabled: true });
    expect(r.changed).toBe(false);
    expect(r.plan.noop).toBe("redis-server is running; enabled is not applicable on localhost: no systemd and no update-rc.d");
    expect(conn.commands).toContain("/etc/init.d/redis-server status 2>&1");
  });

  it("fails in plan for an unknown service", async () => {
    const r = await runModule(service, makeTaskContext({ conn: new FakeInitHost("service") }), { name: "nosuch", state: "started" });
    expect(r.plan.failed).toBe("service nosuch is not installed on localhost (service)");
  });
});

describe("service with systemd", () => {
  it("uses systemctl for state and enablement", async () => {
    const conn = new FakeInitHost("systemd");
    conn.enabled = false;
    const r = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "started", enabled: true });
    expect(r.plan.changes.map((c) => c.summary)).toEqual(["start redis-server", "enable redis-server"]);
    expect(conn.commands).toEqual(expect.arrayContaining(["systemctl start redis-server 2>&1", "systemctl enable redis-server 2>&1"]));
    const again = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "started", enabled: true });
    expect(again.plan.noop).toBe("redis-server is running; redis-server is enabled");
  });

  it("quotes the unit's status and journal when the unit fails to come up", async () => {
    const conn = new FakeInitHost("systemd");
    conn.crashesOnStart = true;
    const r = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "started" });
    expect(r.applied?.failed).toMatch(/^redis-server is not running 0 s after start:\nredis-server\.service - Redis\n/);
    expect(r.applied?.failed).toContain("--- journalctl -u redis-server -n 20\nredis-server[42]: *** FATAL CONFIG FILE ERROR (Redis 6.2.16) ***");
    expect(r.applied?.failed).toContain(`>>> 'appenddirname "appendonlydir"'`);
  });

  it("quotes the journal when systemctl itself reports the failed start", async () => {
    const conn = new FakeInitHost("systemd");
    conn.failsToStart = true;
    const r = await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "restarted" });
    expect(r.applied?.failed).toMatch(/^`systemctl restart redis-server` returned 1: Starting redis-server: failed\nredis-server\.service - Redis/);
    expect(r.applied?.failed).toContain("FATAL CONFIG FILE ERROR");
  });

  it("a successful start reads no journal", async () => {
    const conn = new FakeInitHost("systemd");
    await runModule(service, makeTaskContext({ conn }), { name: "redis-server", state: "restarted" });
    expect(conn.commands.some((c) => c.includes("journalctl") || c.startsWith("systemctl status"))).toBe(false);
  });
});
