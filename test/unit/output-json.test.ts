import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/engine/events.js";
import { JsonReporter } from "../../src/output/json.js";
import { MASK, Secrets } from "../../src/output/redact.js";

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const loc = { file: "playbooks/setup.yaml", line: 3, col: 5 };
const zero = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };

function lines(events: RunEvent[], secrets = new Secrets()): Array<Record<string, unknown>> {
  const sink = new Sink();
  const reporter = new JsonReporter(sink, { secrets });
  for (const e of events) reporter.onEvent(e);
  reporter.close();
  expect(sink.text.endsWith("\n")).toBe(true);
  return sink.text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("JsonReporter", () => {
  it("writes one parseable object per event with the documented fields, recap last", () => {
    const out = lines([
      { type: "playbook_start", file: "p.yaml", check: true, diff: true },
      { type: "play_start", name: "redis", pattern: "all", hosts: ["node-1"] },
      { type: "task_start", name: "conf", module: "template", handler: false, loc },
      {
        type: "host_result",
        task: "conf",
        result: {
          host: "node-1",
          status: "changed",
          msg: "rendered",
          item: "x",
          changes: ["write /etc/redis/redis.conf"],
          diff: [{ path: "/etc/redis/redis.conf", before: null, after: "port 6379\n" }],
          data: { rc: 0 },
          durationMs: 12,
        },
      },
      { type: "task_waiting", task: "conf", hosts: ["node-2"], elapsedMs: 5000 },
      { type: "task_end", task: "conf", durationMs: 20 },
      { type: "warning", msg: "careful" },
      { type: "handlers_owed", host: "node-1", handlers: ["restart redis"] },
      { type: "recap", hosts: { "node-1": { ...zero, changed: 1 } }, owedHandlers: {}, durationMs: 30 },
    ]);
    expect(out.map((o) => o.event)).toEqual([
      "playbook_start",
      "play_start",
      "task_start",
      "host_result",
      "task_waiting",
      "task_end",
      "warning",
      "handlers_owed",
      "recap",
    ]);
    expect(out[0]).toEqual({ event: "playbook_start", file: "p.yaml", check: true, diff: true });
    expect(out[1]).toEqual({ event: "play_start", play: "redis", pattern: "all", hosts: ["node-1"] });
    expect(out[2]).toEqual({ event: "task_start", task: "conf", module: "template", handler: false, loc });
    expect(out[3]).toEqual({
      event: "host_result",
      task: "conf",
      host: "node-1",
      status: "changed",
      changed: true,
      failed: false,
      ignored: false,
      duration_ms: 12,
      msg: "rendered",
      item: "x",
      changes: ["write /etc/redis/redis.conf"],
      diff: [
        {
          path: "/etc/redis/redis.conf",
          before: null,
          after: "port 6379\n",
          patch: "--- /dev/null\n+++ after: /etc/redis/redis.conf\n@@ -0,0 +1,1 @@\n+port 6379",
        },
      ],
      data: { rc: 0 },
    });
    expect(out[4]).toEqual({ event: "task_waiting", task: "conf", hosts: ["node-2"], elapsed_ms: 5000 });
    expect(out[5]).toEqual({ event: "task_end", task: "conf", duration_ms: 20 });
    expect(out[6]).toEqual({ event: "warning", msg: "careful" });
    expect(out[7]).toEqual({ event: "handlers_owed", host: "node-1", handlers: ["restart redis"] });
    expect(out[8]).toEqual({
      event: "recap",
      hosts: { "node-1": { ...zero, changed: 1 } },
      owed_handlers: {},
      duration_ms: 30,
    });
  });

  it("marks unreachable results as failed and keeps the ignored flag", () => {
    const [r] = lines([
      { type: "host_result", task: "t", result: { host: "h", status: "unreachable", msg: "refused", ignored: true, durationMs: 1 } },
    ]);
    expect(r).toMatchObject({ status: "unreachable", changed: false, failed: true, ignored: true, msg: "refused" });
  });

  it("keeps only status fields for a no_log result", () => {
    const [r] = lines([
      {
        type: "host_result",
        task: "t",
        result: {
          host: "h",
          status: "changed",
          msg: "m",
          item: "i",
          changes: ["c"],
          diff: [{ path: "/p", before: "a", after: "b" }],
          data: { stdout: "s" },
          noLog: true,
          durationMs: 2,
        },
      },
    ]);
    expect(Object.keys(r!).sort()).toEqual(
      ["censored", "changed", "duration_ms", "event", "failed", "host", "ignored", "status", "task"].sort(),
    );
  });

  it("masks secret-named fields in registered data", () => {
    const [r] = lines([
      { type: "host_result", task: "t", result: { host: "h", status: "ok", data: { masterauth: "x", rc: 0 }, durationMs: 1 } },
    ]);
    expect(r!.data).toEqual({ masterauth: MASK, rc: 0 });
  });
});
