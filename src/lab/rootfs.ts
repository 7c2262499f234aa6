// Root filesystems for systemd lab nodes, made once per machine and cached: a Debian `minbase`
// from debootstrap (with systemd, sshd and sudo), and on top of it one layer per server: the
// distribution's redis-server or valkey-server package, or an upstream build placed the way a
// package would place it (binary, config, user, systemd unit). Nodes stack their own overlay on
// these read-only layers, so a node's disk survives a crash and a new node starts from scratch.
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { $ } from "zx";
import { machineDebianMirror } from "./apt-mirror.js";
import { LabError, toolOutputTail } from "./lab-error.js";
import { buildId, ensureBuild, UPSTREAM_BUILDS, type ServerBuild } from "./server-builds.js";

/** Debian releases the systemd lab boots. */
export const LAB_SUITES = ["bullseye", "bookworm", "trixie"] as const;
export type LabSuite = (typeof LAB_SUITES)[number];

/** What a node runs: a distribution package, an upstream build by name, or nothing yet. */
export type LabServer = "redis" | "valkey" | "none" | (typeof UPSTREAM_BUILDS)[number];

/** Where rootfs layers are kept. */
export const ROOTFS_CACHE = process.env.REDPLAY_CACHE ? join(process.env.REDPLAY_CACHE, "rootfs") : "/var/cache/redplay/rootfs";

const BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "openssh-server", "sudo", "iproute2", "procps", "ca-certificates"];

const DONE = ".redplay-layer";
const sh = () => $({ quiet: true });

/** Which (suite, server) pairs exist: Valkey is packaged from trixie on; builds need bookworm's glibc or newer. */
export function checkServerForSuite(suite: LabSuite, server: LabServer): void {
  if (server === "valkey" && suite !== "trixie") {
    throw new LabError(`Debian ${suite} has no valkey-server package; use --os trixie, or an upstream build such as --server valkey-8.0.1`);
  }
  if ((UPSTREAM_BUILDS as readonly string[]).includes(server) && suite === "bullseye") {
    throw new LabError(`upstream builds are made on this machine (glibc of bookworm) and do not run on bullseye; use --os bookworm or trixie`);
  }
}

/** The read-only layers of a node, top first, as overlayfs's `lowerdir` wants them. */
export async function ensureLayers(suite: LabSuite, server: LabServer, log: (l: string) => void): Promise<string[]> {
  checkServerForSuite(suite, server);
  const base = await ensureBase(suite, log);
  if (server === "none") return [base];
  const layer = join(ROOTFS_CACHE, suite, server === "redis" || server === "valkey" ? server : buildId(server));
  if (!existsSync(join(layer, DONE))) {
    if (server === "redis" || server === "valkey") await buildPackageLayer(suite, server, base, layer, log);
    else await buildUpstreamLayer(suite, await ensureBuild(server, log), base, layer, log);
  }
  return [layer, base];
}

async function ensureBase(suite: LabSuite, log: (l: string) => void): Promise<string> {
  const dir = join(ROOTFS_CACHE, suite, "base");
  if (existsSync(join(dir, DONE))) return dir;
  const mirror = await machineDebianMirror();
  if (!mirror) throw new LabError("cannot build a rootfs: this machine's apt sources name no Debian archive (/etc/apt/sources.list*)");
  if (!existsSync("/usr/sbin/debootstrap")) throw new LabError("debootstrap is missing: apt-get install -y debootstrap systemd-container");
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(ROOTFS_CACHE, suite), { recursive: true });
  log(`making the ${suite} rootfs with debootstrap (once per machine)`);
  try {
    await sh()`debootstrap --variant=minbase --include=${BASE_PACKAGES.join(",")} ${suite} ${tmp} ${mirror}`;
  } catch (e) {
    throw new LabError(`debootstrap ${suite} failed: ${toolOutputTail(e)}`, undefined, { cause: e });
  }
  // Host keys are made per node; a key baked into the layer would be shared by every node.
  await sh()`find ${join(tmp, "etc/ssh")} -maxdepth 1 -name 'ssh_host_*' -delete`;
  // No login prompt on the container's console: nothing reads it.
  await sh()`ln -sf /dev/null ${join(tmp, "etc/systemd/system/console-getty.service")}`;
  await writeFile(join(tmp, DONE), `${suite} minbase\n`);
  await rename(tmp, dir);
  return dir;
}

