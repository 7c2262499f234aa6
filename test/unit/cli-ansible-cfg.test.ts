// ansible.cfg is found and ranked as Ansible does it: $ANSIBLE_CONFIG, ./ansible.cfg (not in a
// world-writable directory), ~/.ansible.cfg; ANSIBLE_* over the file; the command line over both.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stepper } from "../../src/cli/prompt.js";
import { resolveSettings } from "../../src/cli/settings.js";
import { LoadErrors } from "../../src/errors.js";
import { findAnsibleConfig, parseAnsibleConfig } from "../../src/load/ansible-cfg.js";

let root: string;
let home: string;
let cwd: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "redplay-cfg-"));
  home = path.join(root, "home");
  cwd = path.join(root, "project");
  mkdirSync(home);
  mkdirSync(cwd);
});

afterEach(() => {
  chmodSync(cwd, 0o755);
});

const CFG = `[defaults]
inventory = inventory/hosts, other.yml ; two sources
remote_user = deploy
private_key_file = keys/id_ed25519
forks = 20
host_key_checking = False
roles_path = roles:~/shared-roles
timeout = 30

[privilege_escalation]
become = True
become_user: redis
`;

describe("ansible.cfg", () => {
  it("reads the settings redplay uses; paths are relative to the file, ~ is home", () => {
    const c = parseAnsibleConfig(CFG, "/srv/app/ansible.cfg", "/home/u");
    expect(c).toEqual({
      file: "/srv/app/ansible.cfg",
      inventory: ["/srv/app/inventory/hosts", "/srv/app/other.yml"],
      remoteUser: "deploy",
      privateKeyFile: "/srv/app/keys/id_ed25519",
      forks: 20,
      timeout: 30,
      hostKeyChecking: false,
      rolesPath: ["/srv/app/roles", "/home/u/shared-roles"],
      become: true,
      becomeUser: "redis",
      warnings: [],
    });
  });

  it("a value redplay cannot use is located in the file", () => {
    try {
      parseAnsibleConfig("[defaults]\n# forks\nforks = many\n", "/x/ansible.cfg", "/h");
      expect.unreachable();
    } catch (err) {
      expect((err as LoadErrors).errors.map((e) => e.format())).toEqual(['/x/ansible.cfg:3:1: ansible.cfg: forks must be a whole number >= 1, got "many"']);
    }
  });

  it.each([
    ["ANSIBLE_CONFIG first", { env: true, local: true, home: true }, "env"],
    ["then ./ansible.cfg", { env: false, local: true, home: true }, "local"],
    ["then ~/.ansible.cfg", { env: false, local: false, home: true }, "home"],
  ])("%s", (_name, present, expected) => {
    const files = { env: path.join(root, "custom.cfg"), local: path.join(cwd, "ansible.cfg"), home: path.join(home, ".ansible.cfg") };
    for (const [k, f] of Object.entries(files)) if (present[k as keyof typeof present]) writeFileSync(f, "[defaults]\n");
    const found = findAnsibleConfig({ env: present.env ? { ANSIBLE_CONFIG: files.env } : {}, cwd, home });
    expect(found.file).toBe(files[expected as keyof typeof files]);
  });

  it("./ansible.cfg in a world-writable directory is ignored, with a warning", () => {
    writeFileSync(path.join(cwd, "ansible.cfg"), "[defaults]\n");
    chmodSync(cwd, 0o777);
    const found = findAnsibleConfig({ env: {}, cwd, home });
    expect(found.file).toBeUndefined();
    expect(found.warnings).toEqual([`ignoring ${path.join(cwd, "ansible.cfg")}: ${cwd} is world writable`]);
  });
});

describe("settings rank the command line over ANSIBLE_* over ansible.cfg", () => {
  beforeEach(() => writeFileSync(path.join(cwd, "ansible.cfg"), CFG));

  it("ansible.cfg alone", () => {
    const s = resolveSettings({}, { env: {}, cwd, home });
    expect(s).toMatchObject({
      inventory: [path.join(cwd, "inventory/hosts"), path.join(cwd, "other.yml")],
      remoteUser: "deploy",
      forks: 20,
      hostKeyChecking: false,
      connectTimeoutMs: 30_000,
      rolesPath: [path.join(cwd, "roles"), path.join(home, "shared-roles")],
      hostDefaults: { ansible_become: true, ansible_become_user: "redis", ansible_ssh_private_key_file: path.join(cwd, "keys/id_ed25519") },
    });
  });

  it("ANSIBLE_* over the file", () => {
    const env = { ANSIBLE_REMOTE_USER: "ops", ANSIBLE_FORKS: "3", ANSIBLE_INVENTORY: "a.ini,b.yml", ANSIBLE_HOST_KEY_CHECKING: "True", ANSIBLE_ROLES_PATH: "/r1:/r2" };
    const s = resolveSettings({}, { env, cwd, home });
    expect(s).toMatchObject({ remoteUser: "ops", forks: 3, inventory: [path.join(cwd, "a.ini"), path.join(cwd, "b.yml")], hostKeyChecking: true, rolesPath: ["/r1", "/r2"] });
  });

  it("the command line over both", () => {
    const s = resolveSettings(
      { inventory: ["cli.ini"], user: "me", forks: 2, privateKey: "k", connection: "local", timeout: 5, become: true, becomeUser: "root" },
      { env: { ANSIBLE_REMOTE_USER: "ops" }, cwd, home },
    );
    expect(s).toMatchObject({
      inventory: ["cli.ini"],
      remoteUser: "me",
      forks: 2,
      connectTimeoutMs: 5000,
      hostDefaults: { ansible_become: true, ansible_become_user: "root", ansible_connection: "local", ansible_ssh_private_key_file: path.join(cwd, "k") },
    });
  });

  it("without any config, redplay's defaults", () => {
    const s = resolveSettings({}, { env: {}, cwd: home, home });
    expect(s).toMatchObject({ inventory: [], remoteUser: undefined, forks: 10, hostKeyChecking: true, rolesPath: [], hostDefaults: {} });
  });

  it("-c names a connection redplay has", () => {
    expect(() => resolveSettings({ connection: "winrm" }, { env: {}, cwd: home, home })).toThrow('-c/--connection "winrm" is not a connection redplay has');
  });
});

describe("--step", () => {
  it("asks before each task: n skips, y runs, c runs this and every later task without asking", async () => {
    const answers = ["n", "y", "maybe", "c"];
    const asked: string[] = [];
    const confirm = stepper(async (q) => {
      asked.push(q);
      return answers.shift()!;
    });
    expect([await confirm("a"), await confirm("b"), await confirm("c"), await confirm("d")]).toEqual([false, true, true, true]);
    expect(asked).toEqual([
      "Perform task: TASK: a (N)o/(y)es/(c)ontinue: ",
      "Perform task: TASK: b (N)o/(y)es/(c)ontinue: ",
      "Perform task: TASK: c (N)o/(y)es/(c)ontinue: ",
      "Perform task: TASK: c (N)o/(y)es/(c)ontinue: ",
    ]);
  });
});
