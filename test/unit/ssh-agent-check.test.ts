// A stale SSH_AUTH_SOCK (no file, not a socket, or nobody listening) is recognised before the
// handshake, so the auth failure can say so instead of blaming sshd.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentProblem, staleAgentMessage } from "../../src/connection/ssh-client.js";

let dir: string;
let server: Server;
let live: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-agent-"));
  live = path.join(dir, "live.sock");
  server = createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen(live, resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe("agentProblem", () => {
  it("a path that does not exist is stale", async () => {
    const sock = path.join(dir, "gone.sock");
    expect(await agentProblem(sock)).toBe(`SSH_AUTH_SOCK points to ${sock}, which is not a running ssh-agent; unset it or start the agent`);
  });

  it("a regular file or a directory is stale", async () => {
    const file = path.join(dir, "plain");
    writeFileSync(file, "");
    expect(await agentProblem(file)).toBe(staleAgentMessage(file));
    expect(await agentProblem(dir)).toBe(staleAgentMessage(dir));
  });

  it("a socket something listens on is fine", async () => {
    expect(await agentProblem(live)).toBeUndefined();
  });
});
