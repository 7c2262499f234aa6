// A group module runs once for the play's hosts, through the real loader and engine: its plan and
// apply are called once, `when` is judged per host, each host gets its own result line, recap and
// registered record, a host it finds dead is unreachable (without failing the run when expected),
// and keywords that repeat a per-host run are refused at load time.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEverything } from "../../src/cli/load-all.js";
import { exitCodeForOutcome } from "../../src/cli/exit-codes.js";
import type { HostResult } from "../../src/engine/events.js";
import { registerModule } from "../../src/modules/registry.js";
import type { GroupModule } from "../../src/modules/types.js";
import { Secrets } from "../../src/output/redact.js";
import { runPlaybookText, type EngineRun } from "../helpers/engine-run.js";

const calls = { plan: [] as string[][], apply: [] as string[][], args: [] as string[] };

const testGroup: GroupModule<{ label: string; dead?: string; expected?: boolean }> = {
  name: "test_group_probe",
  scope: "group",
  setsFacts: ["seen_by_group"],
  check: "full",
  schema: {
    type: "object",
    properties: { label: { type: "string" }, dead: { type: "string" }, expected: { type: "boolean" } },
    required: ["label"],
    additionalProperties: false,
  },
  async plan(g, args) {
    calls.plan.push([...g.hosts]);
    calls.args.push(...g.hosts.map((h) => g.argsFor(h).label));
    const out: Awaited<ReturnType<GroupModule["plan"]>> = { hosts: {}, down: {} };
    for (const h of g.hosts) {
      if (h === args.dead) out.down![h] = { msg: `${h} is dead`, expected: args.expected === true };
      else if (h === "h1") out.hosts[h] = { changes: [{ summary: `touch ${h}` }], facts: { seen_by_group: h } };
      else out.hosts[h] = { changes: [], noop: `${h} in place`, facts: { seen_by_group: h } };
    }
    return out;
  },
  async apply(g, _args, plan) {
    calls.apply.push(g.hosts.filter((h) => (plan.hosts[h]?.changes.length ?? 0) > 0));
    return { hosts: { h1: { data: { applied: true } } } };
  },
};

let dir: string;
beforeAll(() => {
  registerModule(testGroup);
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-group-"));
  writeFileSync(
    path.join(dir, "inventory.yaml"),
    `all:
  hosts:
    h1: { ansible_connection: local }
    h2: { ansible_connection: local }
    h3: { ansible_connection: local }
    h4: { ansible_connection: local }
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function results(run: EngineRun, task: string): Record<string, HostResult> {
  const out: Record<string, HostResult> = {};
  for (const e of run.events) if (e.type === "host_result" && e.task === task) out[e.result.host] = e.result;
  return out;
}

const PLAY = (dead: string, expected: boolean) => `- hosts: all
  tasks:
    - name: group
      test_group_probe:
        label: "for {{inventory_hostname}}"
        dead: ${dead}
        expected: ${expected}
      register: probe
      when: inventory_hostname != 'h3'
    - name: after
      debug:
        msg: "{{probe.changed}} {{seen_by_group}}"
      when: inventory_hostname != 'h3'
`;

describe("a group module", () => {
  it("runs once with every host, and reports each host on its own", async () => {
    calls.plan.length = calls.apply.length = calls.args.length = 0;
    const run = await runPlaybookText(dir, "expected", PLAY("h4", true));
    expect(calls.plan).toEqual([["h1", "h2", "h4"]]);
    expect(calls.apply).toEqual([["h1"]]);
    expect(calls.args).toEqual(["for h1", "for h2", "for h4"]);
    const r = results(run, "group");
    expect(r.h1).toMatchObject({ status: "changed", changes: ["touch h1"], data: { applied: true } });
    expect(r.h2).toMatchObject({ status: "ok", msg: "h2 in place" });
    expect(r.h3).toMatchObject({ status: "skipped" });
    expect(r.h4).toMatchObject({ status: "unreachable", msg: "h4 is dead", expected: true });
    // Registered and facts per host; the dead host leaves the play.
    const after = results(run, "after");
    expect(after.h1?.msg).toBe("true h1");
    expect(after.h2?.msg).toBe("false h2");
    expect(after.h4).toBeUndefined();
    expect(run.outcome.counts.h4).toMatchObject({ unreachable: 1, ok: 0 });
    expect(run.outcome.counts.h1).toMatchObject({ changed: 1, ok: 2 });
    // Expected dead: not a failure of the run.
    expect(run.outcome.unreachableHosts).toEqual([]);
    expect(exitCodeForOutcome(run.outcome, false)).toBe(0);
  });

  it("a host found dead unexpectedly fails the run as unreachable", async () => {
    const run = await runPlaybookText(dir, "unexpected", PLAY("h2", false));
    expect(results(run, "group").h2).toMatchObject({ status: "unreachable", msg: "h2 is dead" });
    expect(run.outcome.unreachableHosts).toEqual(["h2"]);
    expect(exitCodeForOutcome(run.outcome, false)).toBe(3);
  });

  it("under --check, plans once and applies nothing, and predicts the change per host", async () => {
    calls.plan.length = calls.apply.length = 0;
    const run = await runPlaybookText(dir, "check", PLAY("none", false), { check: true });
    expect(calls.plan).toHaveLength(1);
    expect(calls.apply).toEqual([]);
    expect(results(run, "group").h1).toMatchObject({ status: "changed" });
    expect(results(run, "group").h2).toMatchObject({ status: "ok" });
  });

  it.each(["loop: [1, 2]", "until: probe.changed", "retries: 3"])("refuses %s at load time", async (line) => {
    const file = path.join(dir, "bad.yaml");
    writeFileSync(file, `- hosts: all\n  tasks:\n    - test_group_probe:\n        label: x\n      ${line}\n      register: probe\n`);
    const key = line.split(":")[0];
    await expect(loadEverything(file, path.join(dir, "inventory.yaml"), [], new Secrets())).rejects.toThrow(
      `${file}:5:7: "${key}" is not valid on test_group_probe: it runs once for the play's hosts`,
    );
  });
});
