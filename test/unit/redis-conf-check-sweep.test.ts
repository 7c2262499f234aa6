// The conf check's temp dir is removed by the check itself; one left by a host that died mid-check
// (or a SIGKILLed shell) is removed by the next check once it is older than any check can run.
// The script runs for real here with sh, on a throwaway TMPDIR.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validate } from "../../src/modules/file-content.js";
import { CONF_CHECK_SCRIPT } from "../../src/redis/conf-check.js";
import { makeTaskContext } from "../helpers/task-context.js";

const root = mkdtempSync(join(tmpdir(), "redplay-sweep-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("conf check temp dirs", () => {
  it("a dir older than 10 minutes is swept by the next check; a recent one (a check running now) is kept", () => {
    const stale = join(root, "redplay-conf-check.stale1");
    const recent = join(root, "redplay-conf-check.recent");
    const other = join(root, "unrelated.old");
    for (const d of [stale, recent, other]) mkdirSync(d);
    writeFileSync(join(stale, "redis.conf"), "requirepass secret\n", { mode: 0o600 });
    const old = new Date(Date.now() - 20 * 60_000);
    utimesSync(stale, old, old);
    utimesSync(other, old, old);
    const conf = join(root, "checked.conf");
    writeFileSync(conf, "port 0\n");
    // `true` as the "server": the check runs up to the start, which is all this test is about.
    try {
      execFileSync("sh", ["-c", CONF_CHECK_SCRIPT, "redplay-conf-check", "true", "1", conf], { env: { ...process.env, TMPDIR: root }, stdio: "pipe" });
    } catch {
      // `true` never reports ready: the check says the server was rejected; beside the point here.
    }
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(other)).toBe(true);
    // and the check's own dir is gone
    expect(execFileSync("sh", ["-c", `ls -1 ${JSON.stringify(root)}`]).toString().trim().split("\n").sort()).toEqual(["checked.conf", "redplay-conf-check.recent", "unrelated.old"]);
  });

  it("validate's own temp dir: one older than an hour (its controller was killed) is swept by the next validate, which removes its own", async () => {
    const dir = mkdtempSync(join(root, "validate-"));
    const stale = join(dir, ".redplay-validate-stale1");
    const recent = join(dir, ".redplay-validate-recent");
    for (const d of [stale, recent]) mkdirSync(d);
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, old, old);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    try {
      const failed = await validate(makeTaskContext(), "test -s %s", Buffer.from("content\n"), "/etc/x.conf", true);
      expect(failed).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(execFileSync("sh", ["-c", `ls -1A ${JSON.stringify(dir)}`]).toString().trim().split("\n")).toEqual([".redplay-validate-recent"]);
  });
});
