// The SSH Connection against real OpenSSH servers on 127.0.0.41 (target) and 127.0.0.42
// (jump host): exec, files, host key policy, auth and transport errors, channel
// multiplexing, forwarding, jumps, sudo, and the persistent remote shells commands run through.
// Users and sudo rules it creates are removed after.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSshConnection, type SshRunOptions } from "../../src/connection/ssh.js";
import type { Connection } from "../../src/connection/types.js";
import { ForwardError } from "../../src/connection/forward-error.js";
import { AuthError, HostKeyError, UnreachableError } from "../../src/errors.js";
import { parseKnownHosts, verifyHostKey } from "../../src/connection/known-hosts.js";
import { makeKey, opensshFingerprint, startSshd, type Sshd } from "../helpers/sshd.js";

const TARGET = "127.0.0.41";
const JUMP = "127.0.0.42";
const ECHO = "127.0.0.43";
const NOPW_USER = "rpt-nopw";
const PW_USER = "rpt-pw";
const RC_USER = "rpt-rc";
const SUDO_PASSWORD = "Sudo-Pass-7391";

let root: string;
let key: string;
let wrongKey: string;
let encryptedKey: string;
let knownHosts: string;
let target: Sshd;
let jump: Sshd;
let echo: Server;
let echoPort: number;
const opened: Connection[] = [];
const savedEnv = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };

function connect(vars: Record<string, unknown> = {}, run: SshRunOptions = {}): Connection {
  const conn = createSshConnection(String(vars.name ?? TARGET), { ansible_user: "root", ansible_ssh_private_key_file: key, ...vars }, {
    knownHostsFile: knownHosts,
    ...run,
  });
  opened.push(conn);
  return conn;
}

function sleepRunning(arg: string): boolean {
  return readdirSync("/proc").some((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      return readFileSync(`/proc/${p}/cmdline`, "utf8") === `sleep\0${arg}\0`;
    } catch {
      return false;
    }
  });
}

async function waitFor(cond: () => boolean, tries = 100): Promise<void> {
  for (let i = 0; i < tries && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
}

function userExists(name: string): boolean {
  try {
    execFileSync("id", ["-u", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function removeUser(name: string): void {
  if (userExists(name)) execFileSync("userdel", ["-r", "-f", name], { stdio: "ignore" });
  rmSync(`/etc/sudoers.d/${name}`, { force: true });
}

function addUser(name: string, sudoRule: string, shell = "/bin/sh"): void {
  removeUser(name);
  const home = join(root, `home-${name}`);
  execFileSync("useradd", ["-M", "-d", home, "-s", shell, name]);
  mkdirSync(home);
  execFileSync("chown", [`${name}:`, home]);
  // A set password unlocks the account for sshd (UsePAM no) and is what sudo asks for.
  execFileSync("chpasswd", { input: `${name}:${SUDO_PASSWORD}\n` });
  writeFileSync(`/etc/sudoers.d/${name}`, `${name} ALL=(ALL) ${sudoRule}\n`, { mode: 0o440 });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "redplay-ssh-test-"));
  chmodSync(root, 0o755);
  // A private HOME: no ~/.ssh/config, default keys or agent of the machine leak into the tests.
  process.env.HOME = join(root, "home");
  mkdirSync(process.env.HOME);
  delete process.env.SSH_AUTH_SOCK;
  key = makeKey(root, "client_key");
  wrongKey = makeKey(root, "wrong_key");
  encryptedKey = makeKey(root, "encrypted_key", "Key-Pass-2024");
  target = await startSshd({ address: TARGET, authorizedKeys: [`${key}.pub`, `${encryptedKey}.pub`] });
  jump = await startSshd({ address: JUMP, authorizedKeys: [`${key}.pub`] });
  knownHosts = join(root, "known_hosts");
  writeFileSync(knownHosts, target.knownHostsLine + jump.knownHostsLine);
  addUser(NOPW_USER, "NOPASSWD: ALL");
  addUser(PW_USER, "ALL");
  addUser(RC_USER, "NOPASSWD: ALL", "/bin/bash");
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, ECHO, resolve));
  echoPort = (echo.address() as { port: number }).port;
});

