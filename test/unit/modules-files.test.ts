// copy, template and file against real temp directories through LocalConnection.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyModule } from "../../src/modules/copy.js";
import { fileModule } from "../../src/modules/file.js";
import { templateModule } from "../../src/modules/template.js";
import { makeTaskContext, runModule } from "../helpers/task-context.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redplay-files-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o7777;

describe("copy", () => {
  it("check run reports changed and leaves the host untouched; real run writes; second run is a noop", async () => {
    const dest = join(dir, "app.conf");
    writeFileSync(dest, "old\n");
    chmodSync(dest, 0o644);
    const args = { dest, content: "new\n", mode: "0640" };

    const check = await runModule(copyModule, makeTaskContext({ check: true }), args);
    expect(check.status).toBe("changed");
    expect(check.plan.changes.map((c) => c.summary)).toEqual([`content of ${dest}`, `mode of ${dest} 0644 -> 0640`]);
    expect(check.plan.diff).toEqual([{ path: dest, before: "old\n", after: "new\n" }]);
    expect(readFileSync(dest, "utf8")).toBe("old\n");
    expect(mode(dest)).toBe(0o644);

    const real = await runModule(copyModule, makeTaskContext(), args);
    expect(real.status).toBe("changed");
    expect(readFileSync(dest, "utf8")).toBe("new\n");
    expect(mode(dest)).toBe(0o640);

    const again = await runModule(copyModule, makeTaskContext(), args);
    expect(again.changed).toBe(false);
    expect(again.plan.noop).toBe(`${dest} is up to date`);
  });

  it("creates a missing file with mode 0644 when no mode is given", async () => {
    const dest = join(dir, "new.txt");
    const r = await runModule(copyModule, makeTaskContext(), { dest, content: "x" });
    expect(r.plan.changes).toEqual([{ summary: `create ${dest}` }]);
    expect(r.plan.diff).toEqual([{ path: dest, before: null, after: "x" }]);
    expect(mode(dest)).toBe(0o644);
  });

  it("keeps the existing mode when content changes and no mode is given", async () => {
    const dest = join(dir, "secret.conf");
    writeFileSync(dest, "a");
    chmodSync(dest, 0o600);
    await runModule(copyModule, makeTaskContext(), { dest, content: "b" });
    expect(readFileSync(dest, "utf8")).toBe("b");
    expect(mode(dest)).toBe(0o600);
  });

  it("changes only the mode of a content-equal file, without rewriting it", async () => {
    const dest = join(dir, "same.conf");
    writeFileSync(dest, "same");
    chmodSync(dest, 0o644);
    const inode = statSync(dest).ino;
    const r = await runModule(copyModule, makeTaskContext(), { dest, content: "same", mode: 0o600 });
    expect(r.plan.changes).toEqual([{ summary: `mode of ${dest} 0644 -> 0600` }]);
    expect(r.plan.diff).toBeUndefined();
    expect(mode(dest)).toBe(0o600);
    // A rewrite goes through rename, which would give the path a new inode.
    expect(statSync(dest).ino).toBe(inode);
  });

  it("leaves no temp files behind", async () => {
    const dest = join(dir, "a.conf");
    await runModule(copyModule, makeTaskContext(), { dest, content: "1" });
    await runModule(copyModule, makeTaskContext(), { dest, content: "2", mode: "0600" });
    expect(readdirSync(dir)).toEqual(["a.conf"]);
  });

  it("writes a timestamped backup of the old file with backup: true", async () => {
    const dest = join(dir, "b.conf");
    writeFileSync(dest, "before\n");
    const r = await runModule(copyModule, makeTaskContext(), { dest, content: "after\n", backup: true });
    const backup = r.applied?.data?.backup_file as string;
    expect(backup).toMatch(new RegExp(`^${dest.replace(/[.]/g, "\\.")}\\.\\d{14}~$`));
    expect(readFileSync(backup, "utf8")).toBe("before\n");
    expect(readFileSync(dest, "utf8")).toBe("after\n");
  });

  it("backup_keep: after more changes than N, only the newest N backups remain, each mode 0640 or stricter", async () => {
    const dest = join(dir, "k.conf");
    writeFileSync(dest, "v0\n");
    chmodSync(dest, 0o644);
    for (let i = 1; i <= 7; i++) {
      const r = await runModule(copyModule, makeTaskContext(), { dest, content: `v${i}\n`, mode: "0644", backup: true, backup_keep: 3 });
      expect(r.status, r.applied?.failed).toBe("changed");
    }
    const backups = readdirSync(dir).filter((f) => f !== "k.conf").sort();
    expect(backups).toHaveLength(3);
    for (const b of backups) expect(b).toMatch(/^k\.conf\.\d{14}(\.\d+)?~$/);
    // The newest three: the files replaced by the last three changes.
    expect(backups.map((b) => readFileSync(join(dir, b), "utf8")).sort()).toEqual(["v4\n", "v5\n", "v6\n"]);
    for (const b of backups) expect(mode(join(dir, b)) & ~0o640, `${b} mode ${mode(join(dir, b)).toString(8)}`).toBe(0);
    expect(readFileSync(dest, "utf8")).toBe("v7\n");
  });

  it("backup_marker: names the backup before dest is replaced; a marker already there is kept, and its backup never pruned", async () => {
    const dest = join(dir, "m.conf");
    const marker = join(dir, "m.conf.pending");
    writeFileSync(dest, "good\n");
    const first = await runModule(copyModule, makeTaskContext(), { dest, content: "unconfirmed\n", backup_marker: marker, backup_keep: 2 });
    const good = first.applied?.data?.backup_file as string;
    expect(readFileSync(good, "utf8")).toBe("good\n");
    expect(readFileSync(marker, "utf8")).toBe(`${good}\n`);
    expect(mode(marker)).toBe(0o600);
    // Changes made while the marker is there (never confirmed) leave it naming the good file.
    for (let i = 1; i <= 4; i++) await runModule(copyModule, makeTaskContext(), { dest, content: `try-${i}\n`, backup_marker: marker, backup_keep: 2 });
    expect(readFileSync(marker, "utf8")).toBe(`${good}\n`);
    expect(readFileSync(good, "utf8")).toBe("good\n");
    const backups = readdirSync(dir).filter((f) => f.endsWith("~"));
    expect(backups).toHaveLength(3);
    expect(backups).toContain(good.slice(dir.length + 1));
  });

  it("backup_marker with no old file: an empty marker, so the change is still known to be pending", async () => {
    const dest = join(dir, "n.conf");
    const marker = join(dir, "n.conf.pending");
    const r = await runModule(copyModule, makeTaskContext(), { dest, content: "x\n", backup_marker: marker });
    expect(r.applied?.data?.backup_file).toBeUndefined();
    expect(readFileSync(marker, "utf8")).toBe("");
  });

  it("a refused file writes neither a backup nor a marker", async () => {
    const dest = join(dir, "v.conf");
    writeFileSync(dest, "keep\n");
    const r = await runModule(copyModule, makeTaskContext(), {
      dest,
      content: "bad\n",
      backup_marker: join(dir, "v.conf.pending"),
      validate: "false %s",
    });
    expect(r.status).toBe("failed");
    expect(readdirSync(dir)).toEqual(["v.conf"]);
  });

  it("copies src from files/ beside the playbook", async () => {
    mkdirSync(join(dir, "files"));
    writeFileSync(join(dir, "files", "motd"), "hello\n");
    const dest = join(dir, "motd");
    await runModule(copyModule, makeTaskContext({ playbookDir: dir }), { src: "motd", dest });
    expect(readFileSync(dest, "utf8")).toBe("hello\n");
  });

  it("fails in plan when the destination directory is missing", async () => {
    const dest = join(dir, "nope", "x.conf");
    const r = await runModule(copyModule, makeTaskContext({ check: false }), { dest, content: "x" });
    expect(r.status).toBe("failed");
    expect(r.plan.failed).toContain(`directory ${join(dir, "nope")} does not exist`);
  });

  it("under --check predicts the write into a directory an earlier task would create", async () => {
    const dest = join(dir, "later", "x.conf");
    const r = await runModule(copyModule, makeTaskContext({ check: true }), { dest, content: "x" });
    expect(r.status).toBe("changed");
    expect(r.plan.changes).toEqual([{ summary: `create ${dest}` }]);
    expect(existsSync(join(dir, "later"))).toBe(false);
  });

  it("fails without touching the old file when the owner does not exist", async () => {
    const dest = join(dir, "c.conf");
    writeFileSync(dest, "keep\n");
    const r = await runModule(copyModule, makeTaskContext(), { dest, content: "new\n", owner: "no-such-user-x" });
    expect(r.status).toBe("failed");
    expect(r.applied?.failed).toContain("no-such-user-x");
    expect(readFileSync(dest, "utf8")).toBe("keep\n");
    expect(readdirSync(dir)).toEqual(["c.conf"]);
  });
});

