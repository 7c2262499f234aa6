// lineinfile against real temp files through LocalConnection: the check/real/rerun triad, and
// Ansible's placement rules (regexp replaces the last match, insertafter/insertbefore, BOF/EOF,
// backrefs, absent), checked as pure edits on text.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lineAbsent, lineinfileModule, linePresent } from "../../src/modules/lineinfile.js";
import { makeTaskContext, runModule } from "../helpers/task-context.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redplay-lineinfile-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const conf = "bind 127.0.0.1\n# maxmemory <bytes>\nport 6379\n";

describe("lineinfile on a host", () => {
  it("check run reports the change with its diff and leaves the file; real run edits it; a rerun changes nothing", async () => {
    const path = join(dir, "redis.conf");
    writeFileSync(path, conf);
    const args = { path, regexp: "^#? ?maxmemory ", line: "maxmemory 100mb" };

    const check = await runModule(lineinfileModule, makeTaskContext({ check: true }), args);
    expect(check.status).toBe("changed");
    expect(check.plan.changes).toEqual([{ summary: `content of ${path}` }]);
    expect(check.plan.diff).toEqual([{ path, before: conf, after: "bind 127.0.0.1\nmaxmemory 100mb\nport 6379\n" }]);
    expect(readFileSync(path, "utf8")).toBe(conf);

    const real = await runModule(lineinfileModule, makeTaskContext(), args);
    expect(real.status).toBe("changed");
    expect(readFileSync(path, "utf8")).toBe("bind 127.0.0.1\nmaxmemory 100mb\nport 6379\n");

    const again = await runModule(lineinfileModule, makeTaskContext(), args);
    expect(again.status).toBe("ok");
    expect(again.plan.noop).toBe(`the line is in ${path}`);
  });

  it("a missing file fails unless create: true, which creates it (mode given)", async () => {
    const path = join(dir, "new.conf");
    const fail = await runModule(lineinfileModule, makeTaskContext(), { path, line: "a" });
    expect(fail.status).toBe("failed");
    expect(fail.plan.failed).toBe(`${path} does not exist on localhost; create: true creates it`);
    const made = await runModule(lineinfileModule, makeTaskContext(), { path, line: "a", create: true, mode: "0600" });
    expect(made.status).toBe("changed");
    expect(readFileSync(path, "utf8")).toBe("a\n");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("backup keeps the old file; validate refuses a bad edit and leaves the file", async () => {
    const path = join(dir, "b.conf");
    writeFileSync(path, conf);
    chmodSync(path, 0o644);
    const r = await runModule(lineinfileModule, makeTaskContext(), { path, regexp: "^port ", line: "port 6380", backup: true });
    expect(readFileSync(r.applied!.data!.backup_file as string, "utf8")).toBe(conf);
    const refused = await runModule(lineinfileModule, makeTaskContext(), { path, line: "bad", validate: "grep -q '^port' %s && ! grep -q '^bad' %s" });
    expect(refused.status).toBe("failed");
    expect(refused.applied?.failed).toMatch(/^validation failed, file left unchanged/);
    expect(readFileSync(path, "utf8")).not.toContain("bad");
  });

  it("state: absent removes every matching line; a missing file is nothing to do", async () => {
    const path = join(dir, "a.conf");
    writeFileSync(path, "save 900 1\nport 1\nsave 60 100\n");
    const r = await runModule(lineinfileModule, makeTaskContext(), { path, regexp: "^save ", state: "absent" });
    expect(r.status).toBe("changed");
    expect(readFileSync(path, "utf8")).toBe("port 1\n");
    const missing = await runModule(lineinfileModule, makeTaskContext(), { path: join(dir, "nope"), line: "x", state: "absent" });
    expect(missing.status).toBe("ok");
    expect(existsSync(join(dir, "nope"))).toBe(false);
    expect(readdirSync(dir)).toEqual(["a.conf"]);
  });
});

describe("lineinfile placement, as Ansible decides it", () => {
  it.each([
    ["regexp replaces the last match", "a=1\nb\na=2\n", { regexp: "^a=", line: "a=3" }, "a=1\nb\na=3\n"],
    ["firstmatch replaces the first", "a=1\nb\na=2\n", { regexp: "^a=", line: "a=3", firstmatch: true }, "a=3\nb\na=2\n"],
    ["no match: appended at EOF", "a\n", { regexp: "^x=", line: "x=1" }, "a\nx=1\n"],
    ["no match, but the exact line exists: nothing", "x=1\na\n", { regexp: "^y=", line: "x=1" }, "x=1\na\n"],
    ["a file without a final newline gets one before the line", "a", { line: "b" }, "a\nb\n"],
    ["insertafter a regexp (its last match)", "[s]\nk=1\n[t]\n", { line: "n=2", insertafter: "^\\[s\\]" }, "[s]\nn=2\nk=1\n[t]\n"],
    ["insertbefore a regexp", "a\nz\n", { line: "m", insertbefore: "^z" }, "a\nm\nz\n"],
    ["insertbefore BOF", "a\n", { line: "first", insertbefore: "BOF" }, "first\na\n"],
    ["insertafter with no match goes to EOF", "a\n", { line: "b", insertafter: "^nope" }, "a\nb\n"],
    ["backrefs expand groups", "port 6379\n", { regexp: "^port (\\d+)$", line: "port \\1 # was \\g<1>", backrefs: true }, "port 6379 # was 6379\n"],
    ["backrefs without a match change nothing", "a\n", { regexp: "^port (\\d+)$", line: "port \\1", backrefs: true }, "a\n"],
    ["search_string replaces the line holding it", "bind 1.2.3.4\n", { search_string: "bind ", line: "bind 0.0.0.0" }, "bind 0.0.0.0\n"],
  ])("%s", (_name, text, args, expected) => {
    expect(linePresent(text, args).text).toBe(expected);
  });

  it("absent by exact line, by regexp, by search_string", () => {
    expect(lineAbsent("a\nb\na\n", { line: "a" })).toEqual({ text: "b\n", msg: "2 line(s) removed" });
    expect(lineAbsent("a1\nb\n", { regexp: "\\d" }).text).toBe("b\n");
    expect(lineAbsent("xab\nb\n", { search_string: "ab" }).text).toBe("b\n");
    expect(lineAbsent("b\n", { line: "a" })).toEqual({ text: "b\n", msg: "" });
  });
});
