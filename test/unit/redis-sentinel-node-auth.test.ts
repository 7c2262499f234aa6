// How a Sentinel logs in to the group's nodes, from the group's variables.
import { describe, expect, it } from "vitest";
import { sentinelNodeAuth } from "../../src/redis/endpoint.js";
import { sentinelEndpoint } from "../../src/redis/sentinel-client.js";

describe("sentinelNodeAuth", () => {
  it("uses the group's password without ACL users", () => {
    expect(sentinelNodeAuth({ redis_password: "pw" })).toEqual({ password: "pw" });
    expect(sentinelNodeAuth({})).toEqual({});
  });

  it("uses Sentinel's own user with redis_acl and redis_sentinel_password", () => {
    expect(sentinelNodeAuth({ redis_acl: true, redis_password: "pw", redis_sentinel_password: "s" })).toEqual({ user: "sentinel", password: "s" });
    expect(sentinelNodeAuth({ redis_acl: "yes", redis_password: "pw", redis_sentinel_password: "s", redis_sentinel_user: "watcher" })).toEqual({ user: "watcher", password: "s" });
  });

  it("keeps the default user where redis_default_user is on, and refuses where it is off", () => {
    expect(sentinelNodeAuth({ redis_acl: true, redis_password: "pw", redis_default_user: "on" })).toEqual({ password: "pw" });
    const off = sentinelNodeAuth({ redis_acl: true, redis_password: "pw" });
    expect(off).toEqual({ error: expect.stringMatching(/set redis_sentinel_password and run setup\.yaml/) });
  });

  it("ignores redis_sentinel_password without redis_acl", () => {
    expect(sentinelNodeAuth({ redis_password: "pw", redis_sentinel_password: "s" })).toEqual({ password: "pw" });
  });
});

describe("sentinelEndpoint", () => {
  it("requires the group's password of a Sentinel, never redplay's own ACL user's", () => {
    expect(sentinelEndpoint("node-1", { redis_password: "pw" }).password).toBe("pw");
    expect(sentinelEndpoint("node-1", { redis_password: "pw", redis_acl: true, redis_admin_password: "admin" }).password).toBe("pw");
  });
});