describe("template", () => {
  beforeEach(() => {
    mkdirSync(join(dir, "templates"));
    writeFileSync(join(dir, "templates", "redis.conf.hbs"), "port {{ port }}\nbind {{ bind }}\n");
  });

  it("check run reports changed and writes nothing; real run renders; second run is a noop", async () => {
    const dest = join(dir, "redis.conf");
    const vars = { port: 6379, bind: "127.0.0.11" };
    const args = { src: "redis.conf.hbs", dest, mode: "0640" };
    const check = await runModule(templateModule, makeTaskContext({ check: true, vars, playbookDir: dir }), args);
    expect(check.status).toBe("changed");
    expect(check.plan.diff?.[0]?.after).toBe("port 6379\nbind 127.0.0.11\n");
    expect(existsSync(dest)).toBe(false);

    const real = await runModule(templateModule, makeTaskContext({ vars, playbookDir: dir }), args);
    expect(real.status).toBe("changed");
    expect(readFileSync(dest, "utf8")).toBe("port 6379\nbind 127.0.0.11\n");
    expect(mode(dest)).toBe(0o640);

    const again = await runModule(templateModule, makeTaskContext({ vars, playbookDir: dir }), args);
    expect(again.status).toBe("ok");
    expect(again.plan.noop).toBe(`${dest} is up to date`);
  });

  it("leaves the old file in place when validate fails, and reports the validator's output", async () => {
    const dest = join(dir, "redis.conf");
    writeFileSync(dest, "port 1\n");
    const r = await runModule(templateModule, makeTaskContext({ vars: { port: 7000, bind: "x" }, playbookDir: dir }), {
      src: "redis.conf.hbs",
      dest,
      validate: "sh -c 'grep -q \"^port 6379\" \"$1\" || { echo bad port in $1 >&2; exit 3; }' _ %s",
    });
    expect(r.status).toBe("failed");
    expect(r.applied?.failed).toMatch(/validation failed, file left unchanged: .* returned 3: bad port in \/tmp\/.redplay-validate-/);
    expect(readFileSync(dest, "utf8")).toBe("port 1\n");
    expect(readdirSync(dir).sort()).toEqual(["redis.conf", "templates"]);
    expect(readdirSync("/tmp").filter((f) => f.startsWith(".redplay-validate-"))).toEqual([]);
  });

  it("replaces the file when validate passes", async () => {
    const dest = join(dir, "redis.conf");
    const r = await runModule(templateModule, makeTaskContext({ vars: { port: 6379, bind: "x" }, playbookDir: dir }), {
      src: "redis.conf.hbs",
      dest,
      validate: "grep -q '^port 6379' %s",
    });
    expect(r.status).toBe("changed");
    expect(readFileSync(dest, "utf8")).toBe("port 6379\nbind x\n");
  });

  it("validates a temp file of mode 0600 in a private 0700 dir named like dest, then removes both", async () => {
    const dest = join(dir, "redis.conf");
    const seen = join(dir, "seen");
    const r = await runModule(templateModule, makeTaskContext({ vars: { port: 6379, bind: "x" }, playbookDir: dir }), {
      src: "redis.conf.hbs",
      dest,
      validate: `sh -c 'stat -c "%a %n" "$1" "$(dirname "$1")" > ${seen}; cat "$1" >> ${seen}' _ %s`,
    });
    expect(r.status).toBe("changed");
    const [file, parent, ...content] = readFileSync(join(dir, "seen"), "utf8").split("\n");
    expect(file).toMatch(/^600 \/tmp\/\.redplay-validate-\w+\/redis\.conf$/);
    expect(parent).toMatch(/^700 \/tmp\/\.redplay-validate-\w+$/);
    expect(content.join("\n")).toBe("port 6379\nbind x\n");
    expect(existsSync(file!.split(" ")[1]!.replace(/\/redis\.conf$/, ""))).toBe(false);
  });

  it("check mode runs validate and predicts its failure, with the diff, writing nothing", async () => {
    const dest = join(dir, "redis.conf");
    writeFileSync(dest, "port 1\n");
    const r = await runModule(templateModule, makeTaskContext({ check: true, vars: { port: 7000, bind: "x" }, playbookDir: dir }), {
      src: "redis.conf.hbs",
      dest,
      validate: "sh -c 'grep -q \"^port 6379\" \"$1\" || { echo bad port >&2; exit 3; }' _ %s",
    });
    expect(r.status).toBe("failed");
    expect(r.plan.failed).toMatch(/^validation failed, nothing written \(check mode\): .* returned 3: bad port$/);
    expect(r.plan.diff).toEqual([{ path: dest, before: "port 1\n", after: "port 7000\nbind x\n" }]);
    expect(readFileSync(dest, "utf8")).toBe("port 1\n");
    expect(readdirSync("/tmp").filter((f) => f.startsWith(".redplay-validate-"))).toEqual([]);
  });

  it("check mode with a passing validate reports the change and writes nothing", async () => {
    const dest = join(dir, "redis.conf");
    writeFileSync(dest, "port 1\n");
    const r = await runModule(templateModule, makeTaskContext({ check: true, vars: { port: 6379, bind: "x" }, playbookDir: dir }), {
      src: "redis.conf.hbs",
      dest,
      validate: "grep -q '^port 6379' %s",
    });
    expect(r.status).toBe("changed");
    expect(readFileSync(dest, "utf8")).toBe("port 1\n");
  });

  it("runs validate only when the content changes: a no-change run pays nothing", async () => {
    const dest = join(dir, "redis.conf");
    const runs = join(dir, "runs");
    const args = { src: "redis.conf.hbs", dest, mode: "0600", validate: `sh -c 'echo run >> ${runs}' _ %s` };
    const ctx = () => makeTaskContext({ vars: { port: 6379, bind: "x" }, playbookDir: dir });
    expect((await runModule(templateModule, ctx(), args)).status).toBe("changed");
    expect((await runModule(templateModule, makeTaskContext({ check: true, vars: { port: 6379, bind: "x" }, playbookDir: dir }), args)).status).toBe("ok");
    expect((await runModule(templateModule, ctx(), { ...args, mode: "0640" })).status).toBe("changed");
    expect(readFileSync(runs, "utf8")).toBe("run\n");
  });

  it("copy takes validate too, and a failing one writes nothing where there was no file", async () => {
    const dest = join(dir, "new.conf");
    const r = await runModule(copyModule, makeTaskContext(), { dest, content: "x\n", validate: "sh -c 'echo no >&2; exit 1' _ %s" });
    expect(r.applied?.failed).toBe("validation failed, nothing written: `sh -c 'echo no >&2; exit 1' _ %s` returned 1: no");
    expect(existsSync(dest)).toBe(false);
  });

  it("fails with the path it looked at when the template is missing", async () => {
    const r = await runModule(templateModule, makeTaskContext({ playbookDir: dir }), { src: "nope.hbs", dest: join(dir, "x") });
    expect(r.plan.failed).toMatch(/^template nope\.hbs not found \(looked at .*nope\.hbs\)$/);
  });
});

