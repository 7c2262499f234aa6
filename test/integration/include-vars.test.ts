// include_vars as Redis roles use it: a per-OS file chosen by a templated name, a file put under
// one variable (`name:`), and a role's own vars/ file. Every file is checked before the run (a
// missing one, or a mistake inside one, is a located error), `validate` knows the names they
// define, each host gets its own file's values, and a secret from a vars file is never shown.
// Through the real CLI, on the local connection.
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ansibleProject } from "../helpers/ansible-project.js";

const project = ansibleProject("redplay-incvars-");
const { dir, out, write, run, read } = project;
const SECRET = "debian-only-secret-7Qx";

beforeAll(() => {
  for (const h of ["h1", "h2"]) mkdirSync(path.join(out, h), { recursive: true });
  write("hosts.yaml", "all:\n  hosts:\n    h1: { ansible_connection: local, os_name: Debian }\n    h2: { ansible_connection: local, os_name: RedHat }\n");
  write("vars/Debian.yml", `redis_package: redis-server\nredis_password: ${SECRET}\n`);
  write("vars/RedHat.yml", "redis_package: redis\nredis_password: redhat-only-secret-9Zk\n");
  write("vars/common.yml", "port: 6380\n");
  write("roles/conf/vars/flavor.yml", "flavor: from-the-role\n");
  write("roles/conf/tasks/main.yml", '- include_vars: flavor.yml\n- copy: { content: "{{flavor}}\\n", dest: "{{out}}/{{inventory_hostname}}/flavor" }\n');
  write(
    "site.yml",
    `- hosts: all
  gather_facts: false
  roles: [conf]
  tasks:
    - name: OS-specific variables
      include_vars: "{{ os_name }}.yml"
    - include_vars: { file: common.yml, name: common }
    - copy: { content: "{{redis_package}} {{common.port}}\\n", dest: "{{out}}/{{inventory_hostname}}/package" }
    - debug: { var: redis_password }
`,
  );
});

afterAll(() => project.remove());

describe("include_vars", () => {
  it("validate knows every file and the names they define", async () => {
    const r = await run(["validate", "site.yml", "-i", "hosts.yaml", "-e", `out=${out}`]);
    expect(r.stderr + r.stdout).not.toMatch(/error/);
    expect(r.code).toBe(0);
  });

  it("--check sets the variables and writes nothing", async () => {
    const r = await run(["run", "site.yml", "-i", "hosts.yaml", "-e", `out=${out}`, "--check", "-v"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok: \[h1\] => 2 variable\(s\) from Debian\.yml/);
    expect(read("h1/package")).toBeUndefined();
  });

  it("each host gets its own file's values; a secret from a vars file is never shown", async () => {
    const r = await run(["run", "site.yml", "-i", "hosts.yaml", "-e", `out=${out}`, "-v"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(read("h1/package")).toBe("redis-server 6380\n");
    expect(read("h2/package")).toBe("redis 6380\n");
    expect(read("h1/flavor")).toBe("from-the-role\n");
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain("redhat-only-secret-9Zk");
    expect(r.stdout).toMatch(/redis_password.*\*{4,}/);
  });

  it("a missing file, a templated name matching nothing, and a mistake inside a file are located before the run", async () => {
    write("vars/Broken.yml", "ok: 1\nbad-name: 2\nport: \"{{ base | int }}\"\n");
    write(
      "bad.yml",
      `- hosts: all
  tasks:
    - include_vars: nothere.yml
    - include_vars: "nothing-{{ os_name }}.yml"
    - include_vars: Broken.yml
`,
    );
    try {
      const r = await run(["run", "bad.yml", "-i", "hosts.yaml"]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/bad\.yml:3:21: include_vars file "nothere\.yml" not found; looked at /);
      expect(r.stderr).toMatch(/bad\.yml:4:21: include_vars "nothing-\{\{ os_name \}\}\.yml": no file matches nothing-\*\.yml/);
      expect(r.stderr).toContain('vars/Broken.yml:2:1: invalid variable name "bad-name" in a vars file');
      expect(r.stderr).toContain("vars/Broken.yml:3:7: Jinja2 syntax {{ base | int }}: redplay templates are Handlebars; write {{int base}}");
    } finally {
      rmSync(path.join(dir, "vars/Broken.yml"));
    }
  });
});
