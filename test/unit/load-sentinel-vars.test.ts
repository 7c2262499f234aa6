// sentinel_* variables are checked before anything runs: a quorum no group of Sentinels can
// reach, a port shared with Redis, a master name Sentinel would split, stop the run located (exit 4).
import { describe, expect, it } from "vitest";
import { runMain } from "../helpers/main.js";

const inv = "test/fixtures/load/sentinel-vars/hosts.yaml";

describe("sentinel_* variables", () => {
  it("a port equal to Redis's, in the inventory, is refused at the host that has it, exit 4", async () => {
    const r = await runMain(["validate", "playbooks/sentinel.yaml", "-i", inv]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`error: ${inv}:5:9: sentinel_port 6379 for node-1 is Redis's own port (redis_port): Sentinel needs a port of its own; the usual one is 26379`);
  });

  it.each([
    [["-e", "sentinel_port=26379", "-e", "sentinel_quorum=4"], "error: -e:1:1: sentinel_quorum is 4 (given with -e): it must be a whole number from 1 to 3 (the group has 3 Sentinel(s): node-1, node-2, node-3)"],
    [["-e", "sentinel_port=26379", "-e", "sentinel_quorum=0"], "error: -e:1:1: sentinel_quorum is 0 (given with -e): it must be a whole number from 1 to 3"],
    [["-e", "sentinel_port=26379", "-e", "sentinel_down_after_milliseconds=soon"], 'error: -e:1:1: sentinel_down_after_milliseconds is "soon" (given with -e): it must be a whole number of at least 1'],
    [["-e", "sentinel_port=26379", "-e", JSON.stringify({ sentinel_master_name: "my master" })], `error: -e:1:1: sentinel_master_name is "my master" (given with -e): use letters, digits, '.', '_' and '-' only`],
  ])("%j is refused before any host is touched, exit 4", async (extra, line) => {
    const r = await runMain(["run", "playbooks/sentinel.yaml", "-i", inv, ...extra]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toContain(line);
    expect(r.stdout).not.toContain("PLAY [");
  });

  it("valid values pass", async () => {
    const r = await runMain(["validate", "playbooks/sentinel.yaml", "-i", inv, "-e", "sentinel_port=26379 sentinel_quorum=3 sentinel_master_name=cache-1"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
