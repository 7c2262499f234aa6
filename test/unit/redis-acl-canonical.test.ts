// Drift between the running users and those the same server makes of the file: every rule counts.
import { describe, expect, it } from "vitest";
import { aclListDrift } from "../../src/redis/acl-canonical.js";

const FILE = [
  "user app on sanitize-payload #5e88 ~app:* resetchannels -@all +@read +@write",
  "user default off sanitize-payload resetchannels -@all",
  "user redplay on sanitize-payload #9f86 ~* resetchannels +@all",
];

describe("aclListDrift", () => {
  it("finds nothing when the running users list exactly as the file's", () => {
    expect(aclListDrift(FILE, [...FILE].reverse())).toEqual([]);
  });

  it("finds nothing when only the order of the rules differs (each server process lists them in its own order)", () => {
    const running = [FILE[0]!.replace("+@read +@write", "+@write +@read"), "user default off resetchannels -@all sanitize-payload", FILE[2]!];
    expect(aclListDrift(FILE, running)).toEqual([]);
  });

  it("names a user whose command rules alone changed", () => {
    const running = [FILE[0]!.replace("+@write", "+@write -@write"), FILE[1]!, FILE[2]!];
    expect(aclListDrift(FILE, running)).toEqual(["app"]);
  });

  it("names users only one side has", () => {
    expect(aclListDrift(FILE, [FILE[1]!, FILE[2]!, "user extra on nopass ~* +@all"])).toEqual(["app", "extra"]);
  });
});
