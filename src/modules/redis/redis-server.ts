// `redis_server`: which server a host runs (Redis or Valkey), its version, and where the
// distribution keeps its binary, config, service, user and files, published as the fact
// `redis_server` for templates and later tasks. With `install: true` a host with nothing
// installed gets the distribution's package, its service held until redplay's config is in place;
// the plan names the package and the version apt would install, so `--check` is exact.
import { failureText } from "../../errors.js";
import { shq } from "../../connection/quote.js";
import type { Connection } from "../../connection/types.js";
import {
  describeVersion,
  unsupportedReason,
  versionFromBinary,
  type ServerFlavor,
  type ServerVersion,
} from "../../redis/server-version.js";
import { candidateVersion, runApt } from "../apt.js";

import type { Module, TaskContext } from "../types.js";

/** Arguments of `redis_server`. */
export interface RedisServerArgs {
  /** What to install on a host that has neither server. @default "redis" */
  flavor?: ServerFlavor;
  /** Install the distribution's package where no server is installed. @default false */
  install?: boolean;
}

/** The `redis_server` fact. */
export interface RedisServerFact {
  installed: boolean;
  /** Installed by this run (or, under --check, would be): the node has no data and no role yet. */
  new: boolean;
  flavor: ServerFlavor;
  /** The server's own version (Valkey's for Valkey). */
  version: string;
  /** The Redis version whose commands and directives the server has. */
  redis_compat: string;
  binary: string;
  cli: string;
  config_file: string;
  /** Where the ACL file goes (redis_acl): beside the config. */
  acl_file: string;
  /** Where the TLS files go (redis_tls): `tls/` beside the config. */
  tls_dir: string;
  service: string;
  package: string;
  user: string;
  group: string;
  pidfile: string;
  logfile: string;
  dir: string;
}

/** Where Debian's (and Ubuntu's) package of each flavour puts things. */
export function debianLayout(flavor: ServerFlavor): Omit<RedisServerFact, "installed" | "new" | "version" | "redis_compat"> {
  const f = flavor;
  return {
    flavor: f,
    binary: `/usr/bin/${f}-server`,
    cli: `/usr/bin/${f}-cli`,
    config_file: `/etc/${f}/${f}.conf`,
    acl_file: `/etc/${f}/users.acl`,
    tls_dir: `/etc/${f}/tls`,
    service: `${f}-server`,
    package: `${f}-server`,
    user: f,
    group: f,
    pidfile: `/run/${f}/${f}-server.pid`,
    logfile: `/var/log/${f}/${f}-server.log`,
    dir: `/var/lib/${f}`,
  };
}

/** The upstream version in a Debian package version: `5:7.0.15-1~deb12u1` -> `7.0.15`. */
export function upstreamOfDebianVersion(v: string): string | null {
  const m = /^(?:\d+:)?(\d+\.\d+\.\d+)/.exec(v);
  return m ? m[1]! : null;
}

// Valkey first: its compatibility package adds redis-server as a link to valkey-server.
const PROBE =
  'for b in valkey-server redis-server; do p=$(command -v "$b" 2>/dev/null) || continue; ' +
  'echo "binary=$p"; echo "version=$("$p" --version 2>&1 | head -n 1)"; break; done';

interface Probe {
  binary?: string;
  versionLine?: string;
}

async function probe(conn: Connection, ctx: TaskContext): Promise<Probe> {
  const r = await conn.exec(PROBE, { become: ctx.become });
  const out: Probe = {};
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith("binary=")) out.binary = line.slice(7).trim();
    if (line.startsWith("version=")) out.versionLine = line.slice(8).trim();
  }
  return out;
}

function fact(v: ServerVersion, installed: boolean, isNew: boolean, binary?: string): RedisServerFact {
  const layout = debianLayout(v.flavor);
  const f: RedisServerFact = { ...layout, installed, new: isNew, version: v.version, redis_compat: v.redisCompat };
  if (binary) {
    f.binary = binary;
    f.cli = binary.replace(/-server$/, "-cli");
  }
  return f;
}

