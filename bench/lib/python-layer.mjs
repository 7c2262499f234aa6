// Ansible needs Python on every managed host; the lab's Debian 12 nodes are a minbase install
// without it. The bench gives every node Debian's own python3 3.11 (the files of its .deb
// packages, byte-compiled as the package's postinst would), extracted into the node's root from
// the machine, before a tool runs and outside any measurement. Every lab gets it, whichever tool
// runs on it, so both tools meet the same hosts.
//
// The packages are fetched once with `apt-get download` (the machine must be Debian 12, like
// the nodes) and kept as one tar in /var/cache/redplay-bench/.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./proc.mjs";

const CACHE = "/var/cache/redplay-bench";
const TAR = join(CACHE, "python3-bookworm.tar");
// Debian 12's `python3` and what it needs beyond a minbase system.
const PACKAGES = [
  "python3",
  "python3-minimal",
  "python3.11",
  "python3.11-minimal",
  "libpython3-stdlib",
  "libpython3.11-minimal",
  "libpython3.11-stdlib",
  "media-types",
];

async function must(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}: ${(r.stderr || r.stdout).slice(-1500)}`);
  return r;
}

/** The cached tar of Debian 12's python3, built on first use. */
export async function pythonTar(log) {
  if (existsSync(TAR)) return TAR;
  const osRelease = readFileSync("/etc/os-release", "utf8");
  if (!/VERSION_CODENAME=bookworm/.test(osRelease)) {
    throw new Error(`the Ansible peer needs python3 on the lab nodes; the bench takes Debian 12's packages from this machine's apt, but this machine is not Debian 12. Put a tar of them at ${TAR}`);
  }
  log(`fetching Debian 12's python3 for the lab nodes (apt-get download; once, into ${CACHE})`);
  const work = await mkdtemp(join(tmpdir(), "redplay-bench-python-"));
  try {
    const debs = join(work, "debs");
    const tree = join(work, "tree");
    await mkdir(debs);
    await mkdir(tree);
    await must("apt-get", ["download", ...PACKAGES], { cwd: debs });
    for (const f of await readdir(debs)) if (f.endsWith(".deb")) await must("dpkg", ["-x", join(debs, f), tree]);
    // What python3's postinst does (py3compile), so no node pays it on Ansible's first module run.
    const py = join(tree, "usr/bin/python3.11");
    await must(py, ["-m", "compileall", "-q", "-s", tree, "-p", "/", join(tree, "usr/lib/python3.11")], {
      env: { PYTHONHOME: join(tree, "usr"), PYTHONDONTWRITEBYTECODE: "" },
    }).catch((err) => log(`byte-compiling python3 failed (nodes compile on first use): ${err.message.slice(0, 200)}`));
    await mkdir(CACHE, { recursive: true });
    await must("tar", ["-cf", `${TAR}.tmp`, "-C", tree, "."]);
    await rename(`${TAR}.tmp`, TAR);
    return TAR;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Extracts python3 into every node of `lab` (through each node's mounted root). */
export async function installPython(lab, log) {
  const tar = await pythonTar(log);
  for (const n of lab.nodes) {
    await must("tar", ["-xf", tar, "-C", join(lab.dir, "nodes", n.name, "root"), "--no-overwrite-dir", "--keep-directory-symlink"]);
  }
}
