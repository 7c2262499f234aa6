// The fast YAML path (js-yaml, plain scalars typed by the yaml package's own tags) must give
// exactly the value the yaml package gives, or hand the file over to it. Checked three ways:
// real YAML files (this repository's, those under node_modules, and Ansible's own when it is
// installed), tricky snippets, and a few thousand generated documents. In every case either the
// fast path declines, or both values are deeply equal; and a file the yaml package refuses is
// never accepted by the fast path.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { fastValue, MISS, parseYaml, parseYamlPositioned } from "../../src/load/yaml.js";

const REPO = path.resolve(import.meta.dirname, "../..");

type Verdict = "same" | "declined" | "both refuse" | "DIFFERENT" | "ACCEPTS INVALID";

function compare(text: string): Verdict {
  let slow: unknown;
  let slowOk = true;
  try {
    slow = parseYamlPositioned(text, "x.yaml").value;
  } catch {
    slowOk = false;
  }
  const fast = fastValue(text);
  if (fast === MISS) return slowOk ? "declined" : "both refuse";
  if (!slowOk) return "ACCEPTS INVALID";
  return isDeepStrictEqual(fast, slow) ? "same" : "DIFFERENT";
}

/** YAML files under `dir` (sorted, at most `max`), skipping `skip` directories. */
function yamlFiles(dir: string, max = Infinity, skip = new Set<string>()): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= max) return;
      const full = path.join(d, e);
      let st;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!skip.has(e) && !e.startsWith(".git")) walk(full);
      } else if (/\.ya?ml$/.test(e) && st.size < 2_000_000) out.push(full);
    }
  };
  walk(dir);
  return out;
}

function tally(files: string[]): Record<Verdict, string[]> {
  const out: Record<Verdict, string[]> = { same: [], declined: [], "both refuse": [], DIFFERENT: [], "ACCEPTS INVALID": [] };
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    out[compare(text)].push(f);
  }
  return out;
}

describe("the fast path on real YAML files", () => {
  it("gives the yaml package's value for every file of this repository and its dependencies it reads", () => {
    const files = [...yamlFiles(REPO, Infinity, new Set(["node_modules", "dist"])), ...yamlFiles(path.join(REPO, "node_modules"))];
    const t = tally(files);
    expect(t.DIFFERENT).toEqual([]);
    expect(t["ACCEPTS INVALID"]).toEqual([]);
    // Not vacuous: most of these files go the fast way.
    expect(t.same.length).toBeGreaterThan(80);
    expect(t.same.length).toBeGreaterThan(t.declined.length);
  });

  // Ansible's roles, playbooks and plugin docs: thousands of files written by others (ansible-core
  // is installed by the CI script; on a machine without it this compares nothing and says so).
  const ansibleDirs = ["/usr/lib/python3/dist-packages/ansible_collections", "/usr/lib/python3/dist-packages/ansible"].filter((d) => {
    try {
      return statSync(d).isDirectory();
    } catch {
      return false;
    }
  });
  it("gives the yaml package's value for Ansible's own YAML files", () => {
    expect(ansibleDirs, "ansible-core is not installed: apt-get install ansible-core").not.toEqual([]);
    const files = ansibleDirs.flatMap((d) => yamlFiles(d, 1500));
    const t = tally(files);
    expect(t.DIFFERENT).toEqual([]);
    expect(t["ACCEPTS INVALID"]).toEqual([]);
    expect(t.same.length).toBeGreaterThan(20);
  });
});

