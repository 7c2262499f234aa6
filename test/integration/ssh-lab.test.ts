// The SSH connection and the engine against a 3-node lab (127.0.0.31-33), through the built CLI
// as a user runs it: one SSH connection per node for a whole playbook, unreachable nodes,
// changed host keys, wrong credentials, unknown hosts (and --accept-new), sudo `become` and a
// failing command's exit code and stderr. Everything is checked from outside redplay: sshd's
// own log, the node directories, the OpenSSH client and ssh-keygen.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { newHostKey } from "../../src/lab/keys.js";
import { labKill, labStart, nodeSshdLog } from "../../src/lab/lab.js";
import { recap, runCli, type CliResult } from "../helpers/cli.js";
import { sshRun, startLab, stopLab, type TestLab } from "../helpers/lab.js";

const BASE = "127.0.0.31";
const NODES = ["node-1", "node-2", "node-3"];
// Unique, so nothing else on the machine is touched; /etc/passwd, /home and /etc/sudoers.d are
// shared by every node and the host, so this user is removed in afterAll.
const BECOME_USER = "rpbecome";
// Written by the tests inside each node's own /etc/redis (a per-node bind mount).
const WORK = "/etc/redis/rp-ssh-lab";

let lab: TestLab | undefined;
let work: string;

const theLab = (): TestLab => {
  if (!lab) throw new Error("lab did not start");
  return lab;
};

/** Host path of a file under a node's /etc/redis. */
function nodeEtcRedis(node: string, ...parts: string[]): string {
  return join(theLab().dir, "nodes", node, "etc-redis", ...parts);
}

async function acceptedCount(node: string): Promise<number> {
  const log = await readFile(nodeSshdLog(node, { dir: theLab().dir }), "utf8");
  return log.split("\n").filter((l) => l.includes("Accepted publickey")).length;
}

async function acceptedCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of NODES) out[n] = await acceptedCount(n);
  return out;
}

interface InventoryOptions {
  user?: string;
  key?: string;
  knownHosts?: string;
  hosts?: string[];
}

/** Writes an inventory for the lab nodes with the given credentials; returns its path. */
async function writeInventory(name: string, o: InventoryOptions = {}): Promise<string> {
  const l = theLab();
  const hosts: Record<string, { ansible_host: string }> = {};
  for (const n of o.hosts ?? NODES) hosts[n] = { ansible_host: l.address[n]! };
  const doc = {
    all: {
      children: {
        redis: {
          hosts,
          vars: {
            ansible_user: o.user ?? "root",
            ansible_ssh_private_key_file: o.key ?? l.paths.key,
            ansible_ssh_known_hosts_file: o.knownHosts ?? l.paths.knownHosts,
          },
        },
      },
    },
  };
  const path = join(work, `${name}.inventory.yaml`);
  await writeFile(path, stringify(doc));
  return path;
}

async function writePlaybook(name: string, yaml: string): Promise<string> {
  const path = join(work, `${name}.yaml`);
  await writeFile(path, yaml);
  return path;
}

function ownOutput(r: CliResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

/** A node-js stack frame line, which must never reach a user for a transport problem. */
const STACK_FRAME = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

function sshKeygenFingerprint(pubPath: string): string {
  const out = execFileSync("ssh-keygen", ["-lf", pubPath], { encoding: "utf8" });
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith("SHA256:")) throw new Error(`unexpected ssh-keygen -lf output: ${out}`);
  return fp;
}

