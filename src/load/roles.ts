// Where Ansible finds a role and the files it reads from one: the role directory is looked up
// in the playbook's roles/, then roles_path, then the playbook directory itself (a role named
// by a path is taken as it is); inside it, tasks/, handlers/, defaults/, vars/ hold `main.yml`
// (or main.yaml, main, main.json, or a main/ directory of files), meta/main.yml its dependencies.
import { existsSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/** Ansible's roles_path when ansible.cfg sets none. */
export function defaultRolesPath(home = process.env.HOME || homedir()): string[] {
  return [path.join(home, ".ansible", "roles"), "/usr/share/ansible/roles", "/etc/ansible/roles"];
}

/** The directories a role name is looked up in, in order. */
export function roleSearchDirs(playbookDir: string, rolesPath: string[], fromRoleDir?: string): string[] {
  const dirs = [path.join(playbookDir, "roles"), ...rolesPath, playbookDir];
  // A role's dependencies and include_role inside a role also find the role's siblings.
  if (fromRoleDir) dirs.unshift(path.dirname(fromRoleDir));
  return [...new Set(dirs)];
}

/** The role's directory, or undefined with the directories searched. */
export function findRole(name: string, playbookDir: string, rolesPath: string[], fromRoleDir?: string): { dir?: string; searched: string[] } {
  if (name.includes("/") || path.isAbsolute(name)) {
    const dir = path.resolve(playbookDir, name);
    return existsSync(dir) && statSync(dir).isDirectory() ? { dir, searched: [dir] } : { searched: [dir] };
  }
  const searched = roleSearchDirs(playbookDir, rolesPath, fromRoleDir);
  for (const d of searched) {
    const dir = path.join(d, name);
    if (existsSync(dir) && statSync(dir).isDirectory() && looksLikeRole(dir)) return { dir, searched };
  }
  return { searched };
}

/** A directory with at least one of the role subdirectories. */
function looksLikeRole(dir: string): boolean {
  return ["tasks", "handlers", "defaults", "vars", "meta", "templates", "files"].some((d) => existsSync(path.join(dir, d)));
}

/** Role names found in the search directories (for did-you-mean). */
export function knownRoles(dirs: string[]): string[] {
  const out = new Set<string>();
  for (const d of dirs) {
    let entries: string[] = [];
    try {
      entries = readdirSync(d);
    } catch {
      continue;
    }
    for (const e of entries) {
      const full = path.join(d, e);
      try {
        if (statSync(full).isDirectory() && looksLikeRole(full)) out.add(e);
      } catch {
        // unreadable entry: not a role
      }
    }
  }
  return [...out].sort();
}

/**
 * The files of one role part (`tasks`, `defaults`, ...) named `base` (main, or tasks_from's
 * value): `base.yml`, `base.yaml`, `base.json` or `base`, or every YAML file of a `base/`
 * directory in name order; empty when the role has none.
 */
export function roleFiles(roleDir: string, part: string, base = "main"): string[] {
  const dir = path.join(roleDir, part);
  const stem = base.replace(/\.(ya?ml|json)$/, "");
  const explicit = base !== stem ? [path.join(dir, base)] : [];
  for (const f of [...explicit, ...["yml", "yaml", "json"].map((e) => path.join(dir, `${stem}.${e}`)), path.join(dir, stem)]) {
    if (existsSync(f) && statSync(f).isFile()) return [f];
  }
  const asDir = path.join(dir, stem);
  if (existsSync(asDir) && statSync(asDir).isDirectory()) {
    return readdirSync(asDir)
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .sort()
      .map((f) => path.join(asDir, f));
  }
  return [];
}
