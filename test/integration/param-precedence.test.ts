// Role parameters and include vars rank above registered results and set_fact, as in Ansible
// (block and task vars rank below them): a role's set_fact cannot override what its caller passed,
// an include's vars hold inside it, and -e still wins over both. Through the real CLI, on the
// local connection.
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ansibleProject } from "../helpers/ansible-project.js";

const project = ansibleProject("redplay-params-");
const { out, write, run, read } = project;
const record = (name: string, value: string) => `- copy: { content: "${value}\\n", dest: "{{out}}/${name}" }\n`;

beforeAll(() => {
  mkdirSync(out, { recursive: true });
  write("hosts.yaml", "all:\n  hosts:\n    h1: { ansible_connection: local }\n");
  write(
    "roles/app/tasks/main.yml",
    `- set_fact: { app_port: 1111, block_level: from-set-fact }\n${record("role-port", "{{app_port}}")}${record("role-block", "{{block_level}}")}`,
  );
  write("inc.yml", `- set_fact: { inc_var: from-set-fact }\n${record("inc-var", "{{inc_var}}")}`);
  write(
    "site.yml",
    `- hosts: all
  gather_facts: false
  roles:
    - { role: app, app_port: 6380 }
  tasks:
    - name: a block's vars rank below set_fact
      vars: { block_level: from-block }
      block:
        - set_fact: { block_level: from-set-fact-2 }
        - ${record("block", "{{block_level}}").slice(2).trimEnd()}
    - include_tasks: inc.yml
      vars: { inc_var: from-include }
`,
  );
});

afterAll(() => project.remove());

describe("variable precedence of parameters", () => {
  it("role parameters and include vars hold against set_fact; block vars do not", async () => {
    const r = await run(["run", "site.yml", "-i", "hosts.yaml", "-e", `out=${out}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(read("role-port")).toBe("6380\n");
    expect(read("inc-var")).toBe("from-include\n");
    expect(read("block")).toBe("from-set-fact-2\n");
    // A fact no parameter names is the fact.
    expect(read("role-block")).toBe("from-set-fact\n");
  });

  it("-e wins over a role parameter", async () => {
    const r = await run(["run", "site.yml", "-i", "hosts.yaml", "-e", `out=${out}`, "-e", "app_port=7000"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(read("role-port")).toBe("7000\n");
  });
});

