// include_tasks with a templated file name, as Redis roles write it (`setup-{{ ansible_os_family
// }}.yml`): every file the name may render to is loaded and checked before the run, and each host
// runs the one its own variables (a host var, a loop item, a gathered fact) name. A host whose name
// renders to no such file fails, naming the files there are; the others go on. Through the real
// CLI, on the local connection.
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ansibleProject } from "../helpers/ansible-project.js";
import { recap } from "../helpers/cli.js";

const project = ansibleProject("redplay-tinclude-");
const { dir, out, write, run, read } = project;
const copyTo = (dest: string, content: string) => `- copy:\n    content: "${content}\\n"\n    dest: "{{out}}/${dest}"\n`;

beforeAll(() => {
  for (const h of ["h1", "h2", "h3"]) mkdirSync(path.join(out, h), { recursive: true });
  write(
    "hosts.yaml",
    `all:
  hosts:
    h1: { ansible_connection: local, os_name: Debian }
    h2: { ansible_connection: local, os_name: RedHat }
    h3: { ansible_connection: local, os_name: Suse }
`,
  );
  write(
    "site.yml",
    `- hosts: all
  gather_facts: false
  tasks:
    - name: per-OS setup
      include_tasks: "os/setup-{{ os_name }}.yml"
    - name: one file per item
      include_tasks: "item-{{ item }}.yml"
      loop: [one, two]
    - name: after
      copy: { content: "after\\n", dest: "{{out}}/{{inventory_hostname}}/after" }

- hosts: h1
  gather_facts: true
  tasks:
    - name: by the gathered OS family
      include_tasks:
        file: "family/{{ ansible_os_family }}.yml"
`,
  );
  write("os/setup-Debian.yml", copyTo("{{inventory_hostname}}/os", "debian"));
  write("os/setup-RedHat.yml", copyTo("{{inventory_hostname}}/os", "redhat"));
  write("item-one.yml", copyTo("{{inventory_hostname}}/item-{{item}}", "{{item}}"));
  write("item-two.yml", copyTo("{{inventory_hostname}}/item-{{item}}", "{{item}}"));
  write("family/Debian.yml", copyTo("family", "{{ansible_distribution}}"));
  write("family/RedHat.yml", copyTo("family", "redhat"));
});

afterAll(() => project.remove());

describe("include_tasks with a templated file name", () => {
  it("validate loads every file the name may render to", async () => {
    const r = await run(["validate", "site.yml", "-i", "hosts.yaml", "-e", `out=${out}`]);
    expect(r.stderr + r.stdout).not.toMatch(/error/);
    expect(r.code).toBe(0);
  });

  it("each host runs the file its own variables name; a name that matches no file fails that host only", async () => {
    const r = await run(["run", "site.yml", "-i", "hosts.yaml", "-e", `out=${out}`]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(read("h1/os")).toBe("debian\n");
    expect(read("h2/os")).toBe("redhat\n");
    expect(read("h3/os")).toBeUndefined();
    for (const h of ["h1", "h2"]) {
      expect(read(`${h}/item-one`)).toBe("one\n");
      expect(read(`${h}/item-two`)).toBe("two\n");
      expect(read(`${h}/after`)).toBe("after\n");
    }
    expect(read("h3/after")).toBeUndefined();
    expect(r.stdout).toMatch(/fatal: \[h3\].*site\.yml:4:7: include_tasks file "os\/setup-Suse\.yml" \(from "os\/setup-\{\{ os_name \}\}\.yml"\) is not one of the files found before the run: os\/setup-Debian\.yml, os\/setup-RedHat\.yml/);
    // The gathered fact chose the file (the machine the tests run on is a Debian).
    expect(read("family")).toBe("Debian\n");
    const counts = recap(r.stdout);
    expect(counts.h3!.failed).toBe(1);
    expect(counts.h1!.failed).toBe(0);
  });

  it("a mistake in any of the files is found before the run, located in that file", async () => {
    write("os/setup-Arch.yml", "- copyy: { content: x, dest: /tmp/x }\n");
    try {
      const r = await run(["run", "site.yml", "-i", "hosts.yaml", "-e", `out=${out}`, "--check"]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`error: os/setup-Arch.yml:1:3: unknown module "copyy"; did you mean "copy"?`);
    } finally {
      rmSync(path.join(dir, "os/setup-Arch.yml"));
    }
  });

  it("a name no file matches is a located error before the run; import_tasks cannot be templated", async () => {
    write("bad.yml", `- hosts: all\n  tasks:\n    - include_tasks: "nothing-{{ os_name }}.yml"\n    - import_tasks: "os/setup-{{ os_name }}.yml"\n`);
    const r = await run(["validate", "bad.yml", "-i", "hosts.yaml"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/bad\.yml:3:22: include_tasks "nothing-\{\{ os_name \}\}\.yml": no file matches nothing-\*\.yml; looked in /);
    expect(r.stderr).toMatch(/bad\.yml:4:21: import_tasks "os\/setup-\{\{ os_name \}\}\.yml" cannot be templated; an import is expanded before the run: use include_tasks to choose the file per host, or name the file/);
  });
});
