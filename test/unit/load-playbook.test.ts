import { beforeAll, describe, expect, it } from "vitest";
import { LoadErrors } from "../../src/errors.js";
import { loadPlaybook } from "../../src/load/playbook.js";
import type { TaskSpec } from "../../src/load/types.js";
import { registerTestModules } from "../fixtures/load/modules.js";

const dir = "test/fixtures/load/playbooks";

async function loadErrors(name: string): Promise<string[]> {
  try {
    await loadPlaybook(`${dir}/${name}`);
  } catch (err) {
    if (err instanceof LoadErrors) return err.errors.map((e) => e.format());
    throw err;
  }
  throw new Error(`${name} loaded without errors`);
}

beforeAll(() => registerTestModules());

describe("invalid playbooks are reported at file:line:col with a hint", () => {
  it.each([
    ["bad-yaml-duplicate.yaml", ["5:7: invalid YAML: Map keys must be unique; each key may appear once in a mapping; remove or rename one"]],
    ["bad-yaml-indent.yaml", ["5:1: invalid YAML: Sequence item without - indicator; check the indentation and quoting on this line"]],
    ["bad-serial.yaml", ['2:11: plays[0].serial must be a number of hosts or a percentage such as "30%"']],
    ["unknown-module.yaml", ['4:7: unknown module "tempalte"; did you mean "template"?']],
    ["unknown-keyword.yaml", ['5:7: unknown task keyword "registr"; did you mean "register"?']],
    ["two-modules.yaml", ['5:7: task has 2 modules, "command" and "service"; a task runs exactly one module; split it into separate tasks']],
    ["no-module.yaml", ['3:7: task "nothing to do" has no module; add one module key, such as command, copy, meta, redis_config']],
    [
      "delegate.yaml",
      ['7:7: "delegate_to" is not valid on a block; set it on the tasks inside the block'],
    ],
    [
      "bad-vars.yaml",
      [
        '2:11: plays[0].serial must be a number of hosts or a percentage such as "30%"',
        '4:5: invalid variable name "bad-name"; use letters, digits and underscores, not starting with a digit',
        "7:17: plays[0].tasks[0].register must be a name of letters, digits and underscores, not starting with a digit",
      ],
    ],
    [
      "play-keys.yaml",
      [
        "2:11: role \"redis\" not found; looked in test/fixtures/load/playbooks/roles, ~/.ansible/roles, /usr/share/ansible/roles, /etc/ansible/roles, test/fixtures/load/playbooks",
        '3:3: unknown play keyword "register"; "register" belongs on a task; put the task under tasks:',
        '7:9: unknown loop_control key "loop_vr"; did you mean "loop_var"?',
      ],
    ],
    [
      "placement.yaml",
      [
        '4:7: "listen" is only valid in handlers; use notify on the task instead',
        '7:7: "register" is not valid on a block; set it on the tasks inside the block',
        '9:7: "rescue" needs a "block" in the same task; put the tasks to protect under block:',
        '11:7: unknown task keyword "with_items"; use loop instead',
      ],
    ],
  ])("%s", async (name, expected) => {
    expect(await loadErrors(name)).toEqual(expected.map((e) => `${dir}/${name}:${e}`.replace("~", process.env.HOME ?? "~")));
  });

  it("module arguments are checked against the module's schema, templates allowed", async () => {
    expect(await loadErrors("bad-args.yaml")).toEqual(
      [
        '4:9: missing required argument "dest" for module "template"',
        '5:9: unknown argument "dset" for module "template"; did you mean "dest"?',
        "7:15: plays[0].tasks[1].redis_config.port must be integer",
        '11:13: missing required argument "host" for module "redis_config"',
        '12:16: module "service" takes a mapping of arguments; write its arguments as a mapping under "service:"',
      ].map((e) => `${dir}/bad-args.yaml:${e}`),
    );
  });

  it("every error in the file is reported at once, in file order", async () => {
    expect(await loadErrors("many-errors.yaml")).toEqual(
      [
        '2:3: unknown play keyword "taks"; did you mean "tags"?',
        '5:7: unknown module "tempalte"; did you mean "template"?',
        "10:14: plays[0].tasks[1].when[0] must be string or boolean",
        '12:7: task has 2 modules, "shell" and "command"; a task runs exactly one module; split it into separate tasks',
        `15:15: vars file "missing.yaml": file not found; paths are relative to the playbook directory ${process.cwd()}/${dir}`,
        '18:7: unknown task keyword "registr"; did you mean "register"?',
      ].map((e) => `${dir}/many-errors.yaml:${e}`),
    );
  });

  it("each error carries the logical path of the node", async () => {
    try {
      await loadPlaybook(`${dir}/bad-args.yaml`);
      expect.unreachable();
    } catch (err) {
      expect((err as LoadErrors).errors.map((e) => e.loc?.path)).toEqual([
        "plays[0].tasks[0].template",
        "plays[0].tasks[0].template.dset",
        "plays[0].tasks[1].redis_config.port",
        "plays[0].tasks[1].redis_config.replicas[1]",
        "plays[0].tasks[2].service",
      ]);
    }
  });

  it("an empty playbook is an error, not zero plays", async () => {
    expect(await loadErrors("empty.yaml")).toEqual([`${dir}/empty.yaml:1:1: playbook is empty; a playbook is a list of plays, each with hosts: and tasks:`]);
  });

  it("a missing playbook names the file", async () => {
    await expect(loadPlaybook(`${dir}/nope.yaml`)).rejects.toThrow(`${dir}/nope.yaml: file not found`);
  });
});

