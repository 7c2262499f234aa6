// `become` and `become_user` are templated like the other task keywords, at play, block and task
// level, against the host's variables. The playbooks run through the real engine on the `local`
// connection: become_user naming the user running redplay needs no sudo, so a task succeeds only
// when the template was rendered (a literal "{{ who }}" would be handed to sudo as a user name).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostResult } from "../../src/engine/events.js";
import { resolveBecome } from "../../src/engine/execute-task.js";
import type { RunOutcome } from "../../src/engine/runner.js";
import { runPlaybookText } from "../helpers/engine-run.js";

const me = os.userInfo().username;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-become-"));
  writeFileSync(
    path.join(dir, "inventory.yaml"),
    `all:
  vars:
    who: ${me}
    use_become: "yes"
    no_become: false
  hosts:
    h1:
      ansible_connection: local
`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(name: string, playbook: string): Promise<{ outcome: RunOutcome; results: HostResult[] }> {
  const { outcome, events } = await runPlaybookText(dir, name, playbook, { forks: 1 });
  const results = events.flatMap((e) => (e.type === "host_result" ? [e.result] : []));
  return { outcome, results };
}

describe("templated become / become_user", () => {
  it("task-level become_user is rendered before it reaches the connection", async () => {
    const { outcome, results } = await run(
      "task",
      `- hosts: all
  tasks:
    - command: id -un
      become: true
      become_user: "{{ who }}"
      register: r
    - debug: { msg: "{{ r.stdout }}" }
`,
    );
    expect(outcome.failedHosts).toEqual([]);
    expect(results[0]!.status).toBe("changed");
    expect(results[1]!.msg).toBe(me);
  });

  it("play-level become / become_user are rendered too (become as a templated string)", async () => {
    const { outcome, results } = await run(
      "play",
      `- hosts: all
  become: "{{ use_become }}"
  become_user: "{{ who }}"
  tasks:
    - command: id -un
`,
    );
    expect(outcome.failedHosts).toEqual([]);
    expect(results[0]!.status).toBe("changed");
  });

  it("block-level become_user is rendered", async () => {
    const { outcome } = await run(
      "block",
      `- hosts: all
  tasks:
    - become: true
      become_user: "{{ who }}"
      block:
        - command: id -un
`,
    );
    expect(outcome.failedHosts).toEqual([]);
  });

  it("a become that renders to something other than a boolean is a failed task, not a silent no", async () => {
    const { outcome, results } = await run(
      "bad",
      `- hosts: all
  tasks:
    - command: id -un
      become: "{{ who }}-maybe"
`,
    );
    expect(outcome.failedHosts).toEqual(["h1"]);
    expect(results[0]!.msg).toMatch(/become must be a boolean/);
  });
});

describe("resolveBecome", () => {
  const where = { loc: { file: "p.yaml", line: 3, col: 7 }, host: "h1" };
  const vars = { who: "redis", yes_please: "yes", off: false, ansible_become_user: "other", ansible_become_password: "pw" };

  it("renders become and become_user, task over inherited over host variables", () => {
    expect(resolveBecome({ become: "{{ yes_please }}", becomeUser: "{{ who }}" }, {}, vars, where)).toEqual({
      enabled: true,
      user: "redis",
      password: "pw",
    });
    expect(resolveBecome({}, { become: "{{ off }}", becomeUser: "{{ who }}" }, vars, where)).toMatchObject({ enabled: false, user: "redis" });
    expect(resolveBecome({ become: true }, {}, { who: "a" }, where)).toMatchObject({ enabled: true, user: "root" });
  });

  it("falls back to the host's ansible_become / ansible_become_user (already rendered by VarStore)", () => {
    expect(resolveBecome({}, {}, { ansible_become: "yes", ansible_become_user: "svc" }, where)).toMatchObject({ enabled: true, user: "svc" });
    expect(resolveBecome({}, {}, {}, where)).toMatchObject({ enabled: false, user: "root" });
  });
});
