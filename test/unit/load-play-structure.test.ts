// Roles, include/import of tasks and roles, import_playbook, pre/post_tasks, remote_user and
// delegate_to as the loader resolves them, and the variable precedence roles bring.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadEverything } from "../../src/cli/load-all.js";
import { VarStore } from "../../src/engine/vars.js";
import { LoadErrors } from "../../src/errors.js";
import { loadPlaybook } from "../../src/load/playbook.js";
import type { PlaySpec, TaskSpec } from "../../src/load/types.js";
import { registerBuiltinModules } from "../../src/modules/index.js";
import { Secrets } from "../../src/output/redact.js";

const fixtures = "test/fixtures/ansible";

beforeAll(() => registerBuiltinModules());

/** Each task as one line: name (or module), and what the loader attached, indented by depth. */
function outline(tasks: TaskSpec[], depth = 0): string[] {
  return tasks.flatMap((t) => {
    const what = [t.name ?? t.module ?? "block"];
    if (t.include) what.push(`<${t.include}>`);
    if (t.role) what.push(`role=${t.role.name}`);
    if (t.when) what.push(`when=${t.when.join("&")}`);
    if (t.loop !== undefined) what.push(`loop=${JSON.stringify(t.loop)}`);
    what.push(`tags=${t.tags.join(",")}`);
    if (t.delegateTo) what.push(`delegate=${t.delegateTo}`);
    if (t.remoteUser) what.push(`user=${t.remoteUser}`);
    return [`${"  ".repeat(depth)}${what.join(" ")}`, ...outline(t.block ?? [], depth + 1)];
  });
}

async function errorsOf(file: string): Promise<string[]> {
  try {
    await loadPlaybook(file, { rolesPath: [] });
  } catch (err) {
    if (err instanceof LoadErrors) return err.errors.map((e) => e.format());
    throw err;
  }
  throw new Error(`${file} loaded without errors`);
}

describe("a play's tasks, includes and roles are brought in before the run", () => {
  let play: PlaySpec;
  beforeAll(async () => {
    play = (await loadPlaybook(`${fixtures}/structure/play.yml`, { rolesPath: [] })).plays[0]!;
  });

  it("pre_tasks, tasks and post_tasks run in that order, with handlers flushed between them", () => {
    expect(outline(play.tasks)).toEqual([
      "pre tags=p",
      "meta tags=always",
      "imported tags=p,imp",
      "  first imported when=flag tags=p,imp",
      "  block when=flag&other tags=p,imp",
      "    in block when=flag tags=p,imp",
      "included <include_tasks> tags=p,inc",
      "  first included tags=p,applied,own",
      "looped <include_tasks> loop=[1,2] tags=p",
      "  first included tags=p,own",
      "role by include <include_role> role=web tags=p",
      "  block role=web tags=p",
      "    web other role=web tags=p",
      "debug tags=p delegate=localhost user=ops",
      "meta tags=always",
      "post tags=p",
    ]);
  });

  it("an import's when joins every task it brings; an include's tags stay on the include, apply's reach inside", () => {
    const [imported, included] = [play.tasks[2]!, play.tasks[3]!];
    expect(imported.when).toBeUndefined();
    expect(imported.block![0]!.when).toEqual(["flag"]);
    expect(included.tags).toEqual(["p", "inc"]);
    expect(included.block![0]!.tags).toEqual(["p", "applied", "own"]);
  });

  it("an include loop keeps its loop variable", () => {
    expect(play.tasks[4]).toMatchObject({ include: "include_tasks", loop: [1, 2], loopVar: "n" });
  });

  it("a role's handlers come first and answer to 'role : name' too; its defaults are the play's", () => {
    expect(play.handlers.map((h) => [h.name, h.listen, h.role?.name])).toEqual([
      ["reload web", ["web : reload web"], "web"],
      ["h", [], undefined],
    ]);
    expect(play.roles.map((r) => [r.name, r.defaults])).toEqual([["web", { web_port: 80 }]]);
    expect(play.roles[0]!.dir).toBe(path.resolve(`${fixtures}/structure/roles/web`));
  });

  it("tasks from other files are located in their own file", () => {
    expect(play.tasks[2]!.block![0]!.loc).toMatchObject({ file: `${fixtures}/structure/tasks/imported.yml`, line: 1, col: 3 });
  });
});

