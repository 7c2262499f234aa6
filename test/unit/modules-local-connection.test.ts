// LocalConnection: the Connection contract on this machine.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ForwardError } from "../../src/connection/forward-error.js";
import { LocalConnection, TIMEOUT_EXIT_CODE } from "../../src/connection/local.js";
import { UnreachableError } from "../../src/errors.js";

const conn = new LocalConnection("localhost");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redplay-local-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("exec", () => {
  it("returns a non-zero exit as a value", async () => {
    expect(await conn.exec("echo out; echo err >&2; exit 7")).toEqual({ code: 7, stdout: "out\n", stderr: "err\n" });
  });

  it("feeds stdin", async () => {
    expect((await conn.exec("cat", { stdin: "piped" })).stdout).toBe("piped");
  });

  it("kills the whole command on timeout", async () => {
    const pidFile = join(dir, "pid");
    const r = await conn.exec(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 2000 });
    expect(r.code).toBe(TIMEOUT_EXIT_CODE);
    expect(r.stderr).toContain("timed out after 2000 ms");
    const pid = Number(readFileSync(pidFile, "utf8"));
    // The background sleep shared the pipe, so "close" implies it died; it may linger as a zombie.
    // On a busy machine the pid may already belong to another program: only our `sleep 30` counts.
    const ours = existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, "utf8") === "sleep\u000030\u0000";
    const state = ours ? readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] : "gone";
    expect(["gone", "Z"]).toContain(state);
  });

  it("runs directly when become asks for the user already running", async () => {
    const r = await conn.exec("id -un", { become: { enabled: true, user: "root" } });
    expect(r.stdout.trim()).toBe("root");
  });
});

describe("read, write, stat", () => {
  it("reads null for a missing file", async () => {
    expect(await conn.read(join(dir, "missing"))).toBeNull();
  });

  it("stats mode bits, owner and group names, type and size", async () => {
    const p = join(dir, "f");
    writeFileSync(p, "12345");
    chmodSync(p, 0o640);
    expect(await conn.stat(p)).toEqual({ exists: true, isDir: false, mode: 0o640, owner: "root", group: "root", size: 5 });
    expect(await conn.stat(join(dir, "none"))).toEqual({ exists: false });
    expect((await conn.stat(dir)).isDir).toBe(true);
  });

  it("writes new files with 0644 and keeps an existing file's mode", async () => {
    const p = join(dir, "f");
    await conn.write(p, Buffer.from("a"));
    expect(statSync(p).mode & 0o7777).toBe(0o644);
    chmodSync(p, 0o600);
    await conn.write(p, Buffer.from("b"));
    expect(statSync(p).mode & 0o7777).toBe(0o600);
    await conn.write(p, Buffer.from("c"), { mode: 0o755, owner: "nobody", group: "nogroup" });
    expect(await conn.stat(p)).toMatchObject({ mode: 0o755, owner: "nobody", group: "nogroup" });
    expect(readdirSync(dir)).toEqual(["f"]);
  });

  it("never exposes a half-written file to a concurrent reader", async () => {
    const p = join(dir, "big");
    const a = Buffer.alloc(4 << 20, "a");
    const b = Buffer.alloc(4 << 20, "b");
    await conn.write(p, a);
    let reading = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (reading) {
        const got = readFileSync(p);
        seen.add(got.equals(a) ? "a" : got.equals(b) ? "b" : "torn");
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 6; i++) await conn.write(p, i % 2 ? a : b);
    reading = false;
    await reader;
    expect(seen.has("torn")).toBe(false);
    expect(readdirSync(dir)).toEqual(["big"]);
  });
});

describe("forward", () => {
  let server: Server;
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it("returns a connected socket to host:port", async () => {
    server = createServer((s) => s.end("hello"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const sock = await conn.forward("127.0.0.1", port);
    const chunks: Buffer[] = [];
    for await (const c of sock) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("hello");
  });

  it("rejects with a ForwardError (not an unreachable host) when nothing listens", async () => {
    const err = await conn.forward("127.0.0.1", 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForwardError);
    expect(err).not.toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ host: "localhost", address: "127.0.0.1", port: 1, failure: "connect", detail: "connection refused" });
    expect((err as Error).message).toBe("localhost cannot connect to 127.0.0.1:1: connection refused");
  });
});
