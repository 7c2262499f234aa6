// Jinja2 in inventory and vars-file values is refused where it is written (file:line:col, with the
// Handlebars that does the same), by validate and by every run before anything is done; values
// that are Handlebars, or plain `{{ name }}` (the same in both), load.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LoadErrors } from "../../src/errors.js";
import { buildInventory } from "../../src/inventory/inventory.js";
import { loadInventorySources } from "../../src/load/inventory.js";

const root = mkdtempSync(join(tmpdir(), "redplay-inv-jinja-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(rel: string, text: string): string {
  const p = join(root, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
}

async function errorsOf(path: string): Promise<string[]> {
  try {
    await loadInventorySources([path]);
  } catch (err) {
    if (err instanceof LoadErrors) return err.errors.map((e) => e.format());
    throw err;
  }
  throw new Error("loaded without errors");
}

describe("Jinja2 in inventory values", () => {
  it("a YAML inventory: each construct located at its value, with the Handlebars for it", async () => {
    const p = file("yaml/hosts.yaml", ["all:", "  vars:", "    redis_port: \"{{ base_port | int }}\"", "  hosts:", "    node-1:", "      redis_maxmemory: \"{{ mem | default('1gb') }}\"", "      notes: [ok, \"{% if x %}y{% endif %}\"]", ""].join("\n"));
    const errs = await errorsOf(p);
    expect(errs).toEqual([
      `${p}:3:17: Jinja2 syntax {{ base_port | int }}: redplay templates are Handlebars; write {{int base_port}}`,
      `${p}:6:24: Jinja2 syntax {{ mem | default('1gb') }}: redplay templates are Handlebars; write {{default mem "1gb"}}`,
      `${p}:7:19: Jinja2 syntax {% if x %}: redplay templates are Handlebars; write {{#if x}}`,
      `${p}:7:19: Jinja2 syntax {% endif %}: redplay templates are Handlebars; write {{/if}}`,
    ]);
  });

  it("an INI inventory: host-line and [group:vars] values, located at the variable", async () => {
    const p = file("ini/hosts", ["[redis]", "node-1 ansible_host=127.0.0.1 redis_port=\"{{ base | int }}\"", "", "[redis:vars]", "redis_maxmemory={{ mem | default('1gb') }}", ""].join("\n"));
    const errs = await errorsOf(p);
    expect(errs).toHaveLength(2);
    expect(errs[0]).toMatch(new RegExp(`^${p}:2:31: Jinja2 syntax \\{\\{ base \\| int \\}\\}`));
    expect(errs[1]).toMatch(new RegExp(`^${p}:5:1: Jinja2 syntax .*default`));
  });

  it("group_vars beside the inventory: located in the vars file", async () => {
    const p = file("gv/hosts.yaml", "redis:\n  hosts:\n    node-1:\n");
    const gv = file("gv/group_vars/redis.yaml", "redis_password: secret-pw\nredis_bind: \"{{ ansible_host }} {{ extra | join(' ') }}\"\n");
    const errs = await errorsOf(p);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(new RegExp(`^${gv}:2:13: Jinja2 syntax \\{\\{ extra \\| join`));
  });

  it("Handlebars values and plain {{ name }} load, as they are", async () => {
    const p = file("ok/hosts.yaml", ["all:", "  vars:", "    redis_port: \"{{default base_port 6379}}\"", "    a_host: \"{{ inventory_hostname }}.example\"", "    note: \"100% {sure}\"", "  hosts:", "    node-1:", ""].join("\n"));
    const inv = buildInventory(await loadInventorySources([p]));
    expect(inv.hostVars("node-1")).toMatchObject({ redis_port: "{{default base_port 6379}}", a_host: "{{ inventory_hostname }}.example", note: "100% {sure}" });
  });
});
