// known_hosts in OpenSSH's format: parsing, host matching (plain, hashed `|1|salt|hash`,
// `[host]:port`, comma lists, `*`/`?` patterns and `!` negation), the `@revoked` marker,
// SHA256 fingerprints as OpenSSH prints them, and hashed lines for newly accepted keys.
// Kept pure (text in, decision out) so every rule is unit-tested without a server; the only
// I/O here is appending one accepted line, done with a single append so concurrent
// acceptances for different hosts cannot interleave within a line.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";

/** One usable known_hosts line. */
export interface KnownHostEntry {
  /** `@revoked` or `@cert-authority`, when the line starts with one. */
  marker?: "revoked" | "cert-authority";
  /** The host field as written: a comma list of patterns, or one `|1|salt|hash`. */
  hosts: string;
  /** Key type as written, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The decoded public key blob. */
  key: Buffer;
  /** 1-based line number, for messages. */
  line: number;
}

/** What known_hosts says about the key a host offered. */
export type HostKeyVerdict =
  | { status: "known" }
  | { status: "unknown" }
  | { status: "revoked" }
  | { status: "changed"; expected: KnownHostEntry[] };

/** Parses known_hosts text; comments, blank and malformed lines are ignored as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split("\n").forEach((raw, idx) => {
    const fields = raw.trim().split(/\s+/);
    if (fields.length === 0 || fields[0] === "" || fields[0]!.startsWith("#")) return;
    let marker: KnownHostEntry["marker"];
    if (fields[0]!.startsWith("@")) {
      const m = fields.shift()!;
      if (m === "@revoked") marker = "revoked";
      else if (m === "@cert-authority") marker = "cert-authority";
      else return;
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return;
    const key = Buffer.from(b64, "base64");
    if (key.length === 0) return;
    entries.push({ marker, hosts, keyType, key, line: idx + 1 });
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

function matchesHashed(field: string, name: string): boolean {
  const parts = field.split("|");
  // "|1|salt|hash" splits into ["", "1", salt, hash]
  if (parts.length !== 4 || parts[1] !== "1") return false;
  const salt = Buffer.from(parts[2]!, "base64");
  const expected = Buffer.from(parts[3]!, "base64");
  const actual = createHmac("sha1", salt).update(name).digest();
  return actual.length === expected.length && actual.equals(expected);
}

/** Does the host field of an entry cover `name` (already in `[host]:port` form when needed)? */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith("|")) return matchesHashed(field, name);
  let matched = false;
  for (const pattern of field.split(",")) {
    if (pattern.startsWith("!")) {
      // A negated match vetoes the whole line, as in OpenSSH's match_hostname.
      if (globToRegExp(pattern.slice(1)).test(name)) return false;
    } else if (globToRegExp(pattern).test(name)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return "";
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString("latin1");
}

/** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -l` and ssh print it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Decides whether `key`, offered by the host known as `name`, is known, unknown, changed or revoked. */
export function verifyHostKey(entries: KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  // A revoked key is refused whatever host offers it.
  if (entries.some((e) => e.marker === "revoked" && e.key.equals(key))) return { status: "revoked" };
  const forHost = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name));
  if (forHost.length === 0) return { status: "unknown" };
  if (forHost.some((e) => e.key.equals(key))) return { status: "known" };
  // Any recorded key for this host that is not the offered one means the host changed:
  // the connection prefers recorded key types, so a host keeping its key offers that one.
  return { status: "changed", expected: forHost };
}

/** Host key algorithms to ask the server for first, so it offers a key we have on record. */
export function preferredHostKeyAlgorithms(entries: KnownHostEntry[], name: string): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.marker !== undefined || !hostFieldMatches(e.hosts, name)) continue;
    const algos = e.keyType === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [e.keyType];
    for (const a of algos) if (!out.includes(a)) out.push(a);
  }
  return out;
}

/** A known_hosts line for `name`, hashed like `ssh-keyscan -H`. */
export function hashedKnownHostsLine(name: string, key: Buffer, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac("sha1", salt).update(name).digest("base64");
  return `|1|${salt.toString("base64")}|${hash} ${keyTypeOf(key)} ${key.toString("base64")}\n`;
}

/** Reads a known_hosts file; a missing file is an empty one. */
export async function loadKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** Appends one hashed line; one append call per line (O_APPEND) keeps concurrent writers whole. */
export async function recordHostKey(file: string, name: string, key: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await appendFile(file, hashedKnownHostsLine(name, key), { mode: 0o600 });
}