// Twenty tasks mixing every kind of remote work: exec, shell, SFTP writes, stat probes, templates.
const TWENTY_TASKS = `
- name: Twenty tasks over one connection per node
  hosts: redis
  vars:
    root: ${WORK}
  tasks:
    - name: whoami
      command: id -un
      register: who
      changed_when: false
    - name: hostname
      command: hostname
      register: hn
      changed_when: false
    - name: kernel
      command: uname -s
      changed_when: false
    - name: work dir
      file:
        path: "{{root}}"
        state: directory
        mode: "0750"
    - name: sub dir
      file:
        path: "{{root}}/conf.d"
        state: directory
        mode: "0755"
    - name: plain file
      copy:
        dest: "{{root}}/plain.txt"
        content: "hello {{inventory_hostname}}\\n"
        mode: "0644"
    - name: secret file
      copy:
        dest: "{{root}}/secret.txt"
        content: "s3cret\\n"
        mode: "0600"
    - name: conf file
      copy:
        dest: "{{root}}/conf.d/a.conf"
        content: "a=1\\nb=2\\n"
        mode: "0640"
    - name: template
      template:
        src: motd.hbs
        dest: "{{root}}/motd"
        mode: "0444"
    - name: touch marker
      file:
        path: "{{root}}/marker"
        state: touch
        mode: "0600"
    - name: stat plain
      command: stat -c '%a %s' {{root}}/plain.txt
      register: st
      changed_when: false
    - name: shell pipeline
      shell: cat {{root}}/conf.d/a.conf | wc -l
      register: lines
      changed_when: false
    - name: two lines
      assert:
        that:
          - lines.stdout == "2"
    - name: hostname matches the inventory name
      assert:
        that:
          - hn.stdout == inventory_hostname
    - name: probe a missing path
      shell: test -e {{root}}/nothing-here || echo absent
      register: probe
      changed_when: false
    - name: list
      command: ls {{root}}
      changed_when: false
    - name: mode already right
      file:
        path: "{{root}}/plain.txt"
        mode: "0644"
    - name: absent stays absent
      file:
        path: "{{root}}/gone"
        state: absent
    - name: report
      debug:
        msg: "{{who.stdout}} on {{hn.stdout}} stat {{st.stdout}}"
    - name: checksum
      command: md5sum {{root}}/plain.txt
      changed_when: false
`;

// A task that leaves a trace on every node it reaches.
const MARKER_TASKS = (marker: string) => `
- name: Leave a marker
  hosts: redis
  tasks:
    - name: hostname
      command: hostname
      changed_when: false
    - name: marker
      file:
        path: /etc/redis/${marker}
        state: touch
    - name: read it back
      command: ls /etc/redis/${marker}
      changed_when: false
`;

