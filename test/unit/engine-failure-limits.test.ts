// any_errors_fatal and max_fail_percentage count an unreachable host as Ansible does: the run
// stops before the next task (or the next serial batch), the recap still says "unreachable", and
// the exit code stays 3 when no task failed; a host whose Redis alone is down is a failed task.
// The playbooks run through the real engine on the `local` connection; the unreachable host is
// an SSH host on a closed loopback port.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodeForOutcome } from "../../src/cli/exit-codes.js";
import { runPlaybookText, type EngineRun } from "../helpers/engine-run.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-limits-"));
  mkdirSync(path.join(dir, "out"));
  // `gone` listens nowhere: 127.0.0.1 port 1 refuses the connection at once.
  writeFileSync(
    path.join(dir, "inventory.yaml"),
    `all:
  vars:
    out: ${dir}/out
  hosts:
    h1:
      ansible_connection: local
    gone:
      ansible_host: 127.0.0.1
      ansible_port: 1
      ansible_user: root
    h2:
      ansible_connection: local
    h3:
      ansible_connection: local
    noredis:
      ansible_connection: local
      redis_host: 127.0.0.1
      redis_port: 1
`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Run = EngineRun;

function run(name: string, playbook: string): Promise<Run> {
  return runPlaybookText(dir, name, playbook);
}

/** A marker file a task writes on the controller: which hosts ran it. */
const marker = (name: string, host: string) => path.join(dir, "out", `${name}-${host}`);
const touch = (name: string) => `    - name: ${name}
      copy:
        content: ran
        dest: "{{out}}/${name}-{{inventory_hostname}}"
`;

function warnings(events: EngineRun["events"]): string[] {
  return events.flatMap((e) => (e.type === "warning" ? [e.msg] : []));
}

describe("an unreachable host and the failure limits", () => {
  it("any_errors_fatal: an unreachable host stops the play before the next task; recap says unreachable, exit 3", async () => {
    const { outcome, events } = await run(
      "fatal",
      `- hosts: all:!noredis
  any_errors_fatal: true
  tasks:
${touch("fatal-first")}${touch("fatal-second")}
- hosts: all:!noredis
  tasks:
${touch("fatal-next-play")}`,
    );
    for (const h of ["h1", "h2", "h3"]) {
      expect(existsSync(marker("fatal-first", h)), h).toBe(true);
      expect(existsSync(marker("fatal-second", h)), h).toBe(false);
      expect(existsSync(marker("fatal-next-play", h)), h).toBe(false);
    }
    expect(outcome.unreachableHosts).toEqual(["gone"]);
    expect(outcome.failedHosts).toEqual([]);
    expect(outcome.counts.gone).toMatchObject({ unreachable: 1, failed: 0 });
    expect(outcome.aborted).toMatch(/any_errors_fatal: gone was unreachable/);
    expect(warnings(events).some((w) => /any_errors_fatal: gone was unreachable/.test(w))).toBe(true);
    expect(exitCodeForOutcome(outcome, false)).toBe(3);
  });

  it("any_errors_fatal with serial: an unreachable host in one batch starts no later batch", async () => {
    const { outcome } = await run(
      "serial",
      `- hosts: all:!noredis
  serial: 1
  any_errors_fatal: true
  tasks:
${touch("serial")}`,
    );
    // Batches follow the inventory: h1, gone, h2, h3.
    expect(existsSync(marker("serial", "h1"))).toBe(true);
    expect(existsSync(marker("serial", "h2"))).toBe(false);
    expect(existsSync(marker("serial", "h3"))).toBe(false);
    expect(outcome.aborted).toMatch(/any_errors_fatal: gone was unreachable/);
    expect(exitCodeForOutcome(outcome, false)).toBe(3);
  });

  it("any_errors_fatal: a host lost inside a block with a rescue still stops the play (no rescue runs for it)", async () => {
    const { outcome } = await run(
      "rescue",
      `- hosts: all:!noredis
  serial: 1
  any_errors_fatal: true
  tasks:
    - name: restart-like block
      block:
        - name: in the block
          copy:
            content: ran
            dest: "{{out}}/rescue-block-{{inventory_hostname}}"
      rescue:
        - name: in the rescue
          copy:
            content: ran
            dest: "{{out}}/rescue-rescue-{{inventory_hostname}}"
${touch("rescue-after")}`,
    );
    expect(existsSync(marker("rescue-block", "h1"))).toBe(true);
    expect(existsSync(marker("rescue-after", "h1"))).toBe(true);
    for (const h of ["h2", "h3"]) {
      for (const step of ["rescue-block", "rescue-rescue", "rescue-after"]) expect(existsSync(marker(step, h)), `${step} ${h}`).toBe(false);
    }
    expect(outcome.counts.gone).toMatchObject({ unreachable: 1, rescued: 0 });
    expect(outcome.aborted).toMatch(/any_errors_fatal: gone was unreachable/);
  });

  it("any_errors_fatal: an unreachable host and a failed task in the same task exit 2", async () => {
    const { outcome } = await run(
      "both",
      `- hosts: all:!noredis
  any_errors_fatal: true
  tasks:
    - name: fails on h2, cannot reach gone
      command: test {{inventory_hostname}} != h2
${touch("both-after")}`,
    );
    expect(outcome.failedHosts).toEqual(["h2"]);
    expect(outcome.unreachableHosts).toEqual(["gone"]);
    expect(existsSync(marker("both-after", "h1"))).toBe(false);
    expect(exitCodeForOutcome(outcome, false)).toBe(2);
  });

  it.each([
    { max: 0, shown: "0%", stops: true },
    { max: 20, shown: "20%", stops: true },
    { max: 25, shown: "25%", stops: false },
    { max: 50, shown: "50%", stops: false },
  ])("max_fail_percentage $shown: one unreachable host of four (25%) stops the play: $stops", async ({ max, stops }) => {
    const name = `pct-${max}`;
    const { outcome } = await run(
      name,
      `- hosts: all:!noredis
  max_fail_percentage: ${max}
  tasks:
${touch(`${name}-first`)}${touch(`${name}-second`)}`,
    );
    for (const h of ["h1", "h2", "h3"]) expect(existsSync(marker(`${name}-second`, h)), h).toBe(!stops);
    expect(outcome.unreachableHosts).toEqual(["gone"]);
    expect(outcome.counts.gone).toMatchObject({ unreachable: 1, failed: 0 });
    if (stops) expect(outcome.aborted).toMatch(new RegExp(`max_fail_percentage ${max}% exceeded \\(25% of the batch failed or was unreachable\\)`));
    else expect(outcome.aborted).toBeUndefined();
    expect(exitCodeForOutcome(outcome, false)).toBe(3);
  });

  it("without any_errors_fatal or max_fail_percentage, the reachable hosts finish (exit 3)", async () => {
    const { outcome } = await run(
      "plain",
      `- hosts: all:!noredis
  tasks:
${touch("plain-first")}${touch("plain-second")}`,
    );
    for (const h of ["h1", "h2", "h3"]) expect(existsSync(marker("plain-second", h)), h).toBe(true);
    expect(outcome.aborted).toBeUndefined();
    expect(exitCodeForOutcome(outcome, false)).toBe(3);
  });

  it("any_errors_fatal: a host that answers but whose Redis is down fails its task (not unreachable) and stops the play, exit 2", async () => {
    const { outcome, events } = await run(
      "redis-down",
      `- hosts: h1:noredis
  any_errors_fatal: true
  tasks:
    - name: Redis answers PING
      redis_facts:
      when: inventory_hostname == 'noredis'
${touch("redis-down-after")}`,
    );
    expect(outcome.failedHosts).toEqual(["noredis"]);
    expect(outcome.unreachableHosts).toEqual([]);
    expect(existsSync(marker("redis-down-after", "h1"))).toBe(false);
    const result = events.find((e) => e.type === "host_result" && e.result.host === "noredis");
    expect(result?.type === "host_result" && result.result.msg).toMatch(
      /^Redis is not running on noredis, or not listening on 127\.0\.0\.1:1 \(connection refused/,
    );
    expect(outcome.aborted).toMatch(/any_errors_fatal: noredis failed/);
    expect(exitCodeForOutcome(outcome, false)).toBe(2);
  });
});
