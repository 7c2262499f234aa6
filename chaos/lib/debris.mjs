// What interrupted runs leave on the nodes' disks outside redplay's own files. The template
// module's validate step copies the rendered file into a private dir under the node's /tmp and
// removes it from the controller afterwards, and the server's config check works in a temp dir
// of its own, so a controller or node killed in between leaves them there; the namespace lab's
// nodes share /tmp with this machine. The harness counts such dirs as evidence and removes the
// ones its own run left, so its faults leave nothing behind.
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

const TMP = "/tmp";
const PREFIXES = [".redplay-validate-", "redplay-conf-check."];

// Longer than any check in flight takes (the server's check gives up after 20 s), so a dir this
// old is debris, whoever made it.
const STALE_MS = 30_000;

async function candidates(sinceMs) {
  const names = (await readdir(TMP).catch(() => [])).filter((n) => PREFIXES.some((p) => n.startsWith(p)));
  const out = [];
  for (const name of names) {
    const path = join(TMP, name);
    const st = await stat(path).catch(() => null);
    if (st?.isDirectory() && st.mtimeMs >= sinceMs) out.push({ path, ageMs: Date.now() - st.mtimeMs });
  }
  return out;
}

/**
 * Removes such dirs made since `sinceMs` once they are stale; with `wait`, first waits until the
 * youngest is (the end of a run). Resolves to how many it removed.
 */
export async function sweepTempDirs(sinceMs, { wait = false } = {}) {
  let found = await candidates(sinceMs);
  const youngest = Math.min(...found.map((c) => c.ageMs));
  if (wait && youngest < STALE_MS) {
    await new Promise((r) => setTimeout(r, STALE_MS - youngest));
    found = await candidates(sinceMs);
  }
  let removed = 0;
  // A second of slack for the timer; a dir made while waiting is someone's check in flight.
  for (const c of found.filter((x) => x.ageMs >= STALE_MS - 1000)) {
    await rm(c.path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