/** The inventory's `redis_config_file`, where set, names the config instead of the distribution's path. */
function withInventory(f: RedisServerFact, vars: Record<string, unknown>): RedisServerFact {
  const conf = vars.redis_config_file;
  return typeof conf === "string" && conf !== "" ? { ...f, config_file: conf, acl_file: `${conf.replace(/\/[^/]*$/, "")}/users.acl`, tls_dir: `${conf.replace(/\/[^/]*$/, "")}/tls` } : f;
}

/** The fact for an installed server, or a failure naming the host and what it printed. */
function identify(host: string, p: Probe, isNew: boolean): { fact: RedisServerFact } | { failed: string } {
  const v = versionFromBinary(p.versionLine ?? "", p.binary ?? "");
  if (!v) {
    return { failed: `${host}: ${p.binary} --version printed ${JSON.stringify(p.versionLine ?? "")}, which is neither Redis nor Valkey` };
  }
  const old = unsupportedReason(v);
  if (old) return { failed: `${host}: ${old}` };
  return { fact: fact(v, true, isNew, p.binary) };
}

interface InstallState {
  package: string;
}

export const redisServerModule: Module<RedisServerArgs, InstallState> = {
  name: "redis_server",
  check: "full",
  setsFacts: ["redis_server"],
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
        const f = withInventory(r.fact, ctx.vars);
        return { changes: [], noop: `${describeVersion(serverOf(f))} at ${f.binary}`, data: { ...f }, facts: { redis_server: f } };
      }
      const flavor = args.flavor ?? "redis";
      const pkg = debianLayout(flavor).package;
      if (!args.install) {
        return { changes: [], failed: `neither redis-server nor valkey-server is installed on ${ctx.host}; install ${pkg} (setup.yaml does it)` };
      }
      const hasApt = await conn.exec("command -v apt-get >/dev/null && command -v dpkg-query >/dev/null");
      if (hasApt.code !== 0) {
        return { changes: [], failed: `nothing is installed on ${ctx.host} and it has no apt-get: install ${pkg} yourself (only Debian and Ubuntu are installed automatically)` };
      }
      const candidate = await candidateVersion(conn, pkg, ctx.become);
      const upstream = candidate ? upstreamOfDebianVersion(candidate) : null;
      // Unknown until the package lists are read; the real run updates them first.
      const v = upstream ? versionFromBinary(`${flavor === "valkey" ? "Valkey" : "Redis"} server v=${upstream}`) : null;
      if (v) {
        const old = unsupportedReason(v);
        if (old) return { changes: [], failed: `${ctx.host}: the distribution's ${pkg} is ${old}` };
      }
      const planned = v ? withInventory(fact(v, false, true), ctx.vars) : null;
      const what = candidate ? `${pkg} ${candidate}` : `${pkg} (version known after apt-get update)`;
      const result = {
        changes: [{ summary: `install ${what}, its service held until its config is in place` }],
        state: { package: pkg } satisfies InstallState,
      };
      return planned ? { ...result, data: { ...planned }, facts: { redis_server: planned } } : result;
    } catch (e) {
      return { changes: [], failed: failureText(e) };
    }
  },
  async apply(ctx, _args, plan) {
    const st = plan.state!;
    const conn = await ctx.conn();
    const failed = await runApt(conn, { install: [st.package], remove: [], updateCache: true, policyRcD: 101 }, ctx.become);
    if (failed) return { failed: `${ctx.host}: installing ${st.package} failed: ${failed}` };
    const p = await probe(conn, ctx);
    if (!p.binary) return { failed: `${ctx.host}: ${st.package} was installed but provides no server binary on PATH (${shq(st.package)})` };
    const r = identify(ctx.host, p, true);
    if ("failed" in r) return { failed: r.failed };
    const f = withInventory(r.fact, ctx.vars);
    return { data: { ...f }, facts: { redis_server: f }, msg: `installed ${describeVersion(serverOf(f))}` };
  },
};

function serverOf(f: RedisServerFact): ServerVersion {
  return { flavor: f.flavor, version: f.version, redisCompat: f.redis_compat };
}
