// Ansible Vault: `!vault |` values and fully encrypted files, format 1.1 and 1.2 with AES256,
// decrypted as ansible-core's VaultAES256 does (PBKDF2-HMAC-SHA256, 10000 iterations, 80 bytes
// of key material: AES-256 key, HMAC-SHA256 key, CTR counter block; the HMAC of the ciphertext
// is checked before anything is decrypted; PKCS#7 padding). Every primitive is node:crypto's.
//
// Passwords come from --vault-password-file (an executable file is run and its output read, as
// Ansible does), --vault-id [label@]file|prompt and --ask-vault-pass; never from argv itself.
// Decrypted values are handed to the output layer's Secrets by the CLI: masked everywhere.
import { execFileSync } from "node:child_process";
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { accessSync, constants, readFileSync } from "node:fs";
import { UsageError } from "../errors.js";

/** The header every vaulted text starts with. */
export const VAULT_HEADER = "$ANSIBLE_VAULT;";

/** One vault password, with the vault id it was given for ("default" without one). */
export interface VaultSecret {
  id: string;
  password: Buffer;
}

/** Why a vaulted text could not be decrypted: no password, a wrong one, a damaged envelope. */
export class VaultError extends Error {}

/** The parts of a vault envelope. */
export interface VaultEnvelope {
  version: "1.1" | "1.2";
  cipher: string;
  /** The vault id label of a 1.2 envelope. */
  label?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

function unhex(text: string, what: string): Buffer {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new VaultError(`the vaulted ${what} is not hexadecimal`);
  return Buffer.from(clean, "hex");
}

/** Splits a vaulted text (`$ANSIBLE_VAULT;1.1;AES256` and hex lines) into its parts. */
export function parseEnvelope(text: string): VaultEnvelope {
  const lines = text.trim().split(/\r?\n/).map((l) => l.trim());
  const header = lines[0]!.split(";");
  if (header[0] !== "$ANSIBLE_VAULT" || header.length < 3) throw new VaultError("not an Ansible Vault text (no $ANSIBLE_VAULT header)");
  const version = header[1]!;
  if (version !== "1.1" && version !== "1.2") throw new VaultError(`vault format ${version} is not supported (1.1 and 1.2 are)`);
  const cipher = header[2]!;
  if (cipher !== "AES256") throw new VaultError(`vault cipher ${cipher} is not supported (AES256 is)`);
  const inner = unhex(lines.slice(1).join(""), "body").toString("latin1").split("\n");
  if (inner.length !== 3) throw new VaultError("the vaulted body is damaged (expected salt, HMAC and ciphertext)");
  return {
    version,
    cipher,
    label: version === "1.2" ? header[3] : undefined,
    salt: unhex(inner[0]!, "salt"),
    hmac: unhex(inner[1]!, "HMAC"),
    ciphertext: unhex(inner[2]!, "ciphertext"),
  };
}

/** Decrypts one envelope with one password; null when the password is not the one (HMAC mismatch). */
export function decryptWith(env: VaultEnvelope, password: Buffer): Buffer | null {
  const material = pbkdf2Sync(password, env.salt, 10000, 80, "sha256");
  const aesKey = material.subarray(0, 32);
  const hmacKey = material.subarray(32, 64);
  const iv = material.subarray(64, 80);
  const mac = createHmac("sha256", hmacKey).update(env.ciphertext).digest();
  if (mac.length !== env.hmac.length || !timingSafeEqual(mac, env.hmac)) return null;
  const decipher = createDecipheriv("aes-256-ctr", aesKey, iv);
  const padded = Buffer.concat([decipher.update(env.ciphertext), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 16 || pad > padded.length || !padded.subarray(padded.length - pad).every((b) => b === pad)) {
    throw new VaultError("the vaulted text decrypts to damaged padding");
  }
  return padded.subarray(0, padded.length - pad);
}

/** The passwords of one run, and every value they decrypted (for the output layer to mask). */
export class VaultKeyring {
  /** Plain texts decrypted so far (values and the string values of decrypted files). */
  readonly decrypted = new Set<string>();

  constructor(readonly secrets: VaultSecret[]) {}

  /** Decrypts a vaulted text: the secret whose id matches a 1.2 label first, then every other. */
  decrypt(text: string): string {
    const env = parseEnvelope(text);
    if (this.secrets.length === 0) {
      throw new VaultError("no vault password was given; pass --vault-password-file FILE, --vault-id [LABEL@]FILE or --ask-vault-pass");
    }
    const ordered = [...this.secrets.filter((s) => s.id === env.label), ...this.secrets.filter((s) => s.id !== env.label)];
    for (const s of ordered) {
      const plain = decryptWith(env, s.password);
      if (plain) {
        const text = new TextDecoder("utf-8", { fatal: false }).decode(plain);
        this.decrypted.add(text);
        return text;
      }
    }
    const ids = this.secrets.map((s) => s.id).join(", ");
    throw new VaultError(`no vault password given decrypts it (tried vault id(s) ${ids}${env.label ? `; it was encrypted for vault id "${env.label}"` : ""})`);
  }
}

let current = new VaultKeyring([]);

/** The keyring YAML loading decrypts with; set by the CLI before anything is loaded. */
export function vaultKeyring(): VaultKeyring {
  return current;
}

export function setVaultKeyring(k: VaultKeyring): void {
  current = k;
}

/** Where the CLI found vault passwords. */
export interface VaultOptions {
  vaultPasswordFile?: string[];
  vaultId?: string[];
  askVaultPass?: boolean;
}

/** Reads a password source: a file's first line (trimmed), or an executable's output. */
function readSource(file: string, id: string): Buffer {
  let executable = false;
  try {
    accessSync(file, constants.X_OK);
    executable = readFileSync(file).subarray(0, 2).toString() === "#!";
  } catch {
    executable = false;
  }
  try {
    if (executable) {
      // A vault password script (as Ansible runs it): its standard output is the password.
      const out = execFileSync(file, id === "default" ? [] : ["--vault-id", id], { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
      return Buffer.from(out.toString("utf8").trim(), "utf8");
    }
    return Buffer.from(readFileSync(file, "utf8").trim(), "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`vault password file ${file}: ${code === "ENOENT" ? "not found" : code ? `cannot be read (${code})` : "the script failed"}`);
  }
}

/** Asks for a password on the terminal without echoing it. */
async function prompt(question: string): Promise<Buffer> {
  const { stdin, stderr } = process;
  stderr.write(question);
  const raw = stdin.isTTY ? stdin.setRawMode?.bind(stdin) : undefined;
  raw?.(true);
  stdin.resume();
  try {
    const text = await new Promise<string>((resolve, reject) => {
      let buf = "";
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString("utf8")) {
          if (ch === "\n" || ch === "\r") return done(buf);
          if (ch === "\u0003") return fail(new UsageError("interrupted at the vault password prompt"));
          if (ch === "\u007f") buf = buf.slice(0, -1);
          else buf += ch;
        }
      };
      const onEnd = () => done(buf);
      const cleanup = () => {
        stdin.off("data", onData);
        stdin.off("end", onEnd);
      };
      const done = (v: string) => {
        cleanup();
        resolve(v);
      };
      const fail = (e: Error) => {
        cleanup();
        reject(e);
      };
      stdin.on("data", onData);
      stdin.on("end", onEnd);
    });
    return Buffer.from(text, "utf8");
  } finally {
    raw?.(false);
    stdin.pause();
    stderr.write("\n");
  }
}

/** The keyring for these options (ANSIBLE_VAULT_PASSWORD_FILE when none is given, as Ansible). */
export async function keyringFor(opts: VaultOptions, env: NodeJS.ProcessEnv = process.env): Promise<VaultKeyring> {
  const secrets: VaultSecret[] = [];
  for (const id of opts.vaultId ?? []) {
    const at = id.indexOf("@");
    const label = at > 0 ? id.slice(0, at) : "default";
    const source = at > 0 ? id.slice(at + 1) : id;
    if (source === "") throw new UsageError(`--vault-id ${id}: give a file or "prompt" after @`);
    secrets.push({ id: label, password: source === "prompt" ? await prompt(`Vault password (${label}): `) : readSource(source, label) });
  }
  const files = opts.vaultPasswordFile?.length ? opts.vaultPasswordFile : opts.vaultId?.length || opts.askVaultPass ? [] : env.ANSIBLE_VAULT_PASSWORD_FILE ? [env.ANSIBLE_VAULT_PASSWORD_FILE] : [];
  for (const f of files) secrets.push({ id: "default", password: readSource(f, "default") });
  if (opts.askVaultPass) secrets.push({ id: "default", password: await prompt("Vault password: ") });
  for (const s of secrets) if (s.password.length === 0) throw new UsageError(`the vault password for vault id "${s.id}" is empty`);
  return new VaultKeyring(secrets);
}
