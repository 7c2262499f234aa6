// The systemd module against a connection stubbed at the exec boundary: a small fake systemd
// answering the systemctl commands a real host would (the real thing runs on the systemd lab).
import { describe, expect, it } from "vitest";
import type { Connection, ExecResult } from "../../src/connection/types.js";
import { createSystemdModule } from "../../src/modules/systemd.js";
import { makeResources, makeTaskContext, runModule } from "../helpers/task-context.js";

const systemd = createSystemdModule("systemd", { verifyMs: 200, intervalMs: 20 });

class FakeSystemd implements Connection {
  readonly host = "node-1";
  readonly commands: string[] = [];
  active = false;
  fileState = "disabled";
  reloads = 0;
  constructor(readonly unit = "redis-server", readonly systemdRuns = true) {}
  async exec(cmd: string): Promise<ExecResult> {
    this.commands.push(cmd);
    const ok = (stdout = ""): ExecResult => ({ code: 0, stdout, stderr: "" });
    if (cmd.includes("/run/systemd/system")) return ok(this.systemdRuns ? "systemd\n" : "service\n");
    if (cmd.startsWith("systemctl daemon-reload")) {
      this.reloads++;
      return ok();
    }
    const show = /^systemctl show '?([\w@.-]+)'?/.exec(cmd);
    if (show) {
      if (show[1] !== this.unit) return ok("LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n");
      return ok(`LoadState=loaded\nActiveState=${this.active ? "active" : "inactive"}\nSubState=x\nUnitFileState=${this.fileState}\n`);
    }
    const m = /^systemctl (\w+) '?([\w@.-]+)'?/.exec(cmd);
    if (!m || m[2] !== this.unit) return { code: 5, stdout: `Unit ${m?.[2]} not found.\n`, stderr: "" };
    switch (m[1]) {
      case "start":
      case "restart":
      case "reload":
        this.active = true;
        return ok();
      case "stop":
        this.active = false;
        return ok();
      case "enable":
        this.fileState = "enabled";
        return ok();
      case "disable":
        this.fileState = "disabled";
        return ok();
      case "mask":
        this.fileState = "masked";
        return ok();
      case "unmask":
        this.fileState = "disabled";
        return ok();
    }
    return { code: 1, stdout: "", stderr: `unexpected ${cmd}` };
  }
  async read() {
    return null;
  }
  async write() {}
  async stat() {
    return { exists: false, isDir: false };
  }
  async forward(): Promise<never> {
    throw new Error("no forward");
  }
  async close() {}
}

const ctx = (conn: Connection, check = false) => makeTaskContext({ conn, check, resources: makeResources() });
const writes = (h: FakeSystemd) => h.commands.filter((c) => !c.startsWith("systemctl show") && !c.includes("/run/systemd/system"));

describe("systemd", () => {
  it("daemon_reload + enabled + started: check changes nothing, the real run does it in order, a rerun only reloads", async () => {
    const host = new FakeSystemd();
    const args = { name: "redis-server", daemon_reload: true, enabled: true, state: "started" as const };
    const check = await runModule(systemd, ctx(host, true), args);
    expect(check.status).toBe("changed");
    expect(check.plan.changes.map((c) => c.summary)).toEqual(["enable redis-server", "start redis-server"]);
    expect(writes(host)).toEqual([]);

    const real = await runModule(systemd, ctx(host), args);
    expect(real.status).toBe("changed");
    expect(writes(host)).toEqual(["systemctl daemon-reload 2>&1", "systemctl enable redis-server 2>&1", "systemctl start redis-server 2>&1"]);
    expect([host.active, host.fileState]).toEqual([true, "enabled"]);

    host.commands.length = 0;
    const again = await runModule(systemd, ctx(host), args);
    expect(again.status).toBe("ok");
    expect(again.plan.noop).toBe("redis-server is enabled; redis-server is running");
    expect(writes(host)).toEqual(["systemctl daemon-reload 2>&1"]);
  });

  it("daemon_reload alone is ok, never changed, and not run under --check", async () => {
    const host = new FakeSystemd();
    expect((await runModule(systemd, ctx(host, true), { daemon_reload: true })).status).toBe("ok");
    expect(host.reloads).toBe(0);
    expect((await runModule(systemd, ctx(host), { daemon_reload: true })).status).toBe("ok");
    expect(host.reloads).toBe(1);
  });

  it("masked and unmasked, stopped, restarted", async () => {
    const host = new FakeSystemd();
    host.active = true;
    expect((await runModule(systemd, ctx(host), { name: "redis-server", state: "stopped", masked: true })).status).toBe("changed");
    expect([host.active, host.fileState]).toEqual([false, "masked"]);
    expect((await runModule(systemd, ctx(host), { name: "redis-server", masked: true })).status).toBe("ok");
    expect((await runModule(systemd, ctx(host), { name: "redis-server", masked: false, state: "restarted" })).status).toBe("changed");
    expect([host.active, host.fileState]).toEqual([true, "disabled"]);
  });

  it("under --check, a unit an earlier task would install is predicted, not failed", async () => {
    const r = await runModule(systemd, ctx(new FakeSystemd(), true), { name: "new-unit", daemon_reload: true, enabled: true, state: "started" });
    expect(r.status).toBe("changed");
    expect(r.plan.changes.map((c) => c.summary)).toEqual(["enable new-unit (not found now: an earlier task is expected to install it)", "start new-unit"]);
  });

  it("an unknown unit and a host without systemd fail, naming them", async () => {
    const missing = await runModule(systemd, ctx(new FakeSystemd()), { name: "nope", state: "started" });
    expect(missing.plan.failed).toBe("unit nope is not found on localhost");
    const noSystemd = await runModule(systemd, ctx(new FakeSystemd("redis-server", false)), { name: "redis-server", state: "started" });
    expect(noSystemd.plan.failed).toBe("localhost does not run systemd (service); use the service module");
  });
});
