// Measures failover and switchover on a 3-node lab (127.0.0.57-59 by default), 5 runs each:
//  - failover: from starting playbooks/failover.yaml (primary already killed) to the first write
//    the new primary accepts, probed every millisecond on every surviving node;
//  - switchover: a client writing every millisecond (to the primary, and to the target once the
//    old primary refuses) records the longest window of errors and the longest gap between two
//    acknowledged writes (writes paused by FAILOVER block instead of failing).
// Medians go to bench/results/failover.json and .md. Build first: npx tsc -p tsconfig.json.
//
//   sudo node bench/failover.mjs [--runs 5] [--base 127.0.0.57]
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { labDown, labKill, labStart, labUp } from "../dist/lab/lab.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg("runs", "5"));
const BASE = arg("base", "127.0.0.57");
const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function client(address) {
  const c = new Redis({ host: address, port: 6379, password: PASSWORD, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000 });
  c.on("error", () => {});
  return c;
}

function redplay(inventory, playbook, ...extra) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/redplay.js", "run", `playbooks/${playbook}`, "-i", inventory, ...extra], { cwd: REPO, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

async function roleOf(address) {
  const c = client(address);
  try {
    await c.connect();
    const info = await c.info("replication");
    return /role:(\w+)/.exec(info)[1];
  } catch {
    return "down";
  } finally {
    c.disconnect();
  }
}

async function must(p, what) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.out}`);
  return r;
}

/** The time the first of `addresses` accepts a SET, polled every millisecond. A client is
 * reopened after any error: the promotion disconnects every client of the promoted replica. */
async function firstWritable(addresses) {
  const clients = new Map();
  try {
    for (;;) {
      for (const a of addresses) {
        let c = clients.get(a);
        if (!c || c.status !== "ready") {
          c?.disconnect();
          c = client(a);
          clients.set(a, c);
          await c.connect().catch(() => {});
        }
        try {
          await c.set("__bench:probe", "1");
          return Date.now();
        } catch {}
      }
      await sleep(1);
    }
  } finally {
    for (const c of clients.values()) c.disconnect();
  }
}

async function benchFailover(lab, address, inventory) {
  const roles = await Promise.all(NODES.map((n) => roleOf(address[n])));
  const old = NODES[roles.indexOf("master")];
  const survivors = NODES.filter((n) => n !== old).map((n) => address[n]);
  await labKill(old, { dir: lab });
  // Wait until the replicas see the link down, as failover.yaml requires.
  for (;;) {
    const linkDown = await Promise.all(survivors.map(async (a) => {
      const c = client(a);
      try { await c.connect(); return /master_link_status:down/.test(await c.info("replication")); } catch { return false; } finally { c.disconnect(); }
    }));
    if (linkDown.every(Boolean)) break;
    await sleep(50);
  }
  const t0 = Date.now();
  const writable = firstWritable(survivors);
  const run = await must(redplay(inventory, "failover.yaml"), "failover.yaml");
  const ms = (await writable) - t0;
  const totalMs = Date.now() - t0;
  await labStart(old, { dir: lab });
  await must(redplay(inventory, "setup.yaml"), "setup.yaml");
  return { ms, totalMs, old, out: run.out };
}

async function benchSwitchover(address, inventory, target) {
  const roles = await Promise.all(NODES.map((n) => roleOf(address[n])));
  const old = NODES[roles.indexOf("master")];
  const writers = [client(address[old]), client(address[target])];
  await Promise.all(writers.map((c) => c.connect()));
  let stop = false;
  let lastOk = Date.now();
  let errorSince;
  let longestError = 0;
  let longestGap = 0;
  let acked = 0;
  const loop = (async () => {
    let which = 0;
    for (let i = 0; !stop; i++) {
      const t = Date.now();
      try {
        await writers[which].set(`__bench:sw:${i}`, "1");
        const now = Date.now();
        acked++;
        longestGap = Math.max(longestGap, now - lastOk);
        if (errorSince !== undefined) longestError = Math.max(longestError, now - errorSince);
        errorSince = undefined;
        lastOk = now;
      } catch {
        errorSince ??= t;
        if (writers[which].status !== "ready") {
          writers[which].disconnect();
          writers[which] = client(which === 0 ? address[old] : address[target]);
          await writers[which].connect().catch(() => {});
        }
        which = 1 - which; // READONLY: the other node may be the primary now
      }
      await sleep(1);
    }
  })();
  await sleep(300);
  await must(redplay(inventory, "switchover.yaml", "-e", `new_primary=${target}`), "switchover.yaml");
  await sleep(300);
  stop = true;
  await loop;
  for (const c of writers) c.disconnect();
  return { longestError, longestGap, acked, from: old, to: target };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "redplay-bench-"));
  const up = await labUp({ nodes: 3, base: BASE, dir });
  const address = Object.fromEntries(up.state.nodes.map((n) => [n.name, n.address]));
  const inventory = up.paths.inventory;
  const failovers = [];
  const switchovers = [];
  try {
    await must(redplay(inventory, "setup.yaml"), "setup.yaml");
    for (let i = 0; i < RUNS; i++) {
      const f = await benchFailover(dir, address, inventory);
      failovers.push(f.ms);
      console.log(`failover ${i + 1}: new primary writable after ${f.ms} ms (playbook finished after ${f.totalMs} ms)`);
    }
    for (let i = 0; i < RUNS; i++) {
      const roles = await Promise.all(NODES.map((n) => roleOf(address[n])));
      const replicas = NODES.filter((_, k) => roles[k] !== "master");
      const s = await benchSwitchover(address, inventory, replicas[i % replicas.length]);
      switchovers.push(s);
      console.log(`switchover ${i + 1} (${s.from} -> ${s.to}): longest error window ${s.longestError} ms, longest gap between acknowledged writes ${s.longestGap} ms (${s.acked} writes)`);
    }
  } finally {
    await labDown({ dir });
    await rm(dir, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    runs: RUNS,
    lab: `3 nodes from ${BASE}`,
    failover_to_writable_ms: { median: median(failovers), runs: failovers },
    switchover_longest_error_window_ms: { median: median(switchovers.map((s) => s.longestError)), runs: switchovers.map((s) => s.longestError) },
    switchover_longest_write_gap_ms: { median: median(switchovers.map((s) => s.longestGap)), runs: switchovers.map((s) => s.longestGap) },
  };
  await mkdir(join(REPO, "bench/results"), { recursive: true });
  await writeFile(join(REPO, "bench/results/failover.json"), JSON.stringify(result, null, 2) + "\n");
  await writeFile(
    join(REPO, "bench/results/failover.md"),
    [
      "# failover / switchover on the 3-node lab",
      "",
      `\`sudo node bench/failover.mjs --runs ${RUNS}\`, ${result.date}`,
      "",
      "| measure | median | runs |",
      "|---|---|---|",
      `| failover.yaml start -> new primary accepts writes | ${result.failover_to_writable_ms.median} ms | ${failovers.join(", ")} |`,
      `| switchover: longest window of write errors (1 ms writer) | ${result.switchover_longest_error_window_ms.median} ms | ${result.switchover_longest_error_window_ms.runs.join(", ")} |`,
      `| switchover: longest gap between acknowledged writes | ${result.switchover_longest_write_gap_ms.median} ms | ${result.switchover_longest_write_gap_ms.runs.join(", ")} |`,
      "",
    ].join("\n"),
  );
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
