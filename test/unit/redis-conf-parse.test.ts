// redis.conf split into directives as the server's loader splits it (config.c
// loadServerConfigFromString + sds.c sdssplitargs): quoting, escapes, comments, line numbers,
// the errors the server reports as "Unbalanced quotes", and Debian's stock file.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfParseError, parseConf } from "../../src/redis/conf-parse.js";

const STOCK = readFileSync(join(import.meta.dirname, "..", "fixtures", "redis-conf", "debian-7.0.conf"), "utf8");

/** The arguments of a one-line file, the directive name first. */
function split(line: string): string[] {
  const [l] = parseConf(line);
  return l ? [l.name, ...l.args] : [];
}

describe("splitting a line into arguments", () => {
  it.each<[string, string, string[]]>([
    ["plain words", "maxmemory 100mb", ["maxmemory", "100mb"]],
    ["runs of spaces and tabs", "save \t 900   1", ["save", "900", "1"]],
    ["leading and trailing blanks trimmed", "  \t port 6379 \t ", ["port", "6379"]],
    ["a CRLF line end", "port 6379\r", ["port", "6379"]],
    ["name lower-cased, arguments kept", "MaxMemory-Policy ALLKEYS-LRU", ["maxmemory-policy", "ALLKEYS-LRU"]],
    ["only ASCII letters lower-cased in the name", "ÄBC x", ["Äbc", "x"]],
    ["a # inside a line is data", "requirepass pa#ss # not a comment", ["requirepass", "pa#ss", "#", "not", "a", "comment"]],
    ["double quotes keep spaces", 'proc-title-template "{title} {listen-addr}"', ["proc-title-template", "{title} {listen-addr}"]],
    ["an empty double-quoted argument", 'save ""', ["save", ""]],
    ["an empty single-quoted argument", "notify-keyspace-events ''", ["notify-keyspace-events", ""]],
    ["double-quote escapes \\n \\r \\t \\b \\a", 'x "a\\nb\\rc\\td\\be\\af"', ["x", "a\nb\rc\td\be\u0007f"]],
    ["double-quote escapes \\\\ and \\\"", 'requirepass "a\\\\b\\"c"', ["requirepass", 'a\\b"c']],
    ["a backslash before another character yields it", 'x "\\q\\$"', ["x", "q$"]],
    ["\\xHH with two hex digits is a byte", 'x "\\x41\\x7a"', ["x", "Az"]],
    ["\\x bytes forming UTF-8 decode to the character", 'x "\\xc3\\xa9t\\xC3\\xA9"', ["x", "été"]],
    ["\\x without two hex digits is a plain x", 'x "\\xg1\\x4"', ["x", "xg1x4"]],
    ["single quotes are literal but for \\'", "x 'a\\nb\\'c\"d'", ["x", "a\\nb'c\"d"]],
    ["a quote opened mid-argument continues it", 'x ab"c d"', ["x", "abc d"]],
    ["a quote closed before a tab", 'x "a b"\ty', ["x", "a b", "y"]],
    ["\\v stays inside an unquoted argument", "x a\u000bb c", ["x", "a\u000bb", "c"]],
    ["non-ASCII text passes through", "replica-announce-ip hôte-1", ["replica-announce-ip", "hôte-1"]],
    ["a NUL byte ends the line's content", "port 6379\u0000 ignored", ["port", "6379"]],
  ])("%s", (_what, line, expected) => {
    expect(split(line)).toEqual(expected);
  });
});

describe("lines that are not directives", () => {
  it("skips comments, blank lines and lines of only \\v or \\f, keeping real line numbers", () => {
    const text = ["# comment", "", "   # indented comment", "\t", "\u000b\u000c", "port 6379", "#port 1", "bind 10.0.0.1"].join("\n");
    expect(parseConf(text)).toEqual([
      { name: "port", args: ["6379"], line: 6 },
      { name: "bind", args: ["10.0.0.1"], line: 8 },
    ]);
  });

  it("reads a line `\"\"` as a directive named \"\" (the server then rejects it)", () => {
    expect(parseConf('""')).toEqual([{ name: "", args: [], line: 1 }]);
  });

  it("returns nothing for an empty text", () => {
    expect(parseConf("")).toEqual([]);
  });
});

describe("unbalanced quotes", () => {
  it.each<[string, string, RegExp]>([
    ["an unclosed double quote", 'requirepass "s3cret', /double-quoted argument is not closed/],
    ["an unclosed single quote", "requirepass 's3cret", /single-quoted argument is not closed/],
    ["a closing double quote followed by a letter", 'requirepass "s3c"ret', /closing double quote is followed/],
    ["a closing single quote followed by a letter", "requirepass 's3c'ret", /closing single quote is followed/],
    ["a backslash ending a double-quoted line", 'requirepass "s3cret\\', /double-quoted argument is not closed/],
  ])("%s is a ConfParseError on its line, without quoting it", (_what, bad, message) => {
    const text = `# header\nport 6379\n${bad}\nbind 127.0.0.1\n`;
    let caught: unknown;
    try {
      parseConf(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfParseError);
    const err = caught as ConfParseError;
    expect(err.line).toBe(3);
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/^line 3: unbalanced quotes in configuration line/);
    expect(err.message).not.toContain("s3c");
  });
});

describe("Debian 12's stock redis.conf", () => {
  const lines = parseConf(STOCK);

  it("has its 71 directives, with their line numbers", () => {
    expect(lines).toHaveLength(71);
    expect(lines[0]).toEqual({ name: "bind", args: ["127.0.0.1", "-::1"], line: 87 });
    expect(lines.find((l) => l.name === "daemonize")).toEqual({ name: "daemonize", args: ["yes"], line: 309 });
  });

  it("unquotes its quoted values", () => {
    expect(lines.find((l) => l.name === "proc-title-template")?.args).toEqual(["{title} {listen-addr} {server-mode}"]);
    expect(lines.find((l) => l.name === "appendfilename")?.args).toEqual(["appendonly.aof"]);
    expect(lines.find((l) => l.name === "notify-keyspace-events")).toEqual({ name: "notify-keyspace-events", args: [""], line: 1906 });
  });

  it("keeps the three client-output-buffer-limit lines apart", () => {
    expect(lines.filter((l) => l.name === "client-output-buffer-limit")).toEqual([
      { name: "client-output-buffer-limit", args: ["normal", "0", "0", "0"], line: 2045 },
      { name: "client-output-buffer-limit", args: ["replica", "256mb", "64mb", "60"], line: 2046 },
      { name: "client-output-buffer-limit", args: ["pubsub", "32mb", "8mb", "60"], line: 2047 },
    ]);
  });
});
