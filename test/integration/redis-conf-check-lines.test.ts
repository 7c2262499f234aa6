// The conf check's copy of the file, with and without grep on the host: comment and blank lines
// skip the shell's line loop where grep is there, and either way the server's FATAL block names the
// line of the real file, a replicaof line never reaches the checked server, and a good file passes.
// The script runs for real with sh and the machine's redis-server.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONF_CHECK_SCRIPT } from "../../src/redis/conf-check.js";

const root = mkdtempSync(join(tmpdir(), "redplay-conf-lines-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Where `cmd` is on this machine's PATH. */
function which(cmd: string): string {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} is not installed`);
  return r.stdout.trim();
}

// A PATH with everything the check uses except grep: a host with only sh and coreutils.
const noGrep = join(root, "bin-no-grep");
mkdirSync(noGrep);
for (const cmd of ["redis-server", "mktemp", "find", "rm", "cat", "sleep", "kill", "tail", "tr", "head"]) {
  symlinkSync(which(cmd), join(noGrep, cmd));
}
const paths = { "with grep": process.env.PATH!, "without grep": noGrep };

function check(path: string, conf: string): { code: number | null; out: string } {
  const file = join(root, `c-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, conf);
  const r = spawnSync(which("sh"), ["-c", CONF_CHECK_SCRIPT, "redplay-conf-check", "redis-server", "10", file], {
    env: { PATH: path, TMPDIR: root },
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

// 40 lines of comments (indented ones and a tab-indented one among them), blanks, then settings.
const head = [
  ...Array.from({ length: 36 }, (_, i) => `# comment ${i + 1} with replicaof 10.0.0.1 6379 and logfile /nowhere/x.log`),
  "   # an indented comment",
  "\t# a tab-indented comment",
  "",
  "   ",
];

describe.each(Object.entries(paths))("the conf check %s", (_, path) => {
  it("names the line of the real file that the server rejects", () => {
    const conf = [...head, "port 0", "", "# between", "  databases 4", "bogus-directive yes", "# after", ""].join("\n");
    const r = check(path, conf);
    expect(r.code).toBe(1);
    expect(r.out).toContain("rejected the file (exit 1)");
    expect(r.out).toMatch(/at line 45\b/);
    expect(r.out).toContain(">>> 'bogus-directive yes'");
  });

  it("passes a good file whose last line has no newline, replicaof, logfile and dir left out", () => {
    const conf = [...head, "port 0", "replicaof 127.0.0.1 1", `dir "${root}"`, `logfile "${join(root, "x.log")}"`, `  "maxmemory" 10mb`, "appendonly no"].join("\n");
    const r = check(path, conf);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });

  it("refuses a dir that does not exist, named by the line after the comments", () => {
    const conf = [...head, "port 0", `dir ${join(root, "no-such-dir")}`, ""].join("\n");
    const r = check(path, conf);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`dir ${join(root, "no-such-dir")}: no such directory`);
  });

  it("refuses an include without starting the server", () => {
    const r = check(path, [...head, `include ${join(root, "other.conf")}`, ""].join("\n"));
    expect(r.code).toBe(2);
    expect(r.out).toContain("the file includes another file");
  });
});

describe("the no-grep PATH", () => {
  it("really has no grep, so the loop over every line is what runs there", () => {
    const r = spawnSync(which("sh"), ["-c", "command -v grep"], { env: { PATH: noGrep }, encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(paths["without grep"].split(delimiter)).toEqual([noGrep]);
  });
});
