// Wall time of a 20-task playbook over SSH against lab nodes, run with the built CLI as a user
// would: one converge run from scratch, then N runs that change nothing. For every run it also
// reads each node's sshd log (LogLevel VERBOSE) to count SSH connections ("Accepted publickey")
// and SSH sessions ("Starting session": one per persistent remote shell, SFTP subsystem, or
// command run on its own channel), since the per-session cost on the host (its login shell
// start-up files) dominated the wall time while every command had its own session.
//
//   npx tsc -p tsconfig.json && node bench/ssh-tasks.mjs [--nodes 3,10] [--runs 5]
//
// Writes bench/results/ssh-tasks.json and bench/results/ssh-tasks.md. Needs root (the lab).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ssh2 from "ssh2";
import { labDown, labUp, nodeSshdLog } from "../dist/lab/lab.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO, "bin", "redplay.js");
const RESULTS = join(REPO, "bench", "results");
// Its own loopback range, so the bench never meets a test lab or the default dev lab.
const BASE = "127.0.0.101";
const WORK = "/etc/redis/rp-bench";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const sizes = arg("nodes", "3,10").split(",").map(Number);
const runs = Number(arg("runs", "5"));
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 10) || !Number.isInteger(runs) || runs < 1) {
  console.error("usage: node bench/ssh-tasks.mjs [--nodes 3,10] [--runs 5]   (at most 10 nodes: 127.0.0.101-110)");
  process.exit(4);
}

// Idempotent, so every run after the first changes nothing and measures the steady state.
const PLAYBOOK = `
- name: Twenty tasks
  hosts: redis
  vars:
    root: ${WORK}
  tasks:
    - { name: whoami, command: id -un, register: who, changed_when: false }
    - { name: hostname, command: hostname, register: hn, changed_when: false }
    - { name: kernel, command: uname -s, changed_when: false }
    - name: work dir
      file: { path: "{{root}}", state: directory, mode: "0750" }
    - name: sub dir
      file: { path: "{{root}}/conf.d", state: directory, mode: "0755" }
    - name: plain file
      copy: { dest: "{{root}}/plain.txt", content: "hello {{inventory_hostname}}\\n", mode: "0644" }
    - name: secret file
      copy: { dest: "{{root}}/secret.txt", content: "s3cret\\n", mode: "0600" }
    - name: conf file
      copy: { dest: "{{root}}/conf.d/a.conf", content: "a=1\\nb=2\\n", mode: "0640" }
    - name: template
      template: { src: motd.hbs, dest: "{{root}}/motd", mode: "0444" }
    - name: marker
      copy: { dest: "{{root}}/marker", content: "", mode: "0600" }
    - { name: stat plain, command: "stat -c '%a %s' {{root}}/plain.txt", register: st, changed_when: false }
    - { name: shell pipeline, shell: "cat {{root}}/conf.d/a.conf | wc -l", register: lines, changed_when: false }
    - name: two lines
      assert: { that: ['lines.stdout == "2"'] }
    - name: hostname matches
      assert: { that: ["hn.stdout == inventory_hostname"] }
    - { name: probe, shell: "test -e {{root}}/nothing || echo absent", changed_when: false }
    - { name: list, command: "ls {{root}}", changed_when: false }
    - name: mode already right
      file: { path: "{{root}}/plain.txt", mode: "0644" }
    - name: absent stays absent
      file: { path: "{{root}}/gone", state: absent }
    - name: report
      debug: { msg: "{{who.stdout}} on {{hn.stdout}}" }
    - { name: checksum, command: "md5sum {{root}}/plain.txt", changed_when: false }
`;

