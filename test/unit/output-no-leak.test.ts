import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/engine/events.js";
import { HumanReporter } from "../../src/output/human.js";
import { JsonReporter } from "../../src/output/json.js";
import { MASK, Secrets } from "../../src/output/redact.js";

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

// A var-declared password, one with quotes that JSON and shell escape, and one only ever seen in
// config text read from a host (never declared anywhere).
const DECLARED = "S3cr3t-Declared";
const QUOTED = `it's "q"uoted`;
const UNDECLARED = "only-in-config-77";
const loc = { file: "p.yaml", line: 1, col: 1 };

function secrets(): Secrets {
  const s = new Secrets(["vault_phrase"]);
  s.addFromVars({ redis_password: DECLARED, nested: { vault_phrase: QUOTED } });
  return s;
}

const events: RunEvent[] = [
  { type: "playbook_start", file: "p.yaml", check: false, diff: true },
  { type: "play_start", name: `play using ${DECLARED}`, pattern: "all", hosts: ["node-1"] },
  { type: "task_start", name: `set ${QUOTED}`, module: "debug", handler: false, loc },
  {
    type: "host_result",
    task: "set",
    result: {
      host: "node-1",
      status: "changed",
      msg: `password is ${DECLARED} and ${QUOTED}`,
      item: { user: "default", pass: DECLARED },
      changes: [`CONFIG SET requirepass ${UNDECLARED}`, `AUTH ${DECLARED}`],
      diff: [
        {
          path: "/etc/redis/redis.conf",
          before: `port 6379\nrequirepass ${UNDECLARED}\nmasterauth "${QUOTED}"\n`,
          after: `port 6379\nrequirepass ${DECLARED}\nmasterauth "${DECLARED}"\n`,
        },
      ],
      data: { stdout: `redis-cli -a ${UNDECLARED} ping`, stderr: JSON.stringify({ pw: QUOTED }), cmd: ["echo", DECLARED] },
      durationMs: 1,
    },
  },
  {
    type: "host_result",
    task: "set",
    result: { host: "node-1", status: "failed", msg: `WRONGPASS for ${DECLARED}\nrequirepass ${UNDECLARED}`, durationMs: 1 },
  },
  { type: "warning", msg: `config has masterauth ${UNDECLARED}` },
  { type: "task_waiting", task: "set", hosts: [DECLARED], elapsedMs: 1000 },
  { type: "recap", hosts: {}, owedHandlers: { "node-1": [`notify ${DECLARED}`] }, durationMs: 1 },
];

function assertNoSecret(text: string): void {
  for (const secret of [DECLARED, QUOTED, UNDECLARED, JSON.stringify(QUOTED).slice(1, -1), "S3cr3t", "only-in-config"]) {
    expect(text).not.toContain(secret);
  }
  expect(text).toContain(MASK);
}

describe("no reporter output contains a secret", () => {
  it.each([
    [0, false],
    [2, false],
    [2, true],
  ] as const)("human reporter at verbosity %i, colour %s", (verbosity, color) => {
    const sink = new Sink();
    const r = new HumanReporter(sink, { color, verbosity, diff: true, secrets: secrets(), isTTY: true });
    for (const e of events) r.onEvent(e);
    r.close();
    assertNoSecret(sink.text);
    // The password change is still visible as a change.
    expect(sink.text).toMatch(/-requirepass \*{8}/);
    expect(sink.text).toMatch(/\+requirepass \*{8}/);
  });

  it("json reporter", () => {
    const sink = new Sink();
    const r = new JsonReporter(sink, { secrets: secrets() });
    for (const e of events) r.onEvent(e);
    r.close();
    assertNoSecret(sink.text);
    const result = sink.text.split("\n").map((l) => (l ? JSON.parse(l) : null)).find((o) => o?.status === "changed");
    expect(result.item).toEqual({ user: "default", pass: MASK });
    expect(result.diff[0].patch).toContain(`-requirepass ${MASK}\n-masterauth ${MASK}\n+requirepass ${MASK}`);
  });
});
