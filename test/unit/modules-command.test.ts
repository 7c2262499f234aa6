import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commandModule, shellModule } from "../../src/modules/command.js";
import { makeTaskContext, runModule } from "../helpers/task-context.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redplay-cmd-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("command", () => {
  it("is skipped under --check and runs nothing", async () => {
    const marker = join(dir, "ran");
    const r = await runModule(commandModule, makeTaskContext({ check: true }), { cmd: `touch ${marker}` });
    expect(r.status).toBe("skipped");
    expect(r.plan.unknown).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it("registers rc, stdout and lines without the trailing newline", async () => {
    const r = await runModule(commandModule, makeTaskContext(), { cmd: "printf 'a\\nb\\n'" });
    expect(r.status).toBe("changed");
    expect(r.applied?.data).toMatchObject({ rc: 0, stdout: "a\nb", stdout_lines: ["a", "b"], stderr: "", stderr_lines: [] });
  });

  it("does not let the shell interpret $, | or >", async () => {
    const r = await runModule(commandModule, makeTaskContext(), { cmd: `echo $HOME | cat > ${join(dir, "out")}` });
    expect(r.applied?.data?.stdout).toBe(`$HOME | cat > ${join(dir, "out")}`);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("quotes argv words for the shell", async () => {
    const r = await runModule(commandModule, makeTaskContext(), { argv: ["printf", "%s|", "it's", "$x", "a b"] });
    expect(r.applied?.data?.stdout).toBe("it's|$x|a b|");
  });

  it("reports a non-zero exit as a failed value with rc and stderr", async () => {
    const r = await runModule(shellModule, makeTaskContext(), { cmd: "echo oops >&2; exit 2" });
    expect(r.status).toBe("failed");
    expect(r.applied?.failed).toBe("non-zero return code 2: oops");
    expect(r.applied?.data).toMatchObject({ rc: 2, stderr: "oops" });
  });

  it("is a noop when creates exists, and runs when it does not", async () => {
    const made = join(dir, "made");
    const args = { cmd: `touch ${made}`, creates: made };
    const check = await runModule(commandModule, makeTaskContext({ check: true }), args);
    expect(check.status).toBe("changed");
    expect(existsSync(made)).toBe(false);
    const first = await runModule(commandModule, makeTaskContext(), args);
    expect(first.changed).toBe(true);
    expect(existsSync(made)).toBe(true);
    const second = await runModule(commandModule, makeTaskContext(), args);
    expect(second.changed).toBe(false);
    expect(second.plan.noop).toBe(`${made} exists`);
  });

  it("is a noop when removes is absent, and runs when it exists", async () => {
    const target = join(dir, "old");
    const args = { cmd: `rm ${target}`, removes: target };
    expect((await runModule(commandModule, makeTaskContext(), args)).plan.noop).toBe(`${target} does not exist`);
    writeFileSync(target, "");
    const r = await runModule(commandModule, makeTaskContext(), args);
    expect(r.changed).toBe(true);
    expect(existsSync(target)).toBe(false);
  });
});

describe("shell", () => {
  it("runs pipes and redirections in chdir, with stdin", async () => {
    const r = await runModule(shellModule, makeTaskContext(), { cmd: "tr a-z A-Z | tee out.txt", chdir: dir, stdin: "hello" });
    expect(r.applied?.data?.stdout).toBe("HELLO");
    expect(readFileSync(join(dir, "out.txt"), "utf8")).toBe("HELLO");
  });
});
