import { describe, expect, it } from "vitest";
import { LocalConnection } from "../../src/connection/local.js";
import { sh, shJoin, shq, splitWords } from "../../src/connection/quote.js";

const conn = new LocalConnection("localhost");
const nasty = [
  "it's",
  "$HOME",
  "`id`",
  "$(id)",
  'say "hi"',
  "two\nlines",
  "back\\slash",
  "",
  " leading and trailing ",
  "semi;colon|pipe&amp>redirect<in",
  "*glob?[x]",
  "'''",
  "-n",
  "ünïcødé",
];

describe("shq", () => {
  it("uses the POSIX form for a single quote", () => {
    expect(shq("it's")).toBe(`'it'\\''s'`);
  });

  it("leaves plain words bare", () => {
    expect(shq("redis-server")).toBe("redis-server");
    expect(shq("/etc/redis/redis.conf")).toBe("/etc/redis/redis.conf");
  });

  it.each(nasty)("round-trips %j through sh -c", async (value) => {
    const r = await conn.exec(`printf '%s' ${shq(value)}`);
    expect(r.stdout).toBe(value);
  });

  it("keeps a list of nasty words as separate arguments", async () => {
    const r = await conn.exec(`printf '%s\\0' ${shJoin(nasty)}`);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(nasty);
  });
});

describe("sh template", () => {
  it("quotes interpolated values and spreads arrays into words", () => {
    const unit = "redis server";
    expect(sh`systemctl restart ${unit}`).toBe("systemctl restart 'redis server'");
    expect(sh`ls ${["a b", "c"]} ${7}`).toBe("ls 'a b' c 7");
  });
});

describe("splitWords", () => {
  it("splits like sh without expanding anything", () => {
    expect(splitWords(`echo "a b" 'c $d' e\\ f $HOME`)).toEqual(["echo", "a b", "c $d", "e f", "$HOME"]);
  });
  it("keeps an empty quoted word", () => {
    expect(splitWords(`printf '%s' ''`)).toEqual(["printf", "%s", ""]);
  });
  it("reports an unterminated quote", () => {
    expect(splitWords(`echo 'oops`)).toEqual({ error: "unterminated single quote" });
  });
});
