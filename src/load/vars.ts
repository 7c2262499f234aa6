// Variables from files (vars_files, group_vars, host_vars) and from the command line (-e).
// Every variable name must be usable in a template, so names are checked here, where the
// error can still point at the line that defines them.
import { resolve } from "node:path";
import { isMap, isScalar } from "yaml";
import { LoadError, LoadErrors, UsageError } from "../errors.js";
import { IDENTIFIER } from "../schema/keywords.js";
import { sortErrors } from "./issue-errors.js";
import { varValueErrors } from "./jinja-values.js";
import { isSecretName, nonStringKind } from "./secret-values.js";
import { locate, parseYaml, readYamlFile, type PathSegment, type YamlSource } from "./yaml.js";

const identifier = new RegExp(IDENTIFIER);

/** Errors for a value that must be a mapping of variable names (null counts as empty). */
export function checkVarsMapping(src: YamlSource, path: PathSegment[], value: unknown, what: string, root = ""): LoadError[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== "object" || Array.isArray(value)) {
    return [new LoadError(`${what} must be a mapping of variable names to values`, locate(src, path, { root }), "write `name: value` lines")];
  }
  const names = Object.keys(value)
    .filter((k) => !identifier.test(k))
    .map(
      (k) =>
        new LoadError(
          `invalid variable name "${k}" in ${what}`,
          locate(src, [...path, k], { onKey: true, root }),
          "use letters, digits and underscores, not starting with a digit",
        ),
    );
  return [...names, ...varValueErrors(src, path, root)];
}

/** Loads a YAML file of variables (an empty file is an empty mapping). */
export async function loadVarsFile(file: string, displayName = file): Promise<Record<string, unknown>> {
  const src = await readYamlFile(file, displayName);
  const errors = checkVarsMapping(src, [], src.value, "a vars file");
  if (errors.length > 0) throw new LoadErrors(sortErrors(errors));
  return (src.value ?? {}) as Record<string, unknown>;
}

/**
 * Parses `-e` values, later ones winning: `key=value` pairs (several per value, space-separated,
 * quotes group; unquoted values are YAML-typed so `port=6380` is a number), `@file.yaml`
 * (relative to `cwd`), or an inline mapping (`{"a": 1}` or `{a: 1}`).
 */
export async function parseExtraVars(values: string[], cwd: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [i, raw] of values.entries()) {
    const value = raw.trim();
    const which = `-e value ${i + 1}`;
    if (value.startsWith("@")) {
      const rel = value.slice(1);
      if (rel === "") throw new UsageError(`${which}: "@" must be followed by a file name`);
      Object.assign(out, await loadVarsFile(resolve(cwd, rel), rel));
    } else if (value.startsWith("{")) {
      Object.assign(out, parseInlineMapping(value, which));
    } else {
      Object.assign(out, parseKeyValues(value, which));
    }
  }
  return out;
}

function parseInlineMapping(text: string, which: string): Record<string, unknown> {
  let src: YamlSource;
  try {
    src = parseYaml(text, which);
  } catch (err) {
    // The value may hold a password: report where, never what.
    const first = err instanceof LoadErrors ? err.errors[0] : undefined;
    throw new UsageError(`${which}: not a valid mapping (${first?.message ?? "parse error"} at column ${first?.loc?.col ?? "?"})`, { cause: err });
  }
  const errors = checkVarsMapping(src, [], src.value, which);
  if (errors.length > 0) throw new UsageError(errors.map((e) => e.message).join("; "));
  return (src.value ?? {}) as Record<string, unknown>;
}

function parseKeyValues(text: string, which: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { word, quoted } of splitWords(text, which)) {
    const eq = word.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(`${which}: expected key=value, @file or a {mapping}`, undefined);
    }
    const key = word.slice(0, eq);
    if (!identifier.test(key)) {
      throw new UsageError(`${which}: invalid variable name "${key}"; use letters, digits and underscores`);
    }
    const rawValue = word.slice(eq + 1);
    out[key] = quoted ? rawValue : typedScalar(rawValue);
    const kind = nonStringKind(out[key]);
    if (kind && isSecretName(key)) {
      throw new UsageError(`${which}: ${key} must be a string, but its unquoted value is read as a ${kind}, which would change it; quote it (-e '${key}="..."')`);
    }
  }
  return out;
}

/** YAML typing for an unquoted value: numbers, booleans and null; anything else stays a string. */
function typedScalar(text: string): unknown {
  if (text === "") return "";
  try {
    const { doc } = parseYaml(text, "-e");
    if (isScalar(doc.contents) && !isMap(doc.contents)) {
      const v = doc.contents.value;
      if (typeof v === "number" || typeof v === "boolean" || v === null) return v;
    }
  } catch {
    // Not YAML on its own (`a: b: c`): keep the text.
  }
  return text;
}

/** Shell-like split: whitespace separates words, quotes group and are removed, `\` escapes. */
function splitWords(text: string, which: string): Array<{ word: string; quoted: boolean }> {
  const words: Array<{ word: string; quoted: boolean }> = [];
  let word = "";
  let quoted = false;
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      quoted = true;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push({ word, quoted });
      word = "";
      quoted = false;
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`${which}: unterminated ${quote} quote`);
  if (inWord) words.push({ word, quoted });
  return words;
}
