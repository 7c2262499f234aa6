// Loads inventory sources as Ansible does: a YAML file, an INI file, or a directory of them
// (every file in it, in name order), each with the group_vars/ and host_vars/ beside it. Only
// documents are built here; resolving groups, patterns and variable precedence is src/inventory/.
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, extname, join, relative, resolve } from "node:path";
import { LoadError, LoadErrors } from "../errors.js";
import { toIssues } from "../schema/issues.js";
import { inventoryValidator } from "../schema/inventory.js";
import { expandHostKey, HostPatternError, splitPort } from "./host-pattern.js";
import { parseIniInventory } from "./ini-inventory.js";
import { didYouMean, issueToError, sortErrors } from "./issue-errors.js";
import type { InventoryDoc, InventoryGroupDoc, VarsDirs } from "./types.js";
import { varValueErrors } from "./jinja-values.js";
import { loadVarsFile } from "./vars.js";
import { decodeUtf8, locate, parseYaml, type PathSegment, type YamlSource } from "./yaml.js";

const GROUP_KEYS = ["hosts", "vars", "children"];
const YAML_EXT = /\.(ya?ml|json)$/;
/** Files Ansible skips in an inventory directory (INVENTORY_IGNORE_EXTS and the names it always skips). */
const IGNORED_IN_DIR = /^\.|^host_vars$|^group_vars$|^vars_plugins$|(\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;
/** An INI section header line, which no YAML inventory has. */
const INI_SECTION = /^\s*\[[^:\]\s]+(?::\w+)?\]\s*(?:#.*)?$/m;

/** Loads one inventory file with the group_vars/ and host_vars/ beside it; throws LoadErrors listing every problem. */
export async function loadInventoryDoc(file: string): Promise<InventoryDoc> {
  const abs = resolve(file);
  const errors: LoadError[] = [];
  const groups = await loadInventoryFile(abs, file, errors);
  const vars = await loadVarsDirs(dirname(abs), dirname(file), errors);
  if (errors.length > 0) throw new LoadErrors(sortErrors(errors));
  return { file, dir: dirname(abs), groups: groups ?? [], ...vars };
}

/**
 * Loads every `-i` source in order (later ones add hosts and groups and win for the same
 * variable, as in Ansible). A directory contributes each of its files (subdirectories
 * included, Ansible's ignored names and extensions skipped) and then its own group_vars/ and
 * host_vars/. Every problem of every source is reported at once.
 */
export async function loadInventorySources(paths: string[]): Promise<InventoryDoc[]> {
  const errors: LoadError[] = [];
  const docs: InventoryDoc[] = [];
  for (const path of paths) {
    const abs = resolve(path);
    let isDir: boolean;
    try {
      isDir = (await stat(abs)).isDirectory();
    } catch (err) {
      if (path.includes(",")) {
        docs.push(hostListDoc(path));
        continue;
      }
      errors.push(new LoadError(`inventory ${path}: not found`, undefined, "check the path given with -i (or inventory= in ansible.cfg)", { cause: err }));
      continue;
    }
    if (!isDir) {
      const groups = await loadInventoryFile(abs, path, errors);
      const vars = await loadVarsDirs(dirname(abs), dirname(path), errors);
      docs.push({ file: path, dir: dirname(abs), groups: groups ?? [], ...vars });
      continue;
    }
    for (const f of await inventoryDirFiles(abs)) {
      const shown = join(path, relative(abs, f));
      const groups = await loadInventoryFile(f, shown, errors);
      docs.push({ file: shown, dir: abs, groups: groups ?? [], groupVars: {}, hostVars: {} });
    }
    docs.push({ file: path, dir: abs, groups: [], ...(await loadVarsDirs(abs, path, errors)) });
  }
  if (errors.length > 0) throw new LoadErrors(sortErrors(errors));
  return docs;
}

/**
 * `-i node-1,node-2,` (Ansible's host_list source): a comma-separated list of hosts, each
 * with an optional :port, all ungrouped.
 */
function hostListDoc(list: string): InventoryDoc {
  const loc = { file: "-i", line: 1, col: 1 };
  const hosts = list
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean)
    .map((h) => {
      const { pattern, port } = splitPort(h);
      return { name: pattern, vars: port !== undefined ? { ansible_port: port } : {}, loc };
    });
  return { file: list, dir: process.cwd(), groups: [{ name: "ungrouped", hosts, vars: {}, children: [], loc }], groupVars: {}, hostVars: {} };
}

/** The inventory files of a directory, recursively, in name order. */
async function inventoryDirFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    if (IGNORED_IN_DIR.test(entry)) continue;
    const full = join(dir, entry);
    if ((await stat(full)).isDirectory()) out.push(...(await inventoryDirFiles(full)));
    else out.push(full);
  }
  return out;
}

