// A "billion laughs" document (aliases nested until they expand to millions of nodes) is bad
// input: a located error and exit 4, not an internal error; ordinary aliases still work.
import { describe, expect, it } from "vitest";
import { loadPlaybook } from "../../src/load/playbook.js";
import { runMain } from "../helpers/main.js";

const dir = "test/fixtures/load/alias-bomb";
const expected = `error: ${dir}/playbook.yaml:4:12: aliases here expand to more than 1000 nodes (a "billion laughs" document); write the repeated values out, or use fewer nested aliases`;

describe("YAML alias bombs", () => {
  it("validate reports the file and the first alias, exit 4", async () => {
    const r = await runMain(["validate", `${dir}/playbook.yaml`]);
    expect(r.stderr.trim()).toBe(expected);
    expect(r.code).toBe(4);
  });

  it("run refuses it the same way before any host", async () => {
    const r = await runMain(["run", `${dir}/playbook.yaml`, "-i", "test/fixtures/load/host-args/hosts.yaml"]);
    expect(r.stderr.trim()).toBe(expected);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
  });

  it("a few ordinary aliases are still read", async () => {
    const pb = await loadPlaybook(`${dir}/shared.yaml`);
    expect(pb.plays[0]!.vars.two).toEqual({ redis_port: 6379, maxmemory: "100mb" });
  });
});
