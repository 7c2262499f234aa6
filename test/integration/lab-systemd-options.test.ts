// `lab up --os/--server` refuses combinations that cannot work before it touches anything: no
// rootfs is made, no directory is created, no address is taken.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("lab up --os / --server", () => {
  const dirs: string[] = [];
  const fresh = async () => {
    const d = join(await mkdtemp(join(tmpdir(), "redplay-labopt-")), "lab");
    dirs.push(d);
    return d;
  };
  afterAll(async () => {
    for (const d of dirs) await rm(join(d, ".."), { recursive: true, force: true });
  });

  it.each([
    [["--os", "jessie"], /--os must be one of bullseye, bookworm, trixie, got "jessie"/],
    [["--os", "bookworm", "--server", "keydb"], /--server must be one of redis, valkey, none, redis-5\.0\.7/],
    [["--server", "redis"], /--server needs --os/],
    [["--os", "bookworm", "--server", "valkey"], /Debian bookworm has no valkey-server package; use --os trixie/],
    [["--os", "bullseye", "--server", "redis-6.2.16"], /upstream builds .* do not run on bullseye/],
  ])("%j is refused with a clear message (exit 1) and nothing is created", async (args, message) => {
    const dir = await fresh();
    const r = await runCli(["lab", "up", "--base", "127.0.0.189", "--dir", dir, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(dir)).toBe(false);
  });
});
