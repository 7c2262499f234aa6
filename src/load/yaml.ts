// YAML parsing that keeps every node's position, so any later error (schema, unknown module,
// missing file) can point at file:line:col. All YAML redplay reads goes through here, so every
// file gets the same scalar rules.
//
// Scalars follow the YAML 1.2 core schema plus the two YAML 1.1 habits Ansible users rely on:
// `yes`/`no`/`on`/`off` are booleans and `0644` is octal. `y`/`n`, timestamps and sexagesimal
// numbers stay strings, as they do in Ansible.
//
// Two parsers, one result. The yaml package keeps every node with its position, which costs
// about 0.5 s of CPU per MiB; js-yaml builds only the plain value, ten times faster. Each file is
// read by js-yaml first, with plain scalars typed by the yaml package's own tags (so `0644`,
// `yes`, `1e3` and `0b11` read exactly as below), and only where the two are known to agree: a
// file with anchors, merge keys, directives, explicit tags other than `!!str`/`!!seq`/`!!map`,
// complex or null keys, or anything js-yaml refuses, is read by the yaml package alone. The
// yaml package's document (for positions) is then parsed only when something asks for a
// position, which on the happy path is nothing.
import { readFile } from "node:fs/promises";
import jsYaml from "js-yaml";
import {
  Document,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  Schema,
  YAMLMap,
  type Node,
  type Pair,
  type ScalarTag,
  type Tags,
  visit,
} from "yaml";
import { LoadError, LoadErrors, type Location } from "../errors.js";
import { VAULT_HEADER, VaultError, vaultKeyring } from "./vault.js";

/** A key or index on the way from a document's root to one of its nodes. */
export type PathSegment = string | number;

/** A parsed YAML file: its plain value plus what is needed to locate any node in it. */
export interface YamlSource {
  readonly file: string;
  readonly value: unknown;
  /** The yaml package's document, with every node's position: parsed when first asked for. */
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** Whether `doc` is parsed already (if not, asking for a position parses the whole file). */
  readonly positioned: boolean;
}

const yesTag: ScalarTag = {
  identify: (v) => v === true,
  default: true,
  tag: "tag:yaml.org,2002:bool",
  test: /^(?:[Yy]es|YES|[Oo]n|ON)$/,
  resolve: () => new Scalar(true),
};

const noTag: ScalarTag = {
  identify: (v) => v === false,
  default: true,
  tag: "tag:yaml.org,2002:bool",
  test: /^(?:[Nn]o|NO|[Oo]ff|OFF)$/,
  resolve: () => new Scalar(false),
};

// File modes are written `0644`; YAML 1.2 would read that as decimal 644.
const legacyOctalTag: ScalarTag = {
  identify: (v) => typeof v === "number" && Number.isInteger(v),
  default: true,
  tag: "tag:yaml.org,2002:int",
  format: "OCT",
  test: /^0[0-7]+$/,
  resolve: (s: string) => parseInt(s, 8),
};

// `!vault |` (ansible-vault encrypt_string): decrypted with the run's vault passwords; without
// one, or with a wrong one, a YAML error at the value (so located, exit 4).
const vaultTag: ScalarTag = {
  tag: "!vault",
  resolve(value: string, onError: (message: string) => void): string {
    try {
      return vaultKeyring().decrypt(value);
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      onError(`vault-encrypted value: ${err.message}`);
      return "";
    }
  },
};

function withAnsibleScalars(tags: Tags): Tags {
  return [yesTag, noTag, legacyOctalTag, vaultTag, ...tags];
}

/** Parses YAML text; syntax errors (duplicate keys included) throw LoadErrors located in `file`. */
export function parseYaml(text: string, file: string): YamlSource {
  const fast = fastValue(text);
  if (fast !== MISS) return new Source(file, fast, undefined, text);
  return parseYamlPositioned(text, file);
}

/** parseYaml by the yaml package alone: the document with positions is parsed at once. */
export function parseYamlPositioned(text: string, file: string): YamlSource {
  const full = parseFull(text, file);
  return new Source(file, toPlain(full.doc, full.lineCounter, file), full);
}

