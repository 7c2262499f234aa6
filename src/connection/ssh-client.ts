// Opens the ssh2 Client for a host: key files / agent / password authentication, host key
// verification against known_hosts (with optional accept-new), and ProxyJump chains where each
// hop's Client is reached through a `forwardOut` channel of the previous one. Every hop's host
// key is checked the same way before anything is sent to it.
import { readFile } from "node:fs/promises";
import { createConnection } from "node:net";
import type { Duplex } from "node:stream";
import type { AnyAuthMethod, AuthenticationType, Client, ConnectConfig } from "ssh2";
import { AuthError, HostKeyError, UnreachableError } from "../errors.js";

// ssh2 is loaded on first use: importing it allocates ~16 MB (its WebAssembly poly1305), which
// `validate` and runs on `local` hosts never need.
let ssh2Module: Promise<typeof import("ssh2")> | undefined;
async function loadSsh2(): Promise<typeof import("ssh2")> {
  ssh2Module ??= import("ssh2").then((m) => ((m as { default?: typeof import("ssh2") }).default ?? m));
  return ssh2Module;
}
import {
  fingerprint,
  knownHostsName,
  loadKnownHosts,
  preferredHostKeyAlgorithms,
  recordHostKey,
  verifyHostKey,
} from "./known-hosts.js";
import { describeTarget, mapConnectError, type ConnectTarget } from "./ssh-errors.js";
import type { SshSettings } from "./ssh-settings.js";

const KEEPALIVE_MS = 15_000;
const DEFAULT_HOST_KEY_ALGOS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/** An open connection: the target's Client and the jump Clients it runs through. */
export interface ClientChain {
  client: Client;
  /** Outermost first; closed after the target. */
  jumps: Client[];
}

/** Credentials prepared once per connection attempt (key files read, passphrase applied). */
interface Credentials {
  keys: { file: string; data: Buffer }[];
  /** Why an existing key (or the agent) could not be used, for the auth failure message. */
  keyProblems: string[];
  /** The ssh-agent socket, when one answers there. */
  agent?: string;
}

/** What a stale SSH_AUTH_SOCK is told as. */
export function staleAgentMessage(sock: string): string {
  return `SSH_AUTH_SOCK points to ${sock}, which is not a running ssh-agent; unset it or start the agent`;
}

/**
 * Why the ssh-agent socket `sock` cannot be used (it does not exist, is not a socket, or nothing
 * listens on it), or undefined when something accepts a connection there. A socket that neither
 * accepts nor refuses within `timeoutMs` is left for ssh2 to judge.
 */
export function agentProblem(sock: string, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const c = createConnection(sock);
    const done = (problem: string | undefined) => {
      c.destroy();
      resolve(problem);
    };
    c.once("connect", () => done(undefined));
    c.once("error", () => done(staleAgentMessage(sock)));
    c.setTimeout(timeoutMs, () => done(undefined));
  });
}

async function loadCredentials(s: SshSettings): Promise<Credentials> {
  const keys: Credentials["keys"] = [];
  const keyProblems: string[] = [];
  // A stale agent would end the handshake with ssh2's "Failed to connect to agent", reported as
  // if sshd were down; leave it out (the key files are still tried) and say why in an auth failure.
  let agent: string | undefined;
  if (s.agent) {
    const problem = await agentProblem(s.agent);
    if (problem) keyProblems.push(problem);
    else agent = s.agent;
  }
  for (const file of s.identityFiles) {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      if (s.explicitIdentity) {
        throw new AuthError(
          s.name,
          `private key ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}): check ansible_ssh_private_key_file`,
        );
      }
      continue;
    }
    const parsed = (await loadSsh2()).utils.parseKey(data, s.passphrase);
    if (parsed instanceof Error) {
      const encrypted = /encrypt|passphrase|decrypt/i.test(parsed.message);
      keyProblems.push(
        encrypted
          ? `key ${file} is encrypted: put its passphrase in the environment variable ${s.passphraseEnv}`
          : `key ${file} cannot be parsed`,
      );
      continue;
    }
    keys.push({ file, data });
  }
  return { keys, keyProblems, agent };
}

function authPlan(s: SshSettings, user: string, creds: Credentials, withPassword: boolean): { methods: AnyAuthMethod[]; tried: string[] } {
  const methods: AnyAuthMethod[] = creds.keys.map((k) => ({
    type: "publickey" as const,
    username: user,
    key: k.data,
    passphrase: s.passphrase,
  }));
  if (creds.agent) methods.push({ type: "agent", username: user, agent: creds.agent });
  if (withPassword && s.password !== undefined) methods.push({ type: "password", username: user, password: s.password });
  return { methods, tried: [] };
}

async function hostKeyCheck(
  s: SshSettings,
  t: ConnectTarget,
  key: Buffer,
  acceptNew: boolean,
  defaultFile: boolean,
): Promise<Error | undefined> {
  const name = knownHostsName(t.address, t.port);
  const file = s.knownHostsFile;
  const shownFile = defaultFile ? "~/.ssh/known_hosts" : file;
  const verdict = verifyHostKey(await loadKnownHosts(file), name, key);
  switch (verdict.status) {
    case "known":
      return undefined;
    case "unknown": {
      if (acceptNew) {
        await recordHostKey(file, name, key);
        return undefined;
      }
      const portFlag = t.port === 22 ? "" : `-p ${t.port} `;
      return new UnreachableError(
        t.host,
        `host key for ${name} is not known: add it with "ssh-keyscan -H ${portFlag}${t.address} >> ${shownFile}" or rerun with --accept-new`,
      );
    }
    case "revoked":
      return new HostKeyError(t.host, `host key ${fingerprint(key)} offered by ${name} is marked @revoked in ${shownFile}: refusing to connect`);
    case "changed": {
      const was = verdict.expected.map((e) => `${fingerprint(e.key)} (line ${e.line})`).join(", ");
      return new HostKeyError(
        t.host,
        `host key for ${name} has changed: ${shownFile} has ${was} but the host offered ${fingerprint(key)}; ` +
          `nothing was sent. If the host was reinstalled, remove the old key with "ssh-keygen -R ${name} -f ${file}"`,
      );
    }
  }
}

