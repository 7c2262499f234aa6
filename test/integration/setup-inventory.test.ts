// inventory/prod.yaml is what users copy: it must validate against playbooks/setup.yaml with
// REDIS_PASSWORD exported, and it must carry no secret of its own. `validate` touches no host,
// so the private addresses in the file are never contacted.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO, runCli } from "../helpers/cli.js";

const PROD = "inventory/prod.yaml";

describe("inventory/prod.yaml", () => {
  it("validates with playbooks/setup.yaml when REDIS_PASSWORD is set", async () => {
    const r = await runCli(["validate", "playbooks/setup.yaml", "-i", PROD], { env: { REDIS_PASSWORD: "Prod-Check-Pw-3" } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`playbooks/setup.yaml: valid (`);
    expect(r.stdout).toContain(`inventory ${PROD}`);
    expect(r.stdout + r.stderr).not.toContain("Prod-Check-Pw-3");
  });

  it("takes the password from the environment with no fallback, and names three nodes with node-1 preferred", async () => {
    const inv = parse(await readFile(join(REPO, PROD), "utf8"));
    const redis = inv.all.children.redis;
    expect(Object.keys(redis.hosts)).toEqual(["node-1", "node-2", "node-3"]);
    expect(redis.vars.redis_primary).toBe("node-1");
    expect(redis.vars.redis_password).toBe("{{env 'REDIS_PASSWORD'}}");
    expect(redis.vars.ansible_become).toBe(true);
    for (const h of Object.values(redis.hosts) as { ansible_host: string }[]) {
      expect(h.ansible_host).toMatch(/^10\.0\.0\.\d+$/);
    }
  });
});
