// templates/redis.conf.hbs rendered per node of a three-node group: the directives redplay
// manages come from inventory variables with their documented defaults, and every other line of
// Debian's stock redis.conf (the fixture, checked against the package's md5) is kept as shipped.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TemplateError } from "../../src/errors.js";
import { renderFile } from "../../src/template/handlebars.js";

const ROOT = join(import.meta.dirname, "..", "..");
const TEMPLATE = join(ROOT, "templates", "redis.conf.hbs");
const STOCK_PATH = join(ROOT, "test", "fixtures", "redis-conf", "debian-7.0.conf");
/** md5 of /etc/redis/redis.conf as recorded by dpkg for redis-server 5:7.0.15-1~deb12u10. */
const STOCK_MD5 = "3f070d8d3ef55ec295f647bec0cd3326";
const PASSWORD = "s3cret-pw";

const MANAGED = new Set([
  "bind", "protected-mode", "port", "pidfile", "logfile", "dir", "replicaof", "masterauth",
  "repl-diskless-sync-delay", "repl-backlog-size", "replica-priority", "min-replicas-to-write",
  "min-replicas-max-lag", "replica-announce-ip", "replica-announce-port", "requirepass",
  "maxmemory", "maxmemory-policy", "appendonly", "appendfsync", "databases", "repl-diskless-sync-max-replicas",
]);

const topology = {
  primary: "node-1",
  primary_address: "127.0.0.11",
  primary_port: 6379,
  replicas: ["node-2", "node-3"],
};

const nodes = {
  "node-1": { inventory_hostname: "node-1", ansible_host: "127.0.0.11" },
  "node-2": { inventory_hostname: "node-2", ansible_host: "127.0.0.12" },
  "node-3": { inventory_hostname: "node-3", ansible_host: "127.0.0.13" },
};

type NodeName = keyof typeof nodes;

function varsFor(node: NodeName, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...nodes[node], redis_password: PASSWORD, redis_topology: topology, ...extra };
}

function render(vars: Record<string, unknown>): Promise<string> {
  return renderFile(TEMPLATE, vars, { file: "templates/redis.conf.hbs", host: String(vars.inventory_hostname) });
}

/** Active directive lines (not comments, not blank). */
function directives(conf: string): string[] {
  return conf.split("\n").filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
}

function directive(conf: string, name: string): string[] {
  return directives(conf).filter((l) => l.split(/\s+/)[0] === name);
}

