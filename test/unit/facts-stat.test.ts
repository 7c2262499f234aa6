import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalConnection } from "../../src/connection/local.js";
import { parseStat, statCommand } from "../../src/facts/stat.js";

const dir = join(import.meta.dirname, "../fixtures/facts/stat");
const cases = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => [f, JSON.parse(readFileSync(join(dir, f), "utf8"))] as const);

describe("parseStat", () => {
  it.each(cases)("%s", (_name, c) => {
    expect(parseStat(c.code, c.stdout, c.stderr)).toEqual(c.expected);
  });

  it("reads what statCommand prints on this machine", async () => {
    const r = await new LocalConnection("localhost").exec(statCommand("/etc/passwd"));
    expect(parseStat(r.code, r.stdout, r.stderr)).toMatchObject({ exists: true, isDir: false, owner: "root", group: "root" });
  });
});
