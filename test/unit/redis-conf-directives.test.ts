// Which directives each server version accepts (the table), the Handlebars helpers that read it
// from a host's `redis_server` fact, the redis.conf template rendered per version, and the
// shape of the validate command that checks a rendered file with the server binary.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TemplateError } from "../../src/errors.js";
import { CONF_CHECK_SCRIPT, confCheckCommand, uncheckedCommand } from "../../src/redis/conf-check.js";
import { DIRECTIVES, directiveFor } from "../../src/redis/conf-directives.js";
import type { ServerVersion } from "../../src/redis/server-version.js";
import { renderFile, renderString, renderValue } from "../../src/template/handlebars.js";

const TEMPLATE = join(import.meta.dirname, "..", "..", "templates", "redis.conf.hbs");

const redis = (version: string): ServerVersion => ({ flavor: "redis", version, redisCompat: version });
const valkey = (version: string): ServerVersion => ({ flavor: "valkey", version, redisCompat: "7.2.4" });

/** The `redis_server` fact as the facts module sets it. */
function fact(v: ServerVersion): Record<string, unknown> {
  const valk = v.flavor === "valkey";
  return {
    flavor: v.flavor,
    version: v.version,
    redis_compat: v.redisCompat,
    binary: valk ? "/usr/bin/valkey-server" : "/usr/bin/redis-server",
    cli: valk ? "/usr/bin/valkey-cli" : "/usr/bin/redis-cli",
    config_file: valk ? "/etc/valkey/valkey.conf" : "/etc/redis/redis.conf",
    service: valk ? "valkey-server" : "redis-server",
    user: valk ? "valkey" : "redis",
    group: valk ? "valkey" : "redis",
    pidfile: valk ? "/run/valkey/valkey-server.pid" : "/run/redis/redis-server.pid",
    logfile: valk ? "/var/log/valkey/valkey-server.log" : "/var/log/redis/redis-server.log",
    dir: valk ? "/var/lib/valkey" : "/var/lib/redis",
  };
}

describe("directive table", () => {
  it.each([
    [redis("5.0.7"), "appenddirname", { accepted: false, needs: "Redis 7.0" }],
    [redis("6.2.16"), "appenddirname", { accepted: false, needs: "Redis 7.0" }],
    [redis("7.0.15"), "appenddirname", { accepted: true, name: "appenddirname" }],
    [valkey("7.2.7"), "appenddirname", { accepted: true, name: "appenddirname" }],
    [redis("5.0.7"), "set-proc-title", { accepted: false, needs: "Redis 6.2" }],
    [redis("6.2.0"), "set-proc-title", { accepted: true, name: "set-proc-title" }],
    [redis("6.0.6"), "oom-score-adj", { accepted: false, needs: "Redis 6.0.7" }],
    [redis("6.0.16"), "oom-score-adj", { accepted: true, name: "oom-score-adj" }],
    [redis("5.0.7"), "rdb-del-sync-files", { accepted: false, needs: "Redis 6.0" }],
    [redis("6.2.16"), "hash-max-listpack-entries", { accepted: true, name: "hash-max-ziplist-entries" }],
    [redis("5.0.7"), "list-max-listpack-size", { accepted: true, name: "list-max-ziplist-size" }],
    [redis("7.0.0"), "list-max-listpack-size", { accepted: true, name: "list-max-listpack-size" }],
    [redis("6.2.16"), "set-max-listpack-entries", { accepted: false, needs: "Redis 7.2" }],
    [redis("7.4.1"), "masterauth", { accepted: true, name: "masterauth" }],
    [valkey("7.2.7"), "masterauth", { accepted: true, name: "masterauth" }],
    [valkey("8.0.1"), "masterauth", { accepted: true, name: "primaryauth" }],
    [valkey("8.1.1"), "masteruser", { accepted: true, name: "primaryuser" }],
    [redis("5.0.7"), "masteruser", { accepted: false, needs: "Redis 6.0" }],
    [redis("7.4.1"), "dual-channel-replication-enabled", { accepted: false, needs: "Valkey 8.0" }],
    [valkey("7.2.7"), "dual-channel-replication-enabled", { accepted: false, needs: "Valkey 8.0" }],
    [valkey("8.0.1"), "dual-channel-replication-enabled", { accepted: true, name: "dual-channel-replication-enabled" }],
    // Valkey 8.0 reports redis_version 7.2.4 but has 7.4's connection-rate directives.
    [valkey("8.0.1"), "max-new-connections-per-cycle", { accepted: true, name: "max-new-connections-per-cycle" }],
    [valkey("7.2.7"), "max-new-connections-per-cycle", { accepted: false, needs: "Valkey 8.0" }],
    [redis("7.2.6"), "max-new-connections-per-cycle", { accepted: false, needs: "Redis 7.4" }],
    [redis("5.0.7"), "replica-announce-ip", { accepted: true, name: "replica-announce-ip" }],
    [redis("5.0.7"), "Appenddirname", { accepted: false, needs: "Redis 7.0" }],
  ] as const)("%o: %s", (server, directive, verdict) => {
    expect(directiveFor(server, directive)).toEqual(verdict);
  });

  it("names every entry in lower case with a version or a rename", () => {
    for (const [name, h] of Object.entries(DIRECTIVES)) {
      expect(name).toBe(name.toLowerCase());
      expect(h.redis ?? h.valkeyOnly ?? h.valkeyName ?? h.oldName, name).toBeDefined();
    }
  });
});

