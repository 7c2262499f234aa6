import { describe, expect, it } from "vitest";
import { MASK, Secrets } from "../../src/output/redact.js";

describe("Secrets.isSecretName", () => {
  const s = new Secrets(["cluster_seed"]);
  it.each([
    "password",
    "redis_password",
    "redisPassword",
    "ansible_password",
    "ansible_become_password",
    "redis_pass",
    "passwd",
    "masterauth",
    "requirepass",
    "api_key",
    "private_key",
    "github_token",
    "client_secret",
    "CLUSTER_SEED",
  ])("treats %s as secret", (name) => {
    expect(s.isSecretName(name)).toBe(true);
  });

  it.each([
    "ansible_ssh_private_key_file",
    "private_key_file",
    "password_file",
    "passive",
    "bypass_cache",
    "redis_port",
    "masteruser",
    "hostname",
  ])("treats %s as not secret", (name) => {
    expect(s.isSecretName(name)).toBe(false);
  });

  // Names are screened for a secret word before they are split into parts: every spelling of
  // every secret word must still get through.
  it.each(["pass", "passwd", "password", "passphrase", "pwd", "secret", "token", "apikey", "requirepass", "masterauth", "primaryauth", "credential", "credentials"])(
    "treats %s as secret however the name is written",
    (word) => {
      const cap = word[0]!.toUpperCase() + word.slice(1);
      for (const name of [word, `redis_${word}`, `redis${cap}`, `REDIS_${word.toUpperCase()}`, `my-${word}-x`, `a.${word}`, `${cap}Value`]) {
        expect(s.isSecretName(name), name).toBe(true);
      }
    },
  );

  it.each(["api_key", "apiKey", "API_KEY", "privateKey", "PRIVATE-KEY", "secret_key", "SecretKey"])("treats the key name %s as secret", (name) => {
    expect(s.isSecretName(name)).toBe(true);
  });

  it("learns names added later from secret_vars", () => {
    const t = new Secrets();
    expect(t.isSecretName("backup_phrase")).toBe(false);
    t.addNames(["backup_phrase"]);
    expect(t.isSecretName("backup_phrase")).toBe(true);
  });
});

describe("Secrets.redact", () => {
  it("masks every occurrence of a registered value", () => {
    const s = new Secrets();
    s.add("hunter2");
    expect(s.redact("pw=hunter2 again hunter2")).toBe(`pw=${MASK} again ${MASK}`);
  });

  it("masks a three-character secret too", () => {
    const s = new Secrets();
    s.add("abc");
    expect(s.redact("x abc y")).toBe(`x ${MASK} y`);
  });

  it("ignores empty strings and non-scalar values", () => {
    const s = new Secrets();
    s.add("");
    s.add({ a: 1 });
    s.add(null);
    expect(s.size).toBe(0);
    expect(s.redact("nothing here")).toBe("nothing here");
  });

  it("masks numbers given as secrets", () => {
    const s = new Secrets();
    s.add(987654);
    expect(s.redact("pin 987654")).toBe(`pin ${MASK}`);
  });

  it("masks the longest secret whole when one contains another", () => {
    const s = new Secrets();
    s.add("pass");
    s.add("pass-long-version");
    expect(s.redact("a pass-long-version b")).toBe(`a ${MASK} b`);
  });

  it("masks the JSON-escaped form of a secret", () => {
    const s = new Secrets();
    s.add('q"uo\\te');
    const json = JSON.stringify({ pw: 'q"uo\\te' });
    expect(json).not.toContain('q"uo\\te');
    expect(s.redact(json)).toBe(`{"pw":"${MASK}"}`);
  });

  it("masks the shell-quoted form of a secret with a single quote", () => {
    const s = new Secrets();
    s.add("it's-secret");
    expect(s.redact("redis-cli --user x 'it'\\''s-secret'")).not.toContain("s-secret");
  });

  it("masks a URL-encoded secret", () => {
    const s = new Secrets();
    s.add("p@ss w/rd");
    expect(s.redact("redis://:p%40ss%20w%2Frd@127.0.0.1:6379")).toBe(`redis://:${MASK}@127.0.0.1:6379`);
  });

  it("masks each line of a multi-line secret", () => {
    const s = new Secrets();
    s.add("-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQAB\n-----END KEY-----");
    expect(s.redact("+AAAAB3NzaC1yc2EAAAADAQAB")).toBe(`+${MASK}`);
  });

  it("rebuilds its matcher when a secret is added after a first redaction", () => {
    const s = new Secrets();
    s.add("first-secret");
    expect(s.redact("first-secret second-secret")).toBe(`${MASK} second-secret`);
    s.add("second-secret");
    expect(s.redact("first-secret second-secret")).toBe(`${MASK} ${MASK}`);
  });

  it.each([
    ['requirepass "unknown-pw"', `requirepass ${MASK}`],
    ["masterauth unknown-pw", `masterauth ${MASK}`],
    ["masteruser repl", `masteruser ${MASK}`],
    ["  requirepass: unknown-pw", `  requirepass: ${MASK}`],
    ["+requirepass unknown-pw", `+requirepass ${MASK}`],
    ["-masterauth unknown-pw   ", `-masterauth ${MASK}   `],
    ["port 6379\nrequirepass x1\nbind 127.0.0.1", `port 6379\nrequirepass ${MASK}\nbind 127.0.0.1`],
  ])("masks credential directives in config text: %j", (input, expected) => {
    expect(new Secrets().redact(input)).toBe(expected);
  });

  it.each([
    ["config has masterauth unknown-pw", `config has masterauth ${MASK}`],
    ["got requirepass=unknown-pw from node-1", `got requirepass=${MASK} from node-1`],
    ['expected masterauth "unknown pw" on node-2', `expected masterauth ${MASK} on node-2`],
    ["missing masterauth on node-2", "missing masterauth on node-2"],
    ["node-2 has no masterauth set.", "node-2 has no masterauth set."],
  ])("masks password directives mid-line only where the value is unambiguous: %j", (input, expected) => {
    expect(new Secrets().redact(input)).toBe(expected);
  });

  it("masks a commented-out directive too, since it may hold an old password", () => {
    expect(new Secrets().redact("# requirepass foobared")).toBe(`# requirepass ${MASK}`);
  });

  it.each([
    ["AUTH unknown-pw", `AUTH ${MASK}`],
    ["AUTH default unknown-pw", `AUTH ${MASK}`],
    ['sent AUTH "quoted pw"', `sent AUTH ${MASK}`],
    ["127.0.0.1:6379> auth unknown-pw", `127.0.0.1:6379> auth ${MASK}`],
    ["CONFIG SET masterauth unknown-pw", `CONFIG SET masterauth ${MASK}`],
    ["config set requirepass 'unknown pw'", `config set requirepass ${MASK}`],
    ["redis-cli -h 127.0.0.1 -a unknown-pw ping", `redis-cli -h 127.0.0.1 -a ${MASK} ping`],
  ])("masks credentials in command text: %j", (input, expected) => {
    expect(new Secrets().redact(input)).toBe(expected);
  });

  it("does not mistake NOAUTH errors for an AUTH command", () => {
    const text = "NOAUTH Authentication required.";
    expect(new Secrets().redact(text)).toBe(text);
  });

  it("stays fast with many secrets and a large text", () => {
    const s = new Secrets();
    for (let i = 0; i < 2000; i++) s.add(`secret-value-${i}-xyz`);
    const text = "plain line of output\n".repeat(50_000) + "secret-value-1999-xyz";
    const out = s.redact(text);
    expect(out.endsWith(MASK)).toBe(true);
    expect(out).not.toContain("secret-value-");
  });
});

