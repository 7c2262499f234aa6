// `sentinel_server`: which Sentinel a host has (Redis's or Valkey's), its version and where the
// distribution keeps its config, service and user, published as the fact `sentinel_server`. With
// `install: true` a host without one gets the distribution's package (`redis-sentinel`, or
// `valkey-sentinel` beside valkey-server) with its service held (policy-rc.d 101): the package's
// own config binds 127.0.0.1:26379 and monitors an example master, and Sentinels on hosts sharing
// a network would collide on it; sentinel_config starts it once redplay's config is in place.
// The plan names the package and the version apt would install, so `--check` is exact.
import { failureText } from "../../errors.js";
import type { Connection } from "../../connection/types.js";
import { describeVersion, unsupportedReason, versionFromBinary, type ServerFlavor, type ServerVersion } from "../../redis/server-version.js";
import { candidateVersion, runApt } from "../apt.js";
import type { Module, TaskContext } from "../types.js";
import { upstreamOfDebianVersion } from "./redis-server.js";

/** Arguments of `sentinel_server`. */
export interface SentinelServerArgs {
  /** What to install where neither Sentinel nor valkey-server is present. @default "redis" */
  flavor?: ServerFlavor;
  /** Install the distribution's package where no Sentinel is installed. @default false */
  install?: boolean;
}

/** The `sentinel_server` fact. */
export interface SentinelServerFact {
  installed: boolean;
  /** Installed by this run (or, under --check, would be): never started, nothing of its state exists. */
  new: boolean;
  flavor: ServerFlavor;
  version: string;
  redis_compat: string;
  binary: string;
  config_file: string;
  service: string;
  package: string;
  user: string;
  group: string;
}

/** Where Debian's (and Ubuntu's) Sentinel package of each flavour puts things. */
export function sentinelLayout(flavor: ServerFlavor): Omit<SentinelServerFact, "installed" | "new" | "version" | "redis_compat"> {
  const f = flavor;
  return {
    flavor: f,
    binary: `/usr/bin/${f}-sentinel`,
    config_file: `/etc/${f}/sentinel.conf`,
    service: `${f}-sentinel`,
    package: `${f}-sentinel`,
    user: f,
    group: f,
  };
}

// Valkey first, as redis_server does; the flavour of a bare host follows its server.
const PROBE =
  'for b in valkey-sentinel redis-sentinel; do p=$(command -v "$b" 2>/dev/null) || continue; ' +
  'echo "binary=$p"; echo "version=$("$p" --version 2>&1 | head -n 1)"; break; done; ' +
  "command -v valkey-server >/dev/null 2>&1 && echo server=valkey; command -v redis-server >/dev/null 2>&1 && echo server=redis; true";

interface Probe {
  binary?: string;
  versionLine?: string;
  servers: ServerFlavor[];
}

async function probe(conn: Connection, ctx: TaskContext): Promise<Probe> {
  const r = await conn.exec(PROBE, { become: ctx.become });
  const out: Probe = { servers: [] };
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith("binary=")) out.binary = line.slice(7).trim();
    if (line.startsWith("version=")) out.versionLine = line.slice(8).trim();
    if (line.startsWith("server=")) out.servers.push(line.slice(7).trim() as ServerFlavor);
  }
  return out;
}

function fact(v: ServerVersion, installed: boolean, isNew: boolean, binary?: string): SentinelServerFact {
  const f: SentinelServerFact = { ...sentinelLayout(v.flavor), installed, new: isNew, version: v.version, redis_compat: v.redisCompat };
  if (binary) f.binary = binary;
  return f;
}

function identify(host: string, p: Probe, isNew: boolean): { fact: SentinelServerFact } | { failed: string } {
  const v = versionFromBinary(p.versionLine ?? "", p.binary ?? "");
  if (!v) return { failed: `${host}: ${p.binary} --version printed ${JSON.stringify(p.versionLine ?? "")}, which is neither Redis nor Valkey` };
  const old = unsupportedReason(v);
  if (old) return { failed: `${host}: ${old}` };
  return { fact: fact(v, true, isNew, p.binary) };
}

interface InstallState {
  package: string;
}

export const sentinelServerModule: Module<SentinelServerArgs, InstallState> = {
  name: "sentinel_server",
  check: "full",
  setsFacts: ["sentinel_server"],
  schema: {
    type: "object",
    properties: {
      flavor: { enum: ["redis", "valkey"] },
      install: { type: "boolean" },
    },
    additionalProperties: false,
  },
  async plan(ctx, args) {
    try {
      const conn = await ctx.conn();
      const p = await probe(conn, ctx);
      if (p.binary) {
        const r = identify(ctx.host, p, false);
        if ("failed" in r) return { changes: [], failed: r.failed };
        const v = { flavor: r.fact.flavor, version: r.fact.version, redisCompat: r.fact.redis_compat };
        return { changes: [], noop: `${describeVersion(v)} Sentinel at ${r.fact.binary}`, data: { ...r.fact }, facts: { sentinel_server: r.fact } };
      }
      // The host's own server decides the flavour; a host without one takes the argument's.
      const flavor: ServerFlavor = p.servers[0] ?? args.flavor ?? "redis";
      const pkg = sentinelLayout(flavor).package;
      if (!args.install) return { changes: [], failed: `no Sentinel is installed on ${ctx.host}; install ${pkg} (sentinel.yaml does it)` };
      const hasApt = await conn.exec("command -v apt-get >/dev/null && command -v dpkg-query >/dev/null");
      if (hasApt.code !== 0) {
        return { changes: [], failed: `no Sentinel is installed on ${ctx.host} and it has no apt-get: install ${pkg} yourself (only Debian and Ubuntu are installed automatically)` };
      }
      const candidate = await candidateVersion(conn, pkg, ctx.become);
      const upstream = candidate ? upstreamOfDebianVersion(candidate) : null;
      const v = upstream ? versionFromBinary(`${flavor === "valkey" ? "Valkey" : "Redis"} server v=${upstream}`) : null;
      const what = candidate ? `${pkg} ${candidate}` : `${pkg} (version known after apt-get update)`;
      const result = {
        changes: [{ summary: `install ${what}, its service held until redplay's config is in place` }],
        state: { package: pkg } satisfies InstallState,
      };
      return v ? { ...result, data: { ...fact(v, false, true) }, facts: { sentinel_server: fact(v, false, true) } } : result;
    } catch (e) {
      return { changes: [], failed: failureText(e) };
    }
  },
  async apply(ctx, _args, plan) {
    const st = plan.state!;
    const conn = await ctx.conn();
    const failed = await runApt(conn, { install: [st.package], remove: [], updateCache: true, policyRcD: 101, installRecommends: false }, ctx.become);
    if (failed) return { failed: `${ctx.host}: installing ${st.package} failed: ${failed}` };
    const p = await probe(conn, ctx);
    if (!p.binary) return { failed: `${ctx.host}: ${st.package} was installed but provides no Sentinel binary on PATH` };
    const r = identify(ctx.host, p, true);
    if ("failed" in r) return { failed: r.failed };
    const v = { flavor: r.fact.flavor, version: r.fact.version, redisCompat: r.fact.redis_compat };
    return { data: { ...r.fact }, facts: { sentinel_server: r.fact }, msg: `installed ${describeVersion(v)} Sentinel (${st.package})` };
  },
};
