// The action key of a task as Ansible users write it: a module redplay has (`copy`), the same
// under Ansible's collection names (`ansible.builtin.copy`, `ansible.legacy.copy`), or one of the
// actions that bring in other task files and roles (include_tasks, import_role, ...).
import { getModule } from "../modules/registry.js";

/** include_tasks / import_tasks / include_role / import_role. */
export type IncludeAction = "include_tasks" | "import_tasks" | "include_role" | "import_role";

export const INCLUDE_ACTIONS: readonly IncludeAction[] = ["include_tasks", "import_tasks", "include_role", "import_role"];

const COLLECTION_PREFIX = /^ansible\.(?:builtin|legacy)\./;

/** `ansible.builtin.copy` -> `copy`; any other name as it is. */
export function shortActionName(key: string): string {
  return key.replace(COLLECTION_PREFIX, "");
}

/** True when `key` names Ansible's collection (`ansible.builtin.`/`ansible.legacy.`). */
export function isBuiltinCollectionName(key: string): boolean {
  return COLLECTION_PREFIX.test(key);
}

/** The registered module a task key names (under any of its names), or undefined. */
export function moduleNameOf(key: string): string | undefined {
  const short = shortActionName(key);
  return getModule(short) ? short : undefined;
}

/** The include/import action a task key names (under any of its names), or undefined. */
export function includeActionOf(key: string): IncludeAction | undefined {
  const short = shortActionName(key);
  return (INCLUDE_ACTIONS as readonly string[]).includes(short) ? (short as IncludeAction) : undefined;
}