/** The yaml package's document of `text` and its line index; syntax errors throw LoadErrors. */
function parseFull(text: string, file: string): { doc: Document.Parsed; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  // The yaml package checks key uniqueness by comparing each key with every earlier key of its
  // mapping, which is quadratic (40 000 keys took 13 s); duplicateKeyErrors does it in one pass.
  const doc = withPlainEnv(() =>
    parseDocument(text, {
      lineCounter,
      uniqueKeys: false,
      merge: true,
      prettyErrors: false,
      schema: "core",
      customTags: withAnsibleScalars,
    }),
  );
  const errors = [...doc.errors, ...duplicateKeyErrors(doc)].sort((a, b) => a.pos[0] - b.pos[0]);
  if (errors.length > 0) {
    // After the first syntax error the parser's further complaints are mostly echoes of it;
    // duplicate keys are independent mistakes, so each of them is kept.
    const [first, ...rest] = errors;
    const independent = (e: SyntaxIssue) => e.code === "DUPLICATE_KEY" || e.message.startsWith("vault-encrypted value: ");
    const reported = [first!, ...rest.filter(independent)].sort((a, b) => a.pos[0] - b.pos[0]);
    throw new LoadErrors(
      reported.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        const message = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        if (message.startsWith("vault-encrypted value: ")) return new LoadError(message, { file, line, col });
        return new LoadError(`invalid YAML: ${message}`, { file, line, col }, syntaxHint(e.code));
      }),
    );
  }
  return { doc, lineCounter };
}

/** A parsed file whose yaml package document is parsed on first use when the fast path read it. */
class Source implements YamlSource {
  #full: { doc: Document.Parsed; lineCounter: LineCounter } | undefined;
  #text: string | undefined;

  constructor(
    readonly file: string,
    readonly value: unknown,
    full: { doc: Document.Parsed; lineCounter: LineCounter } | undefined,
    text?: string,
  ) {
    this.#full = full;
    this.#text = text;
  }

  get positioned(): boolean {
    return this.#full !== undefined;
  }

  get doc(): Document.Parsed {
    return this.#parsed().doc;
  }

  get lineCounter(): LineCounter {
    return this.#parsed().lineCounter;
  }

  #parsed(): { doc: Document.Parsed; lineCounter: LineCounter } {
    if (this.#full === undefined) {
      this.#full = parseFull(this.#text!, this.file);
      this.#text = undefined;
    }
    return this.#full;
  }
}

/** What fastValue returns when the file must be read by the yaml package. */
export const MISS: unique symbol = Symbol("miss");

/** Thrown out of js-yaml to give up on the fast path. */
class FastPathMiss extends Error {}

/** The yaml package's tags that type a plain scalar, in the order it tries them. */
const PLAIN_TAGS: readonly ScalarTag[] = new Schema({ schema: "core", customTags: withAnsibleScalars }).tags.filter(
  (t): t is ScalarTag => t.default === true && !("collection" in t && t.collection) && (t as ScalarTag).test !== undefined,
);

/** Options the core tags' resolve() reads (only intAsBigInt), as parseDocument passes them by default. */
const RESOLVE_OPTIONS = { intAsBigInt: false } as Parameters<NonNullable<ScalarTag["resolve"]>>[2];

/** First characters a typed plain scalar can start with (`~`, digits, signs, `.`, and the letters of null/true/false/yes/no/on/off); "" is null. */
const TYPED_START = /^[-+.0-9~nNtTfFyYoO]/;

/** Whether a plain scalar of the file being read typed as null (it may be a key: see plainKeys). */
let typedNull = false;

/** A plain scalar's value exactly as the yaml package (with PLAIN_TAGS) gives it. */
function typedPlain(s: string): unknown {
  if (s !== "" && !TYPED_START.test(s)) return s;
  for (const tag of PLAIN_TAGS) {
    if (!tag.test!.test(s)) continue;
    let failed = false;
    const res = tag.resolve(s, () => (failed = true), RESOLVE_OPTIONS);
    if (failed) throw new FastPathMiss();
    const value = isScalar(res) ? res.value : res;
    if (value === null) typedNull = true;
    return value;
  }
  return s;
}