describe("the fast path on tricky input", () => {
  const scalars = [
    "yes", "No", "ON", "off", "OFF", "y", "n", "Y", "true", "False", "TRUE", "tRUE", "null", "Null", "NULL", "~", "nULL",
    "0644", "0755", "08", "0o17", "0O17", "0x1F", "0X1f", "0b11", "1_000", "+12", "-7", "-0", "+0", ".5", "1.", "1e3",
    "-1E-3", "1.5e+3", ".inf", "-.Inf", "+.INF", ".NaN", ".nan", "2001-12-14", "12:30:45", "12345678901234567890",
    "9007199254740993", "0.1", "007", "0x", "1.2.3", "1,000", "abc", "a b", "http://x:80/y", "@@", "%x", "!x", "-", "--",
    "a#b", "'q'", '"dq"', "'", "\"it's\"", "'say \"hi\"'", '"\\t\\u00e9\\x41\\n"', "'a''b'", '"\\\\"', '"\\/"',
  ];
  it.each(scalars)("value %s", (s) => {
    for (const text of [`k: ${s}\n`, `- ${s}\n`, `k: [${s}]\n`, `k: {a: ${s}}\n`, `${s}: v\n`]) {
      expect(compare(text), text).toMatch(/^(same|declined|both refuse)$/);
    }
  });

  it.each([
    ["literal blocks and chomping", "a: |\n  x\n   y\n\n  z\nb: |-\n  x\n\nc: |+\n  x\n\nd: >\n  a\n  b\n\n  c\ne: >-\n  a\n   b\n  c\nf: |2\n   x\n  y\n"],
    ["a multi-line plain value", "a: one\n  two\n   three\n\n  four\nb: x\n"],
    ["comments everywhere", "# top\na: 1 # one\n# between\nb:\n  # inside\n  - x # item\n  - y\n"],
    ["an empty document", ""],
    ["comments only", "# nothing\n"],
    ["a document marker", "---\na: 1\n...\n"],
    ["a bare value", "just text\n"],
    ["nested flow", "a: {b: [1, {c: d}], e: []}\n"],
    ["a BOM", "\uFEFFa: 1\n"],
    ["CRLF line ends", "a: 1\r\nb:\r\n  - x\r\n"],
    ["a key without a value", "a:\nb: ~\nc: null\n"],
    ...[
      "a:\n  b: x\n  y\n", "a:\n  b: x\n   y\n", "a:\n  b: x\n y\n", "a: x\ny\n", "- x\n y\n", "- x\ny\n", "a:\n  - x\n  y\n",
      "a: x\n\n  y\n", "a: |\n  x\n y\n", "a: >\n   x\n  y\n", "a:\n\tb\n", "a: b\t\n", "a:\t b\n", "a: x\t# c\n", "- a:\t1\n",
      'a: "x" y\n', "a: 'x''\n", "a: x:y\n", "a: x :y\n", "a: -x\n", "a: - x\n", "a: [x]y\n", "a: b\n  # c\n  d\n", "- - a\n  - b\n -c\n",
    ].map((text) => [`indentation and separators: ${JSON.stringify(text)}`, text]),
    ["unicode", "name: \u00e9t\u00e9 \u{1F600}\n\u00e9: x\n"],
  ])("%s", (_, text) => {
    expect(compare(text)).toMatch(/^(same|declined|both refuse)$/);
  });

  it.each([
    ["an anchor and alias", "a: &x 1\nb: *x\n"],
    ["a merge key", "base: &b {p: 1}\nx:\n  <<: *b\n"],
    ["a vault value", "p: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n"],
    ["an explicit int tag", "p: !!int 12\n"],
    ["a null key", "~: a\n"],
    ["a null key spelt out", "null: a\n"],
    ["a collection key", "[a, b]: c\n"],
    ["an explicit key", "? a\n: b\n"],
    ["a %YAML directive", "%YAML 1.1\n---\na: yes\n"],
    ["a key of 1100 characters", `${"k".repeat(1100)}: v\n`],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["a quoted value over two lines", 'a:\n  b: "x\n  y"\n'],
    ["a flow list over two lines", "a: [1,\n  2]\n"],
    ["a control character", "a: \u0001\n"],
    ["two documents", "a: 1\n---\nb: 2\n"],
    // js-yaml reads this as [["x", null, "y"]].
    ["an empty entry in a nested sequence", "-\n  - x\n  -\n- y\n"],
    ["an empty entry with a comment", "a:\n  - b:\n      - # none\n  - y\n"],
  ])("declines %s (the yaml package reads it, or refuses it, as before)", (_, text) => {
    expect(fastValue(text)).toBe(MISS);
  });

  it("a declined file still loads, through the yaml package", () => {
    expect(parseYaml("a: &x [1]\nb: *x\n~: z\n", "x.yaml").value).toEqual({ a: [1], b: [1], "": "z" });
    expect(parseYaml("a: &x [1]\n", "x.yaml").positioned).toBe(true);
    expect(parseYaml("a: [1]\n", "x.yaml").positioned).toBe(false);
  });
});

