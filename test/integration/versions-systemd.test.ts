// Every supported server on real systemd hosts: for each Redis and Valkey version, a 3-node lab
// of Debian hosts booted with systemd (systemd-nspawn), running the distribution's package or an
// upstream build placed the way a package places it. The same playbooks run unchanged on each:
// setup, a no-change rerun, a failover after a crash of the primary under acknowledged writes,
// the old primary's return as a replica, and a switchover back under a writer. Every check reads
// the servers directly (INFO, keys) or the hosts (journalctl, dpkg), never redplay's own report.
import { describe, expect, it } from "vitest";
import { labKill, labStart, type LabServer, type LabSuite } from "../../src/lab/lab.js";
import { recap } from "../helpers/cli.js";
import { armCommand, guardCommands } from "../../src/redis/restart-guard.js";
import { sshRun } from "../helpers/lab.js";
import { until } from "../helpers/lab-redis.js";
import { labTlsDir, testCall } from "../helpers/tls-client.js";
import { useLab } from "../helpers/use-lab.js";

const PASSWORD = "lab-only-password";
const REPLICAS = ["node-2", "node-3"];

interface Target {
  title: string;
  os: LabSuite;
  server: LabServer;
  base: string;
  /** What INFO server must report: the server's own version (valkey_version on Valkey 8+). */
  version: RegExp;
  flavor: "redis" | "valkey";
}

const TARGETS: Target[] = [
  { title: "Redis 5.0.7 (upstream)", os: "bookworm", server: "redis-5.0.7", base: "127.0.0.141", version: /^5\.0\.7$/, flavor: "redis" },
  { title: "Redis 6.0 (Debian 11)", os: "bullseye", server: "redis", base: "127.0.0.145", version: /^6\.0\.\d+$/, flavor: "redis" },
  { title: "Redis 6.2.16 (upstream)", os: "bookworm", server: "redis-6.2.16", base: "127.0.0.149", version: /^6\.2\.16$/, flavor: "redis" },
  { title: "Redis 7.0 (Debian 12)", os: "bookworm", server: "redis", base: "127.0.0.153", version: /^7\.0\.\d+$/, flavor: "redis" },
  { title: "Redis 7.4.1 (upstream)", os: "bookworm", server: "redis-7.4.1", base: "127.0.0.157", version: /^7\.4\.1$/, flavor: "redis" },
  { title: "Redis 8.0 (Debian 13)", os: "trixie", server: "redis", base: "127.0.0.161", version: /^8\.0\.\d+$/, flavor: "redis" },
  { title: "Valkey 8.1 (Debian 13)", os: "trixie", server: "valkey", base: "127.0.0.165", version: /^8\.1\.\d+$/, flavor: "valkey" },
  { title: "Redis 7.2.6 (upstream)", os: "bookworm", server: "redis-7.2.6", base: "127.0.0.173", version: /^7\.2\.6$/, flavor: "redis" },
  { title: "Valkey 7.2.7 (upstream)", os: "bookworm", server: "valkey-7.2.7", base: "127.0.0.177", version: /^7\.2\.7$/, flavor: "valkey" },
  { title: "Valkey 8.0.1 (upstream)", os: "trixie", server: "valkey-8.0.1", base: "127.0.0.181", version: /^8\.0\.1$/, flavor: "valkey" },
];

function ownVersion(info: string): string {
  const valkey = /^valkey_version:(\S+)/m.exec(info);
  return (valkey ?? /^redis_version:(\S+)/m.exec(info))![1]!;
}

function expectNoChange(stdout: string): void {
  const counts = Object.values(recap(stdout));
  expect(counts.length).toBe(3);
  for (const c of counts) expect(c.changed, stdout).toBe(0);
}

