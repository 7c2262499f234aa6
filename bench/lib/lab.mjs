// The benchmark's lab, driven through the `redplay lab` CLI as a user would, plus what the bench
// reads from it: node addresses and the SSH connections each node's sshd accepted.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { run } from "./proc.mjs";

/** Runs `redplay lab ...`; throws with its output when it fails. */
export async function labCli(repo, args) {
  const r = await run(process.execPath, [join(repo, "bin/redplay.js"), "lab", ...args], { cwd: repo });
  if (r.code !== 0) throw new Error(`redplay lab ${args.join(" ")} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return r;
}

/** A fresh lab of `nodes` nodes (any lab already in `dir` is taken down first). */
export async function freshLab(repo, dir, nodes, base) {
  await labDownIfAny(repo, dir);
  await labCli(repo, ["up", "--nodes", String(nodes), "--base", base, "--dir", dir]);
  return readLab(dir);
}

/** Takes down the lab in `dir` if there is one; a loaded machine may need a second try. */
export async function labDownIfAny(repo, dir) {
  if (!existsSync(join(dir, "lab.json"))) return;
  try {
    await labCli(repo, ["down", "--dir", dir]);
  } catch (first) {
    process.stderr.write(`[bench] lab down failed, trying again: ${first.message}\n`);
    await new Promise((r) => setTimeout(r, 2000));
    await labCli(repo, ["down", "--dir", dir]);
  }
}

/** Node names and addresses of the lab in `dir`, from the inventory `lab up` wrote. */
export async function readLab(dir) {
  const inv = parse(await readFile(join(dir, "inventory.yaml"), "utf8"));
  const hosts = inv.all.children.redis.hosts;
  const nodes = Object.entries(hosts).map(([name, h]) => ({ name, address: h.ansible_host }));
  return { dir, nodes, inventory: join(dir, "inventory.yaml") };
}

/** Accepted SSH logins per node so far, from each node's VERBOSE sshd log. */
export async function sshLogins(lab) {
  const out = {};
  for (const n of lab.nodes) {
    const log = await readFile(join(lab.dir, "nodes", n.name, "var-log", "sshd.log"), "utf8").catch(() => "");
    out[n.name] = log.split("\n").filter((l) => l.includes("Accepted publickey")).length;
  }
  return out;
}

/** Mean SSH connections per host between two sshLogins snapshots. */
export function connectionsPerHost(before, after) {
  const names = Object.keys(after);
  const total = names.reduce((s, n) => s + (after[n] - (before[n] ?? 0)), 0);
  return names.length ? total / names.length : 0;
}
