// Read-only probes under --check: `check_mode: false` (on the task, or on an enclosing block, as in
// Ansible) makes them really run, and `changed_when: false` makes the recap count them ok, not
// changed. The playbooks run through the real engine on the `local` connection.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostResult } from "../../src/engine/events.js";
import type { RunOutcome } from "../../src/engine/runner.js";
import { runPlaybookText } from "../helpers/engine-run.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-check-mode-"));
  mkdirSync(path.join(dir, "out"));
  // `gone` comes first and listens nowhere: 127.0.0.1 port 1 refuses the connection at once.
  writeFileSync(
    path.join(dir, "inventory.yaml"),
    `all:
  vars:
    out: ${dir}/out
  hosts:
    gone:
      ansible_host: 127.0.0.1
      ansible_port: 1
      ansible_user: root
    h1:
      ansible_connection: local
    h2:
      ansible_connection: local
`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(name: string, playbook: string, check = false): Promise<{ outcome: RunOutcome; results: Array<{ task: string; result: HostResult }> }> {
  const { outcome, events } = await runPlaybookText(dir, name, playbook, { check, forks: 5 });
  const results = events.flatMap((e) => (e.type === "host_result" ? [{ task: e.task, result: e.result }] : []));
  return { outcome, results };
}

describe("read-only probes under --check", () => {
  it("check_mode: false with changed_when: false is ok, not changed", async () => {
    const { outcome, results } = await run(
      "probe",
      `- hosts: h1
  tasks:
    - name: probe
      command: echo hi
      check_mode: false
      changed_when: false
      register: p
    - name: probe loop
      command: "echo {{ item }}"
      check_mode: false
      changed_when: false
      loop: [a, b]
    - name: probe shell
      shell: "echo hi | tr a-z A-Z"
      check_mode: false
      changed_when: false
`,
      true,
    );
    expect(results.map((r) => [r.task, r.result.status])).toEqual([
      ["probe", "ok"],
      ["probe loop", "ok"],
      ["probe loop", "ok"],
      ["probe shell", "ok"],
    ]);
    expect(outcome.counts.h1).toMatchObject({ ok: 3, changed: 0 });
    expect(outcome.changed).toBe(false);
  });

  it("a block's check_mode: false reaches the tasks inside it (they run, and probes count ok)", async () => {
    const marker = path.join(dir, "out", "block-probe");
    const { outcome, results } = await run(
      "block",
      `- hosts: h1
  tasks:
    - name: probes
      check_mode: false
      block:
        - name: write a scratch file
          copy:
            content: probe
            dest: ${marker}
        - name: read it back
          command: cat ${marker}
          changed_when: false
          register: back
        - name: nested block keeps it
          block:
            - name: nested probe
              command: echo nested
              changed_when: false
    - name: after the block, --check applies again
      copy:
        content: other
        dest: ${marker}-after
    - name: what was read
      debug: { msg: "{{ back.stdout }}" }
`,
      true,
    );
    expect(results.map((r) => [r.task, r.result.status])).toEqual([
      ["write a scratch file", "changed"],
      ["read it back", "ok"],
      ["nested probe", "ok"],
      ["after the block, --check applies again", "changed"],
      ["what was read", "ok"],
    ]);
    expect(results[4]!.result.msg).toBe("probe");
    expect(existsSync(marker)).toBe(true);
    expect(existsSync(`${marker}-after`)).toBe(false);
    expect(outcome.counts.h1).toMatchObject({ ok: 5, changed: 2 });
  });
});
