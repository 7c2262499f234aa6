// A host that answers while its Redis does not is a failed task that says Redis is not running;
// only a host whose own connection fails is unreachable. Exercised through redis_facts, the first
// task of setup.yaml that talks to Redis, with the local connection (a closed loopback port) and
// with connections whose forward fails the ways an SSH connection's can.
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ForwardError, type ForwardFailure } from "../../src/connection/forward-error.js";
import { LocalConnection } from "../../src/connection/local.js";
import type { Connection } from "../../src/connection/types.js";
import { RunResourcePool } from "../../src/engine/resources.js";
import { UnreachableError } from "../../src/errors.js";
import { redisFactsModule } from "../../src/modules/redis/redis-facts.js";
import { makeTaskContext, runModule } from "../helpers/task-context.js";

const pools: RunResourcePool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.dispose();
});

/** A LocalConnection whose forward fails with `err`, as an SSH connection's would. */
function failingForward(err: Error): Connection {
  const conn = new LocalConnection("node-2");
  conn.forward = (): Promise<Duplex> => Promise.reject(err);
  return conn;
}

function context(conn: Connection, port = 6379) {
  const resources = new RunResourcePool();
  pools.push(resources);
  return makeTaskContext({ host: "node-2", conn, resources, vars: { redis_host: "127.0.0.1", redis_port: port } });
}

describe("Redis down on a host that answers", () => {
  it("a closed port behind the local connection: the task fails with 'Redis is not running', naming address and port", async () => {
    const r = await runModule(redisFactsModule, context(new LocalConnection("node-2"), 1), {});
    expect(r.status).toBe("failed");
    expect(r.plan.failed).toBe(
      "Redis is not running on node-2, or not listening on 127.0.0.1:1 (connection refused through node-2's connection); " +
        "start redis-server there, or check redis_host/redis_port",
    );
  });

  it.each<{ failure: ForwardFailure; detail: string; msg: RegExp }>([
    {
      failure: "connect",
      detail: "connection refused",
      msg: /^Redis is not running on node-2, or not listening on 127\.0\.0\.1:6379 \(connection refused through node-2's connection\)/,
    },
    {
      failure: "connect",
      detail: "nothing accepted the connection",
      msg: /^Redis is not running on node-2, or not listening on 127\.0\.0\.1:6379 \(nothing accepted the connection through node-2's connection\)/,
    },
    {
      failure: "prohibited",
      detail: "node-2's sshd does not allow TCP forwarding (AllowTcpForwarding)",
      msg: /^cannot reach Redis on node-2 \(127\.0\.0\.1:6379\): node-2's sshd does not allow TCP forwarding \(AllowTcpForwarding\); .*redis_connect: direct/,
    },
  ])("an SSH forward that sshd answers with a $failure failure fails the task: $detail", async ({ failure, detail, msg }) => {
    const err = new ForwardError("node-2", "127.0.0.1", 6379, failure, detail);
    const r = await runModule(redisFactsModule, context(failingForward(err)), {});
    expect(r.status).toBe("failed");
    expect(r.plan.failed).toMatch(msg);
    expect(r.plan.failed).not.toMatch(/tunnel|unreachable/i);
  });

  it("a host whose own connection fails stays unreachable (the error reaches the engine)", async () => {
    const err = new UnreachableError("node-2", "cannot connect to node-2 (127.0.0.22:22): connection refused");
    await expect(runModule(redisFactsModule, context(failingForward(err)), {})).rejects.toBeInstanceOf(UnreachableError);
  });
});
