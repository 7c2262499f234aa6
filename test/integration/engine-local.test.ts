// The engine end to end through the real CLI, on the `local` connection against temporary
// directories: check mode touches nothing, a real run converges, a second run changes nothing,
// handlers run once, failures stay on their host, exit codes, JSON output, and redaction.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recap, runCli } from "../helpers/cli.js";

const SECRET = "Sup3r-S3cret-Pa55";
let dir: string;

function write(rel: string, text: string): string {
  const p = path.join(dir, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** Every file under `root` with its bytes and mode, to prove a run touched nothing. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(root)) return out;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = statSync(p);
      if (e.isDirectory()) {
        out[p] = `dir ${st.mode.toString(8)}`;
        walk(p);
      } else out[p] = `${st.mode.toString(8)} ${readFileSync(p, "base64")}`;
    }
  };
  walk(root);
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-engine-"));
  write(
    "inventory.yaml",
    `all:
  vars:
    ansible_connection: local
    out: ${dir}/hosts
    redis_password: ${SECRET}
    greeting: hello
  children:
    web:
      hosts:
        h1:
        h2:
          greeting: hello from h2
    db:
      hosts:
        h3:
  hosts:
    lonely:
      ansible_connection: local
`,
  );
  write("templates/app.conf.hbs", "# managed\nname {{inventory_hostname}}\ngreeting {{greeting}}\nrequirepass {{redis_password}}\n");
  write(
    "converge.yaml",
    `- name: converge files
  hosts: web:db
  tasks:
    - name: state directory
      file:
        path: "{{out}}/{{inventory_hostname}}"
        state: directory
        mode: "0750"
    - name: config from template
      template:
        src: app.conf.hbs
        dest: "{{out}}/{{inventory_hostname}}/app.conf"
        mode: "0640"
      notify: reload app
    - name: static file
      copy:
        content: "static {{inventory_hostname}}\\n"
        dest: "{{out}}/{{inventory_hostname}}/static.txt"
      notify: reload app
  handlers:
    - name: reload app
      shell: echo reloaded >> {{out}}/{{inventory_hostname}}/reloads.log
`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("check, converge, converge again", () => {
  it("--check --diff reports changes, shows the diff, and touches nothing", async () => {
    const before = snapshot(dir);
    const r = await runCli(["run", "converge.yaml", "-i", "inventory.yaml", "--check", "--diff", "--detailed-exitcode"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(6);
    expect(r.stdout).toContain("name h1");
    expect(r.stdout).toContain("+greeting hello from h2");
    const counts = recap(r.stdout);
    expect(Object.keys(counts).sort()).toEqual(["h1", "h2", "h3"]);
    for (const h of ["h1", "h2", "h3"]) expect(counts[h].changed).toBeGreaterThanOrEqual(3);
    expect(snapshot(dir)).toEqual(before);
    expect(r.stdout).not.toContain(SECRET);
  });

  it("a real run writes the files with their modes and runs the handler once per host", async () => {
    const r = await runCli(["run", "converge.yaml", "-i", "inventory.yaml"], { cwd: dir });
    expect(r.code).toBe(0);
    for (const h of ["h1", "h2", "h3"]) {
      const conf = readFileSync(path.join(dir, "hosts", h, "app.conf"), "utf8");
      expect(conf).toBe(`# managed\nname ${h}\ngreeting ${h === "h2" ? "hello from h2" : "hello"}\nrequirepass ${SECRET}\n`);
      expect(statSync(path.join(dir, "hosts", h, "app.conf")).mode & 0o777).toBe(0o640);
      expect(statSync(path.join(dir, "hosts", h)).mode & 0o777).toBe(0o750);
      expect(readFileSync(path.join(dir, "hosts", h, "reloads.log"), "utf8")).toBe("reloaded\n");
    }
    expect(r.stdout).not.toContain(SECRET);
  });

  it("a second run reports changed=0 and runs no handler", async () => {
    const r = await runCli(["run", "converge.yaml", "-i", "inventory.yaml", "--detailed-exitcode"], { cwd: dir });
    expect(r.code).toBe(0);
    const counts = recap(r.stdout);
    for (const h of ["h1", "h2", "h3"]) {
      expect(counts[h].changed).toBe(0);
      expect(readFileSync(path.join(dir, "hosts", h, "reloads.log"), "utf8")).toBe("reloaded\n");
    }
  });
});

describe("failures", () => {
  it("one host failing does not stop the others; exit code 2", async () => {
    write(
      "partial.yaml",
      `- hosts: web:db
  tasks:
    - name: fail on h2 only
      fail:
        msg: h2 is broken
      when: inventory_hostname == 'h2'
    - name: mark
      copy:
        content: ran
        dest: "{{out}}/{{inventory_hostname}}/after-fail.txt"
`,
    );
    const r = await runCli(["run", "partial.yaml", "-i", "inventory.yaml"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("h2 is broken");
    expect(existsSync(path.join(dir, "hosts/h1/after-fail.txt"))).toBe(true);
    expect(existsSync(path.join(dir, "hosts/h3/after-fail.txt"))).toBe(true);
    expect(existsSync(path.join(dir, "hosts/h2/after-fail.txt"))).toBe(false);
    expect(recap(r.stdout).h2.failed).toBe(1);
  });

  it("a handler owed by a host that failed is named in the recap, and --force-handlers runs it", async () => {
    write(
      "owed.yaml",
      `- hosts: h1
  tasks:
    - name: change something
      copy:
        content: "{{ lookup_token }}"
        dest: "{{out}}/h1/owed-trigger.txt"
      notify: owed handler
    - name: then fail
      fail:
        msg: boom
  handlers:
    - name: owed handler
      copy:
        content: handled
        dest: "{{out}}/h1/owed-handler.txt"
`,
    );
    const first = await runCli(["run", "owed.yaml", "-i", "inventory.yaml", "-e", "lookup_token=one"], { cwd: dir });
    expect(first.code).toBe(2);
    expect(first.stdout).toMatch(/owed handler/);
    expect(existsSync(path.join(dir, "hosts/h1/owed-handler.txt"))).toBe(false);
    const forced = await runCli(["run", "owed.yaml", "-i", "inventory.yaml", "-e", "lookup_token=two", "--force-handlers"], { cwd: dir });
    expect(forced.code).toBe(2);
    expect(readFileSync(path.join(dir, "hosts/h1/owed-handler.txt"), "utf8")).toBe("handled");
  });

  it("block / rescue / always: rescue runs for the failed host and it counts as rescued", async () => {
    write(
      "rescue.yaml",
      `- hosts: h1
  tasks:
    - block:
        - name: explode
          command: "false"
      rescue:
        - name: recover
          copy:
            content: rescued
            dest: "{{out}}/h1/rescued.txt"
      always:
        - name: always
          copy:
            content: always
            dest: "{{out}}/h1/always.txt"
`,
    );
    const r = await runCli(["run", "rescue.yaml", "-i", "inventory.yaml"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, "hosts/h1/rescued.txt"), "utf8")).toBe("rescued");
    expect(readFileSync(path.join(dir, "hosts/h1/always.txt"), "utf8")).toBe("always");
    expect(recap(r.stdout).h1.rescued).toBe(1);
  });
});

describe("variables, loops, register, conditions", () => {
  it("applies precedence (-e wins), loops, register, until, changed_when and failed_when", async () => {
    write(
      "logic.yaml",
      `- hosts: h1:h2
  vars:
    level: play
  tasks:
    - name: probe
      command: echo {{level}}-{{inventory_hostname}}
      register: probe
      changed_when: false
      check_mode: false
    - name: assert the probe
      assert:
        that:
          - probe.stdout == level + '-' + inventory_hostname
          - "'h1' in groups.web"
          - not probe.changed
    - name: loop
      copy:
        content: "{{item}}"
        dest: "{{out}}/{{inventory_hostname}}/loop-{{item}}.txt"
      loop: [a, b]
    - name: counts up until the third attempt
      shell: n=$(cat {{out}}/{{inventory_hostname}}/n 2>/dev/null || echo 0); echo $((n+1)) | tee {{out}}/{{inventory_hostname}}/n
      register: counter
      until: counter.stdout|int >= 3
      retries: 5
      delay: 0
    - name: failed_when turns rc 0 into a failure on h2
      command: "true"
      failed_when: inventory_hostname == 'h2'
      ignore_errors: true
`,
    );
    const r = await runCli(["run", "logic.yaml", "-i", "inventory.yaml", "-e", "level=extra"], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of ["h1", "h2"]) {
      expect(readFileSync(path.join(dir, "hosts", h, "loop-a.txt"), "utf8")).toBe("a");
      expect(readFileSync(path.join(dir, "hosts", h, "loop-b.txt"), "utf8")).toBe("b");
      expect(readFileSync(path.join(dir, "hosts", h, "n"), "utf8")).toBe("3\n");
    }
    expect(recap(r.stdout).h2.ignored).toBe(1);
    expect(recap(r.stdout).h1.ignored).toBe(0);
  });
});

describe("exit codes and input errors", () => {
  it("exit 4 with a located error and a suggestion for an unknown module; nothing runs", async () => {
    const pb = write(
      "typo.yaml",
      `- hosts: h1
  tasks:
    - name: first
      copy:
        content: x
        dest: "{{out}}/h1/typo-should-not-exist.txt"
    - name: typo
      tempalte:
        src: app.conf.hbs
        dest: /tmp/x
`,
    );
    const r = await runCli(["run", "typo.yaml", "-i", "inventory.yaml"], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('typo.yaml:8:7: unknown module "tempalte"; did you mean "template"?');
    expect(existsSync(path.join(dir, "hosts/h1/typo-should-not-exist.txt"))).toBe(false);
    expect(pb).toBeTruthy();
  });

  it("exit 4 for an undefined variable, naming it", async () => {
    write(
      "undef.yaml",
      `- hosts: h1
  tasks:
    - debug:
        msg: "{{ no_such_variable }}"
`,
    );
    const r = await runCli(["run", "undef.yaml", "-i", "inventory.yaml"], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("no_such_variable");
    expect(r.stderr).toMatch(/undef\.yaml:\d+:\d+/);
  });

  it("exit 5 when no host matches the pattern", async () => {
    write("nomatch.yaml", `- hosts: nosuchgroup\n  tasks:\n    - debug:\n        msg: hi\n`);
    const r = await runCli(["run", "nomatch.yaml", "-i", "inventory.yaml"], { cwd: dir });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('no host matched the pattern "nosuchgroup"');
  });

  it("exit 3 when a host is unreachable and nothing failed; the other host finishes", async () => {
    write(
      "unreach-inv.yaml",
      `all:
  vars:
    out: ${dir}/hosts
  hosts:
    h1:
      ansible_connection: local
    gone:
      ansible_host: 127.0.0.1
      ansible_port: 1
      ansible_user: root
`,
    );
    write(
      "unreach.yaml",
      `- hosts: all
  tasks:
    - name: touch
      copy:
        content: reached
        dest: "{{out}}/h1/reached-{{inventory_hostname}}.txt"
`,
    );
    const r = await runCli(["run", "unreach.yaml", "-i", "unreach-inv.yaml"], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/UNREACHABLE/);
    expect(readFileSync(path.join(dir, "hosts/h1/reached-h1.txt"), "utf8")).toBe("reached");
    expect(recap(r.stdout).gone.unreachable).toBe(1);
  });

  it("validate checks without running and exits 0 for a good playbook", async () => {
    const r = await runCli(["validate", "converge.yaml", "-i", "inventory.yaml"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("valid");
  });
});

describe("--json and secrets", () => {
  it("prints one JSON event per line, recap last, and never the secret", async () => {
    write(
      "json.yaml",
      `- hosts: h1
  tasks:
    - name: show the password (masked)
      debug:
        msg: "password is {{redis_password}}"
    - name: echo the password
      command: echo {{redis_password}}
      register: echoed
    - name: file with the password
      copy:
        content: "requirepass {{redis_password}}\\n"
        dest: "{{out}}/h1/secret.conf"
`,
    );
    const r = await runCli(["run", "json.yaml", "-i", "inventory.yaml", "--json", "--diff", "-vv"], { cwd: dir });
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(events[events.length - 1].event).toBe("recap");
    expect(events.filter((e) => e.event === "host_result").length).toBe(3);
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stderr).not.toContain(SECRET);
    expect(readFileSync(path.join(dir, "hosts/h1/secret.conf"), "utf8")).toBe(`requirepass ${SECRET}\n`);
    const human = await runCli(["run", "json.yaml", "-i", "inventory.yaml", "--diff", "-vv", "-e", "extra_token=abc"], { cwd: dir });
    expect(human.stdout + human.stderr).not.toContain(SECRET);
  });
});

describe("selection: --limit, --tags, serial, -e @file, secret_vars", () => {
  it("--limit narrows the play's hosts and --tags / --skip-tags pick tasks", async () => {
    write(
      "tags.yaml",
      `- hosts: all:!lonely
  tasks:
    - name: tagged a
      copy: { content: a, dest: "{{out}}/{{inventory_hostname}}/tag-a.txt" }
      tags: [a]
    - name: tagged b
      copy: { content: b, dest: "{{out}}/{{inventory_hostname}}/tag-b.txt" }
      tags: [b]
    - name: always
      copy: { content: always, dest: "{{out}}/{{inventory_hostname}}/tag-always.txt" }
      tags: [always]
`,
    );
    const r = await runCli(["run", "tags.yaml", "-i", "inventory.yaml", "--limit", "web:&h*:!h2", "--tags", "a,b", "--skip-tags", "b"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(Object.keys(recap(r.stdout))).toEqual(["h1"]);
    expect(existsSync(path.join(dir, "hosts/h1/tag-a.txt"))).toBe(true);
    expect(existsSync(path.join(dir, "hosts/h1/tag-b.txt"))).toBe(false);
    expect(existsSync(path.join(dir, "hosts/h1/tag-always.txt"))).toBe(true);
    expect(existsSync(path.join(dir, "hosts/h2/tag-a.txt"))).toBe(false);
  });

  it("serial runs hosts in batches: each batch finishes the play before the next starts", async () => {
    write(
      "serial.yaml",
      `- hosts: web:db
  serial: 1
  tasks:
    - name: first
      shell: echo "first {{inventory_hostname}}" >> {{out}}/serial.log
    - name: second
      shell: echo "second {{inventory_hostname}}" >> {{out}}/serial.log
`,
    );
    const r = await runCli(["run", "serial.yaml", "-i", "inventory.yaml"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, "hosts/serial.log"), "utf8")).toBe(
      "first h1\nsecond h1\nfirst h2\nsecond h2\nfirst h3\nsecond h3\n",
    );
  });

  it("-e @file.yaml sets variables, and secret_vars masks a value whose name does not look secret", async () => {
    write("extra.yaml", "shown_value: plain-visible-value\ncustom_cred: Zq9-custom-hidden-77\nsecret_vars: [custom_cred]\n");
    write(
      "extra-pb.yaml",
      `- hosts: h1
  tasks:
    - debug:
        msg: "{{shown_value}} and {{custom_cred}}"
`,
    );
    const r = await runCli(["run", "extra-pb.yaml", "-i", "inventory.yaml", "-e", "@extra.yaml"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("plain-visible-value and ********");
    expect(r.stdout + r.stderr).not.toContain("Zq9-custom-hidden-77");
  });
});

describe("interruption", () => {
  it("Ctrl-C lets the task in flight finish, starts no further task, and exits 130", async () => {
    write(
      "slow.yaml",
      `- hosts: h1
  tasks:
    - name: slow
      shell: mkdir -p {{out}}/h1; sleep 2; echo done > {{out}}/h1/slow-done.txt
    - name: after
      copy: { content: after, dest: "{{out}}/h1/after-interrupt.txt" }
`,
    );
    const { spawn } = await import("node:child_process");
    const { BIN } = await import("../helpers/cli.js");
    const child = spawn(process.execPath, [BIN, "run", "slow.yaml", "-i", "inventory.yaml"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (out.includes("TASK [slow]")) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    child.kill("SIGINT");
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    expect(code).toBe(130);
    expect(out).toContain("interrupted");
    expect(readFileSync(path.join(dir, "hosts/h1/slow-done.txt"), "utf8")).toBe("done\n");
    expect(existsSync(path.join(dir, "hosts/h1/after-interrupt.txt"))).toBe(false);
  });
});