describe("directive helpers", () => {
  const where = { host: "node-1" };
  it("server_has reads redis_server from the root context, inside blocks too", () => {
    const tpl = `{{#each items}}{{#if (server_has "appenddirname")}}y{{else}}n{{/if}}{{/each}}`;
    expect(renderString(tpl, { items: [1], redis_server: fact(redis("6.2.16")) }, where)).toBe("n");
    expect(renderString(tpl, { items: [1], redis_server: fact(redis("7.0.15")) }, where)).toBe("y");
  });

  it("without redis_server the file is for Debian 12's Redis 7.0", () => {
    expect(renderString(`{{directive "appenddirname" '"appendonlydir"'}}`, {}, where)).toBe(`appenddirname "appendonlydir"`);
    expect(renderString(`{{directive_name "hash-max-listpack-value"}}`, {}, where)).toBe("hash-max-listpack-value");
  });

  it("directive writes a comment naming the version a left-out directive needs (major.minor only)", () => {
    const vars = { redis_server: fact(redis("6.2.16")) };
    expect(renderString(`{{directive "appenddirname" '"appendonlydir"'}}`, vars, where)).toBe(
      "# redplay: appenddirname needs Redis 7.0; left out for Redis 6.2.",
    );
    expect(renderString(`{{directive "hash-max-listpack-entries" 512}}`, vars, where)).toBe("hash-max-ziplist-entries 512");
    expect(renderString(`{{directive "oom-score-adj-values" "0 200 800"}}`, vars, where)).toBe("oom-score-adj-values 0 200 800");
  });

  it("server_has takes an explicit fact as second argument (a task argument is rendered without the root)", () => {
    expect(renderValue(`{{server_has "appenddirname" redis_server}}`, { redis_server: fact(redis("5.0.7")) }, where)).toBe(false);
  });

  it("a redis_server without a version is an error naming it", () => {
    expect(() => renderString(`{{server_has "appenddirname"}}`, { redis_server: { flavor: "redis" } }, where)).toThrow(TemplateError);
    expect(() => renderString(`{{server_has "appenddirname"}}`, { redis_server: { flavor: "redis" } }, where)).toThrow(/redis_server has no version/);
  });
});

function varsFor(server: ServerVersion | undefined, host: "node-1" | "node-2", extra: Record<string, unknown> = {}) {
  return {
    inventory_hostname: host,
    ansible_host: host === "node-1" ? "127.0.0.11" : "127.0.0.12",
    redis_password: "s3cret-pw",
    redis_topology: { primary: "node-1", primary_address: "127.0.0.11", primary_port: 6379, replicas: ["node-2"] },
    ...(server ? { redis_server: fact(server) } : {}),
    ...extra,
  };
}

const render = (vars: Record<string, unknown>) => renderFile(TEMPLATE, vars, { file: "templates/redis.conf.hbs", host: String(vars.inventory_hostname) });
const directives = (conf: string) => conf.split("\n").filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
const names = (conf: string) => directives(conf).map((l) => l.split(/\s+/)[0]!);

