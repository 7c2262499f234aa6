// Variable precedence as the engine merges it, and templated variable values.
import { describe, expect, it } from "vitest";
import { VarStore } from "../../src/engine/vars.js";
import { buildInventory } from "../../src/inventory/inventory.js";
import type { InventoryDoc, PlaySpec, Playbook } from "../../src/load/types.js";
import { Secrets } from "../../src/output/redact.js";

const loc = { file: "inv.yaml", line: 1, col: 1 };

function store(extra: Record<string, unknown> = {}, secrets = new Secrets()) {
  const doc: InventoryDoc = {
    file: "inv.yaml",
    dir: "/tmp",
    groupVars: {},
    hostVars: {},
    groups: [
      {
        name: "all",
        loc,
        vars: { level: "all", only_inventory: "inv", port: 6379 },
        hosts: [],
        children: [
          {
            name: "redis",
            loc,
            vars: { level: "group" },
            hosts: [
              { name: "n1", vars: { level: "host" }, loc },
              { name: "n2", vars: {}, loc },
            ],
            children: [],
          },
        ],
      },
    ],
  };
  const inventory = buildInventory(doc);
  const play: PlaySpec = {
    name: "p",
    hosts: "redis",
    vars: { level: "play", from_play: "{{only_inventory}}-{{port}}", broken: "{{nope}}" },
    varsFilesData: { level_files: "files" },
    anyErrorsFatal: false,
    tags: [],
    tasks: [],
    handlers: [],
    loc,
  };
  const pb: Playbook = { file: "pb.yaml", dir: "/tmp", plays: [play] };
  const vars = new VarStore(inventory, pb, extra, false, secrets);
  vars.setPlay(play, ["n1", "n2"]);
  return vars;
}

describe("VarStore precedence", () => {
  it("play vars beat inventory host vars; task vars beat play vars; facts beat task vars; -e beats all", () => {
    const v = store({ top: "extra" });
    expect(v.forHost("n1").level).toBe("play");
    expect(v.forHost("n1", { level: "task" }).level).toBe("task");
    v.setFacts("n1", { level: "fact" });
    expect(v.forHost("n1", { level: "task" }).level).toBe("fact");
    const e = store({ level: "extra" });
    e.setFacts("n1", { level: "fact" });
    expect(e.forHost("n1", { level: "task" }).level).toBe("extra");
  });

  it("facts are per host", () => {
    const v = store();
    v.setFacts("n1", { mine: 1 });
    expect(v.forHost("n1").mine).toBe(1);
    expect(v.forHost("n2").mine).toBeUndefined();
  });

  it("renders templated values against the merged variables, keeping native types", () => {
    const v = store();
    expect(v.forHost("n2").from_play).toBe("inv-6379");
    expect(v.forHost("n2").port).toBe(6379);
  });

  it("a value that cannot be rendered throws only when it is read", () => {
    const v = store();
    const vars = v.forHost("n1");
    expect(vars.level).toBe("play");
    expect(() => vars.broken).toThrow(/nope/);
  });

  it("magic variables: inventory_hostname, groups, group_names, hostvars", () => {
    const v = store();
    const vars = v.forHost("n2");
    expect(vars.inventory_hostname).toBe("n2");
    expect((vars.groups as Record<string, string[]>).redis).toEqual(["n1", "n2"]);
    expect(vars.group_names).toEqual(["redis"]);
    expect((vars.hostvars as Record<string, Record<string, unknown>>).n1.level).toBe("play");
    expect(vars.play_hosts).toEqual(["n1", "n2"]);
  });

  it("values of secret-looking variables are registered as secrets, rendered ones included", () => {
    const secrets = new Secrets();
    const v = store({ redis_password: "Xy-extra-secret" }, secrets);
    v.forHost("n1");
    expect(secrets.redact("auth Xy-extra-secret")).not.toContain("Xy-extra-secret");
  });
});