/** A small seeded generator (mulberry32), so a failure names a document that can be made again. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLAIN = ["yes", "no", "on", "Off", "true", "FALSE", "null", "~", "0644", "0o7", "0x1f", "0b1", "1_0", "-3", "+4", ".5", "6.", "7e1", ".inf", ".NaN", "2020-01-01", "1:30", "abc", "a b c", "x-y", "3.0.1", "9999999999999999999", "y", "N", "redis", "/var/lib/redis", "a=b"];
const QUOTED = ['"yes"', "'0644'", '"a\\tb"', "'it''s'", '"\\u00e9"', '""', "''", '"a: b"', "'# no'", '"x\\\\y"'];
const KEYS = ["a", "port", "redis_password", "0644", "yes", "1", "x_y", '"quoted"', "'q k'", "on", "2.5"];

export function generate(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const scalar = (): string => {
    const r = next();
    if (r < 0.55) return pick(PLAIN);
    if (r < 0.8) return pick(QUOTED);
    return `${pick(PLAIN)} ${pick(PLAIN)}`;
  };
  const block = (indent: number, depth: number): string => {
    const pad = " ".repeat(indent);
    const lines: string[] = [];
    const n = 1 + Math.floor(next() * 4);
    const seq = next() < 0.3;
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      let head: string;
      if (seq) head = `${pad}-`;
      else {
        const key = pick(KEYS);
        if (used.has(key)) continue;
        used.add(key);
        head = `${pad}${key}:`;
      }
      const r = next();
      if (depth < 3 && r < 0.3) {
        const nested = block(indent + 2, depth + 1);
        // A sequence entry holds its collection on the same line (`- k: v`) or, less often, below.
        lines.push(seq && next() < 0.7 ? `${pad}- ${nested.slice(indent + 2)}` : `${head}\n${nested}`);
      }
      else if (r < 0.4) lines.push(`${head} [${scalar()}, ${scalar()}]`);
      else if (r < 0.47) lines.push(`${head} {k: ${scalar()}, j: ${scalar()}}`);
      else if (r < 0.55) lines.push(`${head} ${pick(["|", "|-", "|+", ">", ">-"])}\n${pad}  ${pick(PLAIN)}\n${pad}   ${pick(PLAIN)}\n${next() < 0.5 ? "\n" : ""}${pad}  ${pick(PLAIN)}`);
      else if (r < 0.6) lines.push(`${head} ${pick(PLAIN)}\n${pad}  ${pick(PLAIN)}`);
      else if (r < 0.63) lines.push(`${head}`);
      else lines.push(`${head} ${scalar()}${next() < 0.1 ? " # note" : ""}`);
    }
    return lines.join("\n");
  };
  return `${block(0, 0)}\n`;
}

describe("the fast path on generated documents", () => {
  it("gives the yaml package's value for each of 3000 documents, or declines", () => {
    const next = rng(20261130);
    const seen: Record<Verdict, number> = { same: 0, declined: 0, "both refuse": 0, DIFFERENT: 0, "ACCEPTS INVALID": 0 };
    const wrong: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const text = generate(next);
      const v = compare(text);
      seen[v]++;
      if (v === "DIFFERENT" || v === "ACCEPTS INVALID") wrong.push(`${v}:\n${text}`);
    }
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(seen.same).toBeGreaterThan(1500);
  });
});
