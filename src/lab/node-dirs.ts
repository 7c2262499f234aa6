// Per-node directories: the files bind-mounted over a node's /etc/redis, /var/lib/redis,
// /var/lib/redplay, /root, /var/log, /run and /etc/ssh. Config is the host's stock Debian config (so the lab behaves
// like a fresh install); the only edits are the redis.conf `bind` line and a new host key.
import { chmod, chown, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LabError } from "./lab-error.js";
import { newHostKey } from "./keys.js";
import { runTool } from "./run-tool.js";

/** Host paths of one node's directories. */
export interface NodeDirs {
  root: string;
  etcRedis: string;
  varLibRedis: string;
  /** redplay's state on the node (/var/lib/redplay). */
  varLibRedplay: string;
  /** root's home on the node (/root): empty, as on a fresh host. */
  rootHome: string;
  varLog: string;
  run: string;
  etcSsh: string;
  /** The node's pid 1 (written on every start). */
  initScript: string;
  /** The unshare/init output, for errors when a node fails to boot. */
  bootLog: string;
  /** sshd's log (LogLevel VERBOSE): one "Accepted publickey" line per connection. */
  sshdLog: string;
  hostKeyPub: string;
}

export function nodeDirs(root: string): NodeDirs {
  return {
    root,
    etcRedis: join(root, "etc-redis"),
    varLibRedis: join(root, "var-lib-redis"),
    varLibRedplay: join(root, "var-lib-redplay"),
    rootHome: join(root, "root"),
    varLog: join(root, "var-log"),
    run: join(root, "run"),
    etcSsh: join(root, "etc-ssh"),
    initScript: join(root, "init.sh"),
    bootLog: join(root, "boot.log"),
    sshdLog: join(root, "var-log", "sshd.log"),
    hostKeyPub: join(root, "etc-ssh", "ssh_host_ed25519_key.pub"),
  };
}

/** Makes `dir` with the owner and mode of the host's `like`, so the packaged daemons accept it. */
async function mkdirLike(dir: string, like: string): Promise<void> {
  const st = await stat(like);
  await mkdir(dir, { recursive: true });
  await chown(dir, st.uid, st.gid);
  await chmod(dir, st.mode & 0o7777);
}

/** Replaces the uncommented `bind` line and nothing else. */
export function withBind(conf: string, address: string): string {
  const bindLine = /^bind .*$/m;
  if (!bindLine.test(conf)) throw new LabError("/etc/redis/redis.conf has no `bind` line; reinstall redis-server to restore the stock config");
  return conf.replace(bindLine, `bind ${address}`);
}

/** Builds a node's directories from scratch (a fresh node: empty data and logs). */
export async function createNodeDirs(dirs: NodeDirs, node: string, address: string, clientPubKey: string): Promise<void> {
  await rm(dirs.root, { recursive: true, force: true });
  await mkdir(dirs.root, { recursive: true, mode: 0o755 });
  await chmod(dirs.root, 0o755); // sshd's StrictModes rejects keys under group/world-writable dirs
  await mkdir(dirs.etcRedis);
  await mkdir(dirs.etcSsh);
  await runTool("cp", ["-a", "/etc/redis/.", dirs.etcRedis], node);
  await runTool("cp", ["-a", "/etc/ssh/.", dirs.etcSsh], node);

  const confPath = join(dirs.etcRedis, "redis.conf");
  await writeFile(confPath, withBind(await readFile(confPath, "utf8"), address));

  for (const f of await readdir(dirs.etcSsh)) {
    if (f.startsWith("ssh_host_")) await rm(join(dirs.etcSsh, f));
  }
  await newHostKey(join(dirs.etcSsh, "ssh_host_ed25519_key"), node);
  await writeFile(join(dirs.etcSsh, "lab_authorized_keys"), clientPubKey, { mode: 0o644 });

  await mkdirLike(dirs.varLibRedis, "/var/lib/redis");
  await mkdir(dirs.varLibRedplay, { mode: 0o755 });
  await mkdir(dirs.rootHome, { mode: 0o700 });
  await mkdirLike(dirs.varLog, "/var/log");
  await mkdirLike(join(dirs.varLog, "redis"), "/var/log/redis");
  await mkdirLike(dirs.run, "/run");
}

/** Like a reboot's fresh tmpfs: stale pid files in /run must not fool the init script on `start`. */
export async function resetRunDir(dirs: NodeDirs): Promise<void> {
  await rm(dirs.run, { recursive: true, force: true });
  await mkdirLike(dirs.run, "/run");
}
