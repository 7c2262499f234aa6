// ssh2 parses every packet of one read in one go: the server's answer to the exec request, the
// command's output, its exit status and the channel's close can all be handled before the code
// that awaited the channel runs. The exit status must not be lost then: runOnChannel must report
// it, not "the channel closed without an exit status". A stand-in for ssh2's Client does exactly
// that: it answers, then emits the exit status in the same turn.
import { Duplex, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Client } from "ssh2";
import { runOnChannel } from "../../src/connection/ssh-exec.js";

/** A channel as ssh2 gives it: a duplex with `stderr`, closing once its output has been read. */
function channel(): Duplex & { stderr: Readable; close(): void; signal(): void } {
  const ch = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } }) as Duplex & { stderr: Readable; close(): void; signal(): void };
  ch.stderr = new Readable({ read() {} });
  ch.close = () => ch.destroy();
  ch.signal = () => undefined;
  ch.on("end", () => ch.destroy());
  return ch;
}

/** A client whose exec answers and finishes the command in the same turn, as one read of several packets does. */
function clientEndingAtOnce(code: number | null, signal?: string): Client {
  return {
    exec(_line: string, cb: (err: Error | undefined, ch: unknown) => void) {
      const ch = channel();
      cb(undefined, ch);
      ch.push("out\n");
      ch.emit("exit", code, signal);
      ch.push(null);
      ch.stderr.push(null);
    },
  } as unknown as Client;
}

describe("runOnChannel", () => {
  it("keeps an exit status that arrives in the same read as the channel's opening", async () => {
    const r = await runOnChannel(clientEndingAtOnce(3), { line: "x", sudo: { kind: "none" } }, undefined, undefined);
    expect(r.code).toBe(3);
    expect(r.stdout.toString()).toBe("out\n");
  });

  it("and an exit signal (SIGKILL: 137)", async () => {
    const r = await runOnChannel(clientEndingAtOnce(null, "SIGKILL"), { line: "x", sudo: { kind: "none" } }, undefined, undefined);
    expect(r.code).toBe(137);
  });
});
