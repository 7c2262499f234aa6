// A password written as a YAML number or boolean is read as one: `01234567` becomes 342391,
// `12345678901234567890` loses digits, `1e3` becomes 1000, `yes` becomes true. Any string
// made from that value would not be the password the user wrote, so such values are refused
// where they are written, and the user is told to quote them.
import { isCollection, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { LoadError } from "../errors.js";
import { Secrets } from "../output/redact.js";
import { formatPath, nodeAt, type PathSegment, type YamlSource } from "./yaml.js";

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

/** Errors for numbers and booleans stored under secret-looking keys anywhere below `path`. */
export function secretValueErrors(src: YamlSource, path: PathSegment[] = [], root = ""): LoadError[] {
  const errors: LoadError[] = [];
  // One path, pushed and popped on the way down, copied only into an error.
  const at: PathSegment[] = [...path];
  const visit = (node: unknown, secretKey: string | undefined) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        const secret = secretKey ?? (isSecretName(key) ? key : undefined);
        // Outside a secret, only a collection can hold one further down.
        if (secret === undefined && !isCollection(pair.value)) continue;
        at.push(key);
        visit(pair.value, secret);
        at.pop();
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (secretKey === undefined && !isCollection(item)) return;
        at.push(i);
        visit(item, secretKey);
        at.pop();
      });
    } else if (isScalar(node) && secretKey !== undefined) {
      const kind = nonStringKind(node.value);
      if (kind === undefined) return;
      const { line, col } = src.lineCounter.linePos((node as Node).range?.[0] ?? 0);
      errors.push(
        new LoadError(
          `${secretKey} must be a string, but this value is read as a YAML ${kind}, which would change it`,
          { file: src.file, line, col, path: formatPath(at, root) },
          `put the value in quotes so it is kept exactly as written`,
        ),
      );
    }
  };
  const start = nodeAt(src, path);
  if (start.complete) visit(start.node, undefined);
  return errors;
}
