// apt's update_cache without a package (Ansible's "refresh the lists" task) against a stubbed
// host: an update is a change, predicted under --check and not run; cache_valid_time skips it
// while the lists are fresh.
import { describe, expect, it } from "vitest";
import type { Connection, ExecResult } from "../../src/connection/types.js";
import { aptModule } from "../../src/modules/apt.js";
import { makeTaskContext, runModule } from "../helpers/task-context.js";

class FakeApt implements Connection {
  readonly host = "node-1";
  readonly commands: string[] = [];
  constructor(readonly listsAge: number) {}
  async exec(cmd: string): Promise<ExecResult> {
    this.commands.push(cmd);
    if (cmd.startsWith("echo $(date +%s)")) return { code: 0, stdout: `1000000 ${1000000 - this.listsAge}\n`, stderr: "" };
    if (cmd.includes("apt-get update")) return { code: 0, stdout: "", stderr: "" };
    return { code: 127, stdout: "", stderr: `unexpected ${cmd}` };
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

describe("apt update_cache alone", () => {
  it("is a change: predicted under --check without running, run for real", async () => {
    const host = new FakeApt(10_000);
    const check = await runModule(aptModule, makeTaskContext({ conn: host, check: true }), { update_cache: true });
    expect([check.status, check.plan.changes]).toEqual(["changed", [{ summary: "apt-get update" }]]);
    expect(host.commands).toEqual([]);
    const real = await runModule(aptModule, makeTaskContext({ conn: host }), { update_cache: true });
    expect(real.status).toBe("changed");
    expect(host.commands).toEqual(["DEBIAN_FRONTEND=noninteractive apt-get update -qq"]);
  });

  it("cache_valid_time: fresh lists are left alone, stale ones updated", async () => {
    const fresh = await runModule(aptModule, makeTaskContext({ conn: new FakeApt(300) }), { update_cache: true, cache_valid_time: 3600 });
    expect([fresh.status, fresh.plan.noop]).toEqual(["ok", "the package lists are 300 s old (cache_valid_time 3600)"]);
    const stale = await runModule(aptModule, makeTaskContext({ conn: new FakeApt(7200) }), { update_cache: true, cache_valid_time: 3600 });
    expect(stale.status).toBe("changed");
  });
});