/** Connects one hop. `sock` is the forwarded channel when the hop is behind a jump host. */
async function connectHop(
  s: SshSettings,
  t: ConnectTarget,
  creds: Credentials,
  opts: { acceptNew: boolean; defaultKnownHosts: boolean; sock?: Duplex; withPassword: boolean },
): Promise<Client> {
  const entries = await loadKnownHosts(s.knownHostsFile);
  const preferred = preferredHostKeyAlgorithms(entries, knownHostsName(t.address, t.port));
  const algos = [...preferred, ...DEFAULT_HOST_KEY_ALGOS.filter((a) => !preferred.includes(a))];
  const { methods, tried } = authPlan(s, t.user, creds, opts.withPassword);
  const client = new (await loadSsh2()).Client();
  let refusal: Error | undefined;

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(e);
    };
    client.once("ready", () => {
      settled = true;
      resolve(client);
    });
    client.on("error", (err: Error & { level?: string }) => {
      const authHint = creds.keyProblems.length > 0 ? creds.keyProblems.join("; ") : undefined;
      // The agent answered the check above but failed during authentication (it went away).
      if (!refusal && creds.agent && err.level === undefined && /\bagent\b/i.test(err.message)) {
        const hint = [...creds.keyProblems, staleAgentMessage(creds.agent)].join("; ");
        fail(new AuthError(t.host, `authentication failed for ${describeTarget(t)} (tried: ${tried.join(", ") || "none"}): ${hint}`, { cause: err }));
        return;
      }
      fail(refusal ?? mapConnectError(err, t, { timeoutMs: s.readyTimeoutMs, tried, authHint }));
    });
    client.once("close", () => {
      fail(refusal ?? new UnreachableError(t.host, `${describeTarget(t)} closed the connection during the handshake`));
    });
    const authHandler = (left: AuthenticationType[] | null, _partial: boolean, next: (m: AnyAuthMethod | false) => void) => {
      let m = methods.shift();
      // `left` is null on the first call; afterwards skip what the server no longer accepts.
      while (m && left && !left.includes(m.type === "agent" ? "publickey" : m.type)) m = methods.shift();
      if (!m) return next(false);
      const label = m.type === "agent" ? "publickey" : m.type;
      if (!tried.includes(label)) tried.push(label);
      next(m);
    };
    const config: ConnectConfig = {
      host: t.address,
      port: t.port,
      username: t.user,
      readyTimeout: s.readyTimeoutMs,
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: algos as NonNullable<ConnectConfig["algorithms"]>["serverHostKey"] },
      authHandler: authHandler as unknown as ConnectConfig["authHandler"],
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        hostKeyCheck(s, t, key, opts.acceptNew, opts.defaultKnownHosts).then(
          (e) => {
            refusal = e;
            verify(e === undefined);
          },
          (e: Error) => {
            refusal = new UnreachableError(t.host, `cannot check the host key of ${t.address}: ${e.message}`, { cause: e });
            verify(false);
          },
        );
      },
    };
    if (opts.sock) config.sock = opts.sock as NonNullable<ConnectConfig["sock"]>;
    try {
      client.connect(config);
    } catch (err) {
      fail(new UnreachableError(t.host, `cannot connect to ${describeTarget(t)}: ${(err as Error).message}`, { cause: err }));
    }
  });
}

function forwardThrough(via: Client, t: ConnectTarget): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut("127.0.0.1", 0, t.address, t.port, (err, stream) => {
      if (err) {
        reject(new UnreachableError(t.host, `jump host ${t.via} cannot reach ${t.address}:${t.port}: ${err.message}`, { cause: err }));
      } else {
        resolve(stream);
      }
    });
  });
}

/** Opens the Client for `s` (through its jump hosts, if any). Throws Unreachable/Auth/HostKey errors. */
export async function openClientChain(s: SshSettings, acceptNew: boolean, defaultKnownHosts: boolean): Promise<ClientChain> {
  const creds = await loadCredentials(s);
  const jumps: Client[] = [];
  try {
    let sock: Duplex | undefined;
    let prevName: string | undefined;
    for (const hop of s.jumps) {
      const t: ConnectTarget = { host: s.name, address: hop.address, port: hop.port, user: hop.user, via: hop.name };
      if (jumps.length > 0) sock = await forwardThrough(jumps[jumps.length - 1]!, { ...t, via: prevName });
      jumps.push(await connectHop(s, t, creds, { acceptNew, defaultKnownHosts, sock, withPassword: false }));
      prevName = hop.name;
    }
    const t: ConnectTarget = { host: s.name, address: s.address, port: s.port, user: s.user };
    if (jumps.length > 0) sock = await forwardThrough(jumps[jumps.length - 1]!, { ...t, via: prevName });
    const client = await connectHop(s, t, creds, { acceptNew, defaultKnownHosts, sock, withPassword: true });
    return { client, jumps };
  } catch (err) {
    for (const j of jumps.reverse()) j.end();
    throw err;
  }
}
