// ansible-playbook's --list-hosts, --list-tasks and --list-tags, for a loaded playbook: what a
// run would touch, without running anything.
import { selectedByTags } from "../engine/tags.js";
import { displayName } from "../engine/task-names.js";
import type { Playbook, PlaySpec, TaskSpec } from "../load/types.js";

function header(pb: Playbook): string {
  return `\nplaybook: ${pb.file}\n`;
}

function playLine(play: PlaySpec, i: number): string {
  return `  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${play.tags.join(", ")}]`;
}

/** Leaf tasks in run order, with blocks and includes opened (implicit handler flushes left out). */
function leafTasks(tasks: TaskSpec[], tags: string[], skipTags: string[]): TaskSpec[] {
  const out: TaskSpec[] = [];
  for (const t of tasks) {
    if (t.block) {
      if (t.include && !selectedByTags(t.tags, tags, skipTags)) continue;
      out.push(...leafTasks([...t.block, ...(t.rescue ?? []), ...(t.always ?? [])], tags, skipTags));
      continue;
    }
    if (t.module === "meta" && t.args?.action === "flush_handlers" && t.name === undefined) continue;
    if (selectedByTags(t.tags, tags, skipTags)) out.push(t);
  }
  return out;
}

export function listHosts(pb: Playbook, hostsPerPlay: string[][]): string {
  const lines = [header(pb)];
  pb.plays.forEach((play, i) => {
    const hosts = hostsPerPlay[i] ?? [];
    lines.push(playLine(play, i), `    pattern: ['${play.hosts}']`, `    hosts (${hosts.length}):`, ...hosts.map((h) => `      ${h}`), "");
  });
  return lines.join("\n");
}

export function listTasks(pb: Playbook, tags: string[], skipTags: string[]): string {
  const lines = [header(pb)];
  pb.plays.forEach((play, i) => {
    lines.push(playLine(play, i), "    tasks:");
    for (const t of leafTasks(play.tasks, tags, skipTags)) lines.push(`      ${displayName(t)}\tTAGS: [${t.tags.join(", ")}]`);
    lines.push("");
  });
  return lines.join("\n");
}

export function listTags(pb: Playbook, tags: string[], skipTags: string[]): string {
  const lines = [header(pb)];
  pb.plays.forEach((play, i) => {
    const all = new Set<string>();
    for (const t of leafTasks(play.tasks, tags, skipTags)) for (const tag of t.tags) all.add(tag);
    lines.push(playLine(play, i), `      TASK TAGS: [${[...all].sort().join(", ")}]`, "");
  });
  return lines.join("\n");
}
