// Sentinel over TLS on systemd hosts (Debian 12 with Redis 7.0 and redis-sentinel, Debian 13 with
// Valkey 8.1 and valkey-sentinel, installed by the playbooks): a group monitored by Sentinels in plain text is moved to TLS, the nodes first
// (setup.yaml), then the Sentinels (sentinel.yaml), with no failover on the way; the Sentinels then
// serve TLS only, see every node and each other over TLS, and fail a crashed primary over.
// Every check uses independent clients (ioredis over TLS, openssl s_client), not redplay's report.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { recap } from "../helpers/cli.js";
import { sshRun } from "../helpers/lab.js";
import { until, untilSentinelPromoted } from "../helpers/lab-redis.js";
import { labTlsDir, sClient, testCall, testClient } from "../helpers/tls-client.js";
import { DEBIAN12_REDIS, DEBIAN13_VALKEY, type LabTarget } from "../helpers/systemd-targets.js";
import { useLab } from "../helpers/use-lab.js";

vi.setConfig({ testTimeout: 600_000 });

const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];
const FAST = { sentinel_down_after_milliseconds: 1000 };
const e = (vars: object) => ["-e", JSON.stringify(vars)];

const TARGETS: LabTarget[] = [
  { ...DEBIAN12_REDIS, base: "127.0.0.198" },
  { ...DEBIAN13_VALKEY, base: "127.0.0.36" },
];

