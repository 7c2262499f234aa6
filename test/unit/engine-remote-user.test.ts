// remote_user ranks as in Ansible: the host's ansible_user wins; then the task's or play's
// remote_user; then -u / ansible.cfg. A different user is a different connection.
import { describe, expect, it, vi } from "vitest";

const created: Array<{ host: string; user: unknown }> = [];
vi.mock("../../src/connection/index.js", () => ({
  createConnection: (host: string, vars: Record<string, unknown>) => {
    created.push({ host, user: vars.ansible_user });
    return { host, close: async () => undefined };
  },
}));

const { ConnectionPool } = await import("../../src/engine/connections.js");

describe("the SSH user of a connection", () => {
  it.each([
    ["the host's ansible_user over the play's remote_user", { ansible_user: "host-user" }, "play-user", "host-user"],
    ["remote_user where the host names none", {}, "play-user", "play-user"],
    ["nobody names one: the ssh defaults decide", {}, undefined, undefined],
  ])("%s", (_what, vars, user, expected) => {
    created.length = 0;
    const pool = new ConnectionPool({}, () => vars);
    pool.get("h", user);
    expect(created).toEqual([{ host: "h", user: expected }]);
  });

  it("one connection per host and user, reused", () => {
    created.length = 0;
    const pool = new ConnectionPool({}, () => ({}));
    const a = pool.get("h", "alice");
    expect(pool.get("h", "alice")).toBe(a);
    expect(pool.get("h", "bob")).not.toBe(a);
    expect(pool.get("h")).not.toBe(a);
    expect(created.map((c) => c.user)).toEqual(["alice", "bob", undefined]);
  });
});
