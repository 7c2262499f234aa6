// Ansible Vault values and files made by ansible-vault (the fixtures: test/fixtures/vault, password
// files beside them) decrypt with node:crypto, are used as their plain text, and never appear in
// any output; without a password (or with a wrong one) the error is located, exit 4.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decryptWith, keyringFor, parseEnvelope, VaultKeyring } from "../../src/load/vault.js";
import { BIN } from "../helpers/cli.js";
import { runMain } from "../helpers/main.js";

const dir = "test/fixtures/vault";
const PLAIN = ["inline-vault-value-11", "labelled-prod-value-12", "s3cr3t-from-a-vaulted-file"];
const PASSWORDS = ["redplay-test-vault", "redplay-prod-vault"];
const vaulted = (name: string): string => {
  const text = readFileSync(`${dir}/vars-inline.yaml`, "utf8");
  const m = new RegExp(`^${name}: !vault \\|\\n((?: {10}.*\\n)+)`, "m").exec(text)!;
  return m[1]!.replace(/^ +/gm, "");
};

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), "redplay-vault-"));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

describe("vault envelopes", () => {
  it("reads a 1.1 and a 1.2 envelope and decrypts each with its password only", () => {
    const v11 = parseEnvelope(vaulted("redis_password"));
    const v12 = parseEnvelope(vaulted("api_value"));
    expect([v11.version, v11.label, v12.version, v12.label]).toEqual(["1.1", undefined, "1.2", "prod"]);
    expect(decryptWith(v11, Buffer.from("redplay-test-vault"))?.toString()).toBe("inline-vault-value-11");
    expect(decryptWith(v12, Buffer.from("redplay-prod-vault"))?.toString()).toBe("labelled-prod-value-12");
    expect(decryptWith(v11, Buffer.from("redplay-prod-vault"))).toBeNull();
  });

  it("a 1.2 value is tried with its own vault id first, and every decrypted text is remembered", () => {
    const k = new VaultKeyring([
      { id: "default", password: Buffer.from("redplay-test-vault") },
      { id: "prod", password: Buffer.from("redplay-prod-vault") },
    ]);
    expect(k.decrypt(vaulted("api_value"))).toBe("labelled-prod-value-12");
    expect(k.decrypt(vaulted("redis_password"))).toBe("inline-vault-value-11");
    expect([...k.decrypted]).toEqual(["labelled-prod-value-12", "inline-vault-value-11"]);
  });

  it("a wrong password names the vault ids tried and the one the value was made for", () => {
    const k = new VaultKeyring([{ id: "default", password: Buffer.from("nope") }]);
    expect(() => k.decrypt(vaulted("api_value"))).toThrow('no vault password given decrypts it (tried vault id(s) default; it was encrypted for vault id "prod")');
  });

  it("password sources: a file (trimmed), label@file, an executable script, ANSIBLE_VAULT_PASSWORD_FILE", async () => {
    const script = join(out, "vault-pass.sh");
    writeFileSync(script, "#!/bin/sh\necho redplay-test-vault\n");
    chmodSync(script, 0o700);
    const k = await keyringFor({ vaultPasswordFile: [script], vaultId: [`prod@${dir}/password-prod`] });
    expect(k.secrets.map((s) => [s.id, s.password.toString()])).toEqual([
      ["prod", "redplay-prod-vault"],
      ["default", "redplay-test-vault"],
    ]);
    const fromEnv = await keyringFor({}, { ANSIBLE_VAULT_PASSWORD_FILE: `${dir}/password` });
    expect(fromEnv.secrets.map((s) => s.password.toString())).toEqual(["redplay-test-vault"]);
    await expect(keyringFor({ vaultPasswordFile: [`${dir}/missing`] })).rejects.toThrow(`vault password file ${dir}/missing: not found`);
  });
});

describe("vaulted values in a run", () => {
  const args = (...extra: string[]) => ["run", `${dir}/playbook.yaml`, "-i", `${dir}/hosts.yaml`, "-e", `out_dir=${out}`, ...extra];

  it("are used decrypted, and never appear in the human output, the diff, -vv data or JSON events", async () => {
    for (const fmt of [["--diff", "-vv"], ["--json"]]) {
      rmSync(join(out, "vaulted.txt"), { force: true });
      const r = await runMain(args("--vault-password-file", `${dir}/password`, "--vault-id", `prod@${dir}/password-prod`, ...fmt));
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(out, "vaulted.txt"), "utf8")).toBe(`${PLAIN.join(" ")}\n`);
      for (const secret of [...PLAIN, ...PASSWORDS]) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
      }
      expect(r.stdout).toContain("port=6390 plain=visible");
    }
  });

  it("without a password: every vaulted value and file is a located error, exit 4, nothing run", async () => {
    const r = await runMain(args());
    expect(r.code).toBe(4);
    const how = "no vault password was given; pass --vault-password-file FILE, --vault-id [LABEL@]FILE or --ask-vault-pass";
    expect(r.stderr.trim().split("\n").sort()).toEqual(
      [
        `error: vars-encrypted.yaml:1:1: vault-encrypted file: ${how}`,
        `error: vars-inline.yaml:1:17: vault-encrypted value: ${how}`,
        `error: vars-inline.yaml:8:12: vault-encrypted value: ${how}`,
      ].sort(),
    );
    expect(r.stdout).toBe("");
  });

  it("--ask-vault-pass reads the password from the terminal, never from argv", () => {
    const r = spawnSync(process.execPath, [BIN, ...args("--ask-vault-pass", "--vault-id", `prod@${dir}/password-prod`)], {
      input: "redplay-test-vault\n",
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Vault password: ");
    expect(readFileSync(join(out, "vaulted.txt"), "utf8")).toBe(`${PLAIN.join(" ")}\n`);
    for (const secret of [...PLAIN, ...PASSWORDS]) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
  });
});