/** The last plain scalar resolve() typed, and its value: js-yaml constructs right after it resolves. */
let typedText: string | undefined;
let typedValue: unknown;

/** js-yaml's schema: strings, sequences and mappings, and one implicit type for every plain scalar. */
const FAST_SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new jsYaml.Type("tag:redplay.dev,2026:plain", {
      kind: "scalar",
      resolve: (s: unknown) => {
        if (typeof s !== "string") return false;
        const value = typedPlain(s);
        if (value === s) return false;
        typedText = s;
        typedValue = value;
        return true;
      },
      construct: (s: string) => (s === typedText ? typedValue : typedPlain(s)),
    }),
  ],
});

/**
 * Files with these are read by the yaml package: directives (`%YAML`), merge keys, explicit (`?`)
 * or collection keys, and a sequence entry with nothing after its `-` on the line (js-yaml then
 * puts the entries of an enclosing, less indented sequence into the inner one).
 */
const SLOW_SYNTAX = /^%|<<|(?:^|[ \t,[{])\?(?:[ \t\r\n]|$)|[\]}][ \t]*:(?:[ \t\r\n]|$)|^[ \t]*(?:-[ \t]+)*-[ \t]*(?:#.*)?\r?$/m;

/** Keys this long are near the yaml package's 1024-character limit on implicit keys, which js-yaml lacks. */
const LONG_KEY = 1000;

/** The parts of js-yaml's parser state its listener reads. */
interface ParserState {
  position: number;
  line: number;
  anchor: string | null;
}

/**
 * The plain value of `text` as the yaml package would give it, or MISS where the fast parser
 * cannot promise that (the yaml package then reads the file and reports any error).
 */
export function fastValue(text: string): unknown {
  if (SLOW_SYNTAX.test(text)) return MISS;
  // Each node's start (offset, line), pushed when js-yaml opens it and popped when it closes it.
  const opened: number[] = [];
  typedNull = false;
  let value: unknown;
  try {
    value = jsYaml.load(text, {
      schema: FAST_SCHEMA,
      listener(event, raw) {
        const state = raw as unknown as ParserState;
        if (event === "open") {
          opened.push(state.position, state.line);
          return;
        }
        const line = opened.pop()!;
        const start = opened.pop()!;
        // Anchors (and so aliases) go to the yaml package, which bounds how far aliases expand.
        if (state.anchor !== null) throw new FastPathMiss();
        // A quoted scalar or flow collection over several lines: the yaml package wants its
        // continuation lines indented past the enclosing block, js-yaml does not check.
        if (state.line !== line && startsFlow(text, start)) throw new FastPathMiss();
      },
    });
  } catch {
    return MISS;
  }
  if ((typedNull || hasLongLine(text)) && !plainKeys(value)) return MISS;
  return value === undefined ? null : value;
}

/** Whether the node that js-yaml opened at `at` (before any space, comment or property) is quoted or a flow collection. */
function startsFlow(text: string, at: number): boolean {
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23 /* # */) while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
    else if (c === 0x21 /* ! */ || c === 0x26 /* & */) while (i < text.length && !/[ \t\r\n]/.test(text[i]!)) i++;
    else return c === 0x22 || c === 0x27 || c === 0x5b || c === 0x7b; // " ' [ {
  }
}

/** Whether a line of `text` is long enough to hold a LONG_KEY key. */
function hasLongLine(text: string): boolean {
  let from = 0;
  for (;;) {
    const end = text.indexOf("\n", from);
    if ((end === -1 ? text.length : end) - from > LONG_KEY) return true;
    if (end === -1) return false;
    from = end + 1;
  }
}

/**
 * Whether every mapping key is one both parsers write the same way: js-yaml writes a null key
 * (`~:`) as "null" where the yaml package writes "", and only the yaml package limits key length.
 */
