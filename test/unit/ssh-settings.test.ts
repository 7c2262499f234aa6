// How the SSH settings of a host are resolved: inventory vars > run options > ~/.ssh/config > defaults.
import { describe, expect, it } from "vitest";
import { LoadError } from "../../src/errors.js";
import { buildCommand } from "../../src/connection/ssh-command.js";
import { sshConfigLookup } from "../../src/connection/ssh-config.js";
import {
  parseJumpSpec,
  proxyJumpFromArgs,
  resolveSshSettings,
  type SettingsContext,
} from "../../src/connection/ssh-settings.js";

const SSH_CONFIG = `
Host db1
  HostName 127.0.0.31
  User cfguser
  Port 2201
  IdentityFile ~/.ssh/db_key
  ProxyJump cfgjump@bastion:2022

Host bastion
  HostName 127.0.0.30
  User bastionuser

Host *
  ConnectTimeout 7
`;

function ctx(over: Partial<SettingsContext> = {}): SettingsContext {
  return {
    home: "/home/me",
    currentUser: "me",
    env: {},
    inventoryDir: "/srv/inv",
    sshConfig: sshConfigLookup(SSH_CONFIG),
    ...over,
  };
}

describe("resolveSshSettings defaults", () => {
  it("uses the inventory name, port 22, the current user and the default keys", () => {
    const s = resolveSshSettings("web1", {}, ctx({ sshConfig: () => ({}) }));
    expect(s).toMatchObject({ name: "web1", address: "web1", port: 22, user: "me", jumps: [], readyTimeoutMs: 10_000 });
    expect(s.identityFiles).toEqual(["/home/me/.ssh/id_ed25519", "/home/me/.ssh/id_ecdsa", "/home/me/.ssh/id_rsa"]);
    expect(s.explicitIdentity).toBe(false);
    expect(s.knownHostsFile).toBe("/home/me/.ssh/known_hosts");
    expect(s.passphraseEnv).toBe("REDPLAY_SSH_KEY_PASSPHRASE");
  });
});

describe("resolveSshSettings from ~/.ssh/config", () => {
  it("takes HostName, User, Port, IdentityFile, ProxyJump and ConnectTimeout", () => {
    const s = resolveSshSettings("db1", {}, ctx());
    expect(s).toMatchObject({ address: "127.0.0.31", port: 2201, user: "cfguser", readyTimeoutMs: 7000 });
    expect(s.identityFiles).toEqual(["/home/me/.ssh/db_key"]);
    // The jump host is itself resolved through the config (HostName), its user from the spec.
    expect(s.jumps).toEqual([{ name: "bastion", address: "127.0.0.30", port: 2022, user: "cfgjump" }]);
  });

  it("matches the config against ansible_host, as ssh would be called with it", () => {
    const s = resolveSshSettings("inventory-name", { ansible_host: "db1" }, ctx());
    expect(s).toMatchObject({ user: "cfguser", address: "127.0.0.31" });
    expect(resolveSshSettings("db1", { ansible_host: "127.0.0.41" }, ctx())).toMatchObject({ address: "127.0.0.41", user: "me", port: 22 });
  });
});

