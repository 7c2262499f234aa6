// Loads an Ansible-style YAML inventory plus the group_vars/ and host_vars/ beside it. Only the
// document is built here; resolving groups, patterns and variable precedence is src/inventory/.
import { readdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { LoadError, LoadErrors } from "../errors.js";
import { toIssues } from "../schema/issues.js";
import { inventoryValidator } from "../schema/inventory.js";
import { didYouMean, issueToError, sortErrors } from "./issue-errors.js";
import type { InventoryDoc, InventoryGroupDoc } from "./types.js";
import { secretValueErrors } from "./secret-values.js";
import { loadVarsFile } from "./vars.js";
import { locate, readYamlFile, type PathSegment, type YamlSource } from "./yaml.js";

const GROUP_KEYS = ["hosts", "vars", "children"];
const YAML_EXT = /\.ya?ml$/;

/** Loads and validates an inventory file; throws LoadErrors listing every problem. */
export async function loadInventoryDoc(file: string): Promise<InventoryDoc> {
  const abs = resolve(file);
  const dir = dirname(abs);
  const src = await readYamlFile(abs, file);
  if (src.value === null || src.value === undefined) {
    throw new LoadErrors([new LoadError("inventory is empty", locate(src, []), "list groups with their hosts, e.g. all: { hosts: { node-1: null } }")]);
  }
  const validate = inventoryValidator();
  const errors: LoadError[] = validate(src.value)
    ? []
    : toIssues(validate.errors).map((issue) =>
        issueToError(src, [], issue, {
          root: "",
          unknownNoun: () => "group key",
          unknownHint: (key) => didYouMean(key, GROUP_KEYS) ?? "a group holds only hosts, vars and children",
        }),
      );

  errors.push(...secretValueErrors(src));

  const [groupVars, hostVars] = await Promise.all([
    loadVarsDir(join(dir, "group_vars"), join(dirname(file), "group_vars"), errors),
    loadVarsDir(join(dir, "host_vars"), join(dirname(file), "host_vars"), errors),
  ]);
  if (errors.length > 0) throw new LoadErrors(sortErrors(errors));

  const root = src.value as Record<string, unknown>;
  return {
    file,
    dir,
    groups: Object.entries(root).map(([name, body]) => buildGroup(name, body, [name], src)),
    groupVars,
    hostVars,
  };
}

function buildGroup(name: string, body: unknown, path: PathSegment[], src: YamlSource): InventoryGroupDoc {
  const g = (body ?? {}) as { hosts?: Record<string, unknown> | null; vars?: Record<string, unknown> | null; children?: Record<string, unknown> | null };
  return {
    name,
    hosts: Object.entries(g.hosts ?? {}).map(([host, vars]) => ({
      name: host,
      vars: (vars ?? {}) as Record<string, unknown>,
      loc: locate(src, [...path, "hosts", host], { onKey: true }),
    })),
    vars: g.vars ?? {},
    children: Object.entries(g.children ?? {}).map(([child, childBody]) => buildGroup(child, childBody, [...path, "children", child], src)),
    loc: locate(src, path, { onKey: true }),
  };
}

/**
 * Reads `<dir>/<name>.yaml|.yml` files and `<dir>/<name>/` directories of YAML files (merged in
 * name order) into name -> vars. A missing directory is simply empty.
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
    const full = join(dir, entry);
    const isDir = (await stat(full)).isDirectory();
    if (!isDir && !YAML_EXT.test(entry)) continue;
    const name = isDir ? entry : entry.replace(YAML_EXT, "");
    const files = isDir ? (await readdir(full)).filter((f) => YAML_EXT.test(f)).sort().map((f) => join(full, f)) : [full];
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