describe.each(TARGETS)("$title on systemd hosts", (t) => {
  const { theLab, redis, call, role, playbook, startWriter } = useLab({ base: t.base, os: t.os, server: t.server }, PASSWORD);
  const addr = (node: string) => theLab().address[node]!;
  const runIds = async () => Promise.all(["node-1", ...REPLICAS].map(async (n) => /run_id:(\w+)/.exec(String(await call(n, "INFO", "server")))![1]));

  /** Every acknowledged key is on `node`, which is the only primary among the `live` nodes. */
  async function expectKeysOn(node: string, keys: string[], live = ["node-1", ...REPLICAS]): Promise<void> {
    const c = redis(node);
    await c.connect();
    const values = await c.mget(...keys);
    c.disconnect();
    expect(values.filter((v) => v === null)).toEqual([]);
    const roles = await Promise.all(live.map((n) => role(n)));
    expect(roles.filter((r) => r === "master")).toEqual(["master"]);
  }

  it("setup makes a replicated group that a key written on the primary reaches, and a second run changes nothing", async () => {
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const info = String(await call("node-1", "INFO", "server"));
    expect(ownVersion(info)).toMatch(t.version);
    if (t.flavor === "valkey") expect(info).toMatch(/^server_name:valkey/m);
    expect(await role("node-1")).toBe("master");
    for (const n of REPLICAS) expect(await role(n)).toBe(`replica of ${addr("node-1")} link up`);
    expect(await call("node-1", "SET", "matrix:key", t.title)).toBe("OK");
    expect(Number(await call("node-1", "WAIT", "2", "5000"))).toBe(2);
    for (const n of REPLICAS) expect(await call(n, "GET", "matrix:key")).toBe(t.title);
    // The managed file is the one the distribution's service reads.
    const conf = t.flavor === "valkey" ? "/etc/valkey/valkey.conf" : "/etc/redis/redis.conf";
    const cat = await sshRun(theLab(), "node-2", `grep -E '^(replicaof|bind) ' ${conf}`);
    expect(cat.stdout).toContain(`replicaof ${addr("node-1")} 6379`);
    expect(cat.stdout).toContain(`bind ${addr("node-2")}`);

    const ids = await runIds();
    const again = await playbook("setup.yaml");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
    expect(await runIds()).toEqual(ids);
  });

  it("failover after a crash of the primary keeps every acknowledged write, and the old primary returns as a replica", async () => {
    const writer = startWriter("node-1", "failover");
    await until("acknowledged writes", async () => writer.acked.length >= 30 || writer.error !== undefined);
    expect(writer.error).toBeUndefined();
    await labKill("node-1", { dir: theLab().dir });
    await writer.stop();
    await until("replicas to see the primary gone", async () => (await role("node-2")).endsWith("link down"));

    const run = await playbook("failover.yaml");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const promoted = /primary (node-\d): clients must now use/.exec(run.stdout)?.[1];
    expect(promoted, run.stdout).toMatch(/^node-[23]$/);
    const other = REPLICAS.find((n) => n !== promoted)!;
    expect(await role(promoted!)).toBe("master");
    expect(await role(other)).toBe(`replica of ${addr(promoted!)} link up`);
    await expectKeysOn(promoted!, writer.acked, REPLICAS);

    await labStart("node-1", { dir: theLab().dir });
    const setup = await playbook("setup.yaml");
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(await role("node-1")).toBe(`replica of ${addr(promoted!)} link up`);
    await expectKeysOn(promoted!, writer.acked);
  });

  it("switchover back to node-1 under a writer loses no acknowledged write", async () => {
    const primary = (await role("node-2")) === "master" ? "node-2" : "node-3";
    const writer = startWriter(primary, "switchover");
    await until("acknowledged writes", async () => writer.acked.length >= 30 || writer.error !== undefined);
    expect(writer.error).toBeUndefined();
    const run = await playbook("switchover.yaml", "-e", "new_primary=node-1");
    await writer.stop();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await role("node-1")).toBe("master");
    for (const n of REPLICAS) await until(`${n} to follow node-1`, async () => (await role(n)) === `replica of ${addr("node-1")} link up`);
    await expectKeysOn("node-1", writer.acked);
    const again = await playbook("setup.yaml");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
  });

  // TLS on the data port: switched at runtime from 6.2 (port and tls-port settable), refused with
  // nothing changed on a running 6.0 group, refused on 5.0 (no TLS); then switched off again.
  it(t.server === "redis-5.0.7" ? "redis_tls is refused: Redis 5.0 has no TLS" : /^Redis 6\.0/.test(t.title) ? "redis_tls on a running group is refused, nothing changed" : "redis_tls switches the running group to TLS and back without a restart", async () => {
    const conf = t.flavor === "valkey" ? "/etc/valkey" : "/etc/redis";
    const ids = await runIds();
    const on = await playbook("setup.yaml", "-e", "redis_tls=true");
    if (t.server === "redis-5.0.7" || /^Redis 6\.0/.test(t.title)) {
      expect(on.code, on.stdout + on.stderr).toBe(2);
      expect(on.stdout).toContain(t.server === "redis-5.0.7" ? "which has no TLS (6.0 or later): remove redis_tls" : "cannot move its port between plain text and TLS at runtime");
      expect(await runIds()).toEqual(ids);
      for (const n of ["node-1", ...REPLICAS]) {
        expect(await call(n, "PING")).toBe("PONG");
        expect((await sshRun(theLab(), n, `test -e ${conf}/tls && echo present || echo absent`)).stdout.trim()).toBe("absent");
      }
      return;
    }
    expect(on.code, on.stdout + on.stderr).toBe(0);
    const overTls = (n: string, ...args: string[]) => testCall(addr(n), { password: PASSWORD, tlsDir: labTlsDir(theLab()) }, ...args);
    expect(await Promise.all(["node-1", ...REPLICAS].map(async (n) => /run_id:(\w+)/.exec(String(await overTls(n, "INFO", "server")))![1]))).toEqual(ids);
    await expect(call("node-1", "PING")).rejects.toThrow();
    expect(await overTls("node-1", "SET", "matrix:tls", t.title)).toBe("OK");
    expect(Number(await overTls("node-1", "WAIT", "2", "5000"))).toBe(2);
    for (const n of REPLICAS) {
      expect(await overTls(n, "GET", "matrix:tls")).toBe(t.title);
      expect(String(await overTls(n, "INFO", "replication"))).toContain("master_link_status:up");
    }
    expectNoChange((await playbook("setup.yaml", "-e", "redis_tls=true")).stdout);
    // And back to plain text, still without a restart.
    const off = await playbook("setup.yaml");
    expect(off.code, off.stdout + off.stderr).toBe(0);
    expect(await runIds()).toEqual(ids);
    for (const n of REPLICAS) expect(await role(n)).toBe(`replica of ${addr("node-1")} link up`);
    expectNoChange((await playbook("setup.yaml")).stdout);
  });
});

