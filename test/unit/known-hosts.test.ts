// known_hosts rules against lines produced by OpenSSH itself (ssh-keygen -H, ssh-keygen -l).
import { describe, expect, it } from "vitest";
import {
  fingerprint,
  hashedKnownHostsLine,
  hostFieldMatches,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from "../../src/connection/known-hosts.js";

const K1 = "AAAAC3NzaC1lZDI1NTE5AAAAIEkkulETma+mBV9lKewa99kAQ/W9o2Ne8y0NMaIwUKtV";
const K2 = "AAAAC3NzaC1lZDI1NTE5AAAAIOufmxdVTmqMewU99CuKkQjJbRyIHvXFyNN5jDlXZBns";
const key1 = Buffer.from(K1, "base64");
const key2 = Buffer.from(K2, "base64");
// `ssh-keygen -H` of "127.0.0.12 ssh-ed25519 K1" and of "[127.0.0.12]:2222 ssh-ed25519 K2".
const HASHED_22 = `|1|U1FD9/K1zl/Fot094322UkFG+nA=|0F9LCa5zfNwK5z2Sg37Q+H9PkwY= ssh-ed25519 ${K1}`;
const HASHED_2222 = `|1|SKJ5hcY/OQXqz5ZkEZVFfqTnGFQ=|nLzRA0z+OaQcNAj6jmUhwZvxPvA= ssh-ed25519 ${K2}`;

describe("fingerprint", () => {
  it("prints SHA256 base64 without padding exactly as ssh-keygen -l does", () => {
    expect(fingerprint(key1)).toBe("SHA256:1fW3HTsEOhfUWJzUoEpYDnmkyZ4QloiiLOwlZs1t8GI");
    expect(fingerprint(key2)).toBe("SHA256:jEEEexzQAB6MJORclgXx2WqawwFSYvCBCj/pL3eN7yk");
  });

  it("reads the key type from the blob", () => {
    expect(keyTypeOf(key1)).toBe("ssh-ed25519");
  });
});

describe("parseKnownHosts", () => {
  it("keeps host field, type, key, line number and markers; skips comments and junk", () => {
    const text = [
      "# comment",
      "",
      `127.0.0.11,node-1 ssh-ed25519 ${K1}`,
      "garbage-without-key",
      `@revoked * ssh-ed25519 ${K2}`,
      `@cert-authority *.lab ssh-ed25519 ${K1}`,
      `@unknown-marker x ssh-ed25519 ${K1}`,
    ].join("\n");
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.marker, e.hosts, e.keyType, e.line])).toEqual([
      [undefined, "127.0.0.11,node-1", "ssh-ed25519", 3],
      ["revoked", "*", "ssh-ed25519", 5],
      ["cert-authority", "*.lab", "ssh-ed25519", 6],
    ]);
    expect(entries[0]!.key.equals(key1)).toBe(true);
  });
});

describe("host matching", () => {
  it.each([
    ["127.0.0.11,node-1", "node-1", true],
    ["127.0.0.11,node-1", "127.0.0.11", true],
    ["127.0.0.11,node-1", "127.0.0.12", false],
    ["127.0.0.*", "127.0.0.99", true],
    ["127.0.0.?", "127.0.0.10", false],
    ["127.0.0.*,!127.0.0.13", "127.0.0.13", false],
    ["[127.0.0.12]:2222", "[127.0.0.12]:2222", true],
    ["[127.0.0.12]:2222", "127.0.0.12", false],
    ["NODE-1", "node-1", true],
  ])("%s matches %s: %s", (field, name, expected) => {
    expect(hostFieldMatches(field, name)).toBe(expected);
  });

  it("matches hashed entries written by ssh-keygen -H, port form included", () => {
    const [h22] = parseKnownHosts(HASHED_22);
    const [h2222] = parseKnownHosts(HASHED_2222);
    expect(hostFieldMatches(h22!.hosts, "127.0.0.12")).toBe(true);
    expect(hostFieldMatches(h22!.hosts, "127.0.0.13")).toBe(false);
    expect(hostFieldMatches(h2222!.hosts, knownHostsName("127.0.0.12", 2222))).toBe(true);
    expect(hostFieldMatches(h2222!.hosts, "127.0.0.12")).toBe(false);
  });

  it("names non-22 ports in [host]:port form", () => {
    expect(knownHostsName("127.0.0.12", 22)).toBe("127.0.0.12");
    expect(knownHostsName("127.0.0.12", 2222)).toBe("[127.0.0.12]:2222");
  });
});

