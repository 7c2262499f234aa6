// The local lab against the real machine: namespaces, sshd and redis-server per node, checked
// with the OpenSSH client (host keys verified) and redis-cli, then crashed, restarted and torn
// down with every process accounted for.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { labKill, labStart, labStatus, labUp, LabError } from "../../src/lab/lab.js";
import { readState } from "../../src/lab/paths.js";
import { portOpen } from "../../src/lab/probe.js";
import { isLive, livePidsInNamespace } from "../../src/lab/procs.js";
import { sshRun, startLab, stopLab, type TestLab } from "../helpers/lab.js";

const BASE = "127.0.0.11";

function redisCli(address: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["-h", address, ...args], (err, stdout) => (err ? reject(err) : resolve(String(stdout).trim())));
  });
}

async function nodePids(lab: TestLab, node: string): Promise<number[]> {
  const state = await readState(lab.paths);
  const procs = state?.nodes.find((n) => n.name === node)?.procs;
  if (!procs) throw new Error(`${node} has no recorded processes`);
  return livePidsInNamespace(procs.pidNs);
}

describe("lab", () => {
  let lab: TestLab | undefined;
  let stopped = false;

  beforeAll(async () => {
    lab = await startLab({ nodes: 3, base: BASE });
  });

  afterAll(async () => {
    if (lab && !stopped) await stopLab(lab);
  });

  const theLab = (): TestLab => {
    if (!lab) throw new Error("lab did not start");
    return lab;
  };

  it("each node answers ssh with its own hostname, its host key checked against known_hosts", async () => {
    for (const node of ["node-1", "node-2", "node-3"]) {
      const r = await sshRun(theLab(), node, "hostname");
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: `${node}\n` });
    }
  });

  it("ssh refuses a node whose host key does not match known_hosts", async () => {
    const l = theLab();
    const lines = (await readFile(l.paths.knownHosts, "utf8")).trim().split("\n");
    const node1Key = lines[0]!.split(" ").slice(1).join(" ");
    const wrong = join(l.dir, "wrong_known_hosts");
    await writeFile(wrong, `127.0.0.12 ${node1Key}\n`);
    const r = await sshRun({ ...l, paths: { ...l.paths, knownHosts: wrong } }, "node-2", "hostname");
    expect(r.code).toBe(255);
    expect(r.stdout).toBe("");
  });

  it("each node's redis answers PING on its own address, from the host and from inside the node", async () => {
    for (const [node, address] of Object.entries(theLab().address)) {
      expect(await redisCli(address, "ping")).toBe("PONG");
      const inside = await sshRun(theLab(), node, `redis-cli -h ${address} ping`);
      expect(inside.stdout).toBe("PONG\n");
    }
  });

  it("node-2's /etc/redis/redis.conf differs from the host's only in its bind line", async () => {
    const host = (await readFile("/etc/redis/redis.conf", "utf8")).split("\n");
    const r = await sshRun(theLab(), "node-2", "cat /etc/redis/redis.conf");
    expect(r.code).toBe(0);
    const node = r.stdout.split("\n");
    expect(node.length).toBe(host.length);
    const differing = node.map((line, i) => [host[i], line]).filter(([h, n]) => h !== n);
    expect(differing).toEqual([[host.find((l) => l.startsWith("bind ")), "bind 127.0.0.12"]]);
  });

  it("writes an inventory and known_hosts naming every node", async () => {
    const l = theLab();
    const inv = parse(await readFile(l.paths.inventory, "utf8"));
    const redis = inv.all.children.redis;
    expect(redis.hosts).toEqual({
      "node-1": { ansible_host: "127.0.0.11" },
      "node-2": { ansible_host: "127.0.0.12" },
      "node-3": { ansible_host: "127.0.0.13" },
    });
    expect(redis.vars).toEqual({
      ansible_user: "root",
      ansible_ssh_private_key_file: l.paths.key,
      ansible_ssh_known_hosts_file: l.paths.knownHosts,
      redis_primary: "node-1",
      redis_password: "{{env 'REDIS_PASSWORD' 'lab-only-password'}}",
      redis_repl_diskless_sync_delay: 0,
    });
    const known = (await readFile(l.paths.knownHosts, "utf8")).trim().split("\n");
    expect(known.map((k) => k.split(" ").slice(0, 2).join(" "))).toEqual([
      "127.0.0.11 ssh-ed25519",
      "127.0.0.12 ssh-ed25519",
      "127.0.0.13 ssh-ed25519",
    ]);
  });

  it("status shows every node up as a master", async () => {
    const rows = await labStatus({ dir: theLab().dir });
    expect(rows).toEqual([
      { node: "node-1", address: "127.0.0.11", sshd: "up", redis: "up", role: "master" },
      { node: "node-2", address: "127.0.0.12", sshd: "up", redis: "up", role: "master" },
      { node: "node-3", address: "127.0.0.13", sshd: "up", redis: "up", role: "master" },
    ]);
  });

  it("kill node-2 ends every process of it, an open ssh session included, and leaves the others running", async () => {
    const l = theLab();
    expect(await redisCli("127.0.0.12", "set", "lab:survivor", "kept")).toBe("OK");
    expect(await redisCli("127.0.0.12", "save")).toBe("OK");

    const session = spawn("ssh", [
      "-i", l.paths.key, "-o", `UserKnownHostsFile=${l.paths.knownHosts}`, "-o", "StrictHostKeyChecking=yes",
      "-o", "BatchMode=yes", "root@127.0.0.12", "echo ready; sleep 300",
    ]);
    const sessionEnded = new Promise<number | null>((resolve) => session.on("close", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      session.stdout.on("data", (d) => String(d).includes("ready") && resolve());
      session.on("close", () => reject(new Error("ssh session ended before it was ready")));
    });
    const before = await nodePids(l, "node-2");
    expect(before.length).toBeGreaterThanOrEqual(4); // init, sshd listener, session, redis

    await labKill("node-2", { dir: l.dir });

    for (const pid of before) expect(await isLive(pid), `pid ${pid}`).toBe(false);
    expect(await sessionEnded).toBe(255);
    expect(await portOpen("127.0.0.12", 22)).toBe(false);
    expect(await portOpen("127.0.0.12", 6379)).toBe(false);
    expect((await readState(l.paths))?.nodes[1]?.procs).toBeNull();
    for (const node of ["node-1", "node-3"]) {
      expect((await sshRun(l, node, "hostname")).stdout).toBe(`${node}\n`);
    }
    const rows = await labStatus({ dir: l.dir });
    expect(rows.map((r) => [r.node, r.sshd, r.redis])).toEqual([
      ["node-1", "up", "up"],
      ["node-2", "down", "down"],
      ["node-3", "up", "up"],
    ]);
  });

  it("start node-2 brings it back with the data saved before the crash", async () => {
    const l = theLab();
    expect(await labStart("node-2", { dir: l.dir })).toBe(true);
    expect(await redisCli("127.0.0.12", "get", "lab:survivor")).toBe("kept");
    expect((await sshRun(l, "node-2", "hostname")).stdout).toBe("node-2\n");
    expect(await labStart("node-2", { dir: l.dir })).toBe(false);
  });

  it("up on the running lab starts nothing, and never a second lab on the same addresses", async () => {
    const l = theLab();
    const recorded = await readState(l.paths);
    const again = await labUp({ nodes: 3, base: BASE, dir: l.dir });
    expect(again.alreadyUp).toBe(true);
    expect(await readState(l.paths)).toEqual(recorded);

    await expect(labUp({ nodes: 2, base: BASE, dir: l.dir })).rejects.toThrow(/already holds a 3-node lab/);

    const other = await mkdtemp(join(tmpdir(), "redplay-lab-other-"));
    try {
      await expect(labUp({ nodes: 3, base: BASE, dir: other })).rejects.toThrow(/127\.0\.0\.11:22.*already in use/);
      expect(existsSync(join(other, "lab.json"))).toBe(false);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("up refuses a base address outside loopback before touching anything", async () => {
    const err = await labUp({ base: "10.0.0.1", dir: join(theLab().dir, "never") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as Error).message).toMatch(/leave loopback 127\.0\.0\.0\/8/);
    expect(existsSync(join(theLab().dir, "never"))).toBe(false);
  });

  it("down stops every recorded process, frees the addresses and forgets the lab", async () => {
    const l = theLab();
    const all = (await Promise.all(["node-1", "node-2", "node-3"].map((n) => nodePids(l, n)))).flat();
    expect(all.length).toBeGreaterThanOrEqual(9);
    stopped = true;
    await stopLab({ ...l, ownDir: false }, all); // throws on any live pid or open port
    for (const pid of all) expect(await isLive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(l.paths.state)).toBe(false);
    expect(existsSync(l.paths.nodesDir)).toBe(false);
    await rm(l.dir, { recursive: true, force: true });
  });
});
