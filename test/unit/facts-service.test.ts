import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRcLinks, parseServiceStatus, parseSystemctlShow, unitStateFromShow } from "../../src/facts/service.js";

const root = join(import.meta.dirname, "../fixtures/facts");
const json = (p: string) => JSON.parse(readFileSync(p, "utf8"));

describe("parseServiceStatus", () => {
  const dir = join(root, "service-status");
  const cases = readdirSync(dir).map((f) => [f, json(join(dir, f))] as const);
  it.each(cases)("%s", (_name, c) => {
    expect(parseServiceStatus(c.code, c.output)).toBe(c.expected);
  });
});

describe("systemctl show", () => {
  const dir = join(root, "systemctl-show");
  const cases = readdirSync(dir).filter((f) => f.endsWith(".txt")).map((f) => [f, readFileSync(join(dir, f), "utf8"), json(join(dir, f.replace(/\.txt$/, ".json")))] as const);
  it.each(cases)("%s", (_name, text, expected) => {
    expect(unitStateFromShow(parseSystemctlShow(text))).toEqual(expected);
  });
});

describe("parseRcLinks", () => {
  const ls = "/etc/rc2.d:\nS01dbus\nS01redis-server\nK01ssh\n\n/etc/rc3.d:\nS01redis-server\n";
  it("finds a start link for an enabled service", () => {
    expect(parseRcLinks(ls, "redis-server")).toBe(true);
  });
  it("treats kill links only as disabled", () => {
    expect(parseRcLinks(ls, "ssh")).toBe(false);
  });
  it("does not match a service whose name is a prefix of another", () => {
    expect(parseRcLinks(ls, "redis")).toBe(false);
  });
});
