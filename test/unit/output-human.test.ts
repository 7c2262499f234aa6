import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { HostCounts, RunEvent } from "../../src/engine/events.js";
import { HumanReporter, shouldUseColor, type HumanReporterOptions } from "../../src/output/human.js";
import { MASK, Secrets } from "../../src/output/redact.js";

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const loc = { file: "playbooks/setup.yaml", line: 7, col: 7 };

function counts(partial: Partial<HostCounts>): HostCounts {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...partial };
}

function run(events: RunEvent[], opts: Partial<HumanReporterOptions> = {}): string {
  const sink = new Sink();
  const reporter = new HumanReporter(sink, {
    color: false,
    verbosity: 0,
    diff: false,
    secrets: new Secrets(),
    isTTY: false,
    ...opts,
  });
  for (const e of events) reporter.onEvent(e);
  reporter.close();
  return sink.text;
}

const stars = (title: string) => `${title} ${"*".repeat(79 - title.length)}`;

const sequence: RunEvent[] = [
  { type: "playbook_start", file: "playbooks/setup.yaml", check: true, diff: false },
  { type: "play_start", name: "redis", pattern: "redis", hosts: ["node-1", "node-2", "node-10"] },
  { type: "task_start", name: "set replica", module: "redis_replication", handler: false, loc },
  { type: "host_result", task: "set replica", result: { host: "node-1", status: "ok", msg: "already primary", durationMs: 5 } },
  {
    type: "host_result",
    task: "set replica",
    result: { host: "node-2", status: "changed", changes: ["REPLICAOF 10.0.0.1 6379"], durationMs: 9 },
  },
  { type: "host_result", task: "set replica", result: { host: "node-10", status: "skipped", msg: "when was false", durationMs: 1 } },
  { type: "task_end", task: "set replica", durationMs: 1500 },
  { type: "task_start", name: "show", module: "debug", handler: false, loc },
  { type: "host_result", task: "show", result: { host: "node-1", status: "ok", msg: "role is primary", durationMs: 0 } },
  { type: "task_start", name: "check", module: "command", handler: false, loc },
  {
    type: "host_result",
    task: "check",
    result: { host: "node-2", status: "failed", msg: "exit code 1", ignored: true, durationMs: 3 },
  },
  { type: "host_result", task: "check", result: { host: "node-10", status: "unreachable", msg: "connect ECONNREFUSED", durationMs: 3 } },
  { type: "handlers_owed", host: "node-10", handlers: ["restart redis"] },
  {
    type: "recap",
    hosts: {
      "node-1": counts({ ok: 2 }),
      "node-2": counts({ changed: 1, ignored: 1 }),
      "node-10": counts({ skipped: 1, unreachable: 1 }),
    },
    owedHandlers: { "node-10": ["restart redis"] },
    durationMs: 4000,
  },
];