describe("file", () => {
  it("directory: check changes nothing, real run creates with mode, second run is a noop", async () => {
    const path = join(dir, "data");
    const args = { path, state: "directory" as const, mode: "0750" };
    const check = await runModule(fileModule, makeTaskContext({ check: true }), args);
    expect(check.status).toBe("changed");
    expect(existsSync(path)).toBe(false);

    await runModule(fileModule, makeTaskContext(), args);
    expect(statSync(path).isDirectory()).toBe(true);
    expect(mode(path)).toBe(0o750);

    const again = await runModule(fileModule, makeTaskContext(), args);
    expect(again.changed).toBe(false);
    expect(again.plan.noop).toBe(`${path} is up to date`);
  });

  it("touch creates an empty file once, then reports no change", async () => {
    const path = join(dir, "flag");
    const first = await runModule(fileModule, makeTaskContext(), { path, state: "touch", mode: "0600" });
    expect(first.changed).toBe(true);
    expect(readFileSync(path, "utf8")).toBe("");
    expect(mode(path)).toBe(0o600);
    const second = await runModule(fileModule, makeTaskContext(), { path, state: "touch", mode: "0600" });
    expect(second.changed).toBe(false);
  });

  it("absent removes a file, and is a noop when already gone", async () => {
    const path = join(dir, "gone");
    writeFileSync(path, "x");
    const check = await runModule(fileModule, makeTaskContext({ check: true }), { path, state: "absent" });
    expect(check.status).toBe("changed");
    expect(existsSync(path)).toBe(true);
    await runModule(fileModule, makeTaskContext(), { path, state: "absent" });
    expect(existsSync(path)).toBe(false);
    const again = await runModule(fileModule, makeTaskContext(), { path, state: "absent" });
    expect(again.plan.noop).toBe(`${path} is absent`);
  });

  it("state file on a missing path fails and points at touch", async () => {
    const r = await runModule(fileModule, makeTaskContext(), { path: join(dir, "missing") });
    expect(r.plan.failed).toContain("use state: touch");
  });

  it("changes mode of an existing file without touching its content", async () => {
    const path = join(dir, "f");
    writeFileSync(path, "content");
    chmodSync(path, 0o644);
    const r = await runModule(fileModule, makeTaskContext(), { path, mode: 0o400 });
    expect(r.plan.changes).toEqual([{ summary: `mode of ${path} 0644 -> 0400` }]);
    expect(mode(path)).toBe(0o400);
    expect(readFileSync(path, "utf8")).toBe("content");
  });

  it("rejects a mode with non-octal digits", async () => {
    const r = await runModule(fileModule, makeTaskContext(), { path: dir, state: "directory", mode: "789" });
    expect(r.plan.failed).toContain('write it as a string such as "0640"');
  });
});
