// `redis_tls`: the node's TLS files (redis_tls: true, Redis 6.0+ and Valkey). On the controller:
// the group's CA (made once, unless the user gives one), the node's certificate for its address
// and name (issued again when missing, not signed by the CA, not naming the node, or expiring
// within redis_tls_renew_days), and redplay's client certificate (tls-pki.ts). On the node:
// ca.crt, redis.crt and redis.key in redis_tls_dir (default `tls/` beside the config), the key
// 0600 owned by the server's user. A node already serving TLS with these paths reloads changed
// files at runtime (`CONFIG SET tls-cert-file`, which makes the server read all of them again),
// and redplay then checks that the node serves the new certificate: no restart.
// Sets `redis_tls_files` (dir, ca_file, cert_file, key_file): the paths redis.conf.hbs names.
import { fieldsOf } from "../../redis/reply.js";
import { X509Certificate } from "node:crypto";
import { getRedisSession, servedCertificate } from "../../redis/client.js";
import { redisEndpoint, tlsLocalFiles, tlsNodeFiles, type TlsLocalFiles, type TlsNodeFiles } from "../../redis/endpoint.js";
import { certProblem, certSummary, ensureCa, issueCert, readIfExists, type CertWanted } from "../../redis/tls-pki.js";
import { atLeast, compareVersions } from "../../redis/server-version.js";
import { failureText } from "../../errors.js";
import { applyContent, planContent, type ContentState, type DestArgs } from "../file-content.js";
import { fileModule, type FileArgs } from "../file.js";
import type { Applied, Change, FileDiff, Module, Plan, TaskContext } from "../types.js";
import type { RedisServerFact } from "./redis-server.js";

/** @default 825: days a node certificate issued by redplay is valid. */
export const CERT_DAYS = 825;
/** @default 30: a certificate expiring within this many days is issued again. */
export const RENEW_DAYS = 30;

/** `redis_tls` takes no arguments: everything comes from the redis_tls_* variables. */
export type RedisTlsArgs = Record<string, never>;

interface NodeFile {
  args: DestArgs;
  plan: Plan<ContentState>;
  what: string;
}

interface TlsState {
  files: TlsLocalFiles;
  /** Why the node's certificate is issued (again), when it is. */
  issue?: string;
  dir: { args: FileArgs; plan: Plan };
  nodeFiles?: NodeFile[];
  paths: TlsNodeFiles;
  owner: string;
  group: string;
}

