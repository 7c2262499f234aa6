// The redplay the bench measures: a private copy, so a working tree being edited (or a dist/
// rebuilt) while the bench runs cannot mix versions in the middle of a result. The playbooks,
// the template and bin/ come from the commit HEAD names; the code either is built from that
// commit into the copy (default; the repository's dist/ is never written) or is the
// repository's current dist/, copied once (--no-build; it must have been built from HEAD).
import { cp, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { run } from "./proc.mjs";

async function must(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}:\n${(r.stdout + r.stderr).slice(-3000)}`);
  return r;
}

/** Extracts `paths` of commit `rev` into `dest`. */
async function archive(repo, rev, dest, paths) {
  await must("sh", ["-c", `git -C "$1" archive "$2" -- ${paths.map((_, i) => `"$${i + 4}"`).join(" ")} | tar -x -C "$3"`, "sh", repo, rev, dest, ...paths]);
}

/**
 * Makes the copy under `dir`; returns { root, commit, how } (`root` holds bin/redplay.js,
 * playbooks/, templates/ and dist/).
 */
export async function redplaySnapshot(repo, dir, { build, log }) {
  const root = join(dir, "redplay");
  await mkdir(root, { recursive: true });
  const commit = (await must("git", ["-C", repo, "rev-parse", "HEAD"])).stdout.trim();
  await symlink(join(repo, "node_modules"), join(root, "node_modules"));
  if (build) {
    log(`building redplay ${commit.slice(0, 7)} (HEAD) into a private copy`);
    await archive(repo, commit, root, ["."]);
    // The whole build (tsc, then the bundle, validators and templates bin/redplay.js runs), as users get it.
    await must("npm", ["run", "build"], { cwd: root });
  } else {
    await archive(repo, commit, root, ["bin", "playbooks", "templates", "schemas", "package.json"]);
    // Timestamps kept: bin/redplay.js runs the bundle only when it is not older than tsc's output.
    await cp(join(repo, "dist"), join(root, "dist"), { recursive: true, preserveTimestamps: true });
  }
  // The playbooks must load with this code (a dist/ built from another commit may not know a module).
  for (const p of ["setup", "failover", "switchover"]) {
    const r = await run(process.execPath, [join(root, "bin/redplay.js"), "validate", join(root, "playbooks", `${p}.yaml`)], { cwd: root });
    if (r.code !== 0) {
      throw new Error(`playbooks/${p}.yaml of ${commit.slice(0, 7)} does not load with ${build ? "its build" : "the current dist/"}:\n${(r.stdout + r.stderr).slice(-1500)}${build ? "" : "\nbuild dist/ from HEAD (npm run build), or run without --no-build"}`);
    }
  }
  return { root, commit, how: build ? "built from HEAD into a private copy" : "the repository's dist/, copied at start, with HEAD's playbooks and template" };
}