/** The format of an inventory file: by extension, else INI when it has a [section] line or is not a YAML mapping. */
export function inventoryFormat(file: string, text: string): "yaml" | "ini" {
  const ext = extname(file).toLowerCase();
  if (ext === ".yaml" || ext === ".yml" || ext === ".json") return "yaml";
  if (ext === ".ini") return "ini";
  if (INI_SECTION.test(text)) return "ini";
  const first = text.split(/\r?\n/).find((l) => l.trim() !== "" && !/^\s*[#;]/.test(l) && l.trim() !== "---");
  if (first === undefined) return "ini";
  // `all:` or `redis:` opens a YAML inventory; a host line (`node-1 ansible_host=...`) does not.
  return /^[^\s=#[]+:(\s|$)/.test(first) && !first.includes("=") ? "yaml" : "ini";
}

/** Groups of one inventory file (undefined when it has errors, which go to `errors`). */
async function loadInventoryFile(abs: string, shown: string, errors: LoadError[]): Promise<InventoryGroupDoc[] | undefined> {
  let text: string;
  try {
    text = decodeUtf8(await readFile(abs), shown);
  } catch (err) {
    if (err instanceof LoadErrors) errors.push(...err.errors);
    else {
      const code = (err as NodeJS.ErrnoException).code;
      errors.push(new LoadError(`${shown}: ${code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(err)})`}`, undefined, "check the path", { cause: err }));
    }
    return undefined;
  }
  try {
    return inventoryFormat(abs, text) === "ini" ? parseIniInventory(text, shown) : yamlInventory(text, shown, errors);
  } catch (err) {
    if (!(err instanceof LoadErrors)) throw err;
    errors.push(...err.errors);
    return undefined;
  }
}

function yamlInventory(text: string, file: string, errors: LoadError[]): InventoryGroupDoc[] | undefined {
  const src = parseYaml(text, file);
  if (src.value === null || src.value === undefined) {
    errors.push(new LoadError("inventory is empty", locate(src, []), "list groups with their hosts, e.g. all: { hosts: { node-1: null } }"));
    return undefined;
  }
  const validate = inventoryValidator();
  const found: LoadError[] = validate(src.value)
    ? []
    : toIssues(validate.errors).map((issue) =>
        issueToError(src, [], issue, {
          root: "",
          unknownNoun: () => "group key",
          unknownHint: (key) => didYouMean(key, GROUP_KEYS) ?? "a group holds only hosts, vars and children",
        }),
      );
  found.push(...varValueErrors(src));
  if (found.length > 0) {
    errors.push(...found);
    return undefined;
  }
  const root = src.value as Record<string, unknown>;
  const before = errors.length;
  const groups = Object.entries(root).map(([name, body]) => buildGroup(name, body, [name], src, errors));
  return errors.length > before ? undefined : groups;
}

function buildGroup(name: string, body: unknown, path: PathSegment[], src: YamlSource, errors: LoadError[]): InventoryGroupDoc {
  const g = (body ?? {}) as { hosts?: Record<string, unknown> | null; vars?: Record<string, unknown> | null; children?: Record<string, unknown> | null };
  const hosts: InventoryGroupDoc["hosts"] = [];
  for (const [key, vars] of Object.entries(g.hosts ?? {})) {
    const loc = locate(src, [...path, "hosts", key], { onKey: true });
    try {
      // `node-[1:3]` and `node-1:2222` as Ansible's YAML plugin reads host keys.
      const { hosts: names, port } = expandHostKey(key);
      for (const h of names) {
        hosts.push({ name: h, vars: { ...(port !== undefined ? { ansible_port: port } : {}), ...((vars ?? {}) as Record<string, unknown>) }, loc });
      }
    } catch (err) {
      if (!(err instanceof HostPatternError)) throw err;
      errors.push(new LoadError(err.message, loc, err.hint));
    }
  }
  return {
    name,
    hosts,
    vars: g.vars ?? {},
    children: Object.entries(g.children ?? {}).map(([child, childBody]) => buildGroup(child, childBody, [...path, "children", child], src, errors)),
    loc: locate(src, path, { onKey: true }),
  };
}

/** group_vars/ and host_vars/ of a directory (a playbook's or an inventory's); problems go to `errors`. */
export async function loadVarsDirs(dir: string, shownAs: string, errors: LoadError[]): Promise<VarsDirs> {
  const [groupVars, hostVars] = await Promise.all([
    loadVarsDir(join(dir, "group_vars"), join(shownAs, "group_vars"), errors),
    loadVarsDir(join(dir, "host_vars"), join(shownAs, "host_vars"), errors),
  ]);
  return { groupVars, hostVars };
}

/**
 * Reads `<dir>/<name>`, `<name>.yaml|.yml|.json` files and `<dir>/<name>/` directories of them
 * (merged in name order, recursively) into name -> vars, as Ansible's host_group_vars plugin
 * does. A missing directory is simply empty.
 */
async function loadVarsDir(dir: string, shownAs: string, errors: LoadError[]): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.startsWith(".")) continue;
    const full = join(dir, entry);
    const isDir = (await stat(full)).isDirectory();
    if (!isDir && !YAML_EXT.test(entry) && extname(entry) !== "") continue;
    const name = isDir ? entry : entry.replace(YAML_EXT, "");
    const files = isDir ? await varsFilesIn(full) : [full];
    for (const f of files) {
      try {
        const vars = await loadVarsFile(f, join(shownAs, f.slice(dir.length + 1)));
        out[name] = { ...(out[name] ?? {}), ...vars };
      } catch (err) {
        if (err instanceof LoadErrors) errors.push(...err.errors);
        else throw err;
      }
    }
  }
  return out;
}

async function varsFilesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    if (entry.startsWith(".")) continue;
    const full = join(dir, entry);
    if ((await stat(full)).isDirectory()) out.push(...(await varsFilesIn(full)));
    else if (YAML_EXT.test(entry) || extname(entry) === "") out.push(full);
  }
  return out;
}