export const redisTlsModule: Module<RedisTlsArgs, TlsState> = {
  name: "redis_tls",
  check: "full",
  setsFacts: ["redis_tls_files"],
  schema: {
    type: "object",
    properties: {},
    additionalProperties: false,
  },
  async plan(ctx) {
    const server = ctx.vars.redis_server as RedisServerFact | undefined;
    if (!server) return { changes: [], failed: "redis_tls needs the redis_server fact: run redis_server first" };
    if (compareVersions(server.redis_compat, "6.0.0") < 0) {
      return { changes: [], failed: `${ctx.host} runs Redis ${server.version}, which has no TLS (6.0 or later): remove redis_tls` };
    }
    // Before 6.2 the port cannot change scheme at runtime: a running group would have to restart
    // into TLS node by node, and a replica restarted first could not follow its plain-text primary.
    // Refused here, before any file is made or pushed (redis_config refuses it too).
    const topology = ctx.vars.redis_topology as { fresh?: boolean; replicas?: string[] } | undefined;
    if (compareVersions(server.redis_compat, "6.2.0") < 0 && !server.new && topology && !topology.fresh && (topology.replicas?.length ?? 0) > 0) {
      const serving = await servingTls(ctx);
      if (!serving) {
        return {
          changes: [],
          failed: `${ctx.host} runs ${server.flavor === "valkey" ? "Valkey" : "Redis"} ${server.version}, which cannot move its port between plain text and TLS at runtime (port and tls-port are settable from Redis 6.2): restarted one at a time, its replicas could not follow a primary that speaks the other scheme, so nothing was changed. Upgrade the group to 6.2 or later first, then turn redis_tls on`,
        };
      }
    }
    // The same directory as templates/redis.conf.hbs names (redis_tls_file).
    const paths = tlsNodeFiles(ctx.vars);
    const dir = paths.dir;
    const facts = { redis_tls_files: paths };
    const files = tlsLocalFiles(ctx.host, ctx.vars);
    let want: CertWanted;
    try {
      want = wanted(ctx);
    } catch (e) {
      return { changes: [], failed: failureText(e), facts };
    }
    const changes: Change[] = [];
    // The CA and redplay's client certificate: once per run, on the play's first host.
    if (files.userCert && !files.userCa) {
      return { changes: [], failed: `redis_tls_cert is given for ${ctx.host} without redis_tls_ca_cert: give the CA that signed it, which the nodes and redplay verify certificates with`, facts };
    }
    const caPem = await readIfExists(files.caCert);
    if (!caPem && files.userCa) return { changes: [], failed: `redis_tls_ca_cert ${files.caCert} does not exist`, facts };
    if (ctx.host === ctx.playHosts[0] && !files.userCert) {
      if (!caPem) {
        changes.push({ summary: `create the group's CA in ${files.dir}` });
      }
      if (files.caKey) {
        const clientWhy = caPem ? certProblem(await readIfExists(files.clientCert), await readIfExists(files.clientKey), caPem, clientWanted(want)) : "no certificate yet";
        if (clientWhy) {
          changes.push({ summary: `issue redplay's client certificate (${clientWhy})` });
        }
      }
    }
    let issue: string | undefined;
    const certPem = await readIfExists(files.cert);
    const keyPem = await readIfExists(files.key);
    if (files.userCert) {
      if (!certPem || !keyPem) return { changes: [], failed: `redis_tls_cert/redis_tls_key of ${ctx.host}: ${!certPem ? files.cert : files.key} does not exist`, facts };
      const why = caPem ? certProblem(certPem, keyPem, caPem, want) : undefined;
      if (why) return { changes: [], failed: `the certificate given for ${ctx.host} (redis_tls_cert ${files.cert}) cannot be used: ${why}`, facts };
    } else {
      issue = caPem ? certProblem(certPem, keyPem, caPem, want) : "no CA yet";
      if (issue !== undefined) {
        if (!files.caKey) return { changes: [], failed: `${ctx.host} needs a certificate (${issue}), but the CA's key is not at hand: give redis_tls_ca_key, or redis_tls_cert and redis_tls_key`, facts };
        changes.push({ summary: `issue ${ctx.host}'s certificate for ${want.names.join(", ")} (${issue})` });
      }
    }
    const owner = server.user;
    const group = server.group;
    const dirArgs: FileArgs = { path: dir, state: "directory", mode: "0750", owner: "root", group };
    const dirPlan = await fileModule.plan(ctx, dirArgs);
    if (dirPlan.failed) return { changes: [], failed: dirPlan.failed, facts };
    changes.push(...dirPlan.changes);
    const state: TlsState = { files, dir: { args: dirArgs, plan: dirPlan }, paths, owner, group };
    if (issue !== undefined) state.issue = issue;
    const diff: FileDiff[] = [];
    if (issue === undefined && caPem && certPem && keyPem) {
      ctx.addSecret(keyPem.toString("utf8"));
      const nodeFiles = await planNodeFiles(ctx, state, caPem, certPem, keyPem);
      const failed = nodeFiles.find((f) => f.plan.failed);
      if (failed) return { changes: [], failed: failed.plan.failed!, facts };
      state.nodeFiles = nodeFiles;
      for (const f of nodeFiles) {
        changes.push(...f.plan.changes);
        if (f.plan.state?.contentChanged) diff.push(describedDiff(f));
      }
    } else {
      changes.push({ summary: `push ca.crt, redis.crt and redis.key (0600, owner ${owner}) to ${dir}` });
      diff.push({ path: paths.cert_file, before: null, after: `(a certificate for ${want.names.join(", ")}, issued when the run makes it)` });
    }
    if (changes.length === 0) {
      return { changes, noop: `certificate ${certSummary(certPem!).serial} valid until ${certSummary(certPem!).expires.slice(0, 10)}`, facts, data: { ...paths } };
    }
    return { changes, diff, facts, data: { ...paths }, state };
  },

  async apply(ctx, _args, plan) {
    const st = plan.state!;
    const facts = { redis_tls_files: st.paths };
    try {
      // The CA first (once per run, whichever host gets here first), then this host's certificate.
      await ctx.resources.get(`tls:ca:${st.files.dir}:${st.files.caCert}`, () => ensureGroupFiles(ctx, st.files));
      if (st.issue !== undefined) await issueCert(st.files, st.files.cert, st.files.key, wanted(ctx));
      const dirDone = st.dir.plan.changes.length > 0 ? await fileModule.apply(ctx, st.dir.args, st.dir.plan as Parameters<typeof fileModule.apply>[2]) : {};
      if (dirDone.failed) return { failed: dirDone.failed, facts };
      let nodeFiles = st.nodeFiles;
      if (!nodeFiles) {
        const [caPem, certPem, keyPem] = await Promise.all([readIfExists(st.files.caCert), readIfExists(st.files.cert), readIfExists(st.files.key)]);
        ctx.addSecret(keyPem!.toString("utf8"));
        nodeFiles = await planNodeFiles(ctx, st, caPem!, certPem!, keyPem!);
      }
      const diff: FileDiff[] = [];
      let contentChanged = false;
      for (const f of nodeFiles) {
        if (f.plan.failed) return { failed: f.plan.failed, facts };
        if (f.plan.changes.length === 0) continue;
        const done: Applied = await applyContent(ctx, f.args, f.plan);
        if (done.failed) return { failed: done.failed, facts };
        if (f.plan.state?.contentChanged) {
          contentChanged = true;
          if (!st.nodeFiles) diff.push(describedDiff(f));
        }
      }
      const data: Record<string, unknown> = { ...st.paths };
      if (contentChanged) {
        const reloaded = await reloadIfServing(ctx, st);
        if (reloaded.failed) return { failed: reloaded.failed, facts, data };
        if (reloaded.msg) return { facts, data: { ...data, reloaded: true }, msg: reloaded.msg, ...(diff.length ? { diff } : {}) };
      }
      return { facts, data, ...(diff.length ? { diff } : {}) };
    } catch (e) {
      return { failed: `${ctx.host}: ${failureText(e)}`, facts };
    }
  },
};

