// exec semantics over a persistent shell: what is sent for timeouts and become, and how a shell's
// frame becomes the result an exec channel would have given.
import { describe, expect, it } from "vitest";
import { shellFailure, shellJob, shellResult } from "../../src/connection/ssh-shell-exec.js";

const done = (code: number, stdout: string, stderr: string, deadlinePassed = false) =>
  ({ kind: "done" as const, code, stdout: Buffer.from(stdout), stderr: Buffer.from(stderr), deadlinePassed });

describe("shellJob", () => {
  it("wraps a timed command in a host-side timeout and needs no sudo for the login user", () => {
    const job = shellJob("sleep 5", { timeoutMs: 1500 }, "root")!;
    expect(job.cmd.line).toBe(`/bin/sh -c 'exec timeout -s KILL 1.5 /bin/sh -c '\\''sleep 5'\\'''`);
    expect(job.marker).toBeUndefined();
  });

  it("uses sudo -n without a password and sends a password only on sudo's own stdin", () => {
    expect(shellJob("id", { become: { enabled: true } }, "deploy")!.cmd.line).toBe("sudo -H -S -n -u root -- /bin/sh -c id");
    const job = shellJob("id", { become: { enabled: true, password: "Pw-1" }, stdin: "data" }, "deploy", "n1")!;
    expect(job.cmd.line).not.toContain("Pw-1");
    expect(job.cmd.sudoStdin?.toString()).toBe("Pw-1\n");
    expect(job.cmd.stdin?.toString()).toBe("data");
    expect(job.marker).toBe("redplay-become-n1");
  });

  it("leaves password sudo to another user with stdin data to an exec channel", () => {
    expect(shellJob("cat", { become: { enabled: true, user: "redis", password: "p" }, stdin: "x" }, "deploy")).toBeUndefined();
    expect(shellJob("cat", { become: { enabled: true, user: "redis", password: "p" } }, "deploy")).toBeDefined();
  });
});

describe("shellResult", () => {
  const job = shellJob("id", { become: { enabled: true, password: "Pw-1" } }, "deploy", "n1")!;

  it("drops what sudo printed before the command started", () => {
    const r = shellResult(job, done(0, "root\n", "sudo lecture\nredplay-become-n1\nwarn\n"));
    expect(r).toEqual({ code: 0, stdout: Buffer.from("root\n"), stderr: Buffer.from("warn\n") });
  });

  it("reports a rejected password without its text", () => {
    const r = shellResult(job, done(1, "", "Sorry, try again.\nsudo: no password was provided\nsudo: 1 incorrect password attempt\n"));
    expect(r.code).toBe(1);
    expect(r.stderr.toString()).toBe("sudo rejected the become password for user root: check ansible_become_password\n");
  });

  it("turns a host-side timeout kill into exit 124 with a note, only once the deadline passed", () => {
    const plain = shellJob("sleep 9", { timeoutMs: 500 }, "root")!;
    expect(shellResult(plain, done(137, "started\n", "", true), 500)).toEqual({
      code: 124, stdout: Buffer.from("started\n"), stderr: Buffer.from("command timed out after 500 ms\n"),
    });
    expect(shellResult(plain, done(137, "", "", false), 500).code).toBe(137);
  });

  it("fails a command whose shell died, naming the host", () => {
    const r = shellFailure("db-1", { kind: "died", how: "signal KILL" });
    expect(r.code).toBe(255);
    expect(r.stderr.toString()).toBe("the remote shell running this command on db-1 ended (signal KILL) before the command finished\n");
  });
});
