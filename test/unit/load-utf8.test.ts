// Files that are not UTF-8 are refused at the first invalid byte (file:line:col, exit 4)
// instead of being read with U+FFFD in place of what the user wrote.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeUtf8 } from "../../src/load/yaml.js";
import { LoadErrors } from "../../src/errors.js";
import { runMain } from "../helpers/main.js";

let dir: string;
const latin1 = (text: string) => Buffer.from(text, "latin1");

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-utf8-"));
  mkdirSync(path.join(dir, "group_vars"));
  // "é" in Latin-1 is the lone byte 0xe9: line 4, after "    - debug: {msg: caf".
  writeFileSync(path.join(dir, "play.yaml"), latin1("- hosts: all\n  tasks:\n    - debug: {msg: ok}\n    - debug: {msg: caf\u00e9}\n"));
  writeFileSync(path.join(dir, "good.yaml"), "- hosts: all\n  tasks:\n    - debug: {msg: \"café ✓\"}\n");
  writeFileSync(path.join(dir, "hosts.yaml"), Buffer.concat([Buffer.from("all:\n  hosts:\n    node-1: {redis_password: \"ab"), Buffer.from([0xff]), Buffer.from("\"}\n")]));
  writeFileSync(path.join(dir, "clean-hosts.yaml"), "all:\n  hosts:\n    node-1:\n");
  writeFileSync(path.join(dir, "group_vars", "all.yaml"), latin1("note: \"\u00fc\"\n"));
  writeFileSync(path.join(dir, "vars.yaml"), latin1("x: 1\ny: \u00ff\n"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("non-UTF-8 input", () => {
  it("a playbook and an inventory each report their first invalid byte; exit 4", async () => {
    const r = await runMain(["validate", path.join(dir, "play.yaml"), "-i", path.join(dir, "hosts.yaml")]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`error: ${path.join(dir, "play.yaml")}:4:23: not valid UTF-8 (byte 0xe9); save the file as UTF-8`);
    expect(r.stderr).toContain(`error: ${path.join(dir, "hosts.yaml")}:3:33: not valid UTF-8 (byte 0xff); save the file as UTF-8`);
    expect(r.stderr).not.toContain("\ufffd");
  });

  it("a group_vars file is refused the same way by run, before any task", async () => {
    const r = await runMain(["run", path.join(dir, "good.yaml"), "-i", path.join(dir, "clean-hosts.yaml")]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim()).toBe(`error: ${path.join(dir, "group_vars", "all.yaml")}:1:8: not valid UTF-8 (byte 0xfc); save the file as UTF-8`);
    expect(r.stdout).toBe("");
  });

  it("an -e @vars file is refused the same way", async () => {
    const r = await runMain(["validate", path.join(dir, "good.yaml"), "-e", `@${path.join(dir, "vars.yaml")}`]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim()).toBe(`error: ${path.join(dir, "vars.yaml")}:2:4: not valid UTF-8 (byte 0xff); save the file as UTF-8`);
  });

  it("valid UTF-8 (accents, symbols, a BOM) decodes unchanged; a truncated sequence is caught at its first byte", () => {
    expect(decodeUtf8(Buffer.from("\ufeffmsg: café ✓ 𝄞"), "f")).toBe("\ufeffmsg: café ✓ 𝄞");
    const err = (() => {
      try {
        decodeUtf8(Buffer.concat([Buffer.from("a: b\nc: "), Buffer.from([0xe2, 0x9c])]), "f.yaml");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LoadErrors);
    expect((err as LoadErrors).errors[0]!.format()).toBe("f.yaml:2:4: not valid UTF-8 (byte 0xe2); save the file as UTF-8");
  });
});