/** The CA, then redplay's client certificate (when the CA's key is at hand). */
async function ensureGroupFiles(ctx: TaskContext, files: TlsLocalFiles): Promise<void> {
  if (files.userCert && !files.caKey) return;
  const made = await ensureCa(files, files.dir.split("/").pop() ?? "");
  if (made) ctx.log(`created the group's CA in ${files.dir}`, 1);
  if (!files.caKey) return;
  const caPem = (await readIfExists(files.caCert))!;
  const want = clientWanted(wanted(ctx));
  if (certProblem(await readIfExists(files.clientCert), await readIfExists(files.clientKey), caPem, want)) {
    await issueCert(files, files.clientCert, files.clientKey, want);
  }
}

/** What this host's certificate must say, from its variables. */
function wanted(ctx: TaskContext): CertWanted {
  const endpoint = redisEndpoint(ctx.host, ctx.vars);
  const extra = Array.isArray(ctx.vars.redis_tls_names) ? ctx.vars.redis_tls_names.map(String) : [];
  const names = [...new Set([endpoint.address, ctx.host, ...extra])];
  return {
    cn: ctx.host,
    names,
    days: num(ctx.vars.redis_tls_cert_days, CERT_DAYS, "redis_tls_cert_days"),
    renewDays: num(ctx.vars.redis_tls_renew_days, RENEW_DAYS, "redis_tls_renew_days"),
    usage: "server",
  };
}

