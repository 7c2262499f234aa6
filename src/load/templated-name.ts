// A file name with `{{...}}` in it (`setup-{{ansible_os_family}}.yml`), rendered per host at run
// time: the files it may name are those that exist now, in the first directory of the search
// order that holds any. Each `{{...}}` of the file's own name stands for any text without a slash;
// its directory part must be plain.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The files a templated name may render to, given where a plain name would be looked for
 * (`candidatesFor(rel)`, in order): the directory part must be plain; the files matching in the
 * first of those directories that holds any, names sorted, never `exclude` (the including file:
 * it would include itself), each with its name as the include writes it. `dirs` and `glob` say
 * where and what was looked for; `files` is empty when nothing matches.
 */
export function templatedFiles(
  file: string,
  candidatesFor: (rel: string) => string[],
  exclude?: string,
): { error: string } | { dirs: string[]; glob: string; files: Array<{ name: string; abs: string }> } {
  const slash = file.lastIndexOf("/");
  const dir = slash < 0 ? "." : file.slice(0, slash) || "/";
  if (dir.includes("{{")) return { error: "only the file's name may be templated, not its directory" };
  const literal = file.slice(slash + 1).split(/\{\{.*?\}\}/);
  const pattern = new RegExp(`^${literal.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`);
  // The directory part as written, slash included ("" for a bare name).
  const prefix = file.slice(0, slash + 1);
  const dirs = [...new Set(candidatesFor(`${prefix}x`).map((c) => path.dirname(c)))];
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      continue;
    }
    const files = names
      .map((name) => ({ name, abs: path.join(d, name) }))
      .filter((f) => pattern.test(f.name) && f.abs !== exclude && statSync(f.abs).isFile())
      .map((f) => ({ name: prefix + f.name, abs: f.abs }));
    if (files.length > 0) return { dirs, glob: literal.join("*"), files };
  }
  return { dirs, glob: literal.join("*"), files: [] };
}