async function renderError(vars: Record<string, unknown>): Promise<TemplateError> {
  try {
    await render(vars);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error("expected rendering to fail");
}

describe("redis.conf template for a three-node group", () => {
  it.each(Object.keys(nodes) as NodeName[])("%s binds to and announces its own address", async (node) => {
    const conf = await render(varsFor(node));
    const own = nodes[node].ansible_host;
    expect(directive(conf, "bind")).toEqual([`bind ${own}`]);
    expect(directive(conf, "replica-announce-ip")).toEqual([`replica-announce-ip ${own}`]);
  });

  it.each(Object.keys(nodes) as NodeName[])("%s has requirepass and masterauth, the primary included", async (node) => {
    const conf = await render(varsFor(node));
    expect(directive(conf, "requirepass")).toEqual([`requirepass ${PASSWORD}`]);
    expect(directive(conf, "masterauth")).toEqual([`masterauth ${PASSWORD}`]);
  });

  it("replicas follow the primary; the primary has no replicaof", async () => {
    expect(directive(await render(varsFor("node-1")), "replicaof")).toEqual([]);
    expect(directive(await render(varsFor("node-2")), "replicaof")).toEqual(["replicaof 127.0.0.11 6379"]);
    expect(directive(await render(varsFor("node-3")), "replicaof")).toEqual(["replicaof 127.0.0.11 6379"]);
  });

  it("the primary's file says why it has no replicaof", async () => {
    const conf = await render(varsFor("node-1"));
    expect(conf).toContain("# redplay: no replicaof: this node is the primary (redis_topology.primary).\n");
  });

  it("replicaof uses the topology's primary address and port, not the inventory name", async () => {
    const moved = { primary: "node-3", primary_address: "10.0.0.3", primary_port: 6380, replicas: ["node-1", "node-2"] };
    expect(directive(await render(varsFor("node-1", { redis_topology: moved })), "replicaof")).toEqual(["replicaof 10.0.0.3 6380"]);
    expect(directive(await render(varsFor("node-3", { redis_topology: moved })), "replicaof")).toEqual([]);
  });

  it("renders the documented defaults", async () => {
    const conf = await render(varsFor("node-2"));
    const expected: Record<string, string> = {
      "protected-mode": "protected-mode yes",
      port: "port 6379",
      appendonly: "appendonly yes",
      appendfsync: "appendfsync everysec",
      "min-replicas-to-write": "min-replicas-to-write 1",
      "min-replicas-max-lag": "min-replicas-max-lag 10",
      "repl-backlog-size": "repl-backlog-size 64mb",
      "replica-priority": "replica-priority 100",
      "repl-diskless-sync-delay": "repl-diskless-sync-delay 5",
      dir: "dir /var/lib/redis",
      logfile: "logfile /var/log/redis/redis-server.log",
      pidfile: "pidfile /run/redis/redis-server.pid",
    };
    for (const [name, line] of Object.entries(expected)) expect(directive(conf, name)).toEqual([line]);
  });

  it("min-replicas-to-write defaults to a majority of the group: floor(N/2) replicas", async () => {
    for (const [replicas, fence] of [[[], 0], [["node-2"], 1], [["node-2", "node-3", "node-4"], 2], [["node-2", "node-3", "node-4", "node-5"], 2], [["n2", "n3", "n4", "n5", "n6"], 3]] as const) {
      const conf = await render(varsFor("node-1", { redis_topology: { ...topology, replicas } }));
      expect(directive(conf, "min-replicas-to-write"), `${replicas.length + 1} nodes`).toEqual([`min-replicas-to-write ${fence}`]);
    }
    const overridden = await render(varsFor("node-2", { redis_topology: { ...topology, replicas: ["node-2", "node-3", "node-4"] }, redis_min_replicas_to_write: 1 }));
    expect(directive(overridden, "min-replicas-to-write")).toEqual(["min-replicas-to-write 1"]);
  });

  it("leaves out replica-announce-port unless it is set, and writes Redis's own memory, eviction and database defaults", async () => {
    const conf = await render(varsFor("node-2"));
    expect(directive(conf, "replica-announce-port")).toEqual([]);
    expect(directive(conf, "maxmemory")).toEqual(["maxmemory 0"]);
    expect(directive(conf, "maxmemory-policy")).toEqual(["maxmemory-policy noeviction"]);
    expect(directive(conf, "databases")).toEqual(["databases 16"]);
    // The primary starts a full sync as soon as the group's two replicas are connected.
    expect(directive(conf, "repl-diskless-sync-max-replicas")).toEqual(["repl-diskless-sync-max-replicas 2"]);
  });

  it("variables override every default", async () => {
    const conf = await render(
      varsFor("node-2", {
        redis_port: 6390,
        redis_bind_extra: ["127.0.0.1", "-::1"],
        redis_announce_port: 16390,
        redis_appendonly: false,
        redis_appendfsync: "always",
        redis_min_replicas_to_write: 0,
        redis_min_replicas_max_lag: 5,
        redis_repl_backlog_size: "256mb",
        redis_replica_priority: 0,
        redis_repl_diskless_sync_delay: 0,
        redis_maxmemory: "1gb",
        redis_maxmemory_policy: "allkeys-lru",
        redis_dir: "/srv/redis",
        redis_logfile: "/srv/log/redis.log",
        redis_pidfile: "/srv/run/redis.pid",
        redis_databases: 32,
      }),
    );
    const lines = directives(conf).filter((l) => MANAGED.has(l.split(/\s+/)[0]!));
    expect(lines).toEqual([
      "bind 127.0.0.12 127.0.0.1 -::1",
      "protected-mode yes",
      "port 6390",
      "pidfile /srv/run/redis.pid",
      "logfile /srv/log/redis.log",
      "databases 32",
      "dir /srv/redis",
      "replicaof 127.0.0.11 6379",
      `masterauth ${PASSWORD}`,
      "repl-diskless-sync-delay 0",
      "repl-diskless-sync-max-replicas 2",
      "repl-backlog-size 256mb",
      "replica-priority 0",
      "min-replicas-to-write 0",
      "min-replicas-max-lag 5",
      "replica-announce-ip 127.0.0.12",
      "replica-announce-port 16390",
      `requirepass ${PASSWORD}`,
      "maxmemory 1gb",
      "maxmemory-policy allkeys-lru",
      "appendonly no",
      "appendfsync always",
    ]);
  });

  it.each([
    [{ redis_host: "10.1.0.2", ansible_host: "127.0.0.12" }, "10.1.0.2"],
    [{ ansible_host: "127.0.0.12" }, "127.0.0.12"],
    [{}, "node-2"],
  ])("the node's address comes from redis_host, else ansible_host, else the name (%j)", async (addr, expected) => {
    const conf = await render({ inventory_hostname: "node-2", redis_password: PASSWORD, redis_topology: topology, ...addr });
    expect(directive(conf, "bind")).toEqual([`bind ${expected}`]);
    expect(directive(conf, "replica-announce-ip")).toEqual([`replica-announce-ip ${expected}`]);
  });

  it("quotes a password with spaces, quotes and a backslash the way redis-server reads it", async () => {
    const conf = await render(varsFor("node-2", { redis_password: `pa ss"wo'rd\\x` }));
    expect(directive(conf, "requirepass")).toEqual([`requirepass "pa ss\\"wo'rd\\\\x"`]);
    expect(directive(conf, "masterauth")).toEqual([`masterauth "pa ss\\"wo'rd\\\\x"`]);
  });

  it("a missing redis_password is an error naming the variable, the file and the host", async () => {
    const { redis_password: _, ...vars } = varsFor("node-2");
    const e = await renderError(vars);
    expect(e.variable).toBe("redis_password");
    expect(e.message).toMatch(/^templates\/redis\.conf\.hbs:\d+: undefined variable "redis_password" \(host node-2\)/);
  });

  it("an empty redis_password is an error, not a node without a password", async () => {
    const e = await renderError(varsFor("node-2", { redis_password: "" }));
    expect(e.message).toContain("redis_password.must_not_be_empty");
  });

  it("a missing redis_topology is an error naming it", async () => {
    const { redis_topology: _, ...vars } = varsFor("node-2");
    const e = await renderError(vars);
    expect(e.variable).toBe("redis_topology");
  });

  it("appends redis_extra_config verbatim at the end, under a comment", async () => {
    const conf = await render(varsFor("node-2", { redis_extra_config: ["latency-tracking no", "not-a-directive 1"] }));
    expect(conf.endsWith("\n# redplay: redis_extra_config, verbatim.\nlatency-tracking no\nnot-a-directive 1\n")).toBe(true);
  });

  it("a redis_extra_config that is not a list is an error, never silently dropped", async () => {
    const e = await renderError(varsFor("node-2", { redis_extra_config: "latency-tracking no" }));
    expect(e.message).toMatch(/^templates\/redis\.conf\.hbs:\d+: "join" expects a list, got string/);
    expect(e.message).not.toContain(PASSWORD);
  });

  it("starts with the managed-file header", async () => {
    const conf = await render(varsFor("node-2"));
    expect(conf.split("\n")[0]).toBe(
      "# Managed by redplay: edits are overwritten; runtime changes are written here by redplay, never by CONFIG REWRITE.",
    );
  });

  it("renders each managed directive at most once", async () => {
    const conf = await render(varsFor("node-2", { redis_maxmemory: "1gb", redis_announce_port: 7000 }));
    for (const name of MANAGED) expect(directive(conf, name).length, name).toBeLessThanOrEqual(1);
  });
});

describe("redis.conf template against Debian's stock file", () => {
  const stock = readFileSync(STOCK_PATH, "utf8");

  it("the fixture is Debian's unmodified /etc/redis/redis.conf", () => {
    expect(createHash("md5").update(stock).digest("hex")).toBe(STOCK_MD5);
  });

  it.each(Object.keys(nodes) as NodeName[])("%s keeps every line Debian ships except the managed directives", async (node) => {
    const conf = await render(varsFor(node));
    const notManaged = (l: string) => l.trim() === "" || l.startsWith("#") || !MANAGED.has(l.split(/\s+/)[0]!);
    const kept = stock.split("\n").filter(notManaged);
    // The header (two comment lines and a blank) and each "# redplay:" note are the template's own.
    const rendered = conf
      .split("\n")
      .slice(3)
      .filter((l) => notManaged(l) && !l.startsWith("# redplay:"));
    expect(rendered).toEqual(kept);
  });
});

describe("templates/redis.conf.hbs and users.acl.hbs with redis_acl", () => {
  const ACL_TEMPLATE = TEMPLATE.replace(/redis\.conf\.hbs$/, "users.acl.hbs");
  const acl = { redis_acl: true, redis_admin_password: "admin-pw-1", redis_replication_password: "repl-pw-2" };
  const renderAcl = (vars: Record<string, unknown>) => renderFile(ACL_TEMPLATE, vars, { file: "templates/users.acl.hbs", host: "node-2" });
  const sha = (s: string) => createHash("sha256").update(s).digest("hex");

  it("points redis.conf at the ACL file, replicates as the replication user, and drops requirepass", async () => {
    const conf = await render(varsFor("node-2", acl));
    expect(directive(conf, "aclfile")).toEqual(["aclfile /etc/redis/users.acl"]);
    expect(directive(conf, "masteruser")).toEqual(["masteruser replication"]);
    expect(directive(conf, "masterauth")).toEqual(["masterauth repl-pw-2"]);
    expect(directive(conf, "requirepass")).toEqual([]);
  });

  it("writes each user with only what it needs, passwords as SHA-256 only, the default user off", async () => {
    const text = await renderAcl(varsFor("node-2", { ...acl, redis_users: [{ name: "app", password: "app-pw-3", keys: ["app:*"], commands: ["+@read", "+@write"] }] }));
    expect(text.trim().split("\n")).toEqual([
      "user default off resetpass resetkeys -@all",
      `user redplay on #${sha("admin-pw-1")} ~* +@all`,
      `user replication on #${sha("repl-pw-2")} resetkeys -@all +psync +replconf +ping`,
      `user app on #${sha("app-pw-3")} ~app:* -@all +@read +@write`,
    ]);
    for (const pw of ["admin-pw-1", "repl-pw-2", "app-pw-3", PASSWORD]) expect(text).not.toContain(pw);
  });

  it("keeps the default user with redis_password when redis_default_user is on", async () => {
    const text = await renderAcl(varsFor("node-2", { ...acl, redis_default_user: "on" }));
    expect(text.split("\n")[0]).toBe(`user default on #${sha(PASSWORD)} ~* +@all`);
  });

  it("gives Sentinel a user with only what Sentinel sends a node, with redis_sentinel_password", async () => {
    const text = await renderAcl(varsFor("node-2", { ...acl, redis_sentinel_password: "sentinel-pw-5" }));
    expect(text.trim().split("\n")).toContain(
      `user sentinel on #${sha("sentinel-pw-5")} resetchannels &__sentinel__:hello -@all +ping +info +subscribe +publish +client|setname +client|kill +script|kill +multi +exec +slaveof +config|rewrite`,
    );
    expect(text).not.toContain("sentinel-pw-5");
    // Valkey 9's coordinated failover also sends FAILOVER and CLIENT commands.
    const valkey9 = await renderAcl(varsFor("node-2", { ...acl, redis_sentinel_password: "s", redis_sentinel_user: "watcher", redis_server: { flavor: "valkey", version: "9.0.0", redis_compat: "7.2.4" } }));
    expect(valkey9).toMatch(/^user watcher on #\w+ resetchannels &__sentinel__:hello -@all .* \+failover \+client$/m);
  });

  it("refuses a Sentinel user on a server whose Sentinel cannot log in as one (before 6.2)", async () => {
    await expect(renderAcl(varsFor("node-2", { ...acl, redis_sentinel_password: "s", redis_server: { flavor: "redis", version: "6.0.16" } }))).rejects.toThrow(
      /Sentinel ACL user needs Redis 6.2 or later.*6\.0\.16/,
    );
  });

  it("names a missing ACL password", async () => {
    await expect(renderAcl(varsFor("node-2", { redis_acl: true, redis_admin_password: "x" }))).rejects.toThrow(/redis_replication_password/);
  });
});

describe("redis.conf template with redis_tls", () => {
  const tlsLines = (conf: string) => directives(conf).filter((l) => /^(port|tls-)/.test(l));

  it("closes the plain-text port and serves TLS on redis_port, with the files beside the server's config", async () => {
    const server = { tls_dir: "/etc/valkey/tls", flavor: "valkey", version: "8.1.1", redis_compat: "7.2.4" };
    expect(tlsLines(await render(varsFor("node-2", { redis_tls: true, redis_port: 6380, redis_server: server })))).toEqual([
      "port 0",
      "tls-port 6380",
      "tls-cert-file /etc/valkey/tls/redis.crt",
      "tls-key-file /etc/valkey/tls/redis.key",
      "tls-ca-cert-file /etc/valkey/tls/ca.crt",
      "tls-auth-clients optional",
      "tls-replication yes",
    ]);
    expect(tlsLines(await render(varsFor("node-2")))).toEqual(["port 6379"]);
  });

  it("redis_tls_dir and redis_tls_auth_clients (yes/no as YAML booleans or words) are written as the server reads them", async () => {
    const conf = await render(varsFor("node-1", { redis_tls: true, redis_tls_dir: "/srv/tls dir" }));
    expect(directive(conf, "tls-cert-file")).toEqual(['tls-cert-file "/srv/tls dir/redis.crt"']);
    for (const [value, written] of [[true, "yes"], ["yes", "yes"], [false, "no"], ["no", "no"], ["optional", "optional"]] as const) {
      expect(directive(await render(varsFor("node-1", { redis_tls: true, redis_tls_auth_clients: value })), "tls-auth-clients"), String(value)).toEqual([`tls-auth-clients ${written}`]);
    }
  });
});