function clientWanted(node: CertWanted): CertWanted {
  return { ...node, cn: "redplay", names: [], usage: "client" };
}

async function planNodeFiles(ctx: TaskContext, st: TlsState, caPem: Buffer, certPem: Buffer, keyPem: Buffer): Promise<NodeFile[]> {
  const specs: Array<[string, Buffer, string, string]> = [
    [st.paths.ca_file, caPem, "0644", "the CA certificate"],
    [st.paths.cert_file, certPem, "0644", "the node's certificate"],
    [st.paths.key_file, keyPem, "0600", "the node's private key"],
  ];
  return Promise.all(
    specs.map(async ([dest, content, mode, what]) => {
      const args: DestArgs = { dest, mode, owner: st.owner, group: st.group };
      return { args, plan: await planContent(ctx, args, content), what };
    }),
  );
}

/** Whether the node's running server has a TLS listener already (unknown: false). */
async function servingTls(ctx: TaskContext): Promise<boolean> {
  try {
    const session = await getRedisSession(ctx, ctx.host);
    const got = (await session.client.call("CONFIG", "GET", "tls-port")) as string[];
    return Number(got[1] ?? 0) > 0;
  } catch {
    return false;
  }
}

/** A diff that says what changed without printing a key (or pages of base64). */
function describedDiff(f: NodeFile): FileDiff {
  const s = f.plan.state!;
  const show = (b: Buffer | null): string | null => {
    if (b === null) return null;
    if (f.args.mode === "0600") return "(private key, not shown)\n";
    try {
      const c = new X509Certificate(b);
      return `${f.what}: ${c.subject.replace(/\n/g, ", ")}; serial ${c.serialNumber}; valid until ${new Date(Date.parse(c.validTo)).toISOString().slice(0, 10)}\n`;
    } catch {
      return "(not a certificate)\n";
    }
  };
  return { path: f.args.dest, before: show(s.old), after: show(s.content) };
}

/**
 * A node that already serves TLS from these files reads them again at runtime; then the
 * certificate it presents must be the new one.
 */
async function reloadIfServing(ctx: TaskContext, st: TlsState): Promise<{ failed?: string; msg?: string }> {
  let session;
  try {
    session = await getRedisSession(ctx, ctx.host);
  } catch {
    return {}; // not running: it reads the files when it starts.
  }
  const conf = fieldsOf(await session.client.call("CONFIG", "GET", "tls-*"));
  const tlsPort = Number(conf["tls-port"] ?? 0);
  if (conf["tls-cert-file"] !== st.paths.cert_file || (tlsPort === 0 && conf["tls-replication"] !== "yes")) return {};
  if (!atLeast(session.version, "6.0.0")) return {};
  try {
    await session.client.call("CONFIG", "SET", "tls-cert-file", st.paths.cert_file);
  } catch (e) {
    return { failed: `${ctx.host}: the new certificate is in place, but the server refused to read it again (${failureText(e)}): it serves the old one until it restarts` };
  }
  if (tlsPort === 0) return { msg: "TLS files read again at runtime (no restart)" };
  const want = certSummary((await readIfExists(st.files.cert))!);
  const endpoint = redisEndpoint(ctx.host, ctx.vars);
  const served = endpoint.tls ? await servedCertificate(ctx, { ...endpoint, port: tlsPort, tls: endpoint.tls }) : undefined;
  if (served !== want.fingerprint) {
    return { failed: `${ctx.host}: after CONFIG SET tls-cert-file the server still presents another certificate (${served ?? "none"}); restart it to serve the new one` };
  }
  return { msg: `serves the new certificate (serial ${want.serial}, valid until ${want.expires.slice(0, 10)}), read again at runtime: no restart` };
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null || v === "" ? undefined : String(v);
}

function num(v: unknown, fallback: number, name: string): number {
  if (v === undefined || v === null || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number of days, got ${JSON.stringify(v)}`);
  return n;
}
