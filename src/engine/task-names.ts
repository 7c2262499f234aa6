// How a task is named in output and matched by --start-at-task: `role : name` for a role's task,
// as Ansible shows it.
import picomatch from "picomatch";
import type { TaskSpec } from "../load/types.js";

/** The name a task is shown with. */
export function displayName(task: TaskSpec): string {
  const name = task.name ?? task.module ?? task.include ?? "block";
  return task.role && !task.include ? `${task.role.name} : ${name}` : name;
}

/** `--start-at-task`: the task's name or `role : name` equals the pattern or matches it as a glob. */
export function matchesStartAt(task: TaskSpec, pattern: string): boolean {
  const names = [task.name, displayName(task)].filter((n): n is string => n !== undefined);
  const glob = picomatch(pattern, { dot: true });
  return names.some((n) => n === pattern || glob(n));
}
