// Passwords inside Redis commands never reach a plan line.
import { describe, expect, it } from "vitest";
import { maskCommand } from "../../src/redis/command-mask.js";

describe("maskCommand", () => {
  it.each([
    [["AUTH", "pw1"], "AUTH ***", ["pw1"]],
    [["auth", "admin", "pw1"], "auth admin ***", ["pw1"]],
    [["HELLO", "3", "AUTH", "default", "pw1"], "HELLO 3 AUTH default ***", ["pw1"]],
    [["CONFIG", "SET", "requirepass", "pw1", "maxmemory", "1gb", "masterauth", "pw2"], "CONFIG SET requirepass *** maxmemory 1gb masterauth ***", ["pw1", "pw2"]],
    [["MIGRATE", "h", "6379", "", "0", "5000", "AUTH", "pw1", "KEYS", "a"], 'MIGRATE h 6379 "" 0 5000 AUTH *** KEYS a', ["pw1"]],
    [["MIGRATE", "h", "6379", "k", "0", "5000", "AUTH2", "u", "pw1"], "MIGRATE h 6379 k 0 5000 AUTH2 u ***", ["pw1"]],
    [["ACL", "SETUSER", "repl", "on", ">pw1", "+psync"], "ACL SETUSER repl on >*** +psync", ["pw1"]],
    [["SET", "greeting", "hello world"], 'SET greeting "hello world"', []],
    [["CONFIG", "GET", "requirepass"], "CONFIG GET requirepass", []],
  ])("%j is shown as %s", (args, display, secrets) => {
    const m = maskCommand(args);
    expect(m.display).toBe(display);
    expect(m.secrets).toEqual(secrets);
  });
});
