// What a failed Redis command is reported as: host, command sent (masked), the server's words.
import { describe, expect, it } from "vitest";
import { commandFailure, RedisCommandError } from "../../src/redis/command-error.js";

const where = { host: "node-1", address: "10.0.0.1", port: 6379 };

/** An error as ioredis rejects a command with an error reply. */
function replyError(message: string): Error {
  const e = new Error(message);
  Object.defineProperty(e, "name", { value: "ReplyError" });
  return e;
}

describe("commandFailure", () => {
  it("names the host, the command name, the reply and the whole command with its address", () => {
    const e = commandFailure(where, ["info", "server", "replication"], replyError("ERR syntax error"));
    expect(e).toBeInstanceOf(RedisCommandError);
    expect(e.message).toBe("Redis on node-1 replied to INFO: ERR syntax error (sent to 10.0.0.1:6379: INFO server replication)");
    expect(e).toMatchObject({ host: "node-1", command: "INFO server replication", reply: "ERR syntax error" });
  });

  it("masks passwords in the command and scrubs them from the reply", () => {
    const e = commandFailure(where, ["CONFIG", "SET", "masterauth", "pw-1", "bad", "x"], replyError("ERR Unknown option 'bad' (near pw-1)"), ["session-pw"]);
    expect(e.message).toBe("Redis on node-1 replied to CONFIG: ERR Unknown option 'bad' (near ***) (sent to 10.0.0.1:6379: CONFIG SET masterauth *** bad x)");
    expect(commandFailure(where, ["AUTH", "session-pw"], replyError("WRONGPASS session-pw"), ["session-pw"]).message).not.toContain("session-pw");
  });

  it("says the server did not answer when there was no reply", () => {
    const e = commandFailure(where, ["INFO", "replication"], new Error("Command timed out"));
    expect(e.message).toBe("Redis on node-1 (10.0.0.1:6379) did not answer INFO replication: Command timed out");
    expect(e.reply).toBeUndefined();
  });

  it("shows Buffer arguments as text and leaves an already described failure alone", () => {
    const e = commandFailure(where, ["GET", Buffer.from("k")], replyError("WRONGTYPE Operation against a key holding the wrong kind of value"));
    expect(e.command).toBe("GET k");
    expect(commandFailure({ ...where, host: "node-2" }, ["PING"], e)).toBe(e);
  });
});
