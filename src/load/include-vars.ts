// include_vars tasks, checked before the run: the file a plain name resolves to, or every file a
// templated name may render to (templated-name.ts), must exist and be a valid vars file; the
// names they define are recorded on the task, so `validate` knows them. The module loads the
// file again when it runs (modules/include-vars.ts), with the same search order.
import { existsSync } from "node:fs";
import { resolveSource, sourceCandidates } from "../engine/execute-task.js";
import { LoadError, LoadErrors } from "../errors.js";
import { eachTask } from "./play-structure.js";
import type { PlaySpec, TaskSpec } from "./types.js";
import { templatedFiles } from "./templated-name.js";
import { loadVarsFile } from "./vars.js";

/** Checks every include_vars task of `plays` (playbook directory `dir`); records `varsDefined` on each. */
export async function checkIncludeVars(dir: string, plays: PlaySpec[], shown: (p: string) => string): Promise<LoadError[]> {
  const tasks: TaskSpec[] = [];
  for (const play of plays) for (const list of [play.tasks, play.handlers]) eachTask(list, (t) => t.module === "include_vars" && tasks.push(t));
  const errors: LoadError[] = [];
  const loaded = new Map<string, Promise<Record<string, unknown> | LoadError[]>>();
  /** A file's variables, read once; its errors are reported for the first task that includes it. */
  const load = async (abs: string): Promise<Record<string, unknown>> => {
    let p = loaded.get(abs);
    const first = !p;
    if (!p) {
      p = loadVarsFile(abs, shown(abs)).catch((err) => {
        if (err instanceof LoadErrors) return err.errors;
        throw err;
      });
      loaded.set(abs, p);
    }
    const got = await p;
    if (!Array.isArray(got)) return got;
    if (first) errors.push(...got);
    return {};
  };
  for (const t of tasks) {
    const file = t.args?.file;
    if (typeof file !== "string" || file === "") continue;
    const loc = t.argLocs?.file ?? t.loc;
    const candidatesFor = (rel: string) => sourceCandidates(dir, "vars", rel, t.role?.dir);
    let files: string[];
    if (file.includes("{{")) {
      const found = templatedFiles(file, candidatesFor);
      if ("error" in found) {
        errors.push(new LoadError(`include_vars "${file}": ${found.error}`, loc, "name the directory, and template the file name only"));
        continue;
      }
      if (found.files.length === 0) {
        errors.push(
          new LoadError(`include_vars "${file}": no file matches ${found.glob}`, loc, `looked in ${found.dirs.map(shown).join(", ")}; every file the name may render to is loaded before the run`),
        );
        continue;
      }
      files = found.files.map((f) => f.abs);
    } else {
      // The file the module will read when it runs (modules/include-vars.ts resolves it the same way).
      const abs = resolveSource(dir, "vars", file, t.role?.dir);
      if (!existsSync(abs)) {
        errors.push(new LoadError(`include_vars file "${file}" not found`, loc, `looked at ${[...new Set(candidatesFor(file))].map(shown).join(", ")}`));
        continue;
      }
      files = [abs];
    }
    const names = new Set<string>();
    for (const abs of files) for (const k of Object.keys(await load(abs))) names.add(k);
    const as = t.args?.name;
    t.varsDefined = typeof as === "string" ? [as] : [...names];
  }
  return errors;
}
