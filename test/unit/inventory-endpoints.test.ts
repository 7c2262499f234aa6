// Two inventory hosts on one Redis (same address and port) are bad input: rejected when the
// inventory is loaded for validate or run, naming both hosts, before any host is touched.
import { describe, expect, it } from "vitest";
import { runMain } from "../helpers/main.js";

const dir = "test/fixtures/load/duplicate-endpoints";

describe("hosts sharing a Redis address and port", () => {
  const expected = [
    `error: ${dir}/hosts.yaml:9:5: hosts "node-1" and "node-3" have the same Redis address and port (127.0.0.11:6379); give each host its own ansible_host (or redis_host) or redis_port`,
    `error: ${dir}/hosts.yaml:15:5: hosts "127.0.0.15" and "node-5" have the same Redis address and port (127.0.0.15:6379); give each host its own ansible_host (or redis_host) or redis_port`,
  ];

  it("validate -i names both hosts at the later one's line, exit 4 (redis_host over ansible_host, the name as default address)", async () => {
    const r = await runMain(["validate", `${dir}/playbook.yaml`, "-i", `${dir}/hosts.yaml`]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toEqual(expected);
  });

  it("run refuses the same inventory before any task", async () => {
    const r = await runMain(["run", `${dir}/playbook.yaml`, "-i", `${dir}/hosts.yaml`]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toEqual(expected);
    expect(r.stdout).toBe("");
  });

  it("one address with two ports, or redis_host set apart from a shared ansible_host, is fine", async () => {
    const r = await runMain(["validate", `${dir}/playbook.yaml`, "-i", `${dir}/distinct.yaml`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
