// Numeric command-line options that are out of range or not numbers are refused with a message
// naming the option and what was given (exit 4), before anything is loaded or started.
import { describe, expect, it } from "vitest";
import { runMain } from "../helpers/main.js";

const playbook = "test/fixtures/load/alias-bomb/shared.yaml";
const inventory = "test/fixtures/load/host-args/hosts.yaml";

describe("numeric CLI options", () => {
  it.each(["0", "-2", "1.5", "ten", ""])("run -f %j is refused with a message, exit 4", async (value) => {
    const r = await runMain(["run", playbook, "-i", inventory, "-f", value]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`--forks must be a whole number >= 1, got ${value}`);
    expect(r.stdout).toBe("");
  });

  it.each(["three", "2.5", ""])("lab up --nodes %j is refused before any lab work, exit 4", async (value) => {
    const r = await runMain(["lab", "up", "--nodes", value, "--dir", "/nonexistent/redplay-test-lab"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`--nodes must be a whole number from 1 to 50, got ${value}`);
  });
});