describe("resolveSshSettings: inventory vars win", () => {
  it("over ssh config for address, port, user, key and jump", () => {
    const s = resolveSshSettings(
      "db1",
      {
        ansible_host: "127.0.0.41",
        ansible_port: 2222,
        ansible_user: "deploy",
        ansible_ssh_private_key_file: "keys/id",
        redplay_proxy_jump: "none",
        ansible_timeout: 3,
      },
      ctx(),
    );
    expect(s).toMatchObject({ address: "127.0.0.41", port: 2222, user: "deploy", jumps: [], readyTimeoutMs: 3000 });
    expect(s.identityFiles).toEqual(["/srv/inv/keys/id"]);
    expect(s.explicitIdentity).toBe(true);
  });

  it("over the run's options for timeout and known_hosts", () => {
    const run = ctx({ sshConfig: () => ({}), connectTimeoutMs: 20_000, knownHostsFile: "/run/kh" });
    expect(resolveSshSettings("h", {}, run)).toMatchObject({ readyTimeoutMs: 20_000, knownHostsFile: "/run/kh" });
    const s = resolveSshSettings("h", { ansible_timeout: "2", redplay_known_hosts_file: "lab/known_hosts" }, run);
    expect(s).toMatchObject({ readyTimeoutMs: 2000, knownHostsFile: "/srv/inv/lab/known_hosts" });
  });

  it("expands ~ in key paths", () => {
    const s = resolveSshSettings("h", { ansible_ssh_private_key_file: "~/k/id" }, ctx());
    expect(s.identityFiles).toEqual(["/home/me/k/id"]);
  });

  it("takes the password from ansible_password or ansible_ssh_pass", () => {
    expect(resolveSshSettings("h", { ansible_password: "p1" }, ctx()).password).toBe("p1");
    expect(resolveSshSettings("h", { ansible_ssh_pass: "p2" }, ctx()).password).toBe("p2");
  });

  it("reads the key passphrase from the env var the inventory names, and the agent socket", () => {
    const env = { MY_PASS: "pp", REDPLAY_SSH_KEY_PASSPHRASE: "default", SSH_AUTH_SOCK: "/tmp/agent" };
    expect(resolveSshSettings("h", {}, ctx({ env })).passphrase).toBe("default");
    const s = resolveSshSettings("h", { ansible_ssh_private_key_passphrase_env: "MY_PASS" }, ctx({ env }));
    expect(s).toMatchObject({ passphrase: "pp", passphraseEnv: "MY_PASS", agent: "/tmp/agent" });
  });

  it("rejects a port that is not a number with a LoadError naming the host", () => {
    expect(() => resolveSshSettings("h", { ansible_port: "ssh" }, ctx())).toThrow(LoadError);
    expect(() => resolveSshSettings("h", { ansible_port: "ssh" }, ctx())).toThrow(/host h: ansible_port "ssh"/);
  });
});

describe("proxy jumps", () => {
  it("takes ProxyJump from ssh args in every spelling and ignores the rest", () => {
    expect(proxyJumpFromArgs("-o StrictHostKeyChecking=no -o ProxyJump=j@b:22")).toBe("j@b:22");
    expect(proxyJumpFromArgs("-oProxyJump=b")).toBe("b");
    expect(proxyJumpFromArgs("-o 'ProxyJump b2'")).toBe("b2");
    expect(proxyJumpFromArgs("-J u@b3 -C")).toBe("u@b3");
    expect(proxyJumpFromArgs("-Jb4")).toBe("b4");
    expect(proxyJumpFromArgs("-o ProxyCommand='ssh -W %h:%p b'")).toBeUndefined();
  });

  it("parses user@host:port chains", () => {
    expect(parseJumpSpec("a@127.0.0.42:2022,127.0.0.43,ssh://c@[::1]:22")).toEqual([
      { user: "a", host: "127.0.0.42", port: 2022 },
      { user: undefined, host: "127.0.0.43", port: undefined },
      { user: "c", host: "::1", port: 22 },
    ]);
  });

  it("prefers the jump var over ssh args over ssh config", () => {
    const c = ctx();
    expect(resolveSshSettings("db1", { ansible_ssh_common_args: "-J x@127.0.0.45" }, c).jumps).toEqual([
      { name: "127.0.0.45", address: "127.0.0.45", port: 22, user: "x" },
    ]);
    const both = { ansible_ssh_common_args: "-J x@127.0.0.45", ansible_ssh_proxy_jump: "bastion,y@127.0.0.46:2" };
    expect(resolveSshSettings("db1", both, c).jumps).toEqual([
      { name: "bastion", address: "127.0.0.30", port: 22, user: "bastionuser" },
      { name: "127.0.0.46", address: "127.0.0.46", port: 2, user: "y" },
    ]);
  });
});

describe("buildCommand", () => {
  it("wraps the command in /bin/sh -c with POSIX quoting", () => {
    expect(buildCommand("echo 'a b'", undefined, "root").line).toBe(`/bin/sh -c 'echo '\\''a b'\\'''`);
  });

  it("adds sudo -n without a password and skips sudo when already the become user", () => {
    expect(buildCommand("id", { enabled: true }, "deploy").line).toBe("sudo -H -S -n -u root -- /bin/sh -c id");
    expect(buildCommand("id", { enabled: true }, "root")).toEqual({ line: "/bin/sh -c id", sudo: { kind: "none" } });
    expect(buildCommand("id", { enabled: true, user: "redis" }, "root").line).toContain("-u redis");
  });

  it("never puts the become password in the command line", () => {
    const b = buildCommand("id", { enabled: true, password: "hunter2'x" }, "deploy", "n0nce");
    expect(b.line).not.toContain("hunter2");
    expect(b.line).toContain("-p '[redplay-sudo-n0nce] '");
    expect(b.sudo).toMatchObject({ kind: "password", prompt: "[redplay-sudo-n0nce] ", marker: "redplay-become-n0nce" });
  });
});