function plainKeys(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const v = pending.pop();
    if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === "object") pending.push(item);
    } else if (v !== null && typeof v === "object") {
      for (const key in v) {
        if (key === "null" || key.length > LONG_KEY) return false;
        const item = (v as Record<string, unknown>)[key];
        if (item !== null && typeof item === "object") pending.push(item);
      }
    }
  }
  return true;
}

/**
 * Runs `fn` (synchronous) with process.env replaced by a plain copy of itself. The yaml package's
 * parser reads process.env.LOG_TOKENS once per token; on the real process.env each read is a call
 * into the C++ environment (a fifth of the parse time of a large file), on a copy a property load.
 * Nothing else runs meanwhile, and the real object is back before `fn`'s result or error leaves.
 */
export function withPlainEnv<T>(fn: () => T): T {
  const env = process.env;
  process.env = { ...env };
  try {
    return fn();
  } finally {
    process.env = env;
  }
}

/** A YAML error as parseYaml reports it: the yaml package's own, or a duplicate key found here. */
interface SyntaxIssue {
  code: string;
  message: string;
  pos: [number, number];
}

/**
 * A DUPLICATE_KEY issue (worded as the yaml package words it) for every scalar key that repeats
 * an earlier key of the same mapping, with the package's notion of equal (same scalar value).
 * One pass with a set per mapping: linear in the number of keys.
 */
