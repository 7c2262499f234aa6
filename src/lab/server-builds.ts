// Server versions that no Debian release packages (Redis 5.0, 6.2, 7.2, 7.4, Valkey 7.2, 8.0),
// built once per machine from upstream source archives and cached, so the lab can place them into
// its nodes and the tests can run them. A build is keyed by its archive's name and is complete
// only when its `.done` marker exists, so an interrupted build is redone, never half-used.
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { $ } from "zx";
import { LabError, toolOutputTail } from "./lab-error.js";
import { versionFromBinary, type ServerFlavor } from "../redis/server-version.js";

/** Where built servers are kept: one directory per source archive. */
export const BUILD_CACHE = process.env.REDPLAY_CACHE ? join(process.env.REDPLAY_CACHE, "servers") : "/var/cache/redplay/servers";

/** The upstream versions the lab can build, by archive name. */
export const UPSTREAM_BUILDS = [
  "redis-5.0.7",
  "redis-6.2.16",
  "redis-7.2.6",
  "redis-7.4.1",
  "valkey-7.2.7",
  "valkey-8.0.1",
] as const;

/** A built server, ready to be placed into a node or run on the machine. */
export interface ServerBuild {
  name: string;
  flavor: ServerFlavor;
  version: string;
  /** Directory holding the binaries (`redis-server`, `redis-cli`, or `valkey-server`, `valkey-cli`). */
  binDir: string;
  /** Absolute path of the server binary. */
  server: string;
  /** Absolute path of the CLI binary. */
  cli: string;
  /** The version's own stock config file (`redis.conf` or `valkey.conf`). */
  stockConf: string;
}

/**
 * Where the source archives are looked for: REDPLAY_SERVER_SOURCES, else `shared/redis-src`
 * beside the repository (as laid out on the development and CI machines).
 */
export function sourceDir(): string {
  if (process.env.REDPLAY_SERVER_SOURCES) return resolve(process.env.REDPLAY_SERVER_SOURCES);
  const here = new URL(".", import.meta.url).pathname;
  return resolve(here, "../../../shared/redis-src");
}

/** Whether the lab builds `name` with TLS: every version that has it (Redis 6.0+, Valkey). */
export function buildsWithTls(name: string): boolean {
  return !name.startsWith("redis-5.");
}

/** The cache key of a build: its archive's name, and `+tls` for a build with TLS (so a build made without it is never reused). */
export function buildId(name: string): string {
  return buildsWithTls(name) ? `${name}+tls` : name;
}

function flavorOf(name: string): ServerFlavor {
  return name.startsWith("valkey-") ? "valkey" : "redis";
}

function describe(name: string): ServerBuild {
  const flavor = flavorOf(name);
  const dir = join(BUILD_CACHE, buildId(name));
  const binDir = join(dir, "bin");
  return {
    name,
    flavor,
    version: name.slice(name.indexOf("-") + 1),
    binDir,
    server: join(binDir, `${flavor}-server`),
    cli: join(binDir, `${flavor}-cli`),
    stockConf: join(dir, `${flavor}.conf`),
  };
}

/** The build if it is already cached; null otherwise. */
export function cachedBuild(name: string): ServerBuild | null {
  const b = describe(name);
  return existsSync(join(BUILD_CACHE, buildId(name), ".done")) ? b : null;
}

/**
 * Builds `name` (e.g. "redis-6.2.16") from its source archive unless it is cached. Takes one to
 * two minutes on two cores. `log` receives one line when a build starts.
 */
export async function ensureBuild(name: string, log: (line: string) => void = () => {}): Promise<ServerBuild> {
  if (!(UPSTREAM_BUILDS as readonly string[]).includes(name)) {
    throw new LabError(`unknown server build "${name}"; known: ${UPSTREAM_BUILDS.join(", ")}`);
  }
  const cached = cachedBuild(name);
  if (cached) return cached;
  const archive = join(sourceDir(), `${name}.tar.gz`);
  if (!existsSync(archive)) {
    throw new LabError(`cannot build ${name}: ${archive} is missing (set REDPLAY_SERVER_SOURCES to the folder of the source archives)`);
  }
  const b = describe(name);
  const dir = join(BUILD_CACHE, buildId(name));
  const src = join(dir, "src");
  log(`building ${name} from ${archive} (once per machine)`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(src, { recursive: true });
  const sh = $({ quiet: true });
  try {
    await sh`tar -xzf ${archive} -C ${src} --strip-components=1`;
    // gcc 10+ defaults to -fno-common, which Redis 5.0's sources predate.
    const cflags = name.startsWith("redis-5.") ? ["REDIS_CFLAGS=-fcommon"] : [];
    // USE_SYSTEMD: the server tells systemd when it is ready (Type=notify units), as Debian's does.
    // BUILD_TLS (6.0+ and Valkey, as Debian builds them): linked to the machine's libssl 3, which
    // the lab's bookworm and trixie hosts have too.
    const tls = buildsWithTls(name) ? "BUILD_TLS=yes" : "BUILD_TLS=no";
    await sh`make -C ${src} -j2 ${tls} USE_SYSTEMD=yes ${cflags}`;
    await mkdir(b.binDir, { recursive: true });
    const prefix = b.flavor;
    await sh`cp ${join(src, "src", `${prefix}-server`)} ${join(src, "src", `${prefix}-cli`)} ${b.binDir}/`;
    await sh`cp ${join(src, `${prefix}.conf`)} ${b.stockConf}`;
    const line = (await sh`${b.server} --version`).stdout;
    const v = versionFromBinary(line, b.server);
    if (!v || v.version !== b.version) throw new LabError(`${name}: built binary reports "${line.trim()}"`);
    await rm(src, { recursive: true, force: true });
    await writeFile(join(dir, ".done"), `${line.trim()}\n`);
  } catch (e) {
    if (e instanceof LabError) throw e;
    throw new LabError(`building ${name} failed: ${toolOutputTail(e, 5)}`, undefined, { cause: e });
  }
  return b;
}

/** The `--version` line recorded when the build finished. */
export async function buildVersionLine(b: ServerBuild): Promise<string> {
  return (await readFile(join(BUILD_CACHE, buildId(b.name), ".done"), "utf8")).trim();
}