function runCli(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

async function logCounts(dir, nodes) {
  const out = {};
  for (const n of nodes) {
    const log = await readFile(nodeSshdLog(n, { dir }), "utf8");
    const lines = log.split("\n");
    out[n] = {
      connections: lines.filter((l) => l.includes("Accepted publickey")).length,
      sessions: lines.filter((l) => l.includes("Starting session:")).length,
    };
  }
  return out;
}

function changedTotal(stdout) {
  return [...stdout.matchAll(/changed=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
}

async function measuredRun(dir, nodes, playbook, inventory) {
  const before = await logCounts(dir, nodes);
  const r = await runCli(["run", playbook, "-i", inventory]);
  const after = await logCounts(dir, nodes);
  if (r.code !== 0) throw new Error(`run failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  const conns = nodes.map((n) => after[n].connections - before[n].connections);
  const sessions = nodes.map((n) => after[n].sessions - before[n].sessions);
  return {
    ms: Math.round(r.ms),
    changed: changedTotal(r.stdout),
    connectionsPerNode: { min: Math.min(...conns), max: Math.max(...conns) },
    sessionsPerNode: { min: Math.min(...sessions), max: Math.max(...sessions) },
  };
}

/** Runs `cmd` `n` times over one already-open connection; returns the mean ms per command. */
function execLatency(client, cmd, n) {
  return (async () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await new Promise((resolve, reject) =>
        client.exec(cmd, (err, ch) => {
          if (err) return reject(err);
          ch.resume();
          ch.stderr.resume();
          ch.on("close", resolve);
        }),
      );
    }
    return Math.round(((performance.now() - t0) / n) * 10) / 10;
  })();
}

/**
 * Where a session's time goes on node-1: an empty command over an open connection (all of
 * sshd's per-session work plus the login shell's start-up files), and inside one session the
 * same login-shell start-up as sshd triggers it (bash sources ~/.bashrc when SSH_CLIENT is set
 * and SHLVL is unset) against a plain `sh -c true`.
 */
async function sessionProfile(dir, address) {
  const client = new ssh2.Client();
  await new Promise((resolve, reject) => {
    client.on("ready", resolve).on("error", reject);
    // The host key was just checked by the CLI runs against the lab's known_hosts.
    client.connect({ host: address, username: "root", privateKey: readFileSync(join(dir, "id_ed25519")), hostVerifier: () => true });
  });
  try {
    const emptyCommandMs = await execLatency(client, "true", 20);
    const timed = (inner) =>
      `s=$(date +%s%N); for i in 1 2 3 4 5 6 7 8 9 10; do ${inner}; done; echo $(( ($(date +%s%N) - s) / 10000000 ))`;
    const out = (cmd) =>
      new Promise((resolve, reject) =>
        client.exec(cmd, (err, ch) => {
          if (err) return reject(err);
          let o = "";
          ch.on("data", (d) => (o += d)).on("close", () => resolve(Number(o.trim())));
          ch.stderr.resume();
        }),
      );
    const loginShellStartupMs = await out(timed("env -u SHLVL bash -c true"));
    const plainShMs = await out(timed("sh -c true"));
    return { emptyCommandMs, loginShellStartupMs, plainShMs };
  } finally {
    client.end();
  }
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
  return { median, min: s[0], max: s[s.length - 1] };
}

async function benchSize(count) {
  const dir = await mkdtemp(join(tmpdir(), "redplay-bench-lab-"));
  const work = await mkdtemp(join(tmpdir(), "redplay-bench-pb-"));
  let up = false;
  try {
    await labUp({ nodes: count, base: BASE, dir });
    up = true;
    const nodes = Array.from({ length: count }, (_, i) => `node-${i + 1}`);
    await mkdir(join(work, "templates"));
    await writeFile(join(work, "templates", "motd.hbs"), "node {{inventory_hostname}} at {{ansible_host}}\n");
    const playbook = join(work, "twenty.yaml");
    await writeFile(playbook, PLAYBOOK);
    const inventory = join(dir, "inventory.yaml");

    const converge = await measuredRun(dir, nodes, playbook, inventory);
    const steady = [];
    for (let i = 0; i < runs; i++) steady.push(await measuredRun(dir, nodes, playbook, inventory));
    const changedAfter = steady.reduce((a, r) => a + r.changed, 0);
    if (changedAfter !== 0) throw new Error(`the no-change runs reported changed=${changedAfter}; the playbook is not idempotent`);
    const profile = await sessionProfile(dir, BASE);
    return {
      profile,
      nodes: count,
      tasks: 20,
      converge,
      noChange: { runs: steady.length, ms: stats(steady.map((r) => r.ms)), each: steady },
    };
  } finally {
    if (up) await labDown({ dir });
    await rm(dir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
}

function markdown(result) {
  const rows = result.sizes.map((s) => {
    const c = s.noChange.each;
    const conns = `${Math.min(...c.map((r) => r.connectionsPerNode.min))}-${Math.max(...c.map((r) => r.connectionsPerNode.max))}`;
    const sess = `${Math.min(...c.map((r) => r.sessionsPerNode.min))}-${Math.max(...c.map((r) => r.sessionsPerNode.max))}`;
    return `| ${s.nodes} | ${s.converge.ms} | ${s.noChange.ms.median} | ${s.noChange.ms.min} | ${s.noChange.ms.max} | ${conns} | ${sess} | ${s.converge.sessionsPerNode.max} |`;
  });
  return [
    "# SSH: a 20-task playbook on lab nodes",
    "",
    `${result.date}, node ${result.node}, ${result.cpus} CPUs. \`node bench/ssh-tasks.mjs --nodes ${result.sizes.map((s) => s.nodes).join(",")} --runs ${result.runs}\`.`,
    "Converge = first run on a fresh lab; no-change = the runs after it (wall time of the whole CLI process, ms).",
    "Connections and sessions per node per run are counted in each node's sshd log.",
    "",
    "| nodes | converge ms | no-change median ms | min | max | SSH connections/node/run | SSH sessions/node/run (no-change) | sessions/node (converge) |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "## Where a session's time goes (node-1, mean per command)",
    "",
    "| nodes | empty command over an open connection ms | login-shell start-up (bash as sshd runs it) ms | plain `sh -c true` ms |",
    "|---|---|---|---|",
    ...result.sizes.map((s) => `| ${s.nodes} | ${s.profile.emptyCommandMs} | ${s.profile.loginShellStartupMs} | ${s.profile.plainShMs} |`),
    "",
  ].join("\n");
}

const result = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, runs, sizes: [] };
for (const n of sizes) {
  console.error(`bench: ${n} nodes ...`);
  const r = await benchSize(n);
  console.error(`bench: ${n} nodes: converge ${r.converge.ms} ms, no-change median ${r.noChange.ms.median} ms`);
  result.sizes.push(r);
}
await mkdir(RESULTS, { recursive: true });
await writeFile(join(RESULTS, "ssh-tasks.json"), JSON.stringify(result, null, 2) + "\n");
await writeFile(join(RESULTS, "ssh-tasks.md"), markdown(result));
console.log(markdown(result));