describe("ssh connections on the lab", () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "redplay-ssh-lab-"));
    await mkdir(join(work, "templates"));
    await writeFile(join(work, "templates", "motd.hbs"), "node {{inventory_hostname}} at {{ansible_host}}\n");
    lab = await startLab({ nodes: 3, base: BASE });
  });

  afterAll(async () => {
    // The become user lives in the host's shared /etc/passwd, /home and /etc/sudoers.d.
    await rm(`/etc/sudoers.d/${BECOME_USER}`, { force: true });
    try {
      execFileSync("userdel", ["-r", BECOME_USER], { stdio: "ignore" });
    } catch {
      // not created (an earlier failure) or already gone
    }
    if (lab) await stopLab(lab);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("a 20-task playbook opens exactly one SSH connection per node and writes the right bytes and modes", async () => {
    const inventory = await writeInventory("main");
    const playbook = await writePlaybook("twenty", TWENTY_TASKS);
    const before = await acceptedCounts();
    const r = await runCli(["run", playbook, "-i", inventory]);
    const after = await acceptedCounts();
    expect(r.code, ownOutput(r)).toBe(0);
    for (const n of NODES) {
      expect(after[n]! - before[n]!, `${n} connections`).toBe(1);
      expect(recap(r.stdout)[n]).toMatchObject({ ok: 20, failed: 0, unreachable: 0 });
    }

    const expected: [string, string | null, number][] = [
      ["", null, 0o750],
      ["conf.d", null, 0o755],
      ["secret.txt", "s3cret\n", 0o600],
      ["conf.d/a.conf", "a=1\nb=2\n", 0o640],
      ["marker", "", 0o600],
    ];
    for (const n of NODES) {
      const files: [string, string | null, number][] = [
        ...expected,
        ["plain.txt", `hello ${n}\n`, 0o644],
        ["motd", `node ${n} at ${theLab().address[n]}\n`, 0o444],
      ];
      for (const [rel, content, mode] of files) {
        const hostPath = nodeEtcRedis(n, "rp-ssh-lab", rel);
        const st = await stat(hostPath);
        expect((st.mode & 0o7777).toString(8), `${n}:${rel} mode`).toBe(mode.toString(8));
        if (content !== null) expect(await readFile(hostPath, "utf8"), `${n}:${rel}`).toBe(content);
      }
    }
    // And as the node itself sees it, through OpenSSH.
    const seen = await sshRun(theLab(), "node-2", `stat -c '%a %U' ${WORK}/secret.txt && cat ${WORK}/plain.txt`);
    expect(seen.stdout).toBe("600 root\nhello node-2\n");
  });

  it("a command's non-zero exit fails the task with its rc, and its stderr is shown with -v", async () => {
    const inventory = await writeInventory("fail", { hosts: ["node-1"] });
    const playbook = await writePlaybook(
      "fail",
      `
- hosts: redis
  tasks:
    - name: fails loudly
      command: sh -c 'echo oops >&2; exit 3'
`,
    );
    const human = await runCli(["run", playbook, "-i", inventory, "-v"]);
    expect(human.code, ownOutput(human)).toBe(2);
    expect(human.stdout).toMatch(/fatal: \[node-1\].*return code 3.*oops/);
    expect(recap(human.stdout)["node-1"]).toMatchObject({ failed: 1 });

    const json = await runCli(["run", playbook, "-i", inventory, "--json"]);
    expect(json.code).toBe(2);
    const result = json.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { event: string; host?: string; data?: { rc?: number; stderr?: string }; failed?: boolean })
      .find((e) => e.event === "host_result" && e.host === "node-1");
    expect(result).toMatchObject({ failed: true, data: { rc: 3, stderr: "oops" } });
  });

  it("a wrong private key is UNREACHABLE with 'authentication failed', no stack trace, exit 3", async () => {
    const otherKey = join(work, "other_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey]);
    const inventory = await writeInventory("wrong-key", { key: otherKey });
    const playbook = await writePlaybook("wrong-key", MARKER_TASKS("rp-wrong-key"));
    const r = await runCli(["run", playbook, "-i", inventory]);
    expect(r.code, ownOutput(r)).toBe(3);
    expect(ownOutput(r)).toContain("authentication failed");
    expect(ownOutput(r)).not.toMatch(STACK_FRAME);
    for (const n of NODES) {
      expect(recap(r.stdout)[n]).toMatchObject({ unreachable: 1, ok: 0 });
      expect(existsSync(nodeEtcRedis(n, "rp-wrong-key"))).toBe(false);
    }
  });

  it("a user that does not exist is UNREACHABLE with 'authentication failed', no stack trace, exit 3", async () => {
    const inventory = await writeInventory("wrong-user", { user: "rpnosuchuser", hosts: ["node-1"] });
    const playbook = await writePlaybook("wrong-user", MARKER_TASKS("rp-wrong-user"));
    const r = await runCli(["run", playbook, "-i", inventory]);
    expect(r.code, ownOutput(r)).toBe(3);
    expect(ownOutput(r)).toContain("authentication failed");
    expect(ownOutput(r)).toContain("rpnosuchuser@127.0.0.31");
    expect(ownOutput(r)).not.toMatch(STACK_FRAME);
    expect(recap(r.stdout)["node-1"]).toMatchObject({ unreachable: 1 });
  });

  it("an unknown host is refused with the ssh-keyscan hint; --accept-new connects and records the key", async () => {
    const empty = join(work, "empty_known_hosts");
    await writeFile(empty, "");
    const inventory = await writeInventory("unknown", { knownHosts: empty });
    const playbook = await writePlaybook("unknown", MARKER_TASKS("rp-unknown"));

    const refused = await runCli(["run", playbook, "-i", inventory]);
    expect(refused.code, ownOutput(refused)).toBe(3);
    expect(ownOutput(refused)).toContain(`ssh-keyscan -H ${theLab().address["node-1"]}`);
    expect(ownOutput(refused)).toContain("--accept-new");
    expect(await readFile(empty, "utf8")).toBe("");
    for (const n of NODES) expect(existsSync(nodeEtcRedis(n, "rp-unknown"))).toBe(false);

    const accepted = await runCli(["run", playbook, "-i", inventory, "--accept-new"]);
    expect(accepted.code, ownOutput(accepted)).toBe(0);
    const lines = (await readFile(empty, "utf8")).split("\n").filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(3);
    for (const n of NODES) expect(existsSync(nodeEtcRedis(n, "rp-unknown"))).toBe(true);

    // The recorded keys are the nodes' real keys: OpenSSH accepts them with strict checking.
    const viaRecorded = await sshRun({ ...theLab(), paths: { ...theLab().paths, knownHosts: empty } }, "node-3", "hostname");
    expect(viaRecorded).toMatchObject({ code: 0, stdout: "node-3\n" });
  });

  it("become: true writes a root-owned 0600 file as an unprivileged sudo user; become: false is refused (exit 2)", async () => {
    const l = theLab();
    // Created from inside node-1 (its sshd reads /etc/ssh/lab_authorized_keys for every user,
    // so the lab key logs this user in).
    const setup = await sshRun(
      l,
      "node-1",
      `useradd -m -s /bin/sh ${BECOME_USER} && ` +
        `printf '%s\\n' '${BECOME_USER} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/${BECOME_USER} && ` +
        `chmod 0440 /etc/sudoers.d/${BECOME_USER} && visudo -cf /etc/sudoers.d/${BECOME_USER}`,
    );
    expect(setup.code, setup.stderr).toBe(0);

    const inventory = await writeInventory("become", { user: BECOME_USER, hosts: ["node-1"] });
    const target = "/etc/redis/rp-become-root.txt";
    const play = (become: boolean) => `
- hosts: redis
  become: ${become}
  tasks:
    - name: who runs the task
      command: id -un
      register: who
      changed_when: false
    - name: root-only file
      copy:
        dest: ${target}
        content: "only root\\n"
        owner: root
        mode: "0600"
`;
    const denied = await runCli(["run", await writePlaybook("no-become", play(false)), "-i", inventory]);
    expect(denied.code, ownOutput(denied)).toBe(2);
    expect(ownOutput(denied)).toMatch(/permission denied/i);
    expect(existsSync(nodeEtcRedis("node-1", "rp-become-root.txt"))).toBe(false);

    const allowed = await runCli(["run", await writePlaybook("become", play(true)), "-i", inventory, "-vv"]);
    expect(allowed.code, ownOutput(allowed)).toBe(0);
    expect(allowed.stdout).toMatch(/stdout: root\b/);
    const st = await stat(nodeEtcRedis("node-1", "rp-become-root.txt"));
    expect(st.uid).toBe(0);
    expect((st.mode & 0o7777).toString(8)).toBe("600");
    expect(await readFile(nodeEtcRedis("node-1", "rp-become-root.txt"), "utf8")).toBe("only root\n");
    // The user itself still cannot read what it wrote as root.
    const asUser = await sshRun(l, "node-1", `su -s /bin/sh -c 'cat ${target}' ${BECOME_USER}`);
    expect(asUser.code).not.toBe(0);
  });

  it("a killed node is UNREACHABLE with a reason while the others finish every task (exit 3)", async () => {
    const l = theLab();
    await labKill("node-2", { dir: l.dir });
    try {
      const inventory = await writeInventory("killed");
      const playbook = await writePlaybook("killed", MARKER_TASKS("rp-killed"));
      const r = await runCli(["run", playbook, "-i", inventory]);
      expect(r.code, ownOutput(r)).toBe(3);
      expect(ownOutput(r)).toMatch(/node-2.*UNREACHABLE.*connection refused/);
      const counts = recap(r.stdout);
      expect(counts["node-2"]).toMatchObject({ unreachable: 1, ok: 0 });
      for (const n of ["node-1", "node-3"]) {
        expect(counts[n]).toMatchObject({ ok: 3, failed: 0, unreachable: 0 });
        expect(existsSync(nodeEtcRedis(n, "rp-killed"))).toBe(true);
      }
      expect(existsSync(nodeEtcRedis("node-2", "rp-killed"))).toBe(false);
    } finally {
      await labStart("node-2", { dir: l.dir });
    }
  });

  it("a node whose host key changed is refused with both fingerprints; nothing runs there (exit 3)", async () => {
    const l = theLab();
    const keyPath = join(l.dir, "nodes", "node-3", "etc-ssh", "ssh_host_ed25519_key");
    const oldFp = sshKeygenFingerprint(`${keyPath}.pub`);
    // A reinstall: the node goes down, gets a new host key, comes back with its data.
    await labKill("node-3", { dir: l.dir });
    await rm(keyPath);
    await rm(`${keyPath}.pub`);
    await newHostKey(keyPath, "node-3");
    await labStart("node-3", { dir: l.dir });
    const newFp = sshKeygenFingerprint(`${keyPath}.pub`);
    expect(newFp).not.toBe(oldFp);

    const inventory = await writeInventory("hostkey");
    const playbook = await writePlaybook("hostkey", MARKER_TASKS("rp-hostkey"));
    const acceptedBefore = await acceptedCount("node-3");
    const r = await runCli(["run", playbook, "-i", inventory]);
    expect(r.code, ownOutput(r)).toBe(3);
    const out = ownOutput(r);
    expect(out).toMatch(/node-3.*host key/);
    expect(out).toContain(oldFp);
    expect(out).toContain(newFp);
    expect(out).not.toMatch(STACK_FRAME);
    expect(recap(r.stdout)["node-3"]).toMatchObject({ unreachable: 1, ok: 0 });
    // Nothing ran on node-3: no marker, and its sshd never authenticated anyone.
    expect(existsSync(nodeEtcRedis("node-3", "rp-hostkey"))).toBe(false);
    expect(await acceptedCount("node-3")).toBe(acceptedBefore);
    for (const n of ["node-1", "node-2"]) {
      expect(recap(r.stdout)[n]).toMatchObject({ ok: 3, failed: 0, unreachable: 0 });
      expect(existsSync(nodeEtcRedis(n, "rp-hostkey"))).toBe(true);
    }
  });
});
