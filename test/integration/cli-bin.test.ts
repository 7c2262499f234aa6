// bin/redplay.js as users run it: `--version` and `--help` answered without loading the CLI must
// say exactly what the CLI itself says, and the bundle, with what the build compiled ahead of time
// (schema validators, templates), must do exactly what the sources do.
import { readdirSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { contentKey } from "../../src/content-key.js";
import { handlebarsEnv, renderFile } from "../../src/template/handlebars.js";
import { REPO, runCli } from "../helpers/cli.js";
import { runMain } from "../helpers/main.js";

describe("bin/redplay.js", () => {
  it("--version prints package.json's version, as commander does", async () => {
    const pkg = JSON.parse(readFileSync(`${REPO}/package.json`, "utf8")) as { version: string };
    const fast = await runCli(["--version"]);
    const full = await runMain(["--version"]);
    expect(fast).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    expect(full.stdout).toBe(fast.stdout);
  });

  it.each([["--help"], ["-h"]])("%s prints the help commander renders for a pipe", async (flag) => {
    const fast = await runCli([flag]);
    const full = await runMain([flag]);
    expect(fast.code).toBe(0);
    expect(fast.stdout).toContain("Usage: redplay [options] [command]");
    expect(fast.stdout).toBe(full.stdout);
  });

  it("a subcommand's help and a usage error still go through commander", async () => {
    const help = await runCli(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("-i, --inventory <source>");
    const bad = await runCli(["--no-such-option"]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain("unknown option '--no-such-option'");
  });

  it("validate runs from the bundle", async () => {
    const ok = await runCli(["validate", "playbooks/setup.yaml"]);
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toContain("playbooks/setup.yaml: valid (1 play(s), 8 task(s) and handler(s))");
  });

  // The bundle validates with schema code generated at build time; the sources compile the
  // schemas at run time. Both must find the same problems, in the same words.
  it.each([
    ["test/fixtures/load/playbooks/bad-args.yaml"],
    ["test/fixtures/load/playbooks/many-errors.yaml"],
    ["test/fixtures/load/playbooks/bad-vars.yaml"],
    ["test/fixtures/load/playbooks/play-keys.yaml"],
    ["test/fixtures/load/host-args/playbook.yaml", "-i", "test/fixtures/load/host-args/hosts.yaml"],
    ["playbooks/setup.yaml", "-i", "test/fixtures/load/bad-inventory/hosts.yaml"],
    ["test/fixtures/ansible/structure/play.yml"],
    ["test/fixtures/jinja2/validate/playbook.yaml"],
    ["test/fixtures/load/playbooks/delegate.yaml", "-i", "inventory/lab.yaml"],
    ["playbooks/setup.yaml", "-i", "test/fixtures/load/sentinel-vars/hosts.yaml"],
  ])("validate %s: the same errors from the bundle as from the sources", async (...args) => {
    const bundled = await runCli(["validate", ...args]);
    const sources = await runMain(["validate", ...args]);
    expect(bundled.code).toBe(4);
    expect(bundled.stderr).toMatch(/^error: /);
    expect(bundled).toEqual(sources);
  });
});

describe("templates compiled at build time", () => {
  const file = `${REPO}/templates/redis.conf.hbs`;
  const topology = { primary: "node-1", primary_address: "127.0.0.11", primary_port: 6379, replicas: ["node-2", "node-3"] };
  const cases: Array<[string, Record<string, unknown>]> = [
    ["a primary", { inventory_hostname: "node-1", ansible_host: "127.0.0.11", redis_password: "pw", redis_topology: topology }],
    ["a replica", { inventory_hostname: "node-2", ansible_host: "127.0.0.12", redis_password: "pw", redis_topology: topology }],
    [
      "a replica with every optional variable",
      {
        inventory_hostname: "node-3",
        ansible_host: "127.0.0.13",
        redis_password: "p w'\"",
        redis_topology: topology,
        redis_announce_port: 7000,
        redis_bind_extra: ["10.0.0.3", "::1"],
        redis_extra_config: { "hz": 20, "lua-time-limit": 5000 },
        redis_appendonly: false,
        redis_maxmemory: "100mb",
        redis_server: { dir: "/data", logfile: "", pidfile: "/run/x.pid", flavor: "valkey", version: "8.1.1" },
      },
    ],
  ];

  it.each(readdirSync(`${REPO}/templates`).filter((n) => n.endsWith(".hbs")))("the table has templates/%s under the key of its text", async (name) => {
    const { precompiledTemplates } = (await import(pathToFileURL(`${REPO}/dist/generated/templates.mjs`).href)) as {
      precompiledTemplates: Record<string, unknown>;
    };
    expect(Object.keys(precompiledTemplates)).toContain(contentKey(readFileSync(`${REPO}/templates/${name}`, "utf8")));
  });

  it.each(cases)("renders %s byte for byte as the run-time compile does", async (_name, vars) => {
    const spec = (await import(pathToFileURL(`${REPO}/dist/generated/template-redis.conf.hbs.mjs`).href)).default;
    const built = handlebarsEnv.template(spec)(vars);
    expect(built).toBe(await renderFile(file, vars, { host: String(vars.inventory_hostname) }));
    expect(built).toContain(`replica-announce-ip ${vars.ansible_host}`);
  });

  const aclFile = `${REPO}/templates/users.acl.hbs`;
  const acl = { inventory_hostname: "node-2", redis_acl: true, redis_password: "pw", redis_admin_password: "admin-pw", redis_replication_password: "repl-pw" };
  it.each<[string, Record<string, unknown>]>([
    ["the ACL users, the default user off", acl],
    [
      "the ACL users with application users and the default user on",
      {
        ...acl,
        redis_default_user: "on",
        redis_admin_user: "admin",
        redis_users: [{ name: "app", password: "app-pw", keys: ["app:*"], channels: ["app"], commands: ["+@read", "+@write"] }],
      },
    ],
  ])("renders %s byte for byte as the run-time compile does", async (_name, vars) => {
    const spec = (await import(pathToFileURL(`${REPO}/dist/generated/template-users.acl.hbs.mjs`).href)).default;
    const built = handlebarsEnv.template(spec)(vars);
    expect(built).toBe(await renderFile(aclFile, vars, { host: String(vars.inventory_hostname) }));
    expect(built).toContain("user replication on #");
  });
});
