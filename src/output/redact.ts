// Secret redaction for everything redplay prints or serialises. Values are remembered once
// (from secret-named variables, `secret_vars`, or modules calling addSecret) and masked wherever
// they appear, in whatever form output may carry them: raw, JSON-escaped, shell-quoted,
// URL-encoded. Redis directives that always carry credentials are masked even when their value
// was never registered, because a config file read from a host can hold a password nobody
// declared.

/** What every secret is replaced with: fixed width, so its length leaks nothing. */
export const MASK = "********";

/** Name parts that mark a variable as secret wherever they appear (`redis_pass`, `apiToken`). */
const SECRET_PARTS = new Set([
  "pass",
  "passwd",
  "password",
  "passphrase",
  "pwd",
  "secret",
  "token",
  "apikey",
  "requirepass",
  "masterauth",
  "primaryauth",
  "credential",
  "credentials",
]);

/** Substrings that mark a name as secret even when glued to other words (`redispassword`). */
const SECRET_SUBSTRINGS = ["password", "passwd", "secret", "requirepass", "masterauth", "primaryauth"];

/** Trailing parts that turn a secret-looking name into a reference to one (a path is not a secret). */
const REFERENCE_SUFFIXES = new Set(["file", "files", "path", "dir", "length", "len", "env"]);

/** Redis directives whose value is a credential (or names the account that uses one). */
const CREDENTIAL_DIRECTIVES = "requirepass|masterauth|masteruser|primaryauth|primaryuser";

/** A config line (optionally a diff line: leading ` `, `+` or `-`) setting a credential directive. */
const CONFIG_LINE = new RegExp(
  `^([ \\t]*[-+ ]?[ \\t]*(?:${CREDENTIAL_DIRECTIVES})(?:[ \\t]*[:=][ \\t]*|[ \\t]+))(?=\\S)[^\\r\\n]*?([ \\t]*)$`,
  "gim",
);

/**
 * An ACL `user` line holding a password or its hash (`user default on #<sha256> ~* +@all`, as
 * CONFIG REWRITE writes it, or `>password`): everything after the user name is masked.
 */