describe("a valid playbook is normalised", () => {
  let tasks: TaskSpec[];
  let handlers: TaskSpec[];
  let play: Awaited<ReturnType<typeof loadPlaybook>>["plays"][number];

  beforeAll(async () => {
    const pb = await loadPlaybook(`${dir}/valid.yaml`);
    expect(pb.dir).toBe(`${process.cwd()}/${dir}`);
    play = pb.plays[0]!;
    tasks = play.tasks;
    handlers = play.handlers;
  });

  it("play keywords become PlaySpec fields", () => {
    expect(play).toMatchObject({ name: "set up redis", hosts: "redis", become: true, serial: [1, "50%"], anyErrorsFatal: false, tags: ["redis"] });
    expect(play.vars).toEqual({ redis_port: 6379 });
    expect([play.loc.line, play.loc.col, play.loc.path]).toEqual([1, 3, "plays[0]"]);
  });

  it("vars_files are loaded relative to the playbook, later files winning", () => {
    expect(play.varsFilesData).toEqual({ redis_maxmemory: "100mb", redis_port: 6390, redis_password: "s3cret" });
  });

  it("free-form arguments map to the module's free-form key", () => {
    expect(tasks[1]).toMatchObject({ module: "command", args: { cmd: "echo hi" } });
    expect(tasks[2]).toMatchObject({ module: "meta", args: { action: "flush_handlers" } });
  });

  it("mapping arguments are kept as written, with the location of each value", () => {
    expect(tasks[0]!.args).toEqual({ src: "redis.conf.j2", dest: "/etc/redis/redis.conf", mode: 0o644 });
    const locs = Object.fromEntries(Object.entries(tasks[0]!.argLocs!).map(([k, l]) => [k, `${l.line}:${l.col} ${l.path}`]));
    expect(locs).toEqual({
      src: "14:14 plays[0].tasks[0].template.src",
      dest: "15:15 plays[0].tasks[0].template.dest",
      mode: "16:15 plays[0].tasks[0].template.mode",
    });
    expect(tasks[1]!.argLocs!.cmd).toMatchObject({ line: 22, col: 16 });
  });

  it("notify strings become lists and conditions become lists of strings", () => {
    expect(tasks[0]).toMatchObject({ notify: ["restart redis"], when: ["redis_port > 0"] });
    expect(tasks[1]).toMatchObject({ changedWhen: ["false"], failedWhen: ["hi.rc != 0", "true"], until: ["hi.rc == 0"], register: "hi" });
  });

  it("tags are inherited from the play and the block", () => {
    expect(tasks[0]!.tags).toEqual(["redis", "config"]);
    expect(tasks[1]!.tags).toEqual(["redis"]);
    expect(tasks[3]!.tags).toEqual(["redis", "guard", "a", "b"]);
    expect(tasks[3]!.block![0]!.tags).toEqual(["redis", "guard", "a", "b"]);
    expect(tasks[3]!.rescue![0]!.tags).toEqual(["redis", "guard", "a", "b"]);
    expect(handlers[0]!.tags).toEqual(["redis"]);
  });

  it("Ansible defaults fill what the task leaves out", () => {
    expect(tasks[1]).toMatchObject({ loopVar: "item", retries: 3, delay: 5, ignoreErrors: false, runOnce: false, noLog: false, vars: {}, listen: [] });
    expect(tasks[1]!.become).toBeUndefined();
  });

  it("blocks keep their rescue and always lists with explicit keywords", () => {
    const block = tasks[3]!;
    expect(block.module).toBeUndefined();
    expect(block.block![0]).toMatchObject({ module: "redis_config", args: { port: "{{ redis_port }}" }, loop: "{{ groups.redis }}", loopVar: "node", retries: 10, delay: 1 });
    expect(block.rescue![0]).toMatchObject({ module: "shell", args: { cmd: "echo failed" } });
    expect(block.always![0]).toMatchObject({ become: false, checkMode: false, noLog: true, runOnce: true, ignoreErrors: true, args: { cmd: "true", creates: "/tmp/x" } });
    expect(block.always![0]!.loc).toMatchObject({ line: 45, col: 11, path: "plays[0].tasks[3].always[0]" });
  });

  it("handlers keep their listen topics", () => {
    expect(handlers[0]).toMatchObject({ name: "restart redis", module: "service", listen: ["redis changed"] });
  });
});
