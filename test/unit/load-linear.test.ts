// Loading a large YAML file does a bounded amount of work per node, whatever the file's size:
// every pass over the document (duplicate keys, plain value, secret values, schema issues,
// locations of tasks, hosts and arguments) reads each collection item a fixed number of times.
// Counted, not timed: each collection's items are wrapped so reads of an item are counted.
// The files here hold an anchor, so the yaml package reads them (the fast path leaves anchors
// to it); a file without one is read by js-yaml, and the yaml package's document is parsed only
// when a position is needed, which the last tests count.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Document } from "yaml";
import { loadInventoryDoc } from "../../src/load/inventory.js";
import { loadPlaybook } from "../../src/load/playbook.js";
import { loadVarsFile } from "../../src/load/vars.js";
import { registerBuiltinModules } from "../../src/modules/index.js";

const counter = vi.hoisted(() => ({ items: 0, reads: 0, parses: 0 }));

vi.mock("yaml", async (importOriginal) => {
  const yaml = await importOriginal<typeof import("yaml")>();
  const instrument = (node: unknown): void => {
    if (yaml.isPair(node)) {
      instrument(node.key);
      instrument(node.value);
    } else if (yaml.isCollection(node)) {
      const items = node.items as unknown[];
      items.forEach(instrument);
      counter.items += items.length;
      node.items = new Proxy(items, {
        get(target, prop, receiver) {
          if (typeof prop === "string" && /^\d+$/.test(prop)) counter.reads++;
          return Reflect.get(target, prop, receiver) as unknown;
        },
      }) as typeof node.items;
    }
  };
  return {
    ...yaml,
    parseDocument: (...args: Parameters<typeof yaml.parseDocument>) => {
      counter.parses++;
      const doc = yaml.parseDocument(...args) as Document.Parsed;
      instrument(doc.contents);
      return doc;
    },
  };
});

let dir: string;

beforeAll(() => {
  registerBuiltinModules();
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-load-linear-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Item reads per collection item while `load` runs. */
async function readsPerItem(load: () => Promise<unknown>): Promise<number> {
  counter.items = 0;
  counter.reads = 0;
  await load();
  return counter.reads / counter.items;
}

const tasks = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      `    - name: Task ${i}\n      template:\n        src: a.hbs\n        dest: /etc/a-${i}\n        mode: "0644"\n      when: x is defined\n      tags: [a, b]\n      notify: [h]\n`,
  ).join("");
const playbook = (n: number, anchor = true) => `- hosts: ${anchor ? "&h " : ""}all\n  tasks:\n${tasks(n)}  handlers:\n    - name: h\n      debug:\n        msg: done\n`;

const hosts = (n: number) =>
  Array.from({ length: n }, (_, i) => `        host-${i}:\n          ansible_host: 10.0.${i >> 8}.${i & 255}\n          labels: [a, b]\n`).join("");
const inventory = (n: number, anchor = true) =>
  `all:\n  children:\n    redis:\n      hosts:\n${hosts(n)}      vars:\n        redis_port: ${anchor ? "&p " : ""}6379\n`;

const vars = (n: number, anchor = true) =>
  (anchor ? "first: &f 1\n" : "") + Array.from({ length: n }, (_, i) => `v${i}:\n  port: ${i}\n  paths: [/a, /b]\n`).join("");

describe("loading reads each YAML collection item a fixed number of times, however large the file", () => {
  it.each([
    ["a playbook", (n: number) => loadPlaybook(write(`playbook-${n}.yaml`, playbook(n)))],
    ["an inventory", (n: number) => loadInventoryDoc(write(`inventory-${n}.yaml`, inventory(n)))],
    ["a vars file", (n: number) => loadVarsFile(write(`vars-${n}.yaml`, vars(n)))],
  ] as const)("%s", async (_, load) => {
    const small = await readsPerItem(() => load(500));
    const large = await readsPerItem(() => load(4000));
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThanOrEqual(8);
    // Eight times the nodes, the same reads per node (within rounding).
    expect(large).toBeLessThanOrEqual(small * 1.05);
  });
});

describe("a file without anchors is read without the yaml package's document", () => {
  it.each([
    ["a playbook", () => loadPlaybook(write("fast-playbook.yaml", playbook(50, false)))],
    ["an inventory", () => loadInventoryDoc(write("fast-inventory.yaml", inventory(50, false)))],
    ["a vars file", () => loadVarsFile(write("fast-vars.yaml", vars(50, false)))],
  ] as const)("%s, whose locations are worked out only when read", async (_, load) => {
    counter.parses = 0;
    const loaded = await load();
    expect(loaded).toBeTruthy();
    expect(counter.parses).toBe(0);
  });

  it("parses the document once, when an error needs a position", async () => {
    counter.parses = 0;
    const err = await loadVarsFile(write("fast-bad.yaml", `${vars(50, false)}9lives: true\nredis_password: 1234\n`)).catch((e: unknown) => e);
    expect(counter.parses).toBe(1);
    expect(String(err)).toContain("fast-bad.yaml:151:1: invalid variable name");
    expect(String(err)).toContain("fast-bad.yaml:152:17: redis_password must be a string");
  });

  it("gives a task the location of its line, read after the load", async () => {
    counter.parses = 0;
    const play = (await loadPlaybook(write("fast-loc.yaml", playbook(3, false)))).plays[0]!;
    expect(counter.parses).toBe(0);
    expect(play.tasks[2]!.loc).toMatchObject({ line: 19, col: 7 });
    expect(counter.parses).toBe(1);
    expect(play.tasks[1]!.argLocs?.dest).toMatchObject({ line: 14, col: 15 });
    expect(counter.parses).toBe(1);
  });
});
