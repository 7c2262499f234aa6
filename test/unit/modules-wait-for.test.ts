import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForModule } from "../../src/modules/wait-for.js";
import { makeTaskContext, runModule } from "../helpers/task-context.js";

let server: Server;
let port: number;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "redplay-wait-"));
  server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((r) => server.close(() => r()));
});

describe("wait_for", () => {
  it("is a noop when the port is already open", async () => {
    const r = await runModule(waitForModule, makeTaskContext(), { port });
    expect(r.status).toBe("ok");
    expect(r.plan.noop).toBe(`port ${port} on 127.0.0.1 is open`);
  });

  it("is skipped under --check when the condition does not hold yet", async () => {
    const r = await runModule(waitForModule, makeTaskContext({ check: true }), { path: join(dir, "later") });
    expect(r.status).toBe("skipped");
    expect(r.plan.changes).toEqual([{ summary: `wait for ${join(dir, "later")} to be present` }]);
  });

  it("waits until a path appears and reports ok, not changed", async () => {
    const path = join(dir, "appears");
    setTimeout(() => writeFileSync(path, ""), 300);
    const r = await runModule(waitForModule, makeTaskContext(), { path, timeout: 20, sleep: 0.1 });
    expect(r.status).toBe("ok");
    expect(r.applied?.failed).toBeUndefined();
  });

  it("fails with a timeout message when the port stays closed", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await runModule(waitForModule, makeTaskContext(), { port: closed, timeout: 0.3, sleep: 0.1 });
    expect(r.status).toBe("failed");
    expect(r.applied?.failed).toBe(`timeout after 0.3 s waiting for port ${closed} on 127.0.0.1 to be open`);
  });

  it("sees a closed port as stopped", async () => {
    const r = await runModule(waitForModule, makeTaskContext(), { port: 1, state: "stopped" });
    expect(r.plan.noop).toBe("port 1 on 127.0.0.1 is closed");
  });
});
