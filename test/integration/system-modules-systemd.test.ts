// apt, lineinfile, group, user, copy and systemd on a Debian 12 host booted with systemd, through SSH: the
// check/real/rerun triad (--check changes nothing on the host, the real run does it all, a second
// run changes nothing), with gather_facts giving the host's own facts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recap, runCli } from "../helpers/cli.js";
import { sshRun, startLab, stopLab, type TestLab } from "../helpers/lab.js";

const PLAYBOOK = "test/fixtures/system-modules/playbook.yaml";

describe("system modules on a systemd host", () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startLab({ nodes: 1, base: "127.0.0.237", os: "bookworm", server: "redis" });
  }, 900_000);
  afterAll(async () => {
    if (lab) await stopLab(lab);
  }, 300_000);

  const state = async () => {
    const r = await sshRun(lab, "node-1", [
      "dpkg-query -W -f='${Status}' tree 2>/dev/null | grep -q 'ok installed' && echo tree=installed || echo tree=absent",
      "grep -c '^maxclients 4000$' /etc/redis/redis.conf || true",
      "cat /etc/redplay-test.conf 2>/dev/null || echo no-file",
      "systemctl is-enabled redplay-test 2>/dev/null || echo not-enabled",
      "systemctl is-active redplay-test 2>/dev/null || true",
      "id redplay-svc 2>/dev/null || echo no-user",
    ].join("; "));
    return r.stdout.trim().split("\n");
  };

  it("--check changes nothing; the real run installs, edits, enables and starts; a rerun changes nothing", async () => {
    const before = await state();
    expect(before).toEqual(["tree=absent", "0", "no-file", "not-enabled", "inactive", "no-user"]);

    const check = await runCli(["run", PLAYBOOK, "-i", lab.paths.inventory, "--check", "--diff"], { timeoutMs: 600_000 });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(recap(check.stdout)["node-1"]).toMatchObject({ changed: 7, failed: 0 });
    expect(check.stdout).toContain("+maxclients 4000");
    expect(await state()).toEqual(before);

    const real = await runCli(["run", PLAYBOOK, "-i", lab.paths.inventory], { timeoutMs: 600_000 });
    expect(real.code, real.stdout + real.stderr).toBe(0);
    expect(recap(real.stdout)["node-1"]).toMatchObject({ changed: 7, failed: 0 });
    expect(await state()).toEqual([
      "tree=installed",
      "1",
      "managed-on node-1 (Debian 12, systemd)",
      "enabled",
      "active",
      "uid=1610(redplay-svc) gid=1610(redplay-ops) groups=1610(redplay-ops),4(adm)",
    ]);

    const again = await runCli(["run", PLAYBOOK, "-i", lab.paths.inventory], { timeoutMs: 600_000 });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(recap(again.stdout)["node-1"]).toMatchObject({ changed: 0, failed: 0 });
  }, 1_200_000);
});
