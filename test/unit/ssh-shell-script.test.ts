// The persistent shell protocol: frames are cut exactly from any chunking, start-up noise is
// dropped, anything out of step is refused, and the scripts, run by a real local /bin/sh, give
// back the exact bytes and exit codes.
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { commandScript, FrameReader, FramingError, passwordSudoLine, shellBootScript, type ShellFrame } from "../../src/connection/ssh-shell-script.js";

const TOKEN = "rp0123456789abcdef";

function frame(code: number, out: string, err: string): Buffer {
  return Buffer.concat([Buffer.from(`${TOKEN} ${code} ${Buffer.byteLength(out)} ${Buffer.byteLength(err)}\n`), Buffer.from(out), Buffer.from(err)]);
}

describe("FrameReader", () => {
  it("drops start-up noise before the readiness line and reports the shell's pid", () => {
    const r = new FrameReader(TOKEN);
    expect(r.push(Buffer.from("Welcome!\nrp0000 ready 1\n"))).toEqual([]);
    expect(r.push(Buffer.from(`more noise\n${TOKEN} ready 4242\n`))).toEqual([{ kind: "ready", pid: 4242 }]);
  });

  it("cuts frames exactly even when fed one byte at a time, payloads that look like frames included", () => {
    const r = new FrameReader(TOKEN);
    const out = `${TOKEN} 0 1 1\nno newline`;
    const err = `\n${TOKEN} ready 9\n\u2713`;
    const bytes = Buffer.concat([Buffer.from(`\n${TOKEN} ready 7\n`), frame(3, out, err), frame(0, "", "")]);
    const frames: ShellFrame[] = [];
    for (const b of bytes) frames.push(...r.push(Buffer.from([b])));
    expect(frames).toEqual([
      { kind: "ready", pid: 7 },
      { kind: "result", code: 3, stdout: Buffer.from(out), stderr: Buffer.from(err) },
      { kind: "result", code: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) },
    ]);
  });

  it("refuses a line that is not a frame of this shell", () => {
    const r = new FrameReader(TOKEN);
    r.push(Buffer.from(`\n${TOKEN} ready 7\n`));
    expect(() => r.push(Buffer.from("rpother 0 0 0\n"))).toThrow(FramingError);
  });

  it("refuses a long run of bytes without a frame line", () => {
    const r = new FrameReader(TOKEN);
    r.push(Buffer.from(`\n${TOKEN} ready 7\n`));
    expect(() => r.push(Buffer.alloc(200, 120))).toThrow(FramingError);
  });
});

describe("scripts", () => {
  it("never put the become password in the command line", () => {
    const line = passwordSudoLine("id -un", "root", "redplay-become-ab");
    expect(line).toBe(
      `sudo -H -S -k -p '' -u root -- /bin/sh -c 'printf '\\''%s\\n'\\'' redplay-become-ab >&2; exec /bin/sh -c "$1" <"$2"' redplay 'id -un' "$rpin"`,
    );
    const script = commandScript(TOKEN, 1, { line, sudoStdin: Buffer.from("Secret-Pw\n") });
    expect(script).not.toContain("Secret-Pw");
    expect(script).toContain(Buffer.from("Secret-Pw\n").toString("base64"));
  });

  it("run by a local /bin/sh, return exact bytes, exit codes and stdin, and remove their directory", async () => {
    const sh = spawn("/bin/sh", [], { stdio: ["pipe", "pipe", "inherit"] });
    const reader = new FrameReader(TOKEN);
    const frames: ShellFrame[] = [];
    sh.stdout.on("data", (d: Buffer) => frames.push(...reader.push(d)));
    const ended = new Promise((resolve) => sh.on("close", resolve));
    const stdin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    sh.stdin.write(shellBootScript(TOKEN));
    sh.stdin.write(commandScript(TOKEN, 1, { line: `/bin/sh -c 'cat; printf "e\\n" >&2; exit 5'`, stdin }));
    sh.stdin.write(commandScript(TOKEN, 2, { line: `/bin/sh -c 'printf "%s" "$PPID" >&2; cat; printf "no newline"'` }));
    // The line is expanded by the persistent shell itself, so this reports its private directory.
    sh.stdin.write(commandScript(TOKEN, 3, { line: `/usr/bin/printf %s "$d"` }));
    while (frames.length < 4) await new Promise((r) => setTimeout(r, 10));
    const dir = (frames[3] as { stdout: Buffer }).stdout.toString();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    sh.stdin.end();
    await ended;
    expect(existsSync(dir)).toBe(false);
    expect(frames).toHaveLength(4);
    expect(frames[0]!.kind).toBe("ready");
    const pid = (frames[0] as { pid: number }).pid;
    expect(frames[1]).toEqual({ kind: "result", code: 5, stdout: stdin, stderr: Buffer.from("e\n") });
    expect(frames[2]).toEqual({ kind: "result", code: 0, stdout: Buffer.from("no newline"), stderr: Buffer.from(String(pid)) });
  });
});
