// Large YAML files load in time linear in their size: duplicate keys are found in one pass per
// mapping, locating a node looks each key of a large mapping up in an index instead of scanning
// it, and the parser's per-token read of process.env goes to a plain copy.
// (Measured outside the tests: a 40 000-key vars file took 13 s before, about 0.5 s now.)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument, type YAMLMap } from "yaml";
import { LoadErrors } from "../../src/errors.js";
import { loadVarsFile } from "../../src/load/vars.js";
import { duplicateKeyErrors, locate, parseYaml, withPlainEnv } from "../../src/load/yaml.js";

const KEYS = 40_000;
let dir: string;

const lines = (n: number) => Array.from({ length: n }, (_, i) => `var_${i}: value ${i}\n`).join("");

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-yaml-large-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("a vars file with 40 000 keys", () => {
  it("loads completely", async () => {
    const file = path.join(dir, "many.yaml");
    writeFileSync(file, `${lines(KEYS)}port: 6379\nsecret: "0123"\n`);
    const vars = await loadVarsFile(file);
    expect(Object.keys(vars)).toHaveLength(KEYS + 2);
    expect(vars.var_0).toBe("value 0");
    expect(vars.var_39999).toBe("value 39999");
    expect(vars.port).toBe(6379);
    expect(vars.secret).toBe("0123");
  });

  it("still reports a duplicate key at its line, however far from the first", async () => {
    const file = path.join(dir, "dup.yaml");
    writeFileSync(file, `${lines(KEYS)}var_7: again\n`);
    const err = await loadVarsFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadErrors);
    const errors = (err as LoadErrors).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]!.loc).toMatchObject({ line: KEYS + 1, col: 1 });
    expect(errors[0]!.message).toBe("invalid YAML: Map keys must be unique");
  });
});

describe("duplicateKeyErrors", () => {
  it("finds repeats in block and flow mappings, nested ones included, and nothing else", () => {
    const doc = parseDocument("a: 1\nb: 2\na: 3\nc: { a: 1 }\n", { uniqueKeys: false });
    expect(duplicateKeyErrors(doc)).toEqual([{ code: "DUPLICATE_KEY", message: "Map keys must be unique", pos: [10, 11] }]);
    expect(syntax("a: 1\nb: { c: 1, c: 2 }\nd:\n  e: 1\n  e: 2\n")).toEqual([
      "2:12 invalid YAML: Map keys must be unique",
      "5:3 invalid YAML: Map keys must be unique",
    ]);
  });

  it("looks inside sequences, mappings used as keys and values of such keys", () => {
    expect(syntax("- a: 1\n  a: 2\n")).toEqual(["2:3 invalid YAML: Map keys must be unique"]);
    expect(syntax("? { a: 1, a: 2 }\n: x\n")).toEqual(["1:11 invalid YAML: Map keys must be unique"]);
    expect(syntax("? [k]\n: { b: 1, b: 2 }\n")).toEqual(["2:11 invalid YAML: Map keys must be unique"]);
  });

  it("compares keys by their value as the yaml package does: 1 and '1' differ, the same mapping under two keys does not clash", () => {
    expect(syntax("1: a\n'1': b\n")).toEqual([]);
    expect(syntax("x: { k: 1 }\ny: { k: 1 }\n")).toEqual([]);
    expect(syntax("true: a\nyes: b\n")).toEqual(["2:1 invalid YAML: Map keys must be unique"]);
    expect(syntax(".nan: a\n.NaN: b\n")).toEqual(["2:1 invalid YAML: Map keys must be unique"]);
    // The same rules in a mapping large enough to be checked with a set.
    const many = Array.from({ length: 20 }, (_, i) => `k${i}: ${i}\n`).join("");
    expect(syntax(`${many}.nan: a\ntrue: b\n1: c\n.NaN: d\nyes: e\n'1': f\n`)).toEqual([
      "24:1 invalid YAML: Map keys must be unique",
      "25:1 invalid YAML: Map keys must be unique",
    ]);
    // Located after the key's anchor or tag, where the yaml package's own check pointed.
    expect(syntax("&x a: 1\n!!str a: 2\n")).toEqual(["2:7 invalid YAML: Map keys must be unique"]);
  });
});

describe("parseYaml and the environment", () => {
  it("reads the real process.env a fixed number of times, not once per token", () => {
    const real = process.env;
    let reads = 0;
    process.env = new Proxy(real, {
      get(target, prop, receiver) {
        reads++;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    try {
      parseYaml(lines(5000), "many.yaml");
    } finally {
      process.env = real;
    }
    // Copying the environment reads each variable once; 5 000 lines are some 20 000 tokens.
    expect(reads).toBeLessThanOrEqual(Object.keys(real).length + 10);
  });

  it("puts the real process.env back, also when the parse throws", () => {
    const real = process.env;
    expect(() => withPlainEnv(() => {
      expect(process.env).not.toBe(real);
      expect(process.env.PATH).toBe(real.PATH);
      throw new Error("boom");
    })).toThrow("boom");
    expect(process.env).toBe(real);
    expect(withPlainEnv(() => 42)).toBe(42);
    expect(process.env).toBe(real);
  });
});

describe("locate", () => {
  it("reads each mapping's items a linear number of times, however many keys are located", () => {
    const n = 4000;
    const src = parseYaml(lines(n), "many.yaml");
    const map = src.doc.contents as YAMLMap;
    let reads = 0;
    map.items = new Proxy(map.items, {
      get(target, prop, receiver) {
        if (typeof prop === "string" && /^\d+$/.test(prop)) reads++;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    for (let i = 0; i < n; i++) {
      expect(locate(src, [`var_${i}`], { onKey: true })).toMatchObject({ line: i + 1, col: 1, path: `var_${i}` });
    }
    expect(reads).toBeLessThanOrEqual(2 * n);
  });
});

function syntax(text: string): string[] {
  try {
    parseYaml(text, "x.yaml");
  } catch (err) {
    if (err instanceof LoadErrors) return err.errors.map((e) => `${e.loc?.line}:${e.loc?.col} ${e.message}`);
    throw err;
  }
  return [];
}