describe("a Debian 12 host with nothing installed", () => {
  const { theLab, call, role, playbook } = useLab({ base: "127.0.0.169", os: "bookworm", server: "none" }, PASSWORD);

  it("--check names the package and version it would install, and installs nothing", async () => {
    const r = await playbook("setup.yaml", "--check", "--diff");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would: install redis-server 5:7\.0\.\d+\S*, its service held until its config is in place/);
    expect(r.stdout).toMatch(/\+\+\+ after: \/etc\/redis\/redis\.conf/);
    for (const n of ["node-1", "node-2", "node-3"]) {
      const q = await sshRun(theLab(), n, "dpkg-query -W -f='${Status}' redis-server; test -e /etc/redis/redis.conf");
      expect(q.stdout).not.toMatch(/install ok installed/);
      expect(q.code).not.toBe(0);
    }
  });

  it("setup installs Redis, starts it once with the managed config (never the stock one), and a second run changes nothing", async () => {
    const r = await playbook("setup.yaml");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await role("node-1")).toBe("master");
    for (const n of REPLICAS) expect(await role(n)).toBe(`replica of ${theLab().address["node-1"]} link up`);
    expect(await call("node-1", "SET", "bare:key", "1")).toBe("OK");
    expect(Number(await call("node-1", "WAIT", "2", "5000"))).toBe(2);
    for (const n of ["node-1", "node-2", "node-3"]) {
      // One start in the journal: the package's own start was held, the first start used our file.
      const j = await sshRun(theLab(), n, "journalctl -u redis-server --no-pager -o cat | grep -c '^Started '; systemctl is-enabled redis-server");
      expect(j.stdout.trim().split("\n")).toEqual(["1", "enabled"]);
      const pol = await sshRun(theLab(), n, "test -e /usr/sbin/policy-rc.d");
      expect(pol.code).not.toBe(0);
    }
    const again = await playbook("setup.yaml");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
  });

  it("a restart that fails under systemd quotes the unit's journal, and the node is rolled back", async () => {
    // Root's home is out of the unit's reach (ProtectHome): the config check, run as root, passes it.
    const r = await playbook("setup.yaml", "-e", JSON.stringify({ redis_extra_config: ["logfile /root/redplay-bad.log"] }));
    expect(r.code, r.stdout + r.stderr).toBe(2);
    // systemctl's own failure, then what redis-server itself wrote to the journal.
    expect(r.stdout).toMatch(/journalctl -u redis-server/);
    expect(r.stdout).toMatch(/Can't open the log file: (Permission denied|No such file or directory|Read-only file system)/);
    expect(r.stdout).toMatch(/did not come back healthy with the new redis\.conf, so the\s+last one it ran with \(\/etc\/redis\/redis\.conf\.\d+~\) was restored/);
    expect(await role("node-1")).toBe("master");
    const again = await playbook("setup.yaml");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
  });

  it("a session that ends while a restart with a bad file fails under systemd (Restart=always): the guard it armed restores the file and restarts the unit", async () => {
    // What a run leaves on node-2 right before its restart: a backup of the file the node runs,
    // the marker naming it, the new (bad) file; then, in one SSH session as a run's own, the guard
    // armed as redplay arms it, the failing restart, and the session's end (the controller gone).
    const node = "node-2";
    const conf = "/etc/redis/redis.conf";
    const marker = `${conf}.restart-pending`;
    const good = (await sshRun(theLab(), node, `cat ${conf}`)).stdout;
    const prep = await sshRun(
      theLab(),
      node,
      `b=${conf}.20260101000000~ && cp -p ${conf} $b && printf '%s\\n' $b > ${marker} && printf '%s\\n' 'logfile /root/redplay-bad.log' >> ${conf}`,
    );
    expect(prep.code, prep.stderr).toBe(0);
    const run = await sshRun(theLab(), node, `${armCommand("sshd", marker, conf, guardCommands("systemd", "redis-server"))}; systemctl restart redis-server; echo "restart=$?"`);
    expect(run.stdout).toMatch(/restart=[1-9]/);
    expect((await sshRun(theLab(), node, `cat ${conf}`)).stdout).toContain("redplay-bad.log");
    await until(`${node} running again`, async () => (await role(node).catch(() => "")).startsWith("replica of"));
    expect((await sshRun(theLab(), node, `cat ${conf}`)).stdout).toBe(good);
    expect((await sshRun(theLab(), node, `test -e ${marker}`)).code).not.toBe(0);
    const again = await playbook("setup.yaml");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
  });
});

