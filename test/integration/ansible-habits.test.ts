// An Ansible-shaped project run through the real CLI on the local connection: ansible.cfg, an
// INI inventory with ranges, group_vars beside the playbook, import_playbook, pre/post_tasks, a
// role from roles_path with a dependency, defaults, vars, parameters, templates and handlers,
// include_tasks in a loop with each host's own items, and delegate_to (localhost, and another
// inventory host) for a host that cannot be reached itself. The inventory is also compared with
// what ansible-inventory (ansible-core) lists for the same files.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ansibleProject } from "../helpers/ansible-project.js";
import { recap } from "../helpers/cli.js";

const project = ansibleProject("redplay-ansible-");
const { dir, out, write, run } = project;

function files(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else found[path.relative(root, p)] = readFileSync(p, "utf8");
    }
  };
  if (existsSync(root)) walk(root);
  return found;
}

beforeAll(() => {
  write(
    "ansible.cfg",
    `[defaults]
inventory = inventory/hosts
roles_path = shared-roles
forks = 2
host_key_checking = False
`,
  );
  write(
    "inventory/hosts",
    `# web and db on this machine; "far" cannot be reached (nothing listens there)
[web]
h-[1:2] ansible_connection=local

[db]
d1 ansible_connection=local

[remote]
far ansible_host=127.0.0.190 ansible_port=1 ansible_timeout=2

[all:vars]
out=${out}
`,
  );
  write("inventory/group_vars/all.yml", "greeting: from the inventory\nsites: []\n");
  write("group_vars/web.yml", "sites: [a, b]\n");
  write("group_vars/db.yml", "sites: [c]\n");
  write("host_vars/h-2.yml", "greeting: from host_vars beside the playbook\n");
  write(
    "site.yml",
    `- import_playbook: playbooks/web.yml
- name: a host reached through others
  hosts: remote
  tasks:
    - name: written on the controller for the remote host
      copy:
        content: "for {{inventory_hostname}} port {{ansible_port}}\\n"
        dest: "{{out}}/delegated-{{inventory_hostname}}.txt"
      delegate_to: localhost
    - name: written by another inventory host
      ansible.builtin.copy:
        content: "by d1 for {{inventory_hostname}}\\n"
        dest: "{{out}}/via-d1.txt"
      delegate_to: d1
`,
  );
  write(
    "playbooks/web.yml",
    `- name: web and db
  hosts: web:db
  pre_tasks:
    - name: host directory
      ansible.builtin.file:
        path: "{{out}}/{{inventory_hostname}}"
        state: directory
  roles:
    - role: app
      app_name: shop
  tasks:
    - name: one file per site
      include_tasks: site-file.yml
      loop: "{{sites}}"
      loop_control:
        loop_var: site
  post_tasks:
    - name: done marker
      copy:
        content: "done\\n"
        dest: "{{out}}/{{inventory_hostname}}/done"
`,
  );
  write(
    "playbooks/site-file.yml",
    `- name: site {{site}}
  copy:
    content: "site {{site}} on {{inventory_hostname}}\\n"
    dest: "{{out}}/{{inventory_hostname}}/site-{{site}}"
`,
  );
  write("shared-roles/base/tasks/main.yml", `- name: base marker\n  copy: { content: "base {{base_flavour}}\\n", dest: "{{out}}/{{inventory_hostname}}/base" }\n`);
  write("shared-roles/base/defaults/main.yml", "base_flavour: plain\n");
  write("shared-roles/app/meta/main.yml", "galaxy_info: { author: tests }\ndependencies:\n  - role: base\n");
  write("shared-roles/app/defaults/main.yml", "app_port: 8080\napp_name: default-name\ngreeting: from the role defaults\n");
  write("shared-roles/app/vars/main.yml", "app_user: www\n");
  write(
    "shared-roles/app/tasks/main.yml",
    `- name: app config
  ansible.builtin.template:
    src: app.conf.hbs
    dest: "{{out}}/{{inventory_hostname}}/app.conf"
  notify: restart app
- import_tasks: extra.yml
  when: app_port == 8080
`,
  );
  write("shared-roles/app/tasks/extra.yml", `- name: extra\n  copy: { content: "extra\\n", dest: "{{out}}/{{inventory_hostname}}/extra" }\n  notify: \"app : restart app\"\n`);
  write("shared-roles/app/templates/app.conf.hbs", "name {{app_name}}\nport {{app_port}}\nuser {{app_user}}\ngreeting {{greeting}}\n");
  write("shared-roles/app/handlers/main.yml", `- name: restart app\n  shell: echo restarted >> {{out}}/{{inventory_hostname}}/restarts\n`);
});

afterAll(() => {
  project.remove();
});

