// The group's TLS certificates, kept on the controller: a small CA (unless the user gives one),
// a certificate per node for its address and name, and redplay's own client certificate. Keys
// and certificates are made by the `openssl` binary (no crypto here); node's X509Certificate
// only reads them, to decide whether a certificate is still good. Nothing secret is ever an
// argument of openssl: keys are files (0600, in a 0700 directory), and no key has a passphrase.
import { X509Certificate, createPrivateKey, randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import type { TlsLocalFiles } from "./endpoint.js";

/** @default 3650: days a CA made by redplay is valid. */
export const CA_DAYS = 3650;

/** What a node's certificate must say. */
export interface CertWanted {
  /** Subject common name (the inventory name). */
  cn: string;
  /** IP addresses and DNS names for subjectAltName. */
  names: string[];
  /** Validity of a newly issued certificate, in days. */
  days: number;
  /** Re-issue when it expires within this many days. */
  renewDays: number;
  /** "server" (a node: serverAuth and clientAuth, for its replication link) or "client" (redplay). */
  usage: "server" | "client";
}

/** Why the certificate at `certPem` must be issued again, or undefined when it is good. */
export function certProblem(certPem: Buffer | null, keyPem: Buffer | null, caPem: Buffer, want: CertWanted, now = Date.now()): string | undefined {
  if (!certPem || !keyPem) return "no certificate yet";
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(caPem);
  } catch (e) {
    return `the certificate cannot be read (${(e as Error).message})`;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return "not signed by the group's CA";
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return "its key does not match it";
  } catch {
    return "its key cannot be read";
  }
  const expires = Date.parse(cert.validTo);
  if (expires - now < want.renewDays * 86_400_000) {
    return `it expires on ${new Date(expires).toISOString().slice(0, 10)}, within ${want.renewDays} days (redis_tls_renew_days)`;
  }
  for (const name of want.names) {
    const ok = isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name, { wildcards: false }) !== undefined;
    if (!ok) return `it does not name ${name}`;
  }
  return undefined;
}

/** Expiry date and serial of a certificate, for reports. */
export function certSummary(pem: Buffer): { expires: string; serial: string; fingerprint: string } {
  const c = new X509Certificate(pem);
  return { expires: new Date(Date.parse(c.validTo)).toISOString(), serial: c.serialNumber, fingerprint: c.fingerprint256 };
}

/** Reads a file, or null when it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Runs openssl with file arguments only; its stderr becomes the error. */
function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "the openssl binary is not installed on the controller (apt-get install openssl)" : String(stderr).trim().split("\n").slice(0, 3).join("; ") || err.message;
      reject(new Error(`openssl ${args[0]}: ${why}`));
    });
  });
}

/** The controller directory, private to its owner; a .gitignore keeps its keys out of a repository. */
async function privateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  const ignore = join(dir, ".gitignore");
  if (!(await readIfExists(ignore))) await fs.writeFile(ignore, "# private keys: never commit this directory\n*\n", { mode: 0o600 });
}

/** A new EC P-256 key at `path`, written 0600 from the start. */
async function newKey(path: string): Promise<void> {
  await fs.writeFile(path, "", { mode: 0o600 });
  await fs.chmod(path, 0o600);
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]);
}

/** Writes the CA when redplay owns it and it does not exist. Whether it was created. */
export async function ensureCa(files: TlsLocalFiles, label: string): Promise<boolean> {
  if (files.userCa) {
    if (!(await readIfExists(files.caCert))) throw new Error(`redis_tls_ca_cert ${files.caCert} does not exist`);
    return false;
  }
  if ((await readIfExists(files.caCert)) && (await readIfExists(files.caKey!))) return false;
  await privateDir(files.dir);
  await newKey(files.caKey!);
  await openssl([
    "req", "-x509", "-new", "-key", files.caKey!, "-sha256", "-days", String(CA_DAYS), "-subj", `/CN=redplay CA ${label}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", files.caCert,
  ]);
  return true;
}

/**
 * Issues a certificate signed by the CA, at certPath; the key at keyPath is kept when it exists
 * (a renewal changes the certificate only), else made.
 */
export async function issueCert(files: TlsLocalFiles, certPath: string, keyPath: string, want: CertWanted): Promise<void> {
  if (!files.caKey) throw new Error(`the CA's key is not at hand (redis_tls_ca_cert without redis_tls_ca_key): give redis_tls_ca_key, or each host's redis_tls_cert and redis_tls_key`);
  await privateDir(files.dir);
  const key = await readIfExists(keyPath);
  let keyOk = false;
  if (key) {
    try {
      createPrivateKey(key);
      keyOk = true;
    } catch {
      keyOk = false;
    }
  }
  if (!keyOk) await newKey(keyPath);
  const tmp = await fs.mkdtemp(join(files.dir, ".issue-"));
  try {
    const csr = join(tmp, "req.csr");
    const ext = join(tmp, "ext.cnf");
    const san = want.names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    const lines = [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      `extendedKeyUsage=${want.usage === "server" ? "serverAuth,clientAuth" : "clientAuth"}`,
      ...(san ? [`subjectAltName=${san}`] : []),
    ];
    await fs.writeFile(ext, lines.join("\n") + "\n");
    await openssl(["req", "-new", "-key", keyPath, "-subj", `/CN=${want.cn.replace(/[/\\]/g, "_")}`, "-out", csr]);
    const out = join(tmp, "cert.pem");
    await openssl([
      "x509", "-req", "-in", csr, "-CA", files.caCert, "-CAkey", files.caKey, "-set_serial", `0x${randomBytes(16).toString("hex").replace(/^[89a-f]/, "1")}`,
      "-days", String(want.days), "-sha256", "-extfile", ext, "-out", out,
    ]);
    await fs.rename(out, certPath);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