/** Mounts a scratch overlay over `lower`, runs `fn` on the merged tree, and keeps only the upper layer. */
async function withOverlay(lower: string[], layer: string, fn: (root: string) => Promise<void>): Promise<void> {
  const tmp = `${layer}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  const upper = join(tmp, "upper");
  const work = join(tmp, "work");
  const root = join(tmp, "root");
  await mkdir(upper, { recursive: true });
  await mkdir(work);
  await mkdir(root);
  await sh()`mount -t overlay overlay -o ${`lowerdir=${lower.join(":")},upperdir=${upper},workdir=${work}`} ${root}`;
  try {
    await fn(root);
  } finally {
    await sh()`umount ${root}`;
  }
  await rm(layer, { recursive: true, force: true });
  await rename(upper, layer);
  await rm(tmp, { recursive: true, force: true });
}

/** Runs a script inside `root` as a container without booting it (proc, sys and dev provided). */
async function inContainer(root: string, script: string): Promise<void> {
  await sh()`systemd-nspawn --quiet --register=no --keep-unit -D ${root} --pipe /bin/sh -ec ${script}`;
}

// A package's own postinst would start the service with the stock config; policy-rc.d holds it.
const HOLD_SERVICES = "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d";

async function buildPackageLayer(suite: LabSuite, server: "redis" | "valkey", base: string, layer: string, log: (l: string) => void): Promise<void> {
  const pkg = `${server}-server`;
  log(`installing ${pkg} into the ${suite} rootfs (once per machine)`);
  try {
    await withOverlay([base], layer, async (root) => {
      await inContainer(
        root,
        `${HOLD_SERVICES}; export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; ` +
          `apt-get install -y -qq --no-install-recommends ${pkg} >/dev/null; rm -f /usr/sbin/policy-rc.d; apt-get clean`,
      );
      await writeFile(join(root, DONE), `${suite} ${pkg}\n`);
    });
  } catch (e) {
    throw new LabError(`installing ${pkg} into the ${suite} rootfs failed: ${toolOutputTail(e)}`, undefined, { cause: e });
  }
}

/** A systemd unit like Debian's for its redis-server/valkey-server packages, for upstream builds. */
export function upstreamUnit(b: ServerBuild): string {
  const f = b.flavor;
  return `[Unit]
Description=${f === "valkey" ? "Valkey" : "Redis"} ${b.version} (upstream build, placed by redplay lab)
After=network.target

[Service]
Type=notify
ExecStart=/usr/bin/${f}-server /etc/${f}/${f}.conf --supervised systemd --daemonize no
PIDFile=/run/${f}/${f}-server.pid
TimeoutStopSec=0
Restart=always
User=${f}
Group=${f}
RuntimeDirectory=${f}
RuntimeDirectoryMode=2755
UMask=007
LimitNOFILE=65535
WorkingDirectory=/var/lib/${f}

[Install]
WantedBy=multi-user.target
`;
}

/** The version's stock config with the paths Debian's package sets, so every node has one layout. */
export function debianisedConf(stock: string, flavor: "redis" | "valkey"): string {
  const set = (text: string, key: string, value: string) =>
    new RegExp(`^${key} .*$`, "m").test(text) ? text.replace(new RegExp(`^${key} .*$`, "m"), `${key} ${value}`) : `${text}\n${key} ${value}\n`;
  let conf = stock;
  conf = set(conf, "pidfile", `/run/${flavor}/${flavor}-server.pid`);
  conf = set(conf, "logfile", `/var/log/${flavor}/${flavor}-server.log`);
  conf = set(conf, "dir", `/var/lib/${flavor}`);
  return conf;
}

async function buildUpstreamLayer(suite: LabSuite, b: ServerBuild, base: string, layer: string, log: (l: string) => void): Promise<void> {
  const f = b.flavor;
  log(`placing ${b.name} into the ${suite} rootfs (once per machine)`);
  try {
    await withOverlay([base], layer, async (root) => {
      await sh()`cp ${b.server} ${b.cli} ${join(root, "usr/bin")}/`;
      await mkdir(join(root, "etc", f), { recursive: true });
      await writeFile(join(root, "etc", f, `${f}.conf`), debianisedConf(await readFile(b.stockConf, "utf8"), f));
      await writeFile(join(root, "etc/systemd/system", `${f}-server.service`), upstreamUnit(b));
      await inContainer(
        root,
        `useradd --system --user-group --home-dir /var/lib/${f} --shell /usr/sbin/nologin ${f}; ` +
          `install -d -o ${f} -g ${f} -m 0750 /var/lib/${f}; install -d -o ${f} -g adm -m 2750 /var/log/${f}; ` +
          `chown -R ${f}:${f} /etc/${f}; chmod 2770 /etc/${f}; chmod 0640 /etc/${f}/${f}.conf; ` +
          `systemctl enable ${f}-server.service >/dev/null 2>&1`,
      );
      await chmod(join(root, "usr/bin", `${f}-server`), 0o755);
      await writeFile(join(root, DONE), `${suite} ${b.name}\n`);
    });
  } catch (e) {
    throw new LabError(`placing ${b.name} into the ${suite} rootfs failed: ${toolOutputTail(e)}`, undefined, { cause: e });
  }
}
