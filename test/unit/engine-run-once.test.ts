// run_once picks the first host that can be reached, and the recap credits the task to the host
// it really ran on. The playbooks run through the real engine on the `local` connection;
// the unreachable host is an SSH host on a closed loopback port.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEverything } from "../../src/cli/load-all.js";
import type { HostResult, RunEvent } from "../../src/engine/events.js";
import { runPlaybook, type RunOutcome } from "../../src/engine/runner.js";
import { Secrets } from "../../src/output/redact.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-run-once-"));
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
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, playbook);
  const secrets = new Secrets();
  const loaded = await loadEverything(file, path.join(dir, "inventory.yaml"), [], secrets);
  expect(loaded.errors).toEqual([]);
  const events: RunEvent[] = [];
  const outcome = await runPlaybook(loaded.playbook, loaded.inventory!, {
    check,
    diff: false,
    extraVars: loaded.extraVars,
    tags: [],
    skipTags: [],
    forks: 5,
    forceHandlers: false,
    ssh: { knownHostsFile: path.join(dir, "known_hosts"), connectTimeoutMs: 5000 },
    reporter: { onEvent: (e) => events.push(e), close: () => undefined },
    secrets,
    log: () => undefined,
  });
  const results = events.flatMap((e) => (e.type === "host_result" ? [{ task: e.task, result: e.result }] : []));
  return { outcome, results };
}

describe("run_once with an unreachable first host", () => {
  it("any_errors_fatal: the lost first host stops the play; the task is not tried on the next host", async () => {
    const { outcome, results } = await run(
      "once-fatal",
      `- hosts: all
  any_errors_fatal: true
  tasks:
    - name: once-fatal
      run_once: true
      copy:
        content: ran
        dest: "{{ out }}/once-fatal-{{ inventory_hostname }}"
`,
    );
    expect(results.map((r) => [r.result.host, r.result.status])).toEqual([["gone", "unreachable"]]);
    expect(existsSync(path.join(dir, "out", "once-fatal-h1"))).toBe(false);
    expect(outcome.aborted).toMatch(/any_errors_fatal: gone was unreachable/);
  });

  it("with every host reachable, runs once on the first and shares its result", async () => {
    const { outcome, results } = await run(
      "once-ok",
      `- hosts: h1:h2
  tasks:
    - name: once
      run_once: true
      debug: { msg: "from {{ inventory_hostname }}" }
      register: said
    - name: seen
      debug: { msg: "{{ said.msg }}" }
`,
    );
    expect(results.map((r) => [r.task, r.result.host, r.result.msg])).toEqual([
      ["once", "h1", "from h1"],
      ["seen", "h1", "from h1"],
      ["seen", "h2", "from h1"],
    ]);
    expect(outcome.counts.h2).toMatchObject({ ok: 1 });
  });


  it("runs on the first reachable host and credits it there; the dead host is unreachable, not ok", async () => {
    const { outcome, results } = await run(
      "once",
      `- hosts: all
  tasks:
    - name: once
      run_once: true
      debug: { msg: "hello from {{ inventory_hostname }}" }
      register: said
    - name: once-file
      run_once: true
      copy:
        content: ran
        dest: "{{ out }}/once-{{ inventory_hostname }}"
    - name: everyone sees it
      debug: { msg: "{{ said.msg }}" }
`,
    );
    const once = results.filter((r) => r.task === "once").map((r) => [r.result.host, r.result.status]);
    expect(once).toEqual([
      ["gone", "unreachable"],
      ["h1", "ok"],
    ]);
    expect(existsSync(path.join(dir, "out", "once-h1"))).toBe(true);
    expect(existsSync(path.join(dir, "out", "once-gone"))).toBe(false);
    expect(outcome.unreachableHosts).toEqual(["gone"]);
    expect(outcome.counts.gone).toMatchObject({ ok: 0, changed: 0, unreachable: 1 });
    expect(outcome.counts.h1).toMatchObject({ ok: 3, changed: 1, unreachable: 0 });
    expect(outcome.counts.h2).toMatchObject({ ok: 1, changed: 0 });
    const seen = results.filter((r) => r.task === "everyone sees it").map((r) => [r.result.host, r.result.msg]);
    expect(seen).toEqual([
      ["h1", "hello from h1"],
      ["h2", "hello from h1"],
    ]);
  });
});
