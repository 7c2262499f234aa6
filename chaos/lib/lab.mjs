// The harness's one lab (namespace nodes on the harness's own loopback addresses), driven through
// the lab API of dist/ as `redplay lab` drives it. Kills and starts are serialized: they rewrite
// the lab's state file, and a step may fire several of them at once.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { labDown, labKill, labStart, labUp } from "../../dist/lab/lab.js";

let chain = Promise.resolve();
function serial(fn) {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}

/** Node names and addresses of a lab (node-K at base + K - 1). */
export function labNodes(base, count) {
  const parts = base.split(".").map(Number);
  return Array.from({ length: count }, (_, i) => ({ name: `node-${i + 1}`, address: [...parts.slice(0, 3), parts[3] + i].join(".") }));
}

export function inventoryOf(dir) {
  return join(dir, "inventory.yaml");
}

/** Takes down whatever lab `dir` holds (a loaded machine may need a second try). */
export async function downLab(dir) {
  if (!existsSync(join(dir, "lab.json"))) return false;
  try {
    return await serial(() => labDown({ dir }));
  } catch {
    await new Promise((r) => setTimeout(r, 2000));
    return serial(() => labDown({ dir }));
  }
}

/** A fresh lab in `dir` (any lab there is taken down first). */
export async function freshLab(dir, base, count) {
  await downLab(dir);
  await serial(() => labUp({ dir, base, nodes: count }));
}

export const killNode = (dir, name) => serial(() => labKill(name, { dir }));
export const startNode = (dir, name) => serial(() => labStart(name, { dir }));
