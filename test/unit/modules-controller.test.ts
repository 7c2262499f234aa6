// Modules that run on the controller only: assert, fail, debug, set_fact, meta, pause.
import { describe, expect, it } from "vitest";
import { assertModule } from "../../src/modules/assert.js";
import { debugModule } from "../../src/modules/debug.js";
import { failModule } from "../../src/modules/fail.js";
import { builtinModules, registerBuiltinModules } from "../../src/modules/index.js";
import { metaModule } from "../../src/modules/meta.js";
import { pauseModule } from "../../src/modules/pause.js";
import { getModule, moduleNames } from "../../src/modules/registry.js";
import { setFactModule } from "../../src/modules/set-fact.js";
import { makeTaskContext, runModule } from "../helpers/task-context.js";
import { Ajv } from "ajv";

const ctx = makeTaskContext({ vars: { role: "replica", port: 6379, replicas: ["a", "b"] } });

describe("assert", () => {
  it("passes when every expression holds, with a success message", async () => {
    const r = await runModule(assertModule, ctx, { that: ["port == 6379", "replicas[1] == 'b'"], success_msg: "ok!" });
    expect(r).toMatchObject({ status: "ok", changed: false, plan: { noop: "all assertions passed", msg: "ok!" } });
  });

  it("fails on the first false expression with fail_msg", async () => {
    const r = await runModule(assertModule, ctx, { that: ["port == 6379", "role == 'primary'"], fail_msg: "not the primary" });
    expect(r.status).toBe("failed");
    expect(r.plan.failed).toBe("not the primary");
    expect(r.plan.data).toEqual({ assertion: "role == 'primary'", evaluated_to: false });
  });

  it("names the failing expression when no message is given", async () => {
    const r = await runModule(assertModule, ctx, { that: "port > 7000" });
    expect(r.plan.failed).toBe("Assertion failed: port > 7000");
  });

  it("turns an expression error into a failed result", async () => {
    const r = await runModule(assertModule, ctx, { that: "port ==" });
    expect(r.plan.failed).toMatch(/^cannot evaluate assertion "port =="/);
  });
});

describe("fail", () => {
  it("fails with its message, or a default", async () => {
    expect((await runModule(failModule, ctx, { msg: "stop here" })).plan.failed).toBe("stop here");
    expect((await runModule(failModule, ctx, {})).plan.failed).toBe("Failed as requested from task");
  });
});

describe("debug", () => {
  it("shows var as name = JSON", async () => {
    const r = await runModule(debugModule, ctx, { var: "replicas" });
    expect(r.status).toBe("ok");
    expect(r.plan.msg).toBe('replicas = [\n  "a",\n  "b"\n]');
    expect(r.plan.data).toEqual({ replicas: ["a", "b"] });
  });

  it("fails when given both msg and var", async () => {
    expect((await runModule(debugModule, ctx, { msg: "a", var: "port" })).plan.failed).toBe("debug takes msg or var, not both");
  });

  it("shows msg as given", async () => {
    expect((await runModule(debugModule, ctx, { msg: "hello" })).plan.msg).toBe("hello");
  });
});

describe("set_fact", () => {
  it("returns facts without cacheable and changes nothing", async () => {
    const r = await runModule(setFactModule, ctx, { primary: "node-1", cacheable: true });
    expect(r).toMatchObject({ status: "ok", changed: false });
    expect(r.plan.facts).toEqual({ primary: "node-1" });
    expect(r.plan.noop).toBe("facts set");
  });
});

describe("meta and pause", () => {
  it("meta plans a noop naming the action", async () => {
    const r = await runModule(metaModule, ctx, { action: "flush_handlers" });
    expect(r.plan).toMatchObject({ changes: [], noop: "meta: flush_handlers", data: { action: "flush_handlers" } });
  });

  it("pause waits and changes nothing", async () => {
    const r = await runModule(pauseModule, ctx, { seconds: 0 });
    expect(r.plan.noop).toBe("paused for 0 s");
  });
});

describe("schemas", () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const valid = (name: string, args: unknown) => ajv.validate(getModule(name)!.schema, args);

  it("registers every builtin module, idempotently", () => {
    registerBuiltinModules();
    registerBuiltinModules();
    for (const m of builtinModules) expect(getModule(m.name)).toBe(m);
    expect(moduleNames()).toEqual(expect.arrayContaining(["command", "shell", "copy", "template", "file", "service", "wait_for", "assert", "fail", "debug", "set_fact", "pause", "meta"]));
  });

  it.each([
    ["copy", { dest: "/x", content: "a", src: "b" }],
    ["copy", { dest: "/x", content: "a", mdoe: "0644" }],
    ["template", { src: "a", dest: "/x", validate: "no placeholder" }],
    ["file", { path: "/x", state: "link" }],
    ["service", { name: "redis-server" }],
    ["wait_for", { port: 6379, path: "/x" }],
    ["wait_for", { port: 6379, state: "present" }],
    ["pause", { prompt: "continue?" }],
    ["meta", { action: "reboot" }],
    ["command", { cmd: "a", argv: ["b"] }],
    ["shell", { argv: ["a"] }],
  ])("%s rejects %j", (name, args) => {
    expect(valid(name, args)).toBe(false);
  });

  it.each([
    ["copy", { dest: "/x", content: "a", mode: "0640", owner: "redis", backup: true }],
    ["copy", { dest: "/x", src: "a", mode: 640 }],
    ["template", { src: "a", dest: "/x", validate: "redis-server --test %s" }],
    ["file", { path: "/x", state: "directory", mode: "0o750" }],
    ["service", { name: "redis-server", state: "started", enabled: true }],
    ["wait_for", { port: 6379, host: "127.0.0.11", timeout: 30 }],
    ["wait_for", { path: "/run/redis/redis-server.pid", state: "absent" }],
    ["set_fact", { primary: "node-1", cacheable: false }],
    ["command", { argv: ["redis-cli", "ping"] }],
    ["shell", { cmd: "a | b", chdir: "/tmp" }],
  ])("%s accepts %j", (name, args) => {
    expect(valid(name, args)).toBe(true);
  });
});
