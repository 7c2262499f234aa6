// An ACL `user` line carries a password (`>pw`) or its SHA-256 (`#...`, as CONFIG REWRITE and a
// Sentinel's own rewrite write it): masked in every output, diffs included, like requirepass.
import { describe, expect, it } from "vitest";
import { maskCredentialSyntax } from "../../src/output/redact.js";

describe("ACL user lines", () => {
  it.each([
    ["user default on #f893275d144d4db158f0a2870729375e7bba690a01314a2ec1aa0900dd6a6873 ~* &* +@all", "user default ********"],
    ["-user default on #f893275d144d4db158f0a2870729375e7bba690a01314a2ec1aa0900dd6a6873 ~* &* +@all", "-user default ********"],
    ["user app on >s3cret ~app:* +@read", "user app ********"],
  ])("%s is masked", (line, masked) => {
    expect(maskCredentialSyntax(line)).toBe(masked);
  });

  it.each(["user default on nopass ~* &* +@all", "user: redis", "the user default is used"])("%s has no credential and stays", (line) => {
    expect(maskCredentialSyntax(line)).toBe(line);
  });
});