describe("Secrets.addFromVars", () => {
  it("adds values of secret-named keys at any depth and ignores the rest", () => {
    const s = new Secrets(["seed"]);
    s.addFromVars({
      redis_port: 6379,
      redis: { password: "deep-pw", nodes: [{ name: "node-1", auth: { token: "tok-123" } }] },
      creds: { api_key: ["k-one", "k-two"] },
      seed: "s33d",
      ansible_ssh_private_key_file: "/root/.ssh/id_ed25519",
    });
    const text = "deep-pw tok-123 k-one k-two s33d 6379 node-1 /root/.ssh/id_ed25519";
    expect(s.redact(text)).toBe(`${MASK} ${MASK} ${MASK} ${MASK} ${MASK} 6379 node-1 /root/.ssh/id_ed25519`);
  });

  it("survives cyclic variables", () => {
    const vars: Record<string, unknown> = { password: "cyc-pw" };
    vars.self = vars;
    const s = new Secrets();
    s.addFromVars(vars);
    expect(s.redact("cyc-pw")).toBe(MASK);
  });
});

describe("Secrets.redactDeep", () => {
  it("masks secret-named keys and secret values in strings, leaving the input untouched", () => {
    const s = new Secrets();
    s.add("in-text-pw");
    const input = {
      stdout: "connected with in-text-pw",
      redis_password: "whatever",
      nested: [{ masterauth: "x" }, { cmd: "AUTH other" }],
      rc: 0,
      empty: null,
    };
    const out = s.redactDeep(input);
    expect(out).toEqual({
      stdout: `connected with ${MASK}`,
      redis_password: MASK,
      nested: [{ masterauth: MASK }, { cmd: `AUTH ${MASK}` }],
      rc: 0,
      empty: null,
    });
    expect(input.redis_password).toBe("whatever");
  });

  it("turns errors into name and redacted message, and cycles into a marker", () => {
    const s = new Secrets();
    s.add("err-pw");
    const obj: Record<string, unknown> = { error: new Error("bad err-pw") };
    obj.loop = obj;
    expect(s.redactDeep(obj)).toEqual({ error: { name: "Error", message: `bad ${MASK}` }, loop: "[Circular]" });
  });

  it("copies a shared sub-object twice instead of calling it circular", () => {
    const shared = { a: "b" };
    expect(new Secrets().redactDeep({ x: shared, y: shared })).toEqual({ x: { a: "b" }, y: { a: "b" } });
  });
});