describe("a Debian 13 host with nothing installed, asked for Valkey", () => {
  const { theLab, call, role, playbook } = useLab({ base: "127.0.0.185", os: "trixie", server: "none" }, PASSWORD);

  it("setup with redis_flavor=valkey installs valkey-server, configures /etc/valkey/valkey.conf, and a second run changes nothing", async () => {
    const check = await playbook("setup.yaml", "--check", "-e", "redis_flavor=valkey");
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/would: install valkey-server 8\.1\.\d+\S*, its service held/);

    const r = await playbook("setup.yaml", "-e", "redis_flavor=valkey");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(String(await call("node-1", "INFO", "server"))).toMatch(/^server_name:valkey/m);
    expect(await role("node-1")).toBe("master");
    for (const n of REPLICAS) expect(await role(n)).toBe(`replica of ${theLab().address["node-1"]} link up`);
    for (const n of ["node-1", "node-2", "node-3"]) {
      const j = await sshRun(theLab(), n, "journalctl -u valkey-server --no-pager -o cat | grep -c '^Started '; grep -c '^primaryauth ' /etc/valkey/valkey.conf; test -e /usr/bin/redis-server && echo has-redis || echo no-redis");
      expect(j.stdout.trim().split("\n")).toEqual(["1", "1", "no-redis"]);
    }
    // Once installed, the flavour is what the host runs: the variable no longer matters.
    const again = await playbook("setup.yaml");
    expect(again.code, again.stdout).toBe(0);
    expectNoChange(again.stdout);
  });
});
