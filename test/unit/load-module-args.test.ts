import { beforeAll, describe, expect, it } from "vitest";
import { getModule } from "../../src/modules/registry.js";
import { validateModuleArgs } from "../../src/schema/module-args.js";
import { registerTestModules } from "../fixtures/load/modules.js";

beforeAll(() => registerTestModules());

describe("templated values pass static validation where another type is expected", () => {
  it.each([
    ["an integer", { port: "{{ redis_port }}" }],
    ["an object", { port: 6379, settings: "{{ redis_settings }}" }],
    ["an array", { port: 6379, replicas: "{{ groups.redis }}" }],
    ["an item inside an array", { port: 6379, replicas: [{ host: "a", port: "{{ p }}" }] }],
    ["a value of a free-keyed map", { port: 6379, settings: { maxmemory: "{{ mm }}" } }],
  ])("%s", (_what, args) => {
    expect(validateModuleArgs("redis_config", args, { templated: true })).toEqual([]);
  });

  it("the same values fail once rendering should have happened", () => {
    expect(validateModuleArgs("redis_config", { port: "{{ redis_port }}" }, { templated: false })).toEqual([{ path: "port", message: "must be integer" }]);
  });

  it("a string without {{ is still rejected where a number is expected", () => {
    expect(validateModuleArgs("redis_config", { port: "6379x" }, { templated: true })).toEqual([{ path: "port", message: "must be integer" }]);
  });

  it("a template does not turn a required argument into an optional one", () => {
    expect(validateModuleArgs("redis_config", { settings: "{{ s }}" }, { templated: true })).toEqual([
      { path: "", message: 'missing required argument "port" for module "redis_config"' },
    ]);
  });
});

describe("argument errors name the argument", () => {
  it.each([
    ["out of range", { port: 70000 }, [{ path: "port", message: "must be <= 65535" }]],
    ["wrong type deep in a list", { port: 1, replicas: [{ host: 5 }] }, [{ path: "replicas[0].host", message: "must be string" }]],
    ["unknown argument", { port: 1, prot: 2 }, [{ path: "prot", message: 'unknown argument "prot" for module "redis_config"' }]],
    ["a value of the wrong union member", { port: 1, settings: { save: true } }, [{ path: "settings.save", message: "must be string or integer" }]],
  ])("%s", (_what, args, expected) => {
    expect(validateModuleArgs(getModule("redis_config")!, args, { templated: false })).toEqual(expected);
  });

  it("an enum lists the allowed values", () => {
    expect(validateModuleArgs("service", { name: "redis", state: "running" }, { templated: true })).toEqual([
      { path: "state", message: 'must be one of "started", "stopped", "restarted"' },
    ]);
  });

  it("alternatives between required arguments read as one choice", () => {
    expect(validateModuleArgs("copy", { dest: "/x" }, { templated: true })).toEqual([
      { path: "", message: 'missing required argument "content" or "src" for module "copy"' },
    ]);
    expect(validateModuleArgs("copy", { dest: "/x", content: "a", src: "b" }, { templated: true })).toEqual([
      { path: "", message: 'takes only one of "content", "src"' },
    ]);
  });

  it("an unregistered module is reported, not thrown", () => {
    expect(validateModuleArgs("nope", {}, { templated: false })).toEqual([{ path: "", message: 'unknown module "nope"' }]);
  });
});