describe("verifyHostKey", () => {
  const entries = parseKnownHosts([HASHED_22, HASHED_2222, `127.0.0.20 ssh-ed25519 ${K1}`].join("\n"));

  it("accepts the recorded key", () => {
    expect(verifyHostKey(entries, "127.0.0.12", key1)).toEqual({ status: "known" });
  });

  it("reports a host without entries as unknown", () => {
    expect(verifyHostKey(entries, "127.0.0.99", key1)).toEqual({ status: "unknown" });
  });

  it("reports a different key for a recorded host as changed, with the recorded entry", () => {
    const v = verifyHostKey(entries, "127.0.0.12", key2);
    expect(v.status).toBe("changed");
    if (v.status === "changed") expect(v.expected.map((e) => fingerprint(e.key))).toEqual([fingerprint(key1)]);
  });

  it("keeps ports apart: the port-2222 key is not the port-22 key", () => {
    expect(verifyHostKey(entries, "[127.0.0.12]:2222", key2)).toEqual({ status: "known" });
    expect(verifyHostKey(entries, "[127.0.0.12]:2222", key1).status).toBe("changed");
  });

  it("refuses a key marked @revoked even when it is also recorded for the host", () => {
    const withRevoked = parseKnownHosts(`127.0.0.20 ssh-ed25519 ${K1}\n@revoked * ssh-ed25519 ${K1}`);
    expect(verifyHostKey(withRevoked, "127.0.0.20", key1)).toEqual({ status: "revoked" });
  });

  it("ignores @cert-authority lines when looking for a host's key", () => {
    const ca = parseKnownHosts(`@cert-authority 127.0.0.20 ssh-ed25519 ${K2}`);
    expect(verifyHostKey(ca, "127.0.0.20", key1)).toEqual({ status: "unknown" });
  });
});

describe("hashedKnownHostsLine", () => {
  it("writes a line that hashes the name and round-trips through the parser", () => {
    const line = hashedKnownHostsLine("[127.0.0.12]:2222", key2);
    expect(line).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 \S+\n$/);
    expect(line).not.toContain("127.0.0.12");
    const parsed = parseKnownHosts(line);
    expect(verifyHostKey(parsed, "[127.0.0.12]:2222", key2)).toEqual({ status: "known" });
    expect(verifyHostKey(parsed, "127.0.0.12", key2)).toEqual({ status: "unknown" });
  });

  it("uses the salt it is given, like ssh-keygen -H (same salt, same hash)", () => {
    const salt = Buffer.from("U1FD9/K1zl/Fot094322UkFG+nA=", "base64");
    expect(hashedKnownHostsLine("127.0.0.12", key1, salt)).toBe(`${HASHED_22}\n`);
  });
});

describe("preferredHostKeyAlgorithms", () => {
  it("lists the recorded key types of the host, rsa expanded to its signature algorithms", () => {
    const entries = parseKnownHosts(`h1 ssh-rsa AAAAB3NzaC1yc2E=\nh1 ssh-ed25519 ${K1}\nh2 ecdsa-sha2-nistp256 AAAA`);
    expect(preferredHostKeyAlgorithms(entries, "h1")).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-ed25519"]);
    expect(preferredHostKeyAlgorithms(entries, "h3")).toEqual([]);
  });
});
