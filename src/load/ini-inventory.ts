// Ansible's INI inventory format, read line by line with the rules of ansible-core's ini plugin
// (plugins/inventory/ini.py). It is not plain INI, so no INI library reads it: host lines carry
// `key=value` variables split like a shell (shlex with `#` comments), host names may hold ranges
// and a `:port`, and sections are `[group]`, `[group:vars]` and `[group:children]`. Values are
// Python literals where they parse as one (see python-literal.ts), text otherwise.
import { LoadError, LoadErrors, type Location } from "../errors.js";
import { IDENTIFIER } from "../schema/keywords.js";
import { expandHostKey, HostPatternError } from "./host-pattern.js";
import { didYouMean } from "./issue-errors.js";
import { pythonLiteral } from "./python-literal.js";
import { jinjaStringErrors } from "./jinja-values.js";
import { isSecretName } from "./secret-values.js";
import type { InventoryGroupDoc } from "./types.js";

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;
const SECTION_KINDS = ["hosts", "children", "vars"];
const identifier = new RegExp(IDENTIFIER);

/** One word of a host line and the column (0-based, in the raw line) where it starts. */
interface Token {
  text: string;
  col: number;
}

/** Why a host line could not be split. */
class SplitError extends Error {}

/**
 * Splits a host line as Python's `shlex.split(line, comments=True)` does (POSIX mode): blanks
 * separate words, quotes group and are removed, a backslash escapes outside single quotes, and
 * `#` starts a comment wherever a quote does not protect it, even in the middle of a word.
 */
export function splitHostLine(line: string): Token[] {
  const tokens: Token[] = [];
  let cur: Token | undefined;
  let i = 0;
  const start = (at: number) => (cur ??= { text: "", col: at });
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      if (cur) tokens.push(cur);
      cur = undefined;
      i++;
    } else if (c === "#") {
      break;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new SplitError("No escaped character");
      start(i).text += line[i + 1];
      i += 2;
    } else if (c === "'" || c === '"') {
      start(i);
      const close = line.indexOf(c, i + 1);
      if (c === "'") {
        if (close < 0) throw new SplitError("No closing quotation");
        cur!.text += line.slice(i + 1, close);
        i = close + 1;
        continue;
      }
      // In double quotes a backslash escapes only `"` and `\`.
      i++;
      for (;;) {
        if (i >= line.length) throw new SplitError("No closing quotation");
        const d = line[i]!;
        if (d === '"') break;
        if (d === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) {
          cur!.text += line[i + 1];
          i += 2;
        } else {
          cur!.text += d;
          i++;
        }
      }
      i++;
    } else {
      start(i).text += c;
      i++;
    }
  }
  if (cur) tokens.push(cur);
  return tokens;
}

/**
 * A value as the ini plugin stores it: the Python literal it spells, else the text. A secret
 * (a password, a token) is kept exactly as written when it would become a number or a boolean,
 * where Ansible would turn `1e3` into 1000.0: redplay never changes a password.
 */
export function iniValue(name: string, text: string): unknown {
  const lit = pythonLiteral(text);
  if (!lit) return text;
  if (isSecretName(name) && typeof lit.value !== "string" && (typeof lit.value !== "object" || lit.value === null)) return text;
  return lit.value;
}

interface Pending {
  kind: "vars" | "children";
  loc: Location;
  parents: string[];
}