export function duplicateKeyErrors(doc: Document.Parsed): SyntaxIssue[] {
  const issues: SyntaxIssue[] = [];
  // A plain walk rather than the package's visit(), which allocates a frozen ancestor path per
  // node; collections used as keys are walked too, as visit() does.
  const pending: unknown[] = [doc.contents];
  const later = (node: unknown) => {
    if (isCollection(node) || isPair(node)) pending.push(node);
  };
  while (pending.length > 0) {
    const node = pending.pop();
    if (isMap(node)) {
      const items = node.items;
      // A small mapping compares its few keys directly; a large one uses a set.
      const seen = items.length > SMALL_MAP ? new Set<unknown>() : undefined;
      for (let i = 0; i < items.length; i++) {
        const pair = items[i]!;
        if (isScalar(pair.key)) {
          const value = pair.key.value;
          if (seen ? seen.has(value) : repeatsEarlierKey(items, i, value)) {
            const at = pair.key.range?.[0] ?? 0;
            issues.push({ code: "DUPLICATE_KEY", message: "Map keys must be unique", pos: [at, at + 1] });
          } else {
            seen?.add(value);
          }
        } else {
          later(pair.key);
        }
        later(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) later(item);
    } else if (isPair(node)) {
      later(node.key);
      later(node.value);
    }
  }
  return issues;
}

/** Whether a scalar key before `items[i]` has `value`, equal as a Set would find it (NaN included). */
function repeatsEarlierKey(items: readonly Pair[], i: number, value: unknown): boolean {
  for (let j = 0; j < i; j++) {
    const key = items[j]!.key;
    if (!isScalar(key)) continue;
    const v = key.value;
    if (v === value || (v !== v && value !== value)) return true;
  }
  return false;
}

/** How many nodes aliases may expand to in one document: far above real files, far below a "billion laughs". */
const MAX_ALIAS_COUNT = 1000;

/** The document's plain value; an alias bomb is a located LoadError, not a crash. */
function toPlain(doc: Document.Parsed, lineCounter: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // The yaml package reports this as a plain ReferenceError with no position.
    if (!(err instanceof ReferenceError) || !/alias/i.test(err.message)) throw err;
    let offset = 0;
    visit(doc, {
      Alias(_, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const { line, col } = lineCounter.linePos(offset);
    throw new LoadErrors([
      new LoadError(
        `aliases here expand to more than ${MAX_ALIAS_COUNT} nodes (a "billion laughs" document)`,
        { file, line, col },
        "write the repeated values out, or use fewer nested aliases",
        { cause: err },
      ),
    ]);
  }
}

function syntaxHint(code: string): string | undefined {
  if (code === "DUPLICATE_KEY") return "each key may appear once in a mapping; remove or rename one";
  if (code === "TAB_AS_INDENT") return "indent with spaces, not tabs";
  if (code === "BAD_INDENT" || code === "MISSING_CHAR") return "check the indentation and quoting on this line";
  return undefined;
}

/** Reads and parses a YAML file; an unreadable file is a LoadError naming it. */
export async function readYamlFile(file: string, displayName = file): Promise<YamlSource> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : `cannot read (${code ?? String(err)})`;
    throw new LoadErrors([new LoadError(`${displayName}: ${why}`, undefined, "check the path", { cause: err })]);
  }
  const text = decodeUtf8(bytes, displayName);
  if (!text.startsWith(VAULT_HEADER)) return parseYaml(text, displayName);
  // A file encrypted whole (ansible-vault encrypt): every string in it is secret.
  let plain: string;
  try {
    plain = vaultKeyring().decrypt(text);
  } catch (err) {
    if (!(err instanceof VaultError)) throw err;
    throw new LoadErrors([new LoadError(`vault-encrypted file: ${err.message}`, { file: displayName, line: 1, col: 1 })]);
  }
  const src = parseYaml(plain, displayName);
  const keyring = vaultKeyring();
  const walk = (v: unknown): void => {
    if (typeof v === "string") keyring.decrypted.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(src.value);
  return src;
}

/** UTF-8 text of a file; an invalid byte is a LoadError at its line and column, never a silent U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    const before = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.subarray(0, at));
    const lineStart = before.lastIndexOf("\n") + 1;
    const line = before.split("\n").length;
    const col = before.length - lineStart + 1;
    const byte = bytes[at] === undefined ? "end of file" : `byte 0x${bytes[at]!.toString(16).padStart(2, "0")}`;
    throw new LoadErrors([
      new LoadError(`not valid UTF-8 (${byte})`, { file, line, col }, "save the file as UTF-8", { cause: err }),
    ]);
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence; -1 when none. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1]!;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    i += n + 1;
  }
  return -1;
}

/** The node at `path`, or the deepest existing ancestor when the path runs out. */
export function nodeAt(src: YamlSource, path: readonly PathSegment[]): { node: Node | null; key: Node | null; complete: boolean } {
  let node: unknown = src.doc.contents;
  let key: Node | null = null;
  for (const seg of path) {
    let next: unknown = undefined;
    let nextKey: Node | null = null;
    if (isMap(node)) {
      const item = pairWithKey(node, String(seg));
      if (item) {
        next = item.value ?? item.key;
        nextKey = isNode(item.key) ? item.key : null;
      }
    } else if (isSeq(node) && typeof seg === "number") {
      next = node.items[seg];
    }
    if (!isNode(next)) return { node: isNode(node) ? node : null, key, complete: false };
    node = next;
    key = nextKey;
  }
  return { node: isNode(node) ? node : null, key, complete: true };
}

/** Up to this many keys a mapping is searched in place; a task or an argument mapping needs no index. */
const SMALL_MAP = 8;

/** The first pair of `map` whose key reads as `key`. */
function pairWithKey(map: YAMLMap, key: string): Pair | undefined {
  if (map.items.length > SMALL_MAP) return keyIndex(map).get(key);
  for (const item of map.items) if (isPair(item) && keyValue(item.key) === key) return item as Pair;
  return undefined;
}

/** Each large mapping's pairs by key (the first of duplicates), built once: a lookup per key stays O(1). */
const keyIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function keyIndex(map: YAMLMap): Map<string, Pair> {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const item of map.items) {
      if (!isPair(item)) continue;
      const k = keyValue(item.key);
      if (k !== undefined && !index.has(k)) index.set(k, item as Pair);
    }
    keyIndexes.set(map, index);
  }
  return index;
}

function keyValue(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return key === null || key === undefined ? undefined : String(key);
}

