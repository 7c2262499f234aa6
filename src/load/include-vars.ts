// include_vars tasks, checked before the run: the file a plain name resolves to, or every file a
// templated name may render to (templated-name.ts), must exist and be a valid vars file; the
// names they define are recorded on the task, so `validate` knows them. The module loads the
// file again when it runs (modules/include-vars.ts), with the same search order.
import { statSync } from "node:fs";
import path from "node:path";
import { sourceCandidates } from "../engine/execute-task.js";
import { LoadError, LoadErrors } from "../errors.js";
import { eachTask } from "./play-structure.js";
import type { PlaySpec, TaskSpec } from "./types.js";
import { filesMatching, nameInDir, templatedName } from "./templated-name.js";
import { loadVarsFile } from "./vars.js";

/** Checks every include_vars task of `plays` (playbook directory `dir`); records `varsDefined` on each. */
export async function checkIncludeVars(dir: string, plays: PlaySpec[], shown: (p: string) => string): Promise<LoadError[]> {
  const tasks: TaskSpec[] = [];
  for (const play of plays) for (const list of [play.tasks, play.handlers]) eachTask(list, (t) => t.module === "include_vars" && tasks.push(t));
  const errors: LoadError[] = [];
  const loaded = new Map<string, Promise<Record<string, unknown> | LoadError[]>>();
  const load = (abs: string) => {
    let p = loaded.get(abs);
    if (!p) {
      p = loadVarsFile(abs, shown(abs)).catch((err) => {
        if (err instanceof LoadErrors) return err.errors;
        throw err;
      });
      loaded.set(abs, p);
    }
    return p;
  };
  for (const t of tasks) {
    const file = t.args?.file;
    if (typeof file !== "string" || file === "") continue;
    const loc = t.argLocs?.file ?? t.loc;
    let files: string[];
    if (file.includes("{{")) {
      const name = templatedName(file);
      if ("error" in name) {
        errors.push(new LoadError(`include_vars "${file}": ${name.error}`, loc, "name the directory, and template the file name only"));
        continue;
      }
      const dirs = [...new Set(sourceCandidates(dir, "vars", nameInDir(name.dir, "x"), t.role?.dir).map((c) => path.dirname(c)))];
      files = [...filesMatching(dirs, name.pattern).values()];
      if (files.length === 0) {
        errors.push(
          new LoadError(`include_vars "${file}": no file matches ${name.glob}`, loc, `looked in ${dirs.map(shown).join(", ")}; every file the name may render to is loaded before the run`),
        );
        continue;
      }
    } else {
      const candidates = sourceCandidates(dir, "vars", file, t.role?.dir);
      const found = firstExisting(candidates);
      if (!found) {
        errors.push(new LoadError(`include_vars file "${file}" not found`, loc, `looked at ${[...new Set(candidates)].map(shown).join(", ")}`));
        continue;
      }
      files = [found];
    }
    const names = new Set<string>();
    for (const abs of files) {
      const got = await load(abs);
      if (Array.isArray(got)) errors.push(...got);
      else for (const k of Object.keys(got)) names.add(k);
    }
    const as = t.args?.name;
    t.varsDefined = typeof as === "string" ? [as] : [...names];
  }
  // One file included by several tasks is reported once.
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = e.format();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function firstExisting(candidates: string[]): string | undefined {
  return candidates.find((c) => statSync(c, { throwIfNoEntry: false })?.isFile());
}
