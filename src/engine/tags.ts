// Ansible's tag selection: --tags / --skip-tags with the special tags always, never, tagged,
// untagged and all.

export function selectedByTags(taskTags: string[], tags: string[], skipTags: string[]): boolean {
  const has = (t: string) => taskTags.includes(t);
  if (skipTags.some((t) => has(t) || (t === "tagged" && taskTags.length > 0) || (t === "untagged" && taskTags.length === 0))) {
    return false;
  }
  if (tags.length === 0) return !has("never");
  if (has("always")) return true;
  return tags.some((t) => {
    if (t === "all") return !has("never");
    if (t === "tagged") return taskTags.length > 0 && !has("never");
    if (t === "untagged") return taskTags.length === 0;
    return has(t);
  });
}
