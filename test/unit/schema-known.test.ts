// The build generates validators for knownSchemas() only; any other schema the loader compiles
// is compiled by ajv at run time (correct, but the CLI's start pays for ajv). Loading every
// playbook and inventory the repository has, each schema ajv is asked to compile must be one of
// knownSchemas(), so a schema or module added to the loader is also one the build covers.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { loadEverything } from "../../src/cli/load-all.js";
import { Secrets } from "../../src/output/redact.js";
import { knownSchemas } from "../../src/schema/known-schemas.js";

const { compiled } = vi.hoisted(() => ({ compiled: [] as string[] }));

vi.mock("../../src/schema/ajv.js", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../src/schema/ajv.js")>();
  return {
    ...orig,
    ajvFor: (kind: Parameters<typeof orig.ajvFor>[0]) => {
      const ajv = orig.ajvFor(kind);
      return new Proxy(ajv, {
        get(target, prop, receiver) {
          if (prop !== "compile") return Reflect.get(target, prop, receiver);
          return (schema: Record<string, unknown>) => {
            compiled.push(`${kind} ${JSON.stringify(schema)}`);
            return target.compile(schema);
          };
        },
      });
    },
  };
});

const REPO = path.resolve(import.meta.dirname, "../..");

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return yamlFiles(file);
    return /\.ya?ml$/.test(name) ? [file] : [];
  });
}

describe("knownSchemas", () => {
  it("has one entry per key", () => {
    const keys = knownSchemas().map((k) => k.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("holds every schema the loader compiles for the repository's playbooks and inventories", async () => {
    const files = [...yamlFiles(path.join(REPO, "playbooks")), ...yamlFiles(path.join(REPO, "test/fixtures"))];
    const inventory = path.join(REPO, "inventory/lab.yaml");
    for (const file of files) {
      // Each file as a playbook, with the lab inventory; and as an inventory. Most fail to load as
      // one or the other: only the schemas they are checked against matter here.
      for (const [playbook, inv] of [
        [file, inventory],
        [path.join(REPO, "playbooks/setup.yaml"), file],
      ]) {
        await loadEverything(playbook!, inv, [], new Secrets()).catch(() => undefined);
      }
    }
    expect(compiled.length).toBeGreaterThan(0);
    const known = new Set(knownSchemas().map((k) => `${k.kind} ${JSON.stringify(k.schema)}`));
    const unknown = compiled.filter((s) => !known.has(s)).map((s) => s.slice(0, 200));
    expect(unknown).toEqual([]);
  });
});