describe.each(TARGETS)("Sentinels moved to TLS with their group ($title)", (t) => {
  const { theLab, playbook, outputs } = useLab({ base: t.base, os: t.os, server: t.server }, PASSWORD);
  const addr = (n: string) => theLab().address[n]!;
  const run = (name: string, vars: object, ...extra: string[]) => playbook(name, ...e(vars), ...extra);
  const tlsDir = () => labTlsDir(theLab());
  const ca = () => join(tlsDir(), "ca.crt");
  const connect = (node: string, port: number, overTls: boolean) => testClient(addr(node), { password: PASSWORD, port, ...(overTls ? { tlsDir: tlsDir() } : {}) });
  const call = (node: string, port: number, overTls: boolean, ...args: string[]) => testCall(addr(node), { password: PASSWORD, port, ...(overTls ? { tlsDir: tlsDir() } : {}) }, ...args);
  const master = async (node: string, overTls: boolean): Promise<Record<string, string>> => {
    const flat = (await call(node, 26379, overTls, "SENTINEL", "MASTER", "redis")) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
    return out;
  };
  const roleOf = async (n: string): Promise<string> => {
    const info = String(await call(n, 6379, true, "INFO", "replication"));
    return /role:master/.test(info) ? "master" : `replica of ${/master_host:(\S+)/.exec(info)![1]} link ${/master_link_status:(\w+)/.exec(info)![1]}`;
  };
  const epochs = async (overTls: boolean) => Promise.all(NODES.map(async (n) => (await master(n, overTls))["config-epoch"]));
  const expectNoChange = (stdout: string) => {
    const counts = Object.values(recap(stdout));
    expect(counts.length).toBe(3);
    for (const c of counts) expect(c.changed, stdout).toBe(0);
  };

  it("a group with Sentinels in plain text moves to TLS, the nodes and then the Sentinels, without a failover", async () => {
    expect((await run("setup.yaml", {})).code).toBe(0);
    const plain = await run("sentinel.yaml", FAST);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    const before = await epochs(false);

    const nodes = await run("setup.yaml", { redis_tls: true });
    expect(nodes.code, nodes.stdout + nodes.stderr).toBe(0);
    const sentinels = await run("sentinel.yaml", { redis_tls: true, ...FAST }, "-v");
    expect(sentinels.code, sentinels.stdout + sentinels.stderr).toBe(0);
    expect(sentinels.stdout).toContain(`-sentinel with redplay's settings merged into ${t.etc}/sentinel.conf: port, tls-port`);

    // Plain text is refused on both ports; TLS is served, verified against the group's CA.
    for (const n of NODES) {
      await expect(connect(n, 26379, false), n).rejects.toThrow();
      const out = await sClient(addr(n), 26379, ca());
      expect(out, n).toContain("Verify return code: 0 (ok)");
      const conf = (await sshRun(theLab(), n, `grep -E '^(port|tls-port|tls-replication) ' ${t.etc}/sentinel.conf`)).stdout.trim().split("\n").sort();
      expect(conf).toEqual(["port 0", "tls-port 26379", "tls-replication yes"]);
    }
    // Every Sentinel sees the primary, both replicas and the two other Sentinels again, over TLS.
    await until("every Sentinel seeing the whole group over TLS", async () => {
      for (const n of NODES) {
        const m = await master(n, true);
        if (!/^(master|primary)$/.test(m.flags ?? "") || m["num-slaves"] !== "2" || m["num-other-sentinels"] !== "2" || m.ip !== addr("node-1")) return false;
      }
      return true;
    }, 60_000);
    // No failover happened on the way: the same primary, the same epoch.
    expect(await roleOf("node-1")).toBe("master");
    expect(await epochs(true)).toEqual(before);
    expectNoChange((await run("sentinel.yaml", { redis_tls: true, ...FAST })).stdout);
    expectNoChange((await run("setup.yaml", { redis_tls: true })).stdout);
  });

  it("renewed certificates: the nodes read theirs at runtime, each Sentinel restarts to present its host's new one", async () => {
    const renew = await run("setup.yaml", { redis_tls: true, redis_tls_renew_days: 900 });
    expect(renew.code, renew.stdout + renew.stderr).toBe(0);
    const sentinels = await run("sentinel.yaml", { redis_tls: true, ...FAST }, "-v");
    expect(sentinels.code, sentinels.stdout + sentinels.stderr).toBe(0);
    expect(sentinels.stdout.match(/it presents an older certificate than \S+\/tls\/redis\.crt \(renewed\)/g)?.length).toBe(3);
    for (const n of NODES) {
      const file = new X509Certificate(readFileSync(join(tlsDir(), `${n}.crt`)));
      const served = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(await sClient(addr(n), 26379, ca()))![0];
      expect(new X509Certificate(served).serialNumber, n).toBe(file.serialNumber);
    }
    await until("every Sentinel seeing the whole group again", async () => {
      for (const n of NODES) {
        const m = await master(n, true);
        if (m["num-slaves"] !== "2" || m["num-other-sentinels"] !== "2" || m.ip !== addr("node-1")) return false;
      }
      return true;
    }, 60_000);
    expectNoChange((await run("sentinel.yaml", { redis_tls: true, ...FAST })).stdout);
  });

  it("the Sentinels fail a crashed primary over, over TLS, and setup.yaml brings the old primary back as a replica", async () => {
    await labKill("node-1", { dir: theLab().dir });
    const promoted = await untilSentinelPromoted(roleOf, addr);
    // The failover is over for the Sentinels too (their leader may still be reconfiguring the
    // replicas, up to failover-timeout): setup.yaml refuses to run during one.
    const settled = async (sentinels: string[]) =>
      (await Promise.all(sentinels.map((n) => master(n, true)))).every((m) => m.ip === addr(promoted) && /^(master|primary)$/.test(m.flags ?? ""));
    await until("the Sentinels done with the failover", () => settled(["node-2", "node-3"]), 150_000);
    await labStart("node-1", { dir: theLab().dir });
    // The rebooted host's Sentinel learns the new primary from the others' hello messages.
    await until("every Sentinel naming the promoted node", () => settled(NODES), 60_000);
    // The returning host is brought back by setup.yaml, as after any failover (the Sentinels may
    // have made it a replica already: setup then finds nothing to do for its role).
    const back = await run("setup.yaml", { redis_tls: true });
    expect(back.code, back.stdout + back.stderr).toBe(0);
    await until("the old primary following the promoted node over TLS", async () => (await roleOf("node-1").catch(() => "")) === `replica of ${addr(promoted)} link up`, 60_000).catch(async (err: Error) => {
      // What each Sentinel and the old primary say, for the failure's message.
      const views = await Promise.all(NODES.map(async (n) => `${n}: role ${await roleOf(n).catch((e: Error) => e.message)}; sentinel ${JSON.stringify(await master(n, true).catch((e: Error) => ({ error: e.message })))}`));
      throw new Error(`${err.message}\n${views.join("\n")}`);
    });
    expect(await settled(NODES)).toBe(true);
  });

  it("no password appears in any output", () => {
    expect(outputs.length).toBeGreaterThan(7);
    for (const out of outputs) expect(out).not.toContain(PASSWORD);
  });
});
