// Measures automatic failover by Sentinel on a 3-node systemd lab (Debian 12, Redis 7.0 and
// redis-sentinel, deployed by playbooks/setup.yaml and playbooks/sentinel.yaml): from `lab kill`
// of the primary's whole host to the first write a promoted replica accepts (probed every
// millisecond on both survivors), 5 runs for each `sentinel_down_after_milliseconds` (1000 and
// 5000). Between runs the killed host is booted again and waits until Sentinel has made it a
// replica and every Sentinel agrees. Medians go to bench/results/sentinel-failover.json and .md.
// Build first: npx tsc -p tsconfig.json. `npm run bench` runs it after its own scenarios.
//
//   sudo node bench/sentinel-failover.mjs [--runs 5] [--base 127.0.0.207]
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
const BASE = arg("base", "127.0.0.207");
const DOWN_AFTER = [1000, 5000];
const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function client(address, port = 6379) {
  const c = new Redis({ host: address, port, password: PASSWORD, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, enableReadyCheck: false, connectTimeout: 1000 });
  c.on("error", () => {});
  return c;
}

async function call(address, port, ...args) {
  const c = client(address, port);
  try {
    await c.connect();
    return await c.call(args[0], ...args.slice(1));
  } finally {
    c.disconnect();
  }
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

async function must(p, what) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.out}`);
  return r;
}

async function roleOf(address) {
  try {
    const info = String(await call(address, 6379, "INFO", "replication"));
    return /role:(\w+)/.exec(info)[1] === "master" ? "master" : `replica of ${/master_host:(\S+)/.exec(info)[1]} ${/master_link_status:(\w+)/.exec(info)[1]}`;
  } catch {
    return "down";
  }
}

/** The time the first of `addresses` accepts a SET, polled every millisecond (a client is reopened after any error). */
async function firstWritable(addresses, deadline) {
  const clients = new Map();
  try {
    while (Date.now() < deadline) {
      for (const a of addresses) {
        let c = clients.get(a);
        if (!c || c.status !== "ready") {
          c?.disconnect();
          c = client(a);
          clients.set(a, c);
          await c.connect().catch(() => {});
        }
        try {
          await c.set("__bench:sentinel-probe", "1");
          return Date.now();
        } catch {}
      }
      await sleep(1);
    }
    throw new Error("no survivor accepted a write within the deadline");
  } finally {
    for (const c of clients.values()) c.disconnect();
  }
}

/** Until every node is up, one primary, the others its replicas with link up, and every Sentinel names it. */
async function settled(address) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const roles = await Promise.all(NODES.map((n) => roleOf(address[n])));
    const primary = NODES[roles.indexOf("master")];
    if (primary && roles.filter((r) => r === `replica of ${address[primary]} up`).length === 2) {
      const named = await Promise.all(NODES.map((n) => call(address[n], 26379, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "redis").then((r) => r?.[0], () => undefined)));
      if (named.every((a) => a === address[primary])) return primary;
    }
    if (Date.now() > deadline) throw new Error(`the group did not settle: ${roles.join(", ")}`);
    await sleep(200);
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "redplay-bench-sentinel-"));
  const up = await labUp({ nodes: 3, base: BASE, dir, os: "bookworm", server: "redis" });
  const address = Object.fromEntries(up.state.nodes.map((n) => [n.name, n.address]));
  const inventory = up.paths.inventory;
  const figures = {};
  try {
    await must(redplay(inventory, "setup.yaml"), "setup.yaml");
    for (const downAfter of DOWN_AFTER) {
      await must(redplay(inventory, "sentinel.yaml", "-e", `sentinel_down_after_milliseconds=${downAfter}`), "sentinel.yaml");
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        const old = await settled(address);
        const survivors = NODES.filter((n) => n !== old).map((n) => address[n]);
        await labKill(old, { dir });
        const killedAt = Date.now();
        const ms = (await firstWritable(survivors, killedAt + 60_000)) - killedAt;
        runs.push(ms);
        console.log(`down-after-milliseconds ${downAfter}, run ${i + 1}: kill of ${old} -> first accepted write ${ms} ms`);
        await labStart(old, { dir });
        await settled(address);
      }
      figures[downAfter] = { median: median(runs), runs };
    }
  } finally {
    await labDown({ dir });
    await rm(dir, { recursive: true, force: true });
  }
  const result = { date: new Date().toISOString(), runs: RUNS, lab: `3 systemd hosts (Debian 12, Redis 7.0, redis-sentinel) from ${BASE}`, kill_to_first_write_ms: figures };
  await mkdir(join(REPO, "bench/results"), { recursive: true });
  await writeFile(join(REPO, "bench/results/sentinel-failover.json"), JSON.stringify(result, null, 2) + "\n");
  await writeFile(
    join(REPO, "bench/results/sentinel-failover.md"),
    [
      "# automatic failover by Sentinel on the 3-node systemd lab",
      "",
      `\`sudo node bench/sentinel-failover.mjs --runs ${RUNS}\`, ${result.date}`,
      "",
      "| sentinel_down_after_milliseconds | kill of the primary's host -> first accepted write (median) | runs |",
      "|---|---|---|",
      ...DOWN_AFTER.map((d) => `| ${d} | ${figures[d].median} ms | ${figures[d].runs.join(", ")} |`),
      "",
    ].join("\n"),
  );
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
