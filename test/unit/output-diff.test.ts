import { describe, expect, it } from "vitest";
import { renderDiff } from "../../src/output/diff.js";
import { MASK, Secrets } from "../../src/output/redact.js";

const PATH = "/etc/redis/redis.conf";

describe("renderDiff", () => {
  it("renders a changed file as a unified diff with before/after headers", () => {
    const text = renderDiff(
      { path: PATH, before: "port 6379\nbind 127.0.0.1\nappendonly no\n", after: "port 6379\nbind 127.0.0.1\nappendonly yes\n" },
      { color: false },
    );
    expect(text).toBe(
      [
        `--- before: ${PATH}`,
        `+++ after: ${PATH}`,
        "@@ -1,3 +1,3 @@",
        " port 6379",
        " bind 127.0.0.1",
        "-appendonly no",
        "+appendonly yes",
      ].join("\n"),
    );
  });

  it("renders a new file against /dev/null with every line added", () => {
    const text = renderDiff({ path: PATH, before: null, after: "a\nb\n" }, { color: false });
    expect(text).toBe([`--- /dev/null`, `+++ after: ${PATH}`, "@@ -0,0 +1,2 @@", "+a", "+b"].join("\n"));
  });

  it("renders a removed file with every line removed against /dev/null", () => {
    const text = renderDiff({ path: PATH, before: "a\nb\n", after: null }, { color: false });
    expect(text).toBe([`--- before: ${PATH}`, `+++ /dev/null`, "@@ -1,2 +0,0 @@", "-a", "-b"].join("\n"));
  });

  it("shows a line whose only change is the password as changed, with both values masked", () => {
    const secrets = new Secrets();
    secrets.add("old-pw-1");
    secrets.add("new-pw-2");
    const text = renderDiff(
      { path: PATH, before: 'port 6379\nrequirepass "old-pw-1"\n', after: 'port 6379\nrequirepass "new-pw-2"\n' },
      { color: false, redact: (t) => secrets.redact(t) },
    );
    expect(text.split("\n")).toContain(`-requirepass ${MASK}`);
    expect(text.split("\n")).toContain(`+requirepass ${MASK}`);
    expect(text).not.toContain("old-pw-1");
    expect(text).not.toContain("new-pw-2");
  });

  it("masks a changed masterauth line even when its value was never registered", () => {
    const text = renderDiff(
      { path: PATH, before: "masterauth a-pw\n", after: "masterauth b-pw\n" },
      { color: false, redact: (t) => new Secrets().redact(t) },
    );
    expect(text).toContain(`-masterauth ${MASK}`);
    expect(text).toContain(`+masterauth ${MASK}`);
    expect(text).not.toMatch(/[ab]-pw/);
  });

  it("limits unchanged lines to the requested context", () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n") + "\n";
    const after = before.replace("line 10\n", "line ten\n");
    const text = renderDiff({ path: PATH, before, after }, { color: false, context: 1 });
    expect(text.split("\n").slice(2)).toEqual(["@@ -10,3 +10,3 @@", " line 9", "-line 10", "+line ten", " line 11"]);
  });

  it("returns nothing when both sides are equal", () => {
    expect(renderDiff({ path: PATH, before: "same\n", after: "same\n" }, { color: false })).toBe("");
  });

  it("summarises a binary file in one line", () => {
    const text = renderDiff({ path: "/var/lib/redis/dump.rdb", before: "REDIS\0\x01", after: "REDIS\0\x02" }, { color: false });
    expect(text).toBe("Binary file /var/lib/redis/dump.rdb differs; diff not shown");
  });

  it("summarises a file over 1 MiB in one line", () => {
    const big = "x".repeat(1024 * 1024 + 10);
    const text = renderDiff({ path: "/big", before: null, after: big }, { color: false });
    expect(text.split("\n")).toHaveLength(1);
    expect(text).toContain("larger than the 1 MiB diff limit");
  });

  it("colours removed lines red and added lines green only when asked", () => {
    const d = { path: PATH, before: "a\n", after: "b\n" };
    const coloured = renderDiff(d, { color: true });
    expect(coloured).toContain("\x1b[31m-a\x1b[0m");
    expect(coloured).toContain("\x1b[32m+b\x1b[0m");
    expect(renderDiff(d, { color: false })).not.toContain("\x1b[");
  });
});
