// bin/redplay.js as users run it: `--version` and `--help` answered without loading the CLI must
// say exactly what the CLI itself says, and the bundle runs the same commands as tsc's output.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";
import { runMain } from "../helpers/main.js";

describe("bin/redplay.js", () => {
  it("--version prints package.json's version, as commander does", async () => {
    const pkg = JSON.parse(readFileSync(`${REPO}/package.json`, "utf8")) as { version: string };
    const fast = await runCli(["--version"]);
    const full = await runMain(["--version"]);
    expect(fast).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    expect(full.stdout).toBe(fast.stdout);
  });

  it.each([["--help"], ["-h"]])("%s prints the help commander renders for a pipe", async (flag) => {
    const fast = await runCli([flag]);
    const full = await runMain([flag]);
    expect(fast.code).toBe(0);
    expect(fast.stdout).toContain("Usage: redplay [options] [command]");
    expect(fast.stdout).toBe(full.stdout);
  });

  it("a subcommand's help and a usage error still go through commander", async () => {
    const help = await runCli(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("-i, --inventory <file>");
    const bad = await runCli(["--no-such-option"]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain("unknown option '--no-such-option'");
  });

  it("validate runs from the bundle", async () => {
    const ok = await runCli(["validate", "playbooks/setup.yaml"]);
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toContain("playbooks/setup.yaml: valid (1 play(s), 7 task(s) and handler(s))");
  });

  // The bundle validates with schema code generated at build time; the sources compile the
  // schemas at run time. Both must find the same problems, in the same words.
  it.each([
    ["test/fixtures/load/playbooks/bad-args.yaml"],
    ["test/fixtures/load/playbooks/many-errors.yaml"],
    ["test/fixtures/load/playbooks/bad-vars.yaml"],
    ["test/fixtures/load/playbooks/play-keys.yaml"],
    ["test/fixtures/load/host-args/playbook.yaml", "-i", "test/fixtures/load/host-args/hosts.yaml"],
    ["playbooks/setup.yaml", "-i", "test/fixtures/load/bad-inventory/hosts.yaml"],
  ])("validate %s: the same errors from the bundle as from the sources", async (...args) => {
    const bundled = await runCli(["validate", ...args]);
    const sources = await runMain(["validate", ...args]);
    expect(bundled.code).toBe(4);
    expect(bundled.stderr).toMatch(/^error: /);
    expect(bundled).toEqual(sources);
  });
});
