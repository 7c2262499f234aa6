// TLS end to end on systemd hosts (Debian 12 with Redis 7.0, Debian 13 with Valkey 8.1, each its
// distribution's package, installed by setup.yaml): a running group is moved to TLS on its own
// port under a writer that keeps writing (SET + WAIT, reconnecting over TLS once the port speaks
// it), with no restart and no acknowledged write lost; then every check a user would make with
// independent clients: openssl s_client against each node, a plain-text client refused, replication
// links that come back over TLS, file owners and modes, a renewed certificate served without a
// restart, a switchover and a failover over TLS, and no secret in any output or argument list.
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { labKill, labStart } from "../../src/lab/lab.js";
import { recap } from "../helpers/cli.js";
import { sshRun } from "../helpers/lab.js";
import { until } from "../helpers/lab-redis.js";
import { labTlsDir, sClient, testCall, testClient } from "../helpers/tls-client.js";
import { DEBIAN12_REDIS, DEBIAN13_VALKEY, type LabTarget } from "../helpers/systemd-targets.js";
import { useLab } from "../helpers/use-lab.js";

vi.setConfig({ testTimeout: 600_000 });

const PASSWORD = "lab-only-password";
const NODES = ["node-1", "node-2", "node-3"];
const TLS = ["-e", JSON.stringify({ redis_tls: true })];

const TARGETS: LabTarget[] = [
  { ...DEBIAN12_REDIS, base: "127.0.0.118" },
  { ...DEBIAN13_VALKEY, base: "127.0.0.138" },
];

