// INI inventories, host ranges, inventory directories and several sources, read as Ansible reads
// them: the expected-list.json files beside the fixtures were written by `ansible-inventory
// --list` (ansible-core 2.14) from the same files.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LoadErrors } from "../../src/errors.js";
import { buildInventory } from "../../src/inventory/inventory.js";
import { inventoryGraph, inventoryList } from "../../src/inventory/listing.js";
import { expandHostKey } from "../../src/load/host-pattern.js";
import { iniValue, splitHostLine } from "../../src/load/ini-inventory.js";
import { inventoryFormat, loadInventorySources } from "../../src/load/inventory.js";
import { pythonLiteral } from "../../src/load/python-literal.js";

const dir = "test/fixtures/ansible/inventories";

async function listOf(...paths: string[]): Promise<unknown> {
  return inventoryList(buildInventory(await loadInventorySources(paths)));
}

async function errorsOf(...paths: string[]): Promise<string[]> {
  try {
    await loadInventorySources(paths);
  } catch (err) {
    if (err instanceof LoadErrors) return err.errors.map((e) => e.format());
    throw err;
  }
  throw new Error("loaded without errors");
}

describe("inventories list the same hosts, groups and variables as ansible-inventory --list", () => {
  it.each([
    ["ini-basic/hosts", "ini-basic/expected-list.json"],
    ["ini-ranges/hosts", "ini-ranges/expected-list.json"],
    ["yaml-ranges/hosts.yml", "yaml-ranges/expected-list.json"],
    ["dir-inventory", "dir-inventory.expected-list.json"],
  ])("%s", async (source, expected) => {
    expect(await listOf(`${dir}/${source}`)).toEqual(JSON.parse(readFileSync(`${dir}/${expected}`, "utf8")));
  });

  it("the graph shows groups and hosts as ansible-inventory --graph does", async () => {
    const inv = buildInventory(await loadInventorySources([`${dir}/ini-ranges/hosts`]));
    expect(inventoryGraph(inv, "everything")).toBe(
      ["@everything:", "  |--@db:", ...["db-01", "db-04", "db-07", "db-10", "db-a", "db-b", "db-c"].map((h) => `  |  |--${h}`), "  |--@web:",
        ...["web1-x.example.com", "web1-y.example.com", "web2-x.example.com", "web2-y.example.com", "10.0.1.1", "10.0.1.2", "10.0.1.3"].map((h) => `  |  |--${h}`),
        "  |--@cache:", ...["cache-8", "cache-9", "cache-10", "cache-11"].map((h) => `  |  |--${h}`)].join("\n"),
    );
  });

  it("two -i are merged in order, the later winning for a variable both set", async () => {
    const inv = buildInventory(await loadInventorySources([`${dir}/yaml-ranges/hosts.yml`, `${dir}/dir-inventory`]));
    expect(inv.hosts()).toEqual(["node-1", "node-2", "node-3", "node-a", "node-b", "r1", "r2", "r3", "m1", "m2"]);
    expect(inv.groups().redis).toEqual(["node-1", "node-2", "node-3", "node-a", "node-b", "r1", "r2", "r3"]);
    // group_vars/redis.yml of the directory ranks above the YAML file's inline group vars.
    expect(inv.hostVars("node-1")).toEqual({ redis_port: 6380, redis_role: "primary" });
    expect(inv.hostVars("node-a")).toEqual({ redis_port: 6380, ansible_port: 2200 });
  });
});

describe("host ranges follow Ansible's rules", () => {
  it.each([
    ["node-[1:3]", ["node-1", "node-2", "node-3"], undefined],
    ["db-[01:10:2]", ["db-01", "db-03", "db-05", "db-07", "db-09"], undefined],
    ["web-[a:c]", ["web-a", "web-b", "web-c"], undefined],
    ["x[1:2]y[a:b]", ["x1ya", "x1yb", "x2ya", "x2yb"], undefined],
    ["n[:2]", ["n0", "n1", "n2"], undefined],
    ["10.0.0.[1:3]", ["10.0.0.1", "10.0.0.2", "10.0.0.3"], undefined],
    ["node-1:2222", ["node-1"], 2222],
    ["[::1]:22", ["::1"], 22],
    ["host[1:2]:22", ["host1", "host2"], 22],
    ["fe80::1", ["fe80::1"], undefined],
    ["plain", ["plain"], undefined],
  ])("%s", (key, hosts, port) => {
    expect(expandHostKey(key)).toEqual(port === undefined ? { hosts } : { hosts, port });
  });

  it.each([
    ["node-[3:1]", 'host range "[3:1]" must have begin <= end'],
    ["node-[c:a]", 'host range "[c:a]" must have begin <= end'],
    ["db-[01:100]", 'host range "[01:100]" must give begin and end the same width'],
    ["node-[1:3", 'host range in "node-[1:3" has no closing "]"'],
    ["node-[1]", 'host range "[1]" must be begin:end or begin:end:step'],
    ["node-[1:x]", 'host range "[1:x]" must be numbers or single letters'],
    ["node-[1:]", 'host range "[1:]" has no end value'],
    ["node-[1:100000]", 'host range "[1:100000]" gives more than 10000 hosts'],
  ])("%s is refused: %s", (key, message) => {
    expect(() => expandHostKey(key)).toThrow(message);
  });
});

