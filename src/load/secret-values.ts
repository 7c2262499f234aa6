// A password written as a YAML number or boolean is read as one: `01234567` becomes 342391,
// `12345678901234567890` loses digits, `1e3` becomes 1000, `yes` becomes true. Any string
// made from that value would not be the password the user wrote, so such values are refused
// where they are written, and the user is told to quote them.
import { LoadError } from "../errors.js";
import { Secrets } from "../output/redact.js";
import { formatPath, visitScalars, type PathSegment, type YamlSource } from "./yaml.js";

const names = new Secrets();

/** Answers for names already seen: inventories and playbooks repeat the same few keys thousands of times. */
const known = new Map<string, boolean>();
const KNOWN_MAX = 10_000;

/** True for a variable name that holds a secret (the same rule the output layer masks by). */
export function isSecretName(name: string): boolean {
  let secret = known.get(name);
  if (secret === undefined) {
    secret = names.isSecretName(name);
    if (known.size < KNOWN_MAX) known.set(name, secret);
  }
  return secret;
}

/** The YAML type a secret must not have, or undefined when the value is fine (string, null, collection). */
export function nonStringKind(value: unknown): "number" | "boolean" | undefined {
  if (typeof value === "number" || typeof value === "bigint") return "number";
  if (typeof value === "boolean") return "boolean";
  return undefined;
}

/** The secret-looking key a value is stored under: the nearest one above it, else `key` when it looks secret. */
export function secretKeyBelow(key: string, above: string | undefined): string | undefined {
  return above ?? (isSecretName(key) ? key : undefined);
}

/** The error for `value` when it is stored under the secret key `secretKey` but is a number or boolean. */
export function secretKindError(
  src: YamlSource,
  value: unknown,
  secretKey: string | undefined,
  at: readonly PathSegment[],
  where: () => { line: number; col: number },
  root: string,
): LoadError | undefined {
  if (secretKey === undefined) return undefined;
  const kind = nonStringKind(value);
  if (kind === undefined) return undefined;
  return new LoadError(
    `${secretKey} must be a string, but this value is read as a YAML ${kind}, which would change it`,
    { file: src.file, ...where(), path: formatPath(at, root) },
    `put the value in quotes so it is kept exactly as written`,
  );
}

/** Errors for numbers and booleans stored under secret-looking keys anywhere below `path`. */
export function secretValueErrors(src: YamlSource, path: PathSegment[] = [], root = ""): LoadError[] {
  const errors: LoadError[] = [];
  visitScalars(src, path, undefined, secretKeyBelow, (value, secretKey, at, where) => {
    const err = secretKindError(src, value, secretKey, at, where, root);
    if (err) errors.push(err);
  });
  return errors;
}