describe("inventory as Ansible reads it", () => {
  it("redplay inventory --list (ansible.cfg's inventory, ranges, INI) equals ansible-inventory --list for the same files", async () => {
    const r = await run(["inventory", "--list"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const ansible = execFileSync("ansible-inventory", ["--list"], { cwd: dir, env: { ...process.env, ANSIBLE_CONFIG: "", HOME: path.join(dir, "home") } }).toString();
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(ansible));
  });

  it("with --playbook-dir, the group_vars and host_vars beside the playbook join, ranked as in Ansible", async () => {
    const r = await run(["inventory", "--host", "h-2", "--playbook-dir", "."]);
    expect(JSON.parse(r.stdout)).toMatchObject({ sites: ["a", "b"], greeting: "from host_vars beside the playbook" });
    const ansible = execFileSync("ansible-inventory", ["--host", "h-2", "--playbook-dir", "."], { cwd: dir, env: { ...process.env, ANSIBLE_CONFIG: "", HOME: path.join(dir, "home") } }).toString();
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(ansible));
  });

  it("run --list-hosts names each play's hosts and runs nothing", async () => {
    const r = await run(["run", "site.yml", "--list-hosts"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("play #1 (web:db): web and db\tTAGS: []\n    pattern: ['web:db']\n    hosts (3):\n      h-1\n      h-2\n      d1\n");
    expect(r.stdout).toContain("play #2 (remote): a host reached through others");
    expect(existsSync(out)).toBe(false);
  });

  it("an INI mistake is reported as one, located, exit 4", async () => {
    write("broken.ini", "[web]\nh-1 ansible_connection\n");
    const r = await run(["validate", "site.yml", "-i", "broken.ini"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      'error: broken.ini:2:5: INI inventory: expected key=value after host "h-1", got "ansible_connection"; write host variables as key=value, one host per line\n',
    );
  });
});

describe("roles, includes, imports and delegation run as in Ansible", () => {
  it("validate passes and --list-tasks shows role tasks as 'role : name'", async () => {
    const v = await run(["validate", "site.yml"]);
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    const r = await run(["run", "site.yml", "--list-tasks"]);
    expect(r.stdout).toContain(
      ["host directory\tTAGS: []", "base : base marker\tTAGS: []", "app : app config\tTAGS: []", "app : extra\tTAGS: []", "site {{site}}\tTAGS: []", "done marker\tTAGS: []"].map((l) => `      ${l}`).join("\n"),
    );
  });

  it("--check touches nothing", async () => {
    const r = await run(["run", "site.yml", "--check"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(false);
  });

  it("a real run writes what the role, the include loop and the delegated tasks say, and runs the role's handler once per host", async () => {
    const r = await run(["run", "site.yml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const got = files(out);
    expect(Object.keys(got).sort()).toEqual(
      [
        "delegated-far.txt",
        "via-d1.txt",
        ...["h-1", "h-2"].flatMap((h) => [`${h}/app.conf`, `${h}/base`, `${h}/done`, `${h}/extra`, `${h}/restarts`, `${h}/site-a`, `${h}/site-b`]),
        ...["d1/app.conf", "d1/base", "d1/done", "d1/extra", "d1/restarts", "d1/site-c"],
      ].sort(),
    );
    expect(got["h-1/app.conf"]).toBe("name shop\nport 8080\nuser www\ngreeting from the inventory\n");
    expect(got["h-2/app.conf"]).toBe("name shop\nport 8080\nuser www\ngreeting from host_vars beside the playbook\n");
    expect(got["h-2/site-b"]).toBe("site b on h-2\n");
    expect(got["d1/site-c"]).toBe("site c on d1\n");
    expect(got["h-1/base"]).toBe("base plain\n");
    // Notified twice (by name and as "app : restart app"), run once.
    for (const h of ["h-1", "h-2", "d1"]) expect(got[`${h}/restarts`]).toBe("restarted\n");
    // The task keeps its own host's variables wherever it runs.
    expect(got["delegated-far.txt"]).toBe("for far port 1\n");
    expect(got["via-d1.txt"]).toBe("by d1 for far\n");
    expect(recap(r.stdout).far).toMatchObject({ changed: 2, unreachable: 0, failed: 0 });
    expect(r.stdout).toContain("TASK [app : app config]");
  });

  it("a second run reports changed=0 and runs no handler", async () => {
    const r = await run(["run", "site.yml", "--detailed-exitcode"]);
    expect(r.code).toBe(0);
    for (const counts of Object.values(recap(r.stdout))) expect(counts.changed).toBe(0);
    expect(readFileSync(path.join(out, "h-1", "restarts"), "utf8")).toBe("restarted\n");
  });

  it("--start-at-task starts at the named task", async () => {
    rmSync(path.join(out, "h-1", "done"));
    const r = await run(["run", "site.yml", "--start-at-task", "done marker", "-l", "h-1:far"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("TASK [app : app config]");
    expect(r.stdout).toContain("TASK [done marker]");
    expect(readFileSync(path.join(out, "h-1", "done"), "utf8")).toBe("done\n");
  });

  it("--syntax-check is validate: a mistake in a role file is located, exit 4, nothing runs", async () => {
    write("shared-roles/app/tasks/extra.yml", "- name: extra\n  ansible.builtin.copyy: { content: x, dest: /tmp/x }\n");
    const before = statSync(path.join(out, "h-1", "app.conf")).mtimeMs;
    const r = await run(["run", "site.yml", "--syntax-check"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(`error: shared-roles/app/tasks/extra.yml:2:3: unknown module "ansible.builtin.copyy"; did you mean "ansible.builtin.copy"?\n`);
    expect(statSync(path.join(out, "h-1", "app.conf")).mtimeMs).toBe(before);
  });
});