describe.each(TARGETS)("TLS turned on for a running group, and kept ($title)", (t) => {
  const { theLab, playbook: run, outputs } = useLab({ base: t.base, os: t.os, server: t.server }, PASSWORD);
  const addr = (n: string) => theLab().address[n]!;
  const tlsDir = () => labTlsDir(theLab());
  const ca = () => join(tlsDir(), "ca.crt");
  /** An independent client: over TLS (verifying the node's certificate against the group's CA) or plain text. */
  const client = (node: string, overTls: boolean) => testClient(addr(node), { password: PASSWORD, ...(overTls ? { tlsDir: tlsDir() } : {}) });
  const call = (node: string, overTls: boolean, ...args: string[]) => testCall(addr(node), { password: PASSWORD, ...(overTls ? { tlsDir: tlsDir() } : {}) }, ...args);
  const info = async (node: string, section: string): Promise<Record<string, string>> => {
    const text = String(await call(node, true, "INFO", section));
    return Object.fromEntries(text.split("\r\n").filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
  };
  const runIds = async (overTls: boolean) => Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, /run_id:(\w+)/.exec(String(await call(n, overTls, "INFO", "server")))![1]!])));
  const expectNoChange = (stdout: string) => {
    const counts = Object.values(recap(stdout));
    expect(counts.length).toBe(3);
    for (const c of counts) expect(c.changed, stdout).toBe(0);
  };
  /** Every argument list on the machine (the lab's hosts share its kernel), sampled while `p` runs. */
  const sampleArgs = async <T>(p: Promise<T>): Promise<{ value: T; samples: string[] }> => {
    const samples: string[] = [];
    let done = false;
    const sampler = (async () => {
      while (!done) {
        samples.push(await new Promise<string>((resolve) => execFile("ps", ["-eo", "args"], { maxBuffer: 8 << 20 }, (_e, out) => resolve(out))));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      return { value: await p, samples };
    } finally {
      done = true;
      await sampler;
    }
  };
  let primary = "node-1";
  /** When the run that moved the group to TLS started. */
  let switchStarted = 0;

  it("--check --diff with redis_tls predicts the switch and touches nothing, on the nodes or the controller", async () => {
    const setup = await run("setup.yaml");
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    const check = await run("setup.yaml", "--check", "--diff", ...TLS);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    for (const n of NODES) {
      expect(check.stdout).toContain(`issue ${n}'s certificate for ${addr(n)}, ${n}`);
      expect(await call(n, false, "PING")).toBe("PONG");
      expect((await sshRun(theLab(), n, `test -e ${t.etc}/tls && echo present || echo absent`)).stdout.trim()).toBe("absent");
    }
    expect(check.stdout).toContain("port 6379 -> 0 (CONFIG SET)");
    expect(check.stdout).toContain("tls-port 0 -> 6379 (CONFIG SET)");
    expect(check.stdout).toContain("+tls-replication yes");
    expect(check.stdout.match(/its replication link dropped \(CLIENT KILL TYPE master\) and made again in the new scheme/g)?.length).toBe(2);
    expect(existsSync(tlsDir())).toBe(false);
  });

  it("turns TLS on under a writer: no restart, no acknowledged write lost, writes go on over TLS", async () => {
    const before = await runIds(false);
    // The writer: SET + WAIT 1 on the primary, a new connection every 20 writes, in the scheme that
    // worked last, else the other (TLS once the CA exists), so it follows the port to TLS.
    const acked: Array<{ key: string; tls: boolean }> = [];
    const refusals: Array<{ at: number; why: string }> = [];
    let stop = false;
    const writer = (async () => {
      let i = 0;
      let tls = false;
      while (!stop) {
        let c: Redis | undefined;
        const order: boolean[] = tls ? [true, false] : existsSync(ca()) ? [false, true] : [false];
        for (const overTls of order) {
          c = await client(primary, overTls).catch(() => undefined);
          if (c) {
            tls = overTls;
            break;
          }
        }
        if (!c) {
          refusals.push({ at: Date.now(), why: "no connection" });
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        try {
          for (let k = 0; k < 20 && !stop; k++, i++) {
            const key = `tls-writer:${i}`;
            try {
              await c.set(key, String(i));
              if (Number(await c.call("WAIT", "1", "1000")) >= 1) acked.push({ key, tls });
              else refusals.push({ at: Date.now(), why: "WAIT 0" });
            } catch (e) {
              refusals.push({ at: Date.now(), why: (e as Error).message.split(" ")[0]! });
              break;
            }
          }
        } finally {
          c.disconnect();
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    switchStarted = started;
    const { value: on, samples } = await sampleArgs(run("setup.yaml", ...TLS));
    const took = Date.now() - started;
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await writer;
    expect(on.code, on.stdout + on.stderr).toBe(0);
    const firstTls = acked.findIndex((a) => a.tls);
    const windows = refusals.map((r) => `${r.why}@+${r.at - started}ms`);
    console.log(`[tls ${t.title}] switch run ${took} ms; ${acked.length} writes acknowledged (${acked.filter((a) => a.tls).length} over TLS); refused or unacknowledged: ${refusals.length} (${windows.slice(0, 20).join(", ")})`);
    expect(firstTls).toBeGreaterThan(0);
    expect(acked.slice(firstTls).every((a) => a.tls)).toBe(true);
    // Nothing restarted: the same processes serve, now over TLS.
    expect(await runIds(true)).toEqual(before);
    // Every acknowledged write is on the primary and on every replica.
    for (const n of NODES) {
      const c = await client(n, true);
      try {
        const got = await c.mget(...acked.map((a) => a.key));
        expect(got.filter((v) => v === null).length, n).toBe(0);
      } finally {
        c.disconnect();
      }
    }
    // No password and no private key in any argument list while the run went on.
    const keyBody = readFileSync(join(tlsDir(), "node-1.key"), "utf8").split("\n")[1]!;
    expect(samples.length).toBeGreaterThan(3);
    for (const s of samples) {
      expect(s).not.toContain(PASSWORD);
      expect(s).not.toContain(keyBody);
    }
  });

  it("every node serves TLS on its port with a certificate for its address, refuses plain text, and its replication links come back over TLS", async () => {
    for (const n of NODES) {
      const out = await sClient(addr(n), 6379, ca());
      expect(out, n).toContain("Verify return code: 0 (ok)");
      expect(out, n).toMatch(new RegExp(`subject=.*CN\\s*=\\s*${n}`));
      await expect(client(n, false), n).rejects.toThrow();
      const conf = (await sshRun(theLab(), n, `grep -E '^(port|tls-port|tls-replication|tls-auth-clients) ' ${t.etc}/${t.conf}`)).stdout.trim().split("\n");
      expect(conf.sort()).toEqual(["port 0", "tls-auth-clients optional", "tls-port 6379", "tls-replication yes"]);
      // Files: the key readable by the server's user alone.
      const modes = (await sshRun(theLab(), n, `stat -c '%n %a %U %G' ${t.etc}/tls ${t.etc}/tls/ca.crt ${t.etc}/tls/redis.crt ${t.etc}/tls/redis.key`)).stdout.trim().split("\n");
      expect(modes).toEqual([`${t.etc}/tls 750 root ${t.user}`, `${t.etc}/tls/ca.crt 644 ${t.user} ${t.user}`, `${t.etc}/tls/redis.crt 644 ${t.user} ${t.user}`, `${t.etc}/tls/redis.key 600 ${t.user} ${t.user}`]);
    }
    // On the controller: the CA's key and every node's key 0600 in a 0700 directory.
    expect(statSync(tlsDir()).mode & 0o777).toBe(0o700);
    for (const f of ["ca.key", "node-1.key", "redplay-client.key"]) expect(statSync(join(tlsDir(), f)).mode & 0o777, f).toBe(0o600);
    // The replicas' links were made again after the primary closed its plain-text port (so over TLS):
    // the primary's connections from its replicas are younger than the run that switched it.
    const links = String(await call("node-1", true, "CLIENT", "LIST", "TYPE", "replica")).trim().split("\n");
    expect(links.length).toBe(2);
    for (const l of links) expect(Number(/ age=(\d+) /.exec(l)![1]), l).toBeLessThanOrEqual((Date.now() - switchStarted) / 1000);
    // Cut again, each comes back, which a replica speaking plain text could not.
    for (const n of ["node-2", "node-3"]) {
      const r = await info(n, "replication");
      expect(r.master_link_status, n).toBe("up");
      await call(n, true, "CLIENT", "KILL", "TYPE", "master");
      await until(`${n}'s link back up`, async () => (await info(n, "replication")).master_link_status === "up" && Number((await info(n, "replication")).master_last_io_seconds_ago) >= 0, 30_000);
    }
    const p = await info("node-1", "replication");
    expect(p.connected_slaves).toBe("2");
    // A key written over TLS on the primary is read over TLS on every replica.
    await call("node-1", true, "SET", "tls-probe", "over-tls");
    await call("node-1", true, "WAIT", "2", "5000");
    for (const n of ["node-2", "node-3"]) expect(await call(n, true, "GET", "tls-probe")).toBe("over-tls");
    // redplay's health proof, over TLS, says so.
    const again = await run("setup.yaml", "-v", ...TLS);
    expect(again.code).toBe(0);
    expectNoChange(again.stdout);
    expect(again.stdout).toContain("tls: clients on 6379 (plain text closed), replication over TLS, client certificates optional");
  });

  it("a certificate close to expiry is issued again and served without a restart", async () => {
    const before = await runIds(true);
    const oldSerial = new X509Certificate(readFileSync(join(tlsDir(), "node-2.crt"))).serialNumber;
    // Every certificate (825 days) is within 900 days of expiry: all are issued again.
    const renew = await run("setup.yaml", "-v", "-e", JSON.stringify({ redis_tls: true, redis_tls_renew_days: 900 }));
    expect(renew.code, renew.stdout + renew.stderr).toBe(0);
    expect(renew.stdout).toContain("within 900 days (redis_tls_renew_days)");
    expect(renew.stdout).toMatch(/serves the new certificate \(serial [0-9A-F]+, valid until/);
    expect(await runIds(true)).toEqual(before);
    const newSerial = new X509Certificate(readFileSync(join(tlsDir(), "node-2.crt"))).serialNumber;
    expect(newSerial).not.toBe(oldSerial);
    const served = await sClient(addr("node-2"), 6379, ca());
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(served)![0];
    expect(new X509Certificate(pem).serialNumber).toBe(newSerial);
    expect(renew.stdout).not.toContain("PRIVATE KEY");
    expectNoChange((await run("setup.yaml", ...TLS)).stdout);
  });

  it("a switchover and a failover work over TLS", async () => {
    const sw = await run("switchover.yaml", ...TLS, "-e", "new_primary=node-2");
    expect(sw.code, sw.stdout + sw.stderr).toBe(0);
    expect((await info("node-2", "replication")).role).toBe("master");
    primary = "node-2";
    for (const n of ["node-1", "node-3"]) {
      await until(`${n} following node-2 over TLS`, async () => {
        const r = await info(n, "replication");
        return r.master_host === addr("node-2") && r.master_link_status === "up";
      });
    }
    await labKill("node-2", { dir: theLab().dir });
    const fo = await run("failover.yaml", ...TLS);
    expect(fo.code, fo.stdout + fo.stderr).toBe(0);
    const promoted = (await info("node-1", "replication")).role === "master" ? "node-1" : "node-3";
    const other = promoted === "node-1" ? "node-3" : "node-1";
    expect((await info(promoted, "replication")).role).toBe("master");
    await until(`${other} following ${promoted}`, async () => {
      const r = await info(other, "replication");
      return r.master_host === addr(promoted) && r.master_link_status === "up";
    });
    await call(promoted, true, "SET", "after-failover", "1");
    await call(promoted, true, "WAIT", "1", "5000");
    expect(await call(other, true, "GET", "after-failover")).toBe("1");
    await labStart("node-2", { dir: theLab().dir });
    const back = await run("setup.yaml", ...TLS);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    await until("node-2 back as a replica over TLS", async () => {
      const r = await info("node-2", "replication");
      return r.role === "slave" && r.master_host === addr(promoted) && r.master_link_status === "up";
    }, 60_000);
  });

  it("with redis_tls_auth_clients: yes, a client without a certificate is refused; redplay and the replicas present theirs", async () => {
    const before = await runIds(true);
    const yes = await run("setup.yaml", "-v", "-e", JSON.stringify({ redis_tls: true, redis_tls_auth_clients: "yes" }));
    expect(yes.code, yes.stdout + yes.stderr).toBe(0);
    expect(yes.stdout).toContain("client certificates required");
    const withCert = (n: string, ...args: string[]) => testCall(addr(n), { password: PASSWORD, tlsDir: tlsDir(), clientCert: true }, ...args);
    for (const n of NODES) {
      await expect(call(n, true, "PING"), n).rejects.toThrow();
      expect(await withCert(n, "PING")).toBe("PONG");
    }
    expect(await Promise.all(NODES.map(async (n) => /run_id:(\w+)/.exec(String(await withCert(n, "INFO", "server")))![1]))).toEqual(Object.values(before));
    // A replica's link cut now is made again with its certificate.
    const replicas: string[] = [];
    for (const n of NODES) if (/role:slave/.test(String(await withCert(n, "INFO", "replication")))) replicas.push(n);
    expect(replicas.length).toBe(2);
    for (const n of replicas) {
      await withCert(n, "CLIENT", "KILL", "TYPE", "master");
      await until(`${n}'s link back with its certificate`, async () => /master_link_status:up/.test(String(await withCert(n, "INFO", "replication"))), 30_000);
    }
    expectNoChange((await run("setup.yaml", "-e", JSON.stringify({ redis_tls: true, redis_tls_auth_clients: "yes" }))).stdout);
    const back = await run("setup.yaml", ...TLS);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await call(NODES[0]!, true, "PING")).toBe("PONG");
  });

  it("ACL users over TLS: turned on together with TLS kept, the nodes restart one at a time into their users, replicas sync as the replication user", async () => {
    const acl = { redis_tls: true, redis_acl: true, redis_admin_password: "tls-acl-admin-77", redis_replication_password: "tls-acl-repl-78" };
    const on = await run("setup.yaml", "-e", JSON.stringify(acl));
    expect(on.code, on.stdout + on.stderr).toBe(0);
    const admin = (n: string, ...args: string[]) => testCall(addr(n), { username: "redplay", password: acl.redis_admin_password, tlsDir: tlsDir() }, ...args);
    let primaryNode = "";
    for (const n of NODES) if (/role:master/.test(String(await admin(n, "INFO", "replication")))) primaryNode = n;
    const links = String(await admin(primaryNode, "CLIENT", "LIST", "TYPE", "replica")).trim().split("\n");
    expect(links.length).toBe(2);
    for (const l of links) expect(l).toMatch(/ user=replication /);
    expectNoChange((await run("setup.yaml", "-e", JSON.stringify(acl))).stdout);
    for (const out of outputs.slice(-2)) for (const pw of [acl.redis_admin_password, acl.redis_replication_password]) expect(out).not.toContain(pw);
  });

  it("no password and no private key appears in any output", () => {
    expect(outputs.length).toBeGreaterThan(6);
    const keys = ["ca.key", "node-1.key", "node-2.key", "redplay-client.key"].map((f) => readFileSync(join(tlsDir(), f), "utf8").split("\n")[1]!);
    for (const out of outputs) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain("BEGIN PRIVATE KEY");
      for (const k of keys) expect(out).not.toContain(k);
    }
  });
});