describe("HumanReporter", () => {
  it("prints an ansible-style run with check-mode changes, debug output and the recap", () => {
    expect(run(sequence).split("\n")).toEqual([
      "",
      stars("PLAY [redis]"),
      "",
      stars("TASK [set replica]"),
      "ok: [node-1]",
      "changed: [node-2]",
      "    would: REPLICAOF 10.0.0.1 6379",
      "skipping: [node-10]",
      "",
      stars("TASK [show]"),
      "ok: [node-1] => role is primary",
      "",
      stars("TASK [check]"),
      "fatal: [node-2]: FAILED! => exit code 1",
      "...ignoring",
      "fatal: [node-10]: UNREACHABLE! => connect ECONNREFUSED",
      "",
      stars("PLAY RECAP"),
      "node-1   : ok=2  changed=0  unreachable=0  failed=0  skipped=0  rescued=0  ignored=0",
      "node-2   : ok=0  changed=1  unreachable=0  failed=0  skipped=0  rescued=0  ignored=1",
      "node-10  : ok=0  changed=0  unreachable=1  failed=0  skipped=1  rescued=0  ignored=0",
      "",
      'node-10: handler "restart redis" was notified but did not run (host unreachable); rerun or use --force-handlers',
      "",
    ]);
  });

  it("shows reasons, messages and durations at -v", () => {
    const lines = run(sequence, { verbosity: 1 }).split("\n");
    expect(lines).toContain("PLAYBOOK: playbooks/setup.yaml (check mode: nothing will be changed)");
    expect(lines).toContain("ok: [node-1] => already primary");
    expect(lines).toContain("skipping: [node-10] => when was false");
    expect(lines).toContain("task duration: 1.5s");
    expect(lines).toContain("run took 4.0s");
  });

  it("writes no ANSI escape codes when colour is off, and colours statuses when on", () => {
    expect(run(sequence)).not.toContain("\x1b");
    const coloured = run(sequence, { color: true });
    expect(coloured).toContain("\x1b[32mok: [node-1]\x1b[0m");
    expect(coloured).toContain("\x1b[33mchanged: [node-2]\x1b[0m");
    expect(coloured).toContain("\x1b[36mskipping: [node-10]\x1b[0m");
    expect(coloured).toContain("\x1b[31mfatal: [node-10]: UNREACHABLE! => connect ECONNREFUSED\x1b[0m");
  });

  it("aligns recap columns when counts have different widths", () => {
    const out = run([
      {
        type: "recap",
        hosts: { a: counts({ ok: 12, changed: 3 }), "long-host": counts({ ok: 1, failed: 10 }) },
        owedHandlers: {},
        durationMs: 1,
      },
    ]);
    const lines = out.split("\n").filter((l) => l.includes(" : "));
    expect(lines).toEqual([
      "a          : ok=12  changed=3  unreachable=0  failed=0   skipped=0  rescued=0  ignored=0",
      "long-host  : ok=1   changed=0  unreachable=0  failed=10  skipped=0  rescued=0  ignored=0",
    ]);
  });

  it("names every owed handler of a failed host in one line", () => {
    const out = run([
      { type: "task_start", name: "t", module: "command", handler: false, loc },
      { type: "host_result", task: "t", result: { host: "node-2", status: "failed", msg: "boom", durationMs: 1 } },
      { type: "recap", hosts: { "node-2": counts({ failed: 1 }) }, owedHandlers: { "node-2": ["restart redis", "reload sentinel"] }, durationMs: 1 },
    ]);
    expect(out).toContain(
      'node-2: handlers "restart redis", "reload sentinel" were notified but did not run (host failed); rerun or use --force-handlers',
    );
  });

  it("prints loop items and running handlers the ansible way", () => {
    const out = run([
      { type: "task_start", name: "restart redis", module: "service", handler: true, loc },
      { type: "host_result", task: "restart redis", result: { host: "node-1", status: "changed", item: "redis-server", durationMs: 1 } },
      { type: "host_result", task: "restart redis", result: { host: "node-1", status: "failed", item: { n: 2 }, msg: "no unit", durationMs: 1 } },
    ]);
    expect(out.split("\n")).toEqual([
      "",
      stars("RUNNING HANDLER [restart redis]"),
      "changed: [node-1] => (item=redis-server)",
      'failed: [node-1] (item={"n":2}) => no unit',
      "",
    ]);
  });

  it("hides everything but the status of a no_log result", () => {
    const out = run(
      [
        { type: "task_start", name: "set pw", module: "debug", handler: false, loc },
        {
          type: "host_result",
          task: "set pw",
          result: { host: "node-1", status: "ok", msg: "visible?", item: "item-x", data: { stdout: "data-x" }, noLog: true, durationMs: 1 },
        },
      ],
      { verbosity: 2 },
    );
    expect(out).toContain(
      "ok: [node-1] => the output has been hidden due to the fact that 'no_log: true' was specified for this result",
    );
    expect(out).not.toMatch(/visible\?|item-x|data-x/);
  });

  it("prints registered data as indented YAML at -vv with secret keys masked", () => {
    const out = run(
      [
        { type: "task_start", name: "probe", module: "command", handler: false, loc },
        { type: "host_result", task: "probe", result: { host: "node-1", status: "ok", data: { rc: 0, redis_password: "pw-in-data" }, durationMs: 1 } },
      ],
      { verbosity: 2 },
    );
    expect(out.split("\n")).toEqual([
      "",
      stars("TASK [probe]"),
      "task path: playbooks/setup.yaml:7:7",
      "ok: [node-1]",
      "    rc: 0",
      `    redis_password: "${MASK}"`,
      "",
    ]);
  });

  it("shows file diffs only under --diff", () => {
    const events: RunEvent[] = [
      { type: "task_start", name: "conf", module: "template", handler: false, loc },
      {
        type: "host_result",
        task: "conf",
        result: { host: "node-1", status: "changed", diff: [{ path: "/etc/redis/redis.conf", before: "a\n", after: "b\n" }], durationMs: 1 },
      },
    ];
    expect(run(events)).not.toContain("+++");
    expect(run(events, { diff: true })).toContain("--- before: /etc/redis/redis.conf\n+++ after: /etc/redis/redis.conf\n@@ -1,1 +1,1 @@\n-a\n+b\n");
  });

  it("draws the waiting line in place on a TTY and clears it before the next line", () => {
    const events: RunEvent[] = [
      { type: "task_start", name: "wait", module: "redis_wait", handler: false, loc },
      { type: "task_waiting", task: "wait", hosts: ["node-2", "node-3"], elapsedMs: 12_300 },
      { type: "task_waiting", task: "wait", hosts: ["node-3"], elapsedMs: 13_000 },
      { type: "host_result", task: "wait", result: { host: "node-3", status: "ok", durationMs: 13_000 } },
    ];
    const tty = run(events, { isTTY: true });
    expect(tty).toContain("\r\x1b[K  ... waiting for node-2, node-3 (12s)\r\x1b[K  ... waiting for node-3 (13s)\r\x1b[Kok: [node-3]\n");
    expect(run(events, { isTTY: false })).not.toMatch(/waiting|\r/);
  });

  it("prints warnings with the host they concern", () => {
    expect(run([{ type: "warning", msg: "no masterauth set", host: "node-2" }])).toBe("[WARNING]: node-2: no masterauth set\n");
  });
});

describe("shouldUseColor", () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it.each([
    [tty, {}, true],
    [pipe, {}, false],
    [tty, { NO_COLOR: "1" }, false],
    [tty, { NO_COLOR: "" }, true],
    [pipe, { FORCE_COLOR: "1" }, true],
    [tty, { FORCE_COLOR: "0" }, false],
    [tty, { NO_COLOR: "1", FORCE_COLOR: "1" }, true],
    [tty, { TERM: "dumb" }, false],
  ])("stream %j with env %j -> %s", (stream, env, expected) => {
    expect(shouldUseColor(stream, env)).toBe(expected);
  });
});
