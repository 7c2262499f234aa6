// A password written as a YAML number or boolean would reach the server changed (01234567 is
// octal 342391, 12345678901234567890 loses digits, 1e3 is 1000, yes is true): such values
// under secret-looking names are refused where they are written, with a hint to quote them.
import { describe, expect, it } from "vitest";
import { parseExtraVars } from "../../src/load/vars.js";
import { runMain } from "../helpers/main.js";

const dir = "test/fixtures/load/secret-values";
const hint = (_name: string) => "put the value in quotes so it is kept exactly as written";

describe("secrets written as YAML numbers or booleans", () => {
  it("validate -i reports each one in the playbook, the inventory and group_vars, located, exit 4", async () => {
    const r = await runMain(["validate", `${dir}/playbook.yaml`, "-i", `${dir}/hosts.yaml`]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n").sort()).toEqual(
      [
        `error: ${dir}/group_vars/all.yaml:1:17: redis_password must be a string, but this value is read as a YAML number, which would change it; ${hint("redis_password")}`,
        `error: ${dir}/hosts.yaml:4:23: redis_password must be a string, but this value is read as a YAML number, which would change it; ${hint("redis_password")}`,
        `error: ${dir}/hosts.yaml:8:30: ansible_become_password must be a string, but this value is read as a YAML boolean, which would change it; ${hint("ansible_become_password")}`,
        `error: ${dir}/playbook.yaml:3:16: api_token must be a string, but this value is read as a YAML number, which would change it; ${hint("api_token")}`,
        `error: ${dir}/playbook.yaml:5:19: masterauth must be a string, but this value is read as a YAML number, which would change it; ${hint("masterauth")}`,
      ].sort(),
    );
  });

  it("the messages never show the value itself", async () => {
    const r = await runMain(["validate", `${dir}/playbook.yaml`, "-i", `${dir}/hosts.yaml`]);
    for (const v of ["01234567", "342391", "1e3", "1000", "12345678901234567890", "42"]) expect(r.stderr).not.toContain(v);
  });

  it("-e key=value refuses an unquoted number for a secret, keeps a quoted one, and leaves other numbers typed", async () => {
    await expect(parseExtraVars(["redis_password=01234567"], process.cwd())).rejects.toThrow(
      `-e value 1: redis_password must be a string, but its unquoted value is read as a number, which would change it; quote it (-e 'redis_password="..."')`,
    );
    await expect(parseExtraVars(['redis_password="01234567" redis_port=6380'], process.cwd())).resolves.toEqual({
      redis_password: "01234567",
      redis_port: 6380,
    });
    await expect(parseExtraVars(["{redis_password: 1e3}"], process.cwd())).rejects.toThrow(/redis_password must be a string/);
  });
});