describe("host lines are split like Python's shlex with comments", () => {
  it.each([
    ["a b=1 c='two words'", ["a", "b=1", "c=two words"]],
    ['a x="q \\" d" y=\'s \\ q\'', ["a", 'x=q " d', "y=s \\ q"]],
    ["a x=1#comment", ["a", "x=1"]],
    ['a x="1#2" # trailing', ["a", "x=1#2"]],
    ["a x=\\#1", ["a", "x=#1"]],
    ['a x=""', ["a", "x="]],
  ])("%s", (line, words) => {
    expect(splitHostLine(line).map((t) => t.text)).toEqual(words);
  });

  it("each word keeps its column", () => {
    expect(splitHostLine("  node-1   x=1").map((t) => t.col)).toEqual([2, 11]);
  });
});

describe("values are Python literals where they are one, text otherwise", () => {
  it.each([
    ["1", 1],
    ["-5", -5],
    ["7.0", 7],
    ["1e3", 1000],
    ["0x1F", 31],
    ["1_000", 1000],
    ["True", true],
    ["None", null],
    ["'quoted'", "quoted"],
    ['"a" \'b\'', "ab"],
    ["[1, 'two', 3.5]", [1, "two", 3.5]],
    ["(1, 2)", [1, 2]],
    ["(1)", 1],
    ["{'a': 1, \"b\": [True, None]}", { a: 1, b: [true, null] }],
    ["1 # a comment", 1],
  ])("%s", (text, value) => {
    expect(pythonLiteral(text)).toEqual({ value });
  });

  it.each(["010", "yes", "foo # bar", "1.2.3", "0.0.0.0", "[1, 2", "true", "100mb", "", " 1"])("%j stays text", (text) => {
    expect(pythonLiteral(text)).toBeUndefined();
  });

  it("a password that would become a number or boolean is kept exactly as written", () => {
    expect(iniValue("redis_password", "1e3")).toBe("1e3");
    expect(iniValue("redis_password", "True")).toBe("True");
    expect(iniValue("redis_password", "'quoted'")).toBe("quoted");
    expect(iniValue("redis_port", "1e3")).toBe(1000);
  });
});

describe("INI mistakes are located, name INI, and come with hints", () => {
  it("every problem in the file at once", async () => {
    const f = `${dir}/ini-errors/hosts`;
    expect(await errorsOf(f)).toEqual(
      [
        '2:30: INI inventory: expected key=value after host "node-1", got "stray"; write host variables as key=value, one host per line',
        "3:1: INI inventory: cannot read host line (No closing quotation)",
        '4:1: INI inventory: host range "[3:1]" must have begin <= end',
        '6:1: INI inventory: section [redis:var] has unknown type "var"; did you mean "vars"?',
        '9:2: INI inventory: [redsi:vars] is for a group that is declared nowhere; did you mean "redis"?',
        '14:1: INI inventory: [cluster:children] names group "sentinels", which is declared nowhere; declare it with a [sentinels] or [sentinels:children] section',
        '17:1: INI inventory: invalid variable name "bad-name"; use letters, digits and underscores, not starting with a digit',
      ].map((e) => `${f}:${e}`),
    );
  });

  it("a missing source names the path", async () => {
    expect(await errorsOf(`${dir}/nope`)).toEqual([`inventory ${dir}/nope: not found; check the path given with -i (or inventory= in ansible.cfg)`]);
  });
});

describe("the format of a file without extension is read from its text", () => {
  it.each([
    ["[redis]\nnode-1\n", "ini"],
    ["node-1 ansible_host=10.0.0.1\nnode-2\n", "ini"],
    ["# comment\nall:\n  hosts:\n    node-1:\n", "yaml"],
    ["---\nredis:\n  hosts: {}\n", "yaml"],
    ["", "ini"],
  ])("%j is %s", (text, format) => {
    expect(inventoryFormat("/inv/hosts", text)).toBe(format);
  });

  it("the extension decides when there is one", () => {
    expect(inventoryFormat("/inv/hosts.yml", "[redis]\n")).toBe("yaml");
    expect(inventoryFormat("/inv/hosts.ini", "all:\n")).toBe("ini");
  });
});