afterAll(async () => {
  await Promise.allSettled(opened.map((c) => c.close()));
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
  await target?.stop();
  await jump?.stop();
  removeUser(NOPW_USER);
  removeUser(PW_USER);
  removeUser(RC_USER);
  process.env.HOME = savedEnv.HOME;
  if (savedEnv.SSH_AUTH_SOCK !== undefined) process.env.SSH_AUTH_SOCK = savedEnv.SSH_AUTH_SOCK;
  rmSync(root, { recursive: true, force: true });
});

describe("exec", () => {
  it("returns exit code, stdout and stderr as values", async () => {
    const conn = connect();
    const r = await conn.exec("echo out; echo err >&2; exit 3");
    expect(r).toEqual({ code: 3, stdout: "out\n", stderr: "err\n" });
    expect((await conn.exec("true")).code).toBe(0);
  });

  it("feeds stdin to the command", async () => {
    const r = await connect().exec("tr a-z A-Z", { stdin: "hello\nworld" });
    expect(r.stdout).toBe("HELLO\nWORLD");
  });

  it("kills a command that exceeds its timeout and reports exit 124", async () => {
    const conn = connect();
    const nap = `37.${process.pid}`;
    const r = await conn.exec(`echo started; sleep ${nap}`, { timeoutMs: 500 });
    expect(r.code).toBe(124);
    expect(r.stdout).toBe("started\n");
    expect(r.stderr).toMatch(/timed out after 500 ms/);
    // The remote process is gone, not left running behind a closed channel.
    await waitFor(() => !sleepRunning(nap));
    expect(sleepRunning(nap)).toBe(false);
    expect((await conn.exec("echo still usable")).stdout).toBe("still usable\n");
  });

  it("multiplexes many concurrent commands over exactly one SSH connection", async () => {
    const before = target.acceptedLogins();
    const conn = connect();
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => conn.exec(`echo ${i}`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
    await conn.read("/etc/hostname");
    expect(target.acceptedLogins()).toBe(before + 1);
  });
});

// Both ways of moving files: as commands through the persistent shell (the default), and over
// SFTP (the fallback when commands get their own channels).
describe.each([
  ["the persistent shell", "shell", {}],
  ["SFTP", "sftp", { redplay_persistent_shell: false }],
] as const)("files through %s", (_label, tag, extra) => {
  it("writes atomically and reads back the exact bytes, leaving no temp file", async () => {
    const conn = connect({ ...extra });
    const dir = join(root, `files-${tag}`);
    mkdirSync(dir);
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await conn.write(join(dir, "blob.bin"), bytes);
    expect((await conn.read(join(dir, "blob.bin")))!.equals(bytes)).toBe(true);
    expect(readFileSync(join(dir, "blob.bin")).equals(bytes)).toBe(true);
    await conn.write(join(dir, "blob.bin"), Buffer.from("second"));
    expect(readFileSync(join(dir, "blob.bin"), "utf8")).toBe("second");
    expect(readdirSync(dir)).toEqual(["blob.bin"]);
  });

  it("sets mode, owner and group, and keeps the mode on a rewrite without one", async () => {
    const conn = connect({ ...extra });
    const path = join(root, `owned-${tag}.conf`);
    await conn.write(path, Buffer.from("x=1\n"), { mode: 0o640, owner: NOPW_USER, group: PW_USER });
    expect(await conn.stat(path)).toEqual({ exists: true, isDir: false, mode: 0o640, owner: NOPW_USER, group: PW_USER, size: 4 });
    await conn.write(path, Buffer.from("x=22\n"));
    const st = statSync(path);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(await conn.stat(path)).toMatchObject({ owner: NOPW_USER, size: 5 });
  });

  it("reads a missing file as null and stats it as absent", async () => {
    const conn = connect({ ...extra });
    expect(await conn.read(join(root, "nope"))).toBeNull();
    expect(await conn.stat(join(root, "nope"))).toEqual({ exists: false });
    expect(await conn.stat(root)).toMatchObject({ exists: true, isDir: true, mode: 0o755, owner: "root" });
  });

  it("fails a write into a missing directory with a message naming the path", async () => {
    await expect(connect({ ...extra }).write(join(root, "no-dir", "f"), Buffer.from("x"))).rejects.toThrow(/cannot write .*no-dir\/f on 127\.0\.0\.41/);
  });
});

describe("host keys", () => {
  it("refuses an unknown host with the ssh-keyscan hint", async () => {
    const empty = join(root, "kh-empty");
    writeFileSync(empty, "");
    const err = await connect({}, { knownHostsFile: empty }).exec("true").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toBe(
      `host key for ${TARGET} is not known: add it with "ssh-keyscan -H ${TARGET} >> ${empty}" or rerun with --accept-new`,
    );
  });

  it("with accept-new records a hashed key line and connects", async () => {
    const file = join(root, "kh-new", "known_hosts");
    const r = await connect({}, { knownHostsFile: file, acceptNew: true }).exec("echo hi");
    expect(r.stdout).toBe("hi\n");
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^\|1\|\S+\|\S+ ssh-ed25519 \S+\n$/);
    const offered = Buffer.from(target.hostKeyPub.split(" ")[1]!, "base64");
    expect(verifyHostKey(parseKnownHosts(text), TARGET, offered)).toEqual({ status: "known" });
    // The recorded key is now trusted without accept-new.
    expect((await connect({}, { knownHostsFile: file }).exec("echo again")).stdout).toBe("again\n");
  });

  it("refuses a changed key naming both fingerprints, and runs nothing", async () => {
    const other = makeKey(root, "impostor_host_key");
    const file = join(root, "kh-changed");
    writeFileSync(file, `${TARGET} ${readFileSync(`${other}.pub`, "utf8").split(" ").slice(0, 2).join(" ")}\n`);
    const marker = join(root, "must-not-exist");
    const before = target.acceptedLogins();
    const err = await connect({}, { knownHostsFile: file }).exec(`touch ${marker}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    const msg = (err as Error).message;
    expect(msg).toContain(`host key for ${TARGET} has changed`);
    expect(msg).toContain(opensshFingerprint(`${other}.pub`));
    expect(msg).toContain(opensshFingerprint(join(target.dir, "host_ed25519.pub")));
    expect(existsSync(marker)).toBe(false);
    expect(target.acceptedLogins()).toBe(before);
  });
});

describe("transport errors", () => {
  it("reports a rejected key as AuthError naming user, host and methods", async () => {
    const err = await connect({ ansible_ssh_private_key_file: wrongKey }).exec("true").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(new RegExp(`^authentication failed for root@${TARGET.replace(/\./g, "\\.")} \\(tried: publickey\\)`));
  });

  it("reports a refused connection as UnreachableError, and keeps failing without reconnecting", async () => {
    const conn = connect({ ansible_host: "127.0.0.49", ansible_port: 1 });
    const err = await conn.exec("true").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toMatch(/^connection refused connecting to root@127\.0\.0\.49:1/);
    await expect(conn.exec("true")).rejects.toBe(err);
  });

  it("uses an encrypted key with the passphrase from the named env var, and says which var when unset", async () => {
    const err = await connect({ ansible_ssh_private_key_file: encryptedKey }).exec("true").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain(`key ${encryptedKey} is encrypted: put its passphrase in the environment variable REDPLAY_SSH_KEY_PASSPHRASE`);
    process.env.RPT_KEY_PASS = "Key-Pass-2024";
    try {
      const conn = connect({ ansible_ssh_private_key_file: encryptedKey, ansible_ssh_private_key_passphrase_env: "RPT_KEY_PASS" });
      expect((await conn.exec("echo unlocked")).stdout).toBe("unlocked\n");
    } finally {
      delete process.env.RPT_KEY_PASS;
    }
  });

  describe("a stale SSH_AUTH_SOCK (no agent behind it)", () => {
    const stale = () => join(root, "no-agent.sock");
    const said = () => `SSH_AUTH_SOCK points to ${stale()}, which is not a running ssh-agent; unset it or start the agent`;
    const withStaleAgent = async <T>(fn: () => Promise<T>): Promise<T> => {
      process.env.SSH_AUTH_SOCK = stale();
      try {
        return await fn();
      } finally {
        delete process.env.SSH_AUTH_SOCK;
      }
    };

    it("still logs in with the key file", async () => {
      const r = await withStaleAgent(() => connect().exec("echo keyed"));
      expect(r.stdout).toBe("keyed\n");
    });

    it("says so when nothing else logs in, instead of asking whether sshd runs", async () => {
      for (const vars of [{ ansible_ssh_private_key_file: wrongKey }, { ansible_ssh_private_key_file: undefined }]) {
        const err = await withStaleAgent(() => connect(vars).exec("true").catch((e: unknown) => e));
        expect(err).toBeInstanceOf(AuthError);
        expect((err as Error).message).toContain(said());
        expect((err as Error).message).not.toContain("is sshd running");
      }
    });

    it("a socket file nobody listens on is stale too", async () => {
      const sock = stale();
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(sock, resolve));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Closing removes the file; leave a dead one behind as a crashed agent does.
      writeFileSync(sock, "");
      try {
        const err = await withStaleAgent(() => connect({ ansible_ssh_private_key_file: undefined }).exec("true").catch((e: unknown) => e));
        expect((err as Error).message).toContain(said());
      } finally {
        rmSync(sock, { force: true });
      }
    });
  });

  it("names the missing key file set in the inventory", async () => {
    const err = await connect({ ansible_ssh_private_key_file: join(root, "absent_key") }).exec("true").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/absent_key cannot be read .*ansible_ssh_private_key_file/);
  });
});

describe("lost connections", () => {
  it("fails calls with UnreachableError once the host goes away, without hanging", async () => {
    const doomed = await startSshd({ address: "127.0.0.44", authorizedKeys: [`${key}.pub`] });
    const file = join(root, "kh-doomed");
    writeFileSync(file, doomed.knownHostsLine);
    const conn = connect({ ansible_host: "127.0.0.44" }, { knownHostsFile: file });
    try {
      expect((await conn.exec("echo up")).stdout).toBe("up\n");
    } finally {
      await doomed.stop();
    }
    await expect(conn.exec("echo down")).rejects.toBeInstanceOf(UnreachableError);
    await expect(conn.exec("echo down")).rejects.toBeInstanceOf(UnreachableError);
  });

  it("a command cut short by the connection's end says how it ended, and the next command reconnects", async () => {
    const conn = connect({ redplay_persistent_shell: false });
    // The command's parent is sshd's process for this connection: killing it drops the connection.
    const err = await conn.exec("kill -9 $PPID; sleep 5").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toMatch(
      /^the connection to 127\.0\.0\.41 was lost: (the SSH connection closed|read ECONNRESET) \(the channel closed without an exit status\)$/,
    );
    expect(await conn.exec("echo back")).toEqual({ code: 0, stdout: "back\n", stderr: "" });
  });
});

describe("forward and jump hosts", () => {
  it("forwards a byte stream to a TCP server as seen from the host", async () => {
    const stream = await connect().forward(ECHO, echoPort);
    const reply = new Promise<string>((resolve) => stream.once("data", (d: Buffer) => resolve(d.toString())));
    stream.write("ping through ssh");
    expect(await reply).toBe("ping through ssh");
    stream.end();
  });

  it("a forward to a port nothing listens on is a ForwardError (the host answered), and the connection stays usable", async () => {
    const conn = connect();
    const err = await conn.forward(ECHO, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForwardError);
    expect(err).not.toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ address: ECHO, port: 1, failure: "connect" });
    expect((err as Error).message).toMatch(/cannot connect to 127\.0\.0\.43:1: (connection refused|nothing accepted the connection)$/);
    expect((await conn.exec("echo still here")).stdout).toBe("still here\n");
  });

  it("reaches the target through a jump host, one login on each", async () => {
    const [jumpBefore, targetBefore] = [jump.acceptedLogins(), target.acceptedLogins()];
    const conn = connect({ name: "behind-bastion", ansible_host: TARGET, redplay_proxy_jump: `root@${JUMP}` });
    const r = await conn.exec("echo via jump");
    expect(r.stdout).toBe("via jump\n");
    expect(jump.acceptedLogins()).toBe(jumpBefore + 1);
    expect(target.acceptedLogins()).toBe(targetBefore + 1);
  });

  it("checks the jump host's key too", async () => {
    const file = join(root, "kh-target-only");
    writeFileSync(file, target.knownHostsLine);
    const conn = connect({ ansible_ssh_common_args: `-o ProxyJump=root@${JUMP}` }, { knownHostsFile: file });
    await expect(conn.exec("true")).rejects.toThrow(`host key for ${JUMP} is not known`);
  });
});

describe("become", () => {
  it("runs as root through passwordless sudo and as the login user without become", async () => {
    const conn = connect({ ansible_user: NOPW_USER });
    expect((await conn.exec("id -un")).stdout).toBe(`${NOPW_USER}\n`);
    expect((await conn.exec("id -un", { become: { enabled: true } })).stdout).toBe("root\n");
  });

  it("reads, writes and stats root-only files through sudo", async () => {
    const conn = connect({ ansible_user: NOPW_USER });
    const dir = join(root, "root-only");
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, "secret.conf");
    const become = { enabled: true };
    await expect(conn.write(path, Buffer.from("nope"))).rejects.toThrow(/cannot write/);
    await conn.write(path, Buffer.from("requirepass x\n"), { mode: 0o600, owner: "redis", become });
    expect(readFileSync(path, "utf8")).toBe("requirepass x\n");
    expect(await conn.stat(path, { become })).toEqual({ exists: true, isDir: false, mode: 0o600, owner: "redis", group: "root", size: 14 });
    expect((await conn.read(path, { become }))!.toString()).toBe("requirepass x\n");
    expect(await conn.read(join(dir, "absent"), { become })).toBeNull();
    expect(readdirSync(dir)).toEqual(["secret.conf"]);
  });

  it("sends the become password on stdin and keeps the caller's stdin intact", async () => {
    const conn = connect({ ansible_user: PW_USER });
    const become = { enabled: true, password: SUDO_PASSWORD };
    const r = await conn.exec("id -un; cat", { become, stdin: "payload" });
    expect(r).toEqual({ code: 0, stdout: "root\npayload", stderr: "" });
  });

  it("fails cleanly on a wrong become password without revealing it", async () => {
    const conn = connect({ ansible_user: PW_USER });
    const r = await conn.exec("id -un", { become: { enabled: true, password: "Wrong-Pass-5512" } });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/sudo rejected the become password for user root/);
    expect(r.stderr + r.stdout).not.toContain("Wrong-Pass-5512");
  });

  it("does not leak a password into the command when sudo needs none", async () => {
    const conn = connect({ ansible_user: NOPW_USER });
    const r = await conn.exec("cat", { become: { enabled: true, password: "Unused-Pass-1" }, stdin: "only this" });
    expect(r).toEqual({ code: 0, stdout: "only this", stderr: "" });
  });

  it("reports sudo refusing a user that needs a password when none was given", async () => {
    const r = await connect({ ansible_user: PW_USER }).exec("id -un", { become: { enabled: true } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a password is required/);
  });
});

describe("persistent shell", () => {
  const rcHome = () => join(root, `home-${RC_USER}`);
  const rcRuns = () => {
    const f = join(rcHome(), "rc-runs");
    return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;
  };
  // bash, started by sshd for a command, reads ~/.bashrc: the cost every command used to pay.
  function setBashrc(...lines: string[]): void {
    writeFileSync(join(rcHome(), ".bashrc"), ['echo run >> "$HOME/rc-runs"', ...lines, ""].join("\n"));
    rmSync(join(rcHome(), "rc-runs"), { force: true });
  }

  function killSleep(arg: string): void {
    for (const p of readdirSync("/proc")) {
      if (!/^\d+$/.test(p)) continue;
      try {
        if (readFileSync(`/proc/${p}/cmdline`, "utf8") === `sleep\0${arg}\0`) process.kill(Number(p), "SIGKILL");
      } catch {
        // ended meanwhile
      }
    }
  }

  it("30 sequential commands run the login shell's start-up file once, in one SSH session", async () => {
    setBashrc('echo "noise printed by .bashrc"');
    const conn = connect({ ansible_user: RC_USER });
    const before = target.sessionsStarted();
    for (let i = 0; i < 30; i++) {
      expect(await conn.exec(`echo ${i}`)).toEqual({ code: 0, stdout: `${i}\n`, stderr: "" });
    }
    expect(rcRuns()).toBe(1);
    expect(target.sessionsStarted() - before).toBe(1);
  });

  it("with redplay_persistent_shell: false every command pays the start-up file again", async () => {
    setBashrc();
    const conn = connect({ ansible_user: RC_USER, redplay_persistent_shell: false });
    const before = target.sessionsStarted();
    for (let i = 0; i < 5; i++) expect((await conn.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
    expect(rcRuns()).toBe(5);
    expect(target.sessionsStarted() - before).toBe(5);
  });

  it("on its own channel, a command killed by a signal exits 128 + the signal's number, as a shell reports it", async () => {
    const conn = connect({ redplay_persistent_shell: false });
    expect(await conn.exec("kill -9 $$")).toEqual({ code: 137, stdout: "", stderr: "" });
    expect(await conn.exec("kill -TERM $$")).toEqual({ code: 143, stdout: "", stderr: "" });
  });

  it("returns stdout, stderr, exit code and stdin byte-exact with awkward data", async () => {
    const conn = connect();
    // No trailing newline, UTF-8, lines shaped like the shell's own framing, quotes, a here-doc end.
    const tricky = "h\u00e9llo \u2713\nrp00 0 1 1\n\nrpabc ready 1\n'EOF'\nEOF\nlast line without newline";
    const r = await conn.exec("cat; printf 'err \\342\\234\\223 no newline' >&2; exit 7", { stdin: tricky });
    expect(r).toEqual({ code: 7, stdout: tricky, stderr: "err \u2713 no newline" });
    const big = await conn.exec("head -c 1048576 /dev/zero | tr '\\0' x; head -c 300000 /dev/zero | tr '\\0' y >&2");
    expect(big.code).toBe(0);
    expect(big.stdout).toBe("x".repeat(1048576));
    expect(big.stderr).toBe("y".repeat(300000));
    const bytes = randomBytes(1 << 20);
    const sum = await conn.exec("sha256sum", { stdin: bytes });
    expect(sum.stdout.split(" ")[0]).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(await conn.exec("exit 255")).toEqual({ code: 255, stdout: "", stderr: "" });
    expect((await conn.exec(`printf '%s\\n' "it's" 'EOF'`)).stdout).toBe("it's\nEOF\n");
    const syntax = await conn.exec("if then");
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/syntax error/i);
    // Without stdin data a command reads EOF at once, never the shell's control channel.
    expect(await conn.exec("cat; echo done")).toEqual({ code: 0, stdout: "done\n", stderr: "" });
    // A background process still writing after the command returned cannot corrupt later results.
    await conn.exec("(sleep 0.3; echo late) &");
    await new Promise((res) => setTimeout(res, 600));
    expect(await conn.exec("echo after")).toEqual({ code: 0, stdout: "after\n", stderr: "" });
  });

  it("runs concurrent commands correctly on up to four shells", async () => {
    const conn = connect();
    const before = target.sessionsStarted();
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => conn.exec(`sleep 0.${i % 3}; cat; echo err${i} >&2; exit ${i}`, { stdin: `in-${i}\n` })),
    );
    results.forEach((r, i) => expect(r).toEqual({ code: i, stdout: `in-${i}\n`, stderr: `err${i}\n` }));
    expect(target.sessionsStarted() - before).toBe(4);
  });

  it("kills a timed-out command on the host and keeps using the same shell", async () => {
    const conn = connect();
    await conn.exec("true");
    const before = target.sessionsStarted();
    const nap = `38.${process.pid}`;
    const r = await conn.exec(`echo started; echo warn >&2; sleep ${nap}`, { timeoutMs: 500 });
    expect(r).toEqual({ code: 124, stdout: "started\n", stderr: "warn\ncommand timed out after 500 ms\n" });
    expect(sleepRunning(nap)).toBe(false);
    expect(await conn.exec("echo next")).toEqual({ code: 0, stdout: "next\n", stderr: "" });
    expect(target.sessionsStarted()).toBe(before);
  });

  it("a command that kills its own shell fails cleanly and the next command gets a new shell", async () => {
    const conn = connect();
    const r = await conn.exec("kill -9 $PPID; sleep 1");
    expect(r.code).toBe(255);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/the remote shell running this command on 127\.0\.0\.41 ended \(signal \w*KILL\)/);
    expect(await conn.exec("echo again")).toEqual({ code: 0, stdout: "again\n", stderr: "" });
  });

  it("a shell killed by another command fails the command it was running, and later commands still work", async () => {
    const conn = connect();
    const pidFile = join(root, "shell-pid");
    const nap = `39.${process.pid}`;
    try {
      const victim = conn.exec(`echo $PPID > ${pidFile}; exec sleep ${nap}`);
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n"));
      expect((await conn.exec(`kill -9 $(cat ${pidFile})`)).code).toBe(0);
      const r = await victim;
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/remote shell .* ended/);
      expect(await conn.exec("echo alive")).toEqual({ code: 0, stdout: "alive\n", stderr: "" });
    } finally {
      killSleep(nap);
    }
  });

  it("falls back to one channel per command when the shell cannot start, and says why", async () => {
    // mktemp -d honours TMPDIR: the shell's private directory cannot be made.
    setBashrc("export TMPDIR=/nonexistent-redplay-dir");
    const warnings: string[] = [];
    const conn = connect({ ansible_user: RC_USER }, { onWarning: (host, msg) => warnings.push(`${host}|${msg}`) });
    const since = target.log().length;
    try {
      for (let i = 0; i < 3; i++) expect(await conn.exec(`echo ${i}`)).toEqual({ code: 0, stdout: `${i}\n`, stderr: "" });
    } catch (err) {
      // What the server logged meanwhile says which side ended a session that should have lived.
      (err as Error).message += `\nsshd logged:\n${target.log().slice(since).split("\n").slice(-40).join("\n")}`;
      throw err;
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^127\.0\.0\.41\|running each command on its own SSH channel from now on: the remote \/bin\/sh did not start/);
    // The failed shell's start-up, then one per command.
    expect(rcRuns()).toBe(4);
  });

  it("password sudo runs in the shell without the password in any argv or output", async () => {
    const conn = connect({ ansible_user: PW_USER });
    const become = { enabled: true, password: SUDO_PASSWORD };
    const before = target.sessionsStarted();
    for (let i = 0; i < 3; i++) {
      const r = await conn.exec("id -un; ps -eo args; cat", { become, stdin: `in${i}` });
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith("root\n")).toBe(true);
      expect(r.stdout.endsWith(`in${i}`)).toBe(true);
      expect(r.stdout + r.stderr).not.toContain(SUDO_PASSWORD);
    }
    expect(target.sessionsStarted() - before).toBe(1);
    // A non-root target user cannot open the private stdin file: that command takes its own channel.
    const other = await conn.exec("id -un; cat", { become: { ...become, user: NOPW_USER }, stdin: "for nopw" });
    expect(other).toEqual({ code: 0, stdout: `${NOPW_USER}\nfor nopw`, stderr: "" });
  });
});