/**
 * 1-based location of the node at `path` (its key when `onKey`), with the logical path attached.
 * On a source not positioned yet, line and col are worked out when first read: a run keeps a
 * location for every task and host, and reads one only to report something there.
 */
export function locate(src: YamlSource, path: readonly PathSegment[], opts: { onKey?: boolean; root?: string } = {}): Location {
  if (src.positioned) return { file: src.file, ...position(src, path, opts.onKey), path: formatPath(path, opts.root) };
  return new LazyLocation(src, [...path], opts.onKey === true, opts.root);
}

/** A location whose line, col and path are worked out when first read (one small object per task or host until then). */
class LazyLocation implements Location {
  #src: YamlSource;
  #at: readonly PathSegment[];
  #onKey: boolean;
  #root: string | undefined;
  #pos: { line: number; col: number } | undefined;
  #path: string | undefined;

  constructor(
    src: YamlSource,
    at: readonly PathSegment[],
    onKey: boolean,
    root: string | undefined,
  ) {
    this.file = src.file;
    this.#src = src;
    this.#at = at;
    this.#onKey = onKey;
    this.#root = root;
  }

  readonly file: string;

  get line(): number {
    return this.#position().line;
  }

  get col(): number {
    return this.#position().col;
  }

  get path(): string {
    return (this.#path ??= formatPath(this.#at, this.#root));
  }

  /** What JSON output shows, as for a plain location. */
  toJSON(): Location {
    return { file: this.file, line: this.line, col: this.col, path: this.path };
  }

  #position(): { line: number; col: number } {
    return (this.#pos ??= position(this.#src, this.#at, this.#onKey));
  }
}

function position(src: YamlSource, path: readonly PathSegment[], onKey = false): { line: number; col: number } {
  const found = nodeAt(src, path);
  const target = onKey && found.complete && found.key ? found.key : found.node;
  return src.lineCounter.linePos(target?.range?.[0] ?? 0);
}

/** `plays[0].tasks[3].template.dest` from [0, "tasks", 3, "template", "dest"] with root "plays". */
export function formatPath(path: readonly PathSegment[], root = ""): string {
  let out = root;
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * Calls `leaf` for every scalar value (not key) below `path`, with its path, the state that
 * `keyState` derived from the mapping keys above it, and its position (worked out only when
 * asked for). A source not positioned yet is walked through its plain value, which for the files
 * the fast path reads has exactly the document's shape; a positioned one through its nodes, so
 * a value merged in or reached through an alias is visited once, where it is written.
 */
export function visitScalars<S>(
  src: YamlSource,
  path: readonly PathSegment[],
  initial: S,
  keyState: (key: string, above: S) => S,
  leaf: (value: unknown, state: S, at: readonly PathSegment[], where: () => { line: number; col: number }) => void,
): void {
  // One path, pushed and popped on the way down; `leaf` copies it if it keeps it.
  const at: PathSegment[] = [...path];
  if (!src.positioned) {
    const walk = (v: unknown, state: S): void => {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          at.push(i);
          walk(v[i], state);
          at.pop();
        }
      } else if (v !== null && typeof v === "object") {
        for (const key of Object.keys(v)) {
          at.push(key);
          walk((v as Record<string, unknown>)[key], keyState(key, state));
          at.pop();
        }
      } else {
        leaf(v, state, at, () => position(src, at));
      }
    };
    let start: unknown = src.value;
    for (const seg of path) {
      if (start === null || typeof start !== "object") return;
      start = (start as Record<string | number, unknown>)[seg];
    }
    if (start !== undefined) walk(start, initial);
    return;
  }
  const walk = (node: unknown, state: S): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        at.push(key);
        walk(pair.value, keyState(key, state));
        at.pop();
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        at.push(i);
        walk(item, state);
        at.pop();
      });
    } else if (isScalar(node)) {
      leaf(node.value, state, at, () => src.lineCounter.linePos(node.range?.[0] ?? 0));
    }
  };
  const start = nodeAt(src, path);
  if (start.complete) walk(start.node, initial);
}
