// A file name with `{{...}}` in it (`setup-{{ansible_os_family}}.yml`), rendered per host at run
// time: the files it may name are those that exist now, in the first directory of the search
// order that holds any. Each `{{...}}` of the file's own name stands for any text without a slash;
// its directory part must be plain.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/** What a templated name can match, or a reason it cannot be used. */
export type TemplatedName = { dir: string; pattern: RegExp; glob: string } | { error: string };

/** Splits `file` into its plain directory part and a pattern for its templated base name. */
export function templatedName(file: string): TemplatedName {
  const slash = file.lastIndexOf("/");
  const dir = slash < 0 ? "." : file.slice(0, slash) || "/";
  const base = file.slice(slash + 1);
  if (dir.includes("{{")) return { error: "only the file's name may be templated, not its directory" };
  const literal = base.split(/\{\{.*?\}\}/);
  const escaped = literal.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return { dir, pattern: new RegExp(`^${escaped.join("[^/]*")}$`), glob: literal.join("*") };
}

/** The name as the include writes it, for a base name found in the directory part. */
export function nameInDir(dir: string, base: string): string {
  return dir === "." ? base : `${dir}/${base}`;
}

/**
 * The files a templated name may render to: those matching `pattern` in the first of `dirs` (the
 * search order of a plain name) that holds any, names sorted, never `exclude` (the file that
 * includes them: it would include itself): base name -> absolute path. Empty when none matches.
 */
export function filesMatching(dirs: string[], pattern: RegExp, exclude?: string): Map<string, string> {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    const found = new Map<string, string>();
    for (const name of names) {
      const abs = path.join(dir, name);
      if (pattern.test(name) && abs !== exclude && statSync(abs).isFile()) found.set(name, abs);
    }
    if (found.size > 0) return found;
  }
  return new Map();
}