/** Reads the text of an INI inventory into groups (the first is `ungrouped` when hosts precede any section). */
export function parseIniInventory(text: string, file: string): InventoryGroupDoc[] {
  const errors: LoadError[] = [];
  const groups = new Map<string, InventoryGroupDoc>();
  const pending = new Map<string, Pending>();
  // `all` and `ungrouped` exist in every inventory, so [all:vars] needs no [all] section.
  const exists = (name: string) => groups.has(name) || name === "all" || name === "ungrouped";
  const lines = text.split(/\r\n|\n|\r/);
  const at = (line: number, col: number, path?: string): Location => ({ file, line, col, ...(path ? { path } : {}) });

  const group = (name: string, loc: Location): InventoryGroupDoc => {
    let g = groups.get(name);
    if (!g) {
      g = { name, hosts: [], vars: {}, children: [], loc };
      groups.set(name, g);
    }
    return g;
  };

  let current = "ungrouped";
  let kind = "hosts";
  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const indent = raw.length - raw.trimStart().length;
    const col = indent + 1;

    const section = SECTION.exec(line);
    if (section) {
      current = section[1]!;
      kind = section[2] ?? "hosts";
      if (!SECTION_KINDS.includes(kind)) {
        const hint = didYouMean(kind, SECTION_KINDS) ?? "a section is [group], [group:vars] or [group:children]";
        errors.push(new LoadError(`INI inventory: section [${current}:${kind}] has unknown type "${kind}"`, at(lineNo, col), hint));
        kind = "skip";
        continue;
      }
      const loc = at(lineNo, col + 1, current);
      if (!exists(current) && kind === "vars" && !pending.has(current)) pending.set(current, { kind: "vars", loc, parents: [] });
      group(current, loc);
      if (kind !== "vars" && pending.get(current)?.kind === "vars") pending.delete(current);
      if (kind !== "vars" && pending.get(current)?.kind === "children") pending.delete(current);
      continue;
    }
    if (line.startsWith("[") && line.endsWith("]")) {
      errors.push(
        new LoadError(`INI inventory: invalid section "${line}"`, at(lineNo, col), "a section is [group], [group:vars] or [group:children], without spaces"),
      );
      kind = "skip";
      continue;
    }
    if (kind === "skip") continue;

    if (kind === "vars") {
      const eq = line.indexOf("=");
      if (eq < 0) {
        errors.push(new LoadError(`INI inventory: expected key=value in [${current}:vars], got "${line}"`, at(lineNo, col)));
        continue;
      }
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (!identifier.test(key)) {
        errors.push(invalidName(key, at(lineNo, col, `${current}.vars`)));
        continue;
      }
      const v = iniValue(key, value);
      if (typeof v === "string") errors.push(...jinjaStringErrors(v, () => at(lineNo, col, `${current}.vars.${key}`)));
      group(current, at(lineNo, col)).vars[key] = v;
    } else if (kind === "children") {
      const m = GROUP_NAME.exec(line);
      if (!m) {
        errors.push(new LoadError(`INI inventory: expected a group name in [${current}:children], got "${line}"`, at(lineNo, col)));
        continue;
      }
      const child = m[1]!;
      const parent = group(current, at(lineNo, col));
      if (!parent.children.some((c) => c.name === child)) parent.children.push({ name: child, hosts: [], vars: {}, children: [], loc: at(lineNo, col, child) });
      if (!exists(child)) {
        const p = pending.get(child);
        if (p?.kind === "children") p.parents.push(current);
        else if (!p) pending.set(child, { kind: "children", loc: at(lineNo, col), parents: [current] });
      }
    } else {
      hostLine(raw, lineNo, current, group(current, at(lineNo, col)), errors, file);
    }
  }

  const known = [...groups.keys()].filter((g) => !pending.has(g) || pending.get(g)!.kind === "children");
  for (const [name, p] of pending) {
    if (groups.has(name) && p.kind === "children") continue;
    const hint = didYouMean(name, known.filter((g) => g !== name)) ?? `declare it with a [${name}] or [${name}:children] section`;
    errors.push(
      p.kind === "vars"
        ? new LoadError(`INI inventory: [${name}:vars] is for a group that is declared nowhere`, p.loc, hint)
        : new LoadError(`INI inventory: [${p.parents.at(-1)}:children] names group "${name}", which is declared nowhere`, p.loc, hint),
    );
  }
  if (errors.length > 0) throw new LoadErrors(errors);
  return [...groups.values()];
}

function invalidName(key: string, loc: Location): LoadError {
  return new LoadError(`INI inventory: invalid variable name "${key}"`, loc, "use letters, digits and underscores, not starting with a digit");
}

function hostLine(raw: string, lineNo: number, groupName: string, g: InventoryGroupDoc, errors: LoadError[], file: string): void {
  let tokens: Token[];
  try {
    tokens = splitHostLine(raw);
  } catch (err) {
    errors.push(new LoadError(`INI inventory: cannot read host line (${(err as Error).message})`, { file, line: lineNo, col: raw.length - raw.trimStart().length + 1 }));
    return;
  }
  if (tokens.length === 0) return;
  const [first, ...rest] = tokens;
  const hostLoc = (name: string): Location => ({ file, line: lineNo, col: first!.col + 1, path: `${groupName}.hosts.${name}` });
  const key = first!.text;
  if (key.trim() === "---") {
    errors.push(new LoadError(`INI inventory: "---" is not a host name`, hostLoc(key), "this looks like a YAML file; name it .yaml (or .yml)"));
    return;
  }
  let expanded: ReturnType<typeof expandHostKey>;
  try {
    expanded = expandHostKey(key);
  } catch (err) {
    if (!(err instanceof HostPatternError)) throw err;
    errors.push(new LoadError(`INI inventory: ${err.message}`, hostLoc(key), err.hint));
    return;
  }
  if (key.endsWith(":") && expanded.port === undefined) {
    errors.push(new LoadError(`INI inventory: host "${key}" ends in ":"`, hostLoc(key), "a colon after a host name gives its port, as in node-1:2222"));
    return;
  }

  const vars: Record<string, unknown> = {};
  if (expanded.port !== undefined) vars.ansible_port = expanded.port;
  for (const t of rest) {
    const loc = { file, line: lineNo, col: t.col + 1 };
    const eq = t.text.indexOf("=");
    if (eq < 0) {
      errors.push(new LoadError(`INI inventory: expected key=value after host "${key}", got "${t.text}"`, loc, "write host variables as key=value, one host per line"));
      continue;
    }
    const name = t.text.slice(0, eq);
    if (!identifier.test(name)) {
      errors.push(invalidName(name, loc));
      continue;
    }
    vars[name] = iniValue(name, t.text.slice(eq + 1));
    if (typeof vars[name] === "string") errors.push(...jinjaStringErrors(vars[name] as string, () => loc));
  }
  for (const h of expanded.hosts) g.hosts.push({ name: h, vars: { ...vars }, loc: hostLoc(h) });
}