const ACL_USER_LINE = /^([ \t]*[-+ ]?[ \t]*user[ \t]+\S+)[ \t](?=[^\r\n]*(?:#[0-9a-f]{64}|(?:^|[ \t])>\S))[^\r\n]*$/gim;

/** `CONFIG SET requirepass x` anywhere in a command or log line. */
const CONFIG_SET = new RegExp(
  `(\\bconfig[ \\t]+set[ \\t]+(?:${CREDENTIAL_DIRECTIVES})[ \\t]+)("(?:[^"\\\\\\r\\n]|\\\\.)*"|'[^'\\r\\n]*'|[^\\s"']+)`,
  "gi",
);

/** One argument of a command: quoted or bare. */
const ARG = `(?:"(?:[^"\\\\\\r\\n]|\\\\.)*"|'[^'\\r\\n]*'|[^\\s"']+)`;

/** Password directives whose value cannot be told from prose mid-line; see MID_LINE_*. */
const PASSWORD_DIRECTIVES = "requirepass|masterauth|primaryauth";

/** Words that end a sentence about a directive rather than give its value ("no masterauth set"). */
const PROSE_WORDS =
  "set|unset|configured|missing|present|absent|required|mismatch|mismatched|differs|changed|empty|enabled|disabled|ok";

/**
 * A password directive mid-line, in the three shapes that cannot be prose: `masterauth=x` /
 * `masterauth: x`, a quoted value, or a single word that ends the line. "missing masterauth on
 * node-2" stays readable.
 */
const MID_LINE_ASSIGN = new RegExp(`(\\b(?:${PASSWORD_DIRECTIVES})[ \\t]*[:=][ \\t]*)${ARG}`, "gi");
const MID_LINE_QUOTED = new RegExp(`(\\b(?:${PASSWORD_DIRECTIVES})[ \\t]+)(?:"(?:[^"\\\\\\r\\n]|\\\\.)*"|'[^'\\r\\n]*')`, "gi");
const MID_LINE_LAST = new RegExp(
  `(\\b(?:${PASSWORD_DIRECTIVES})[ \\t]+)(?!(?:${PROSE_WORDS})[.!]?[ \\t]*$)[^\\s"']+([ \\t]*)$`,
  "gim",
);

/** `AUTH pw` / `AUTH user pw` as an upper-case command word anywhere (NOAUTH does not match). */
const AUTH_UPPER = new RegExp(`(\\bAUTH[ \\t]+)${ARG}(?:[ \\t]+${ARG})?`, "g");

/** `auth pw` typed in any case at the start of a line (redis-cli prompts, scripts). */
const AUTH_LINE_START = new RegExp(`^([ \\t]*(?:[\\w.:-]*>[ \\t]*)?auth[ \\t]+)${ARG}(?:[ \\t]+${ARG})?`, "gim");

/** `redis-cli ... -a pw` / `--pass pw`: the password given on a redis-cli command line. */
const REDIS_CLI_PASS = new RegExp(`(\\bredis-cli\\b[^\\r\\n]*?[ \\t](?:-a|--pass)[ \\t]+)${ARG}`, "g");

/**
 * Every name isSecretName accepts (but `secret_vars`) holds one of these once lower-cased: a
 * secret part or substring, or the first part of `api_key` / `private_key` / `secret_key`.
 * Splitting a name into parts only separates its letters, so a name without any of them needs no
 * splitting.
 */
const SECRET_CANDIDATE = new RegExp([...SECRET_PARTS, ...SECRET_SUBSTRINGS, "api", "private"].map(escapeRegExp).join("|"));

/** Splits a variable name into lower-case word parts (`redisPassword` -> redis, password). */
function nameParts(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((p) => p.length > 0);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Known secret values and secret variable names; masks both in text and in data. */
export class Secrets {
  private readonly extraNames = new Set<string>();
  private readonly values = new Set<string>();
  /** Rebuilt lazily after the set of values changes; null when there is nothing to match. */
  private matcher: RegExp | null = null;
  private dirty = false;

  constructor(extraNames: string[] = []) {
    this.addNames(extraNames);
  }

  /** Adds names (from `secret_vars`) whose values are secret, matched case-insensitively. */
  addNames(names: Iterable<string>): void {
    for (const name of names) this.extraNames.add(name.toLowerCase());
  }

  /** True for names that hold secrets: passwords, tokens, Redis credentials, `secret_vars`. */
  isSecretName(name: string): boolean {
    const lower = name.toLowerCase();
    if (this.extraNames.has(lower)) return true;
    if (!SECRET_CANDIDATE.test(lower)) return false;
    const parts = nameParts(name);
    if (parts.length === 0) return false;
    if (REFERENCE_SUFFIXES.has(parts[parts.length - 1]!)) return false;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (SECRET_PARTS.has(part)) return true;
      if (SECRET_SUBSTRINGS.some((s) => part.includes(s))) return true;
      const next = parts[i + 1];
      // Key *contents* are secret; `private_key_file` was already excluded as a path above.
      if ((part === "api" || part === "private" || part === "secret") && next === "key") return true;
    }
    return false;
  }

  /** Remembers a secret value (strings and finite numbers; empty strings are ignored). */
  add(value: unknown): void {
    let text: string;
    if (typeof value === "string") text = value;
    else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
    else if (typeof value === "bigint") text = value.toString();
    else return;
    if (text.length === 0) return;
    const before = this.values.size;
    for (const form of this.formsOf(text)) this.values.add(form);
    if (this.values.size !== before) this.dirty = true;
  }

  /** Walks nested variables and remembers every value stored under a secret-looking name. */
  addFromVars(vars: Record<string, unknown>): void {
    const seen = new WeakSet<object>();
    const walk = (value: unknown, secret: boolean): void => {
      if (value === null || value === undefined) return;
      if (typeof value !== "object") {
        if (secret) this.add(value);
        return;
      }
      if (seen.has(value)) return;
      seen.add(value);
      if (Array.isArray(value)) {
        for (const item of value) walk(item, secret);
        return;
      }
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        walk(item, secret || this.isSecretName(key));
      }
    };
    walk(vars, false);
  }

  /** Number of distinct strings being masked (every form of every secret). */
  get size(): number {
    return this.values.size;
  }

  /** Masks every known secret and every credential directive or AUTH argument in `text`. */
  redact(text: string): string {
    let out = text;
    const matcher = this.currentMatcher();
    if (matcher) out = out.replace(matcher, MASK);
    return maskCredentialSyntax(out);
  }

  /**
   * A deep copy with every string redacted and every value under a secret-looking key replaced
   * by MASK. Errors become `{ name, message }`; cycles become "[Circular]".
   */
  redactDeep<T>(value: T): T {
    const seen = new WeakSet<object>();
    const visit = (v: unknown): unknown => {
      if (typeof v === "string") return this.redact(v);
      if (typeof v === "number" || typeof v === "bigint") {
        return this.values.has(String(v)) ? MASK : v;
      }
      if (v === null || typeof v !== "object") return v;
      if (seen.has(v)) return "[Circular]";
      seen.add(v);
      try {
        if (Array.isArray(v)) return v.map(visit);
        if (v instanceof Error) return { name: v.name, message: this.redact(v.message) };
        if (v instanceof Date) return v.toISOString();
        if (Buffer.isBuffer(v)) return this.redact(v.toString("utf8"));
        const copy: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
          const safeKey = this.redact(key);
          copy[safeKey] = this.isSecretName(key) && item !== null && item !== undefined ? MASK : visit(item);
        }
        return copy;
      } finally {
        // A shared (not cyclic) sub-object seen twice must be copied twice, not called circular.
        seen.delete(v);
      }
    };
    return visit(value) as T;
  }

  /** The spellings one secret can take on its way into output. */
  private formsOf(text: string): string[] {
    const forms = new Set<string>([text]);
    forms.add(JSON.stringify(text).slice(1, -1));
    // POSIX single quoting turns ' into '\'' inside the quotes.
    forms.add(text.replace(/'/g, "'\\''"));
    forms.add(text.replace(/(["\\$`])/g, "\\$1"));
    try {
      forms.add(encodeURIComponent(text));
    } catch {
      // Lone surrogates cannot be URL-encoded; the other forms still cover them.
    }
    // A multi-line secret (a key, a certificate) reaches diffs one line at a time.
    if (text.includes("\n")) {
      for (const line of text.split(/\r?\n/)) if (line.trim().length >= 8) forms.add(line.trim());
    }
    forms.delete("");
    return [...forms];
  }

  private currentMatcher(): RegExp | null {
    if (this.dirty) {
      // Longest first, so a secret that contains another is masked whole.
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.matcher = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join("|"), "g") : null;
      this.dirty = false;
    }
    return this.matcher;
  }
}

/** Masks values that are credentials by their syntax alone, registered or not. */
export function maskCredentialSyntax(text: string): string {
  // Cheap pre-check: most text has none of these words and skips four regex passes.
  if (!/auth|pass|user|-a/i.test(text)) return text;
  return text
    .replace(CONFIG_LINE, (_m, head: string, tail: string) => `${head}${MASK}${tail}`)
    .replace(ACL_USER_LINE, (_m, head: string) => `${head} ${MASK}`)
    .replace(CONFIG_SET, (_m, head: string) => `${head}${MASK}`)
    .replace(MID_LINE_ASSIGN, (_m, head: string) => `${head}${MASK}`)
    .replace(MID_LINE_QUOTED, (_m, head: string) => `${head}${MASK}`)
    .replace(MID_LINE_LAST, (_m, head: string, tail: string) => `${head}${MASK}${tail}`)
    .replace(REDIS_CLI_PASS, (_m, head: string) => `${head}${MASK}`)
    .replace(AUTH_UPPER, (_m, head: string) => `${head}${MASK}`)
    .replace(AUTH_LINE_START, (_m, head: string) => `${head}${MASK}`);
}