describe("redis.conf template per server version", () => {
  const versions = [redis("5.0.7"), redis("6.0.16"), redis("6.2.16"), redis("7.0.15"), redis("7.2.6"), redis("7.4.1"), valkey("7.2.7"), valkey("8.0.1")];

  it.each(versions)("renders for %o only directives that server accepts, under its spelling", async (server) => {
    for (const host of ["node-1", "node-2"] as const) {
      const conf = await render(varsFor(server, host));
      for (const name of names(conf)) {
        const v = directiveFor(server, name);
        expect(v, `${name} on ${server.flavor} ${server.version}`).toEqual({ accepted: true, name });
      }
    }
  });

  it("Redis 7.0 with its fact renders byte for byte what the template rendered without one", async () => {
    for (const host of ["node-1", "node-2"] as const) {
      expect(await render(varsFor(redis("7.0.15"), host))).toBe(await render(varsFor(undefined, host)));
    }
  });

  it("6.2 gets the ziplist names and a comment for each 7.0 directive left out", async () => {
    const conf = await render(varsFor(redis("6.2.16"), "node-2"));
    expect(directives(conf)).toEqual(expect.arrayContaining(["hash-max-ziplist-entries 512", "list-max-ziplist-size -2", "zset-max-ziplist-value 64"]));
    for (const d of ["repl-diskless-sync-max-replicas", "appenddirname", "aof-timestamp-enabled"]) {
      expect(conf).toContain(`\n# redplay: ${d} needs Redis 7.0; left out for Redis 6.2.\n`);
    }
    expect(names(conf)).not.toContain("hash-max-listpack-entries");
  });

  it("5.0 leaves out the 6.0 and 6.2 directives too", async () => {
    const conf = await render(varsFor(redis("5.0.7"), "node-1"));
    for (const d of ["set-proc-title", "proc-title-template", "lazyfree-lazy-user-flush", "disable-thp"]) {
      expect(conf).toContain(`\n# redplay: ${d} needs Redis 6.2; left out for Redis 5.0.\n`);
    }
    for (const d of ["rdb-del-sync-files", "repl-diskless-load", "acllog-max-len", "lazyfree-lazy-user-del", "jemalloc-bg-thread"]) {
      expect(conf).toContain(`\n# redplay: ${d} needs Redis 6.0; left out for Redis 5.0.\n`);
    }
    expect(conf).toContain("\n# redplay: oom-score-adj needs Redis 6.0.7; left out for Redis 5.0.\n");
  });

  it("a patch upgrade does not change the file", async () => {
    expect(await render(varsFor(redis("6.2.14"), "node-2"))).toBe(await render(varsFor(redis("6.2.16"), "node-2")));
  });

  it("Valkey 8 writes primaryauth, Valkey 7.2 masterauth; both with the password", async () => {
    const v8 = directives(await render(varsFor(valkey("8.0.1"), "node-2")));
    expect(v8).toContain("primaryauth s3cret-pw");
    expect(v8.some((l) => l.startsWith("masterauth"))).toBe(false);
    expect(directives(await render(varsFor(valkey("7.2.7"), "node-2")))).toContain("masterauth s3cret-pw");
  });

  it("paths default to the server's own (Valkey's on Valkey); redis_* variables still win", async () => {
    const conf = directives(await render(varsFor(valkey("8.0.1"), "node-1")));
    expect(conf).toEqual(
      expect.arrayContaining(["pidfile /run/valkey/valkey-server.pid", "logfile /var/log/valkey/valkey-server.log", "dir /var/lib/valkey"]),
    );
    const own = directives(await render(varsFor(valkey("8.0.1"), "node-1", { redis_dir: "/srv/v", redis_pidfile: "/srv/v.pid", redis_logfile: "/srv/v.log" })));
    expect(own).toEqual(expect.arrayContaining(["pidfile /srv/v.pid", "logfile /srv/v.log", "dir /srv/v"]));
  });
});

describe("redis_conf_check", () => {
  it("builds one sh command from the fact's binary; the playbook's %s, the file, comes last", () => {
    const cmd = renderValue("{{redis_conf_check redis_server}} %s", { redis_server: fact(valkey("8.0.1")) }, { host: "n" }) as string;
    expect(cmd.startsWith("sh -c '")).toBe(true);
    expect(cmd.endsWith(" redplay-conf-check /usr/bin/valkey-server 20 %s")).toBe(true);
    // validate replaces every %s: the script itself has none.
    expect(cmd.split("%s")).toHaveLength(2);
    expect(CONF_CHECK_SCRIPT).not.toContain("%s");
  });

  it("passes without a check while the server is only planned to be installed (--check on a bare host)", async () => {
    const planned = { ...fact(redis("7.0.15")), installed: false, new: true };
    const cmd = renderValue("{{redis_conf_check redis_server}}", { redis_server: planned }, { host: "n" }) as string;
    expect(cmd).toBe(uncheckedCommand("/usr/bin/redis-server"));
    const { execFileSync } = await import("node:child_process");
    expect(execFileSync("sh", ["-c", `${cmd} /nonexistent/redis.conf`], { encoding: "utf8" })).toBe("");
    expect(renderValue("{{redis_conf_check redis_server}}", { redis_server: { ...planned, installed: true } }, { host: "n" })).toBe(
      confCheckCommand("/usr/bin/redis-server"),
    );
  });

  it("falls back to redis-server on PATH without the fact, and takes a timeout", () => {
    expect(renderValue("{{redis_conf_check redis_server 5}}", {}, { host: "n" })).toBe(confCheckCommand("redis-server", 5));
    expect(confCheckCommand("/opt/my redis/redis-server")).toMatch(/ '\/opt\/my redis\/redis-server' 20$/);
  });
});