describe("a project laid out like public Redis roles", () => {
  const dir = `${fixtures}/projects/redis-role`;

  it("import_playbook brings both playbooks' plays; roles, dependencies and tags are resolved", async () => {
    const pb = await loadPlaybook(`${dir}/site.yml`, { rolesPath: [path.resolve(dir, "roles")] });
    expect(pb.plays.map((p) => [p.name, p.tags, p.roles.map((r) => r.name), p.dir])).toEqual([
      ["Common setup", [], ["common"], path.resolve(dir, "playbooks")],
      ["Redis servers", ["redis"], ["common", "redis"], path.resolve(dir, "playbooks")],
    ]);
    const redis = pb.plays[1]!;
    expect(outline(redis.tasks).filter((l) => !l.startsWith("    "))).toEqual([
      "Wait for the host to answer on SSH tags=redis delegate=localhost",
      "meta tags=always",
      "block role=redis tags=redis",
      "  block role=common tags=redis",
      "  Install Redis role=redis tags=redis,install",
      "  Set up Redis on Debian <include_tasks> role=redis when=ansible_os_family is not defined or ansible_os_family == 'Debian' tags=redis",
      "  Configure Redis role=redis tags=redis,config",
      "  Extra instances <include_tasks> role=redis loop=\"{{redis_instances}}\" tags=redis",
      "  Ensure Redis is running and enabled on boot role=redis tags=redis",
      "meta tags=always",
      "Redis answers tags=redis",
    ]);
  });

  it("variables: role defaults < inventory < playbook group_vars < role vars < role parameters, as in Ansible", async () => {
    const cwd = process.cwd();
    const loaded = await loadEverything(`${dir}/site.yml`, [`${dir}/inventory/production`], [], new Secrets(), { rolesPath: [path.resolve(dir, "roles")] });
    expect(loaded.errors).toEqual([]);
    const play = loaded.playbook.plays[1]!;
    const store = new VarStore(loaded.inventory!, loaded.playbook, {}, false, new Secrets());
    store.setPlay(play, ["redis-01", "redis-02", "redis-03"]);
    const roleBlock = play.tasks.find((t) => t.role?.name === "redis")!;
    const vars = store.forHost("redis-02", roleBlock.vars, roleBlock.role);
    expect({
      redis_port: vars.redis_port, // [redis:vars] 6379 over the role default 6380
      redis_maxmemory: vars.redis_maxmemory, // inventory group_vars/redis.yml over playbook group_vars/all.yml over the default
      ntp_server: vars.ntp_server, // group_vars/all.yml beside the playbook
      redis_daemon: vars.redis_daemon, // role vars
      redis_bind_interface: vars.redis_bind_interface, // the role entry's parameter, over the role default
      redis_replica_priority: vars.redis_replica_priority, // host var on the INI line
      common_packages: vars.common_packages, // the dependency's defaults
    }).toEqual({
      redis_port: 6379,
      redis_maxmemory: "128mb",
      ntp_server: "pool.ntp.org",
      redis_daemon: "redis-server",
      redis_bind_interface: "10.20.0.12",
      redis_replica_priority: 50,
      common_packages: ["curl", "ca-certificates"],
    });
    expect(process.cwd()).toBe(cwd);
  });

  it("a role default is under every inventory variable, another role's default under the task's own role's", async () => {
    const loaded = await loadEverything(`${dir}/site.yml`, [`${dir}/inventory/production`], [], new Secrets(), { rolesPath: [path.resolve(dir, "roles")] });
    const play = loaded.playbook.plays[1]!;
    const store = new VarStore(loaded.inventory!, loaded.playbook, {}, false, new Secrets());
    store.setPlay(play, ["redis-01"]);
    // Outside any role the play still sees its roles' defaults (Ansible's public role vars).
    expect(store.forHost("redis-01").redis_conf_path).toBe("/etc/redis/redis.conf");
  });
});

describe("mistakes in included files and roles are located, with hints", () => {
  it("every problem of the play and of the files it brings in, at once", async () => {
    const f = `${fixtures}/broken/play.yml`;
    const errors = await errorsOf(f);
    const modules = errors[5]!.match(/known modules: (.*)$/)?.[1];
    expect(errors).toEqual([
      `${f}:3:22: include_tasks file "tasks/missing.yml" not found; looked in ${fixtures}/broken/tasks, ${fixtures}/broken/tasks/tasks`,
      `${f}:5:7: "loop" is not valid on import_tasks: it is expanded before the run; use include_tasks to loop`,
      `${f}:6:22: include_tasks "setup-{{os}}.yml": no file matches setup-*.yml; looked in ${fixtures}/broken, ${fixtures}/broken/tasks; the name is rendered per host when the include runs, and every file it may name is loaded before the run`,
      `${f}:7:20: role "webservr" not found; did you mean "webserver"?`,
      `${f}:9:7: unknown module "ansible.builtin.yum"; redplay has no yum module; known modules: ${modules}`,
      `${f}:10:7: unknown module "community.general.redis_info"; modules from Ansible collections are not in redplay; known modules: ${modules}`,
      `${f}:11:7: "local_action" is not supported by redplay; use delegate_to: localhost with the module as the task's action`,
      `${f}:12:7: unknown module "ansible.builtin.copyy"; did you mean "ansible.builtin.copy"?`,
      `${fixtures}/broken/roles/webserver/tasks/main.yml:2:3: unknown task keyword "registr"; did you mean "register"?`,
      `${fixtures}/broken/tasks/cycle.yml:1:18: ${fixtures}/broken/tasks/cycle.yml includes itself (${fixtures}/broken/tasks/cycle.yml -> ${fixtures}/broken/tasks/cycle.yml); remove the include that closes the loop`,
    ]);
    expect(modules).toContain("copy");
  });

  it("remote_user is a play and task keyword, not a near miss of become_user", async () => {
    const pb = await loadPlaybook(`${fixtures}/structure/play.yml`, { rolesPath: [] });
    expect(pb.plays[0]!.tasks.find((t) => t.remoteUser)?.remoteUser).toBe("ops");
  });
});
