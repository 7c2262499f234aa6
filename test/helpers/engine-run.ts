// Runs a playbook text through the real loader and engine against an inventory file in `dir`,
// collecting every event: the engine unit tests' way to run playbooks on the `local` connection
// (and on unreachable SSH hosts) without a lab.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { loadEverything } from "../../src/cli/load-all.js";
import type { RunEvent } from "../../src/engine/events.js";
import { runPlaybook, type RunOutcome } from "../../src/engine/runner.js";
import { Secrets } from "../../src/output/redact.js";

/** What one run produced. */
export interface EngineRun {
  outcome: RunOutcome;
  events: RunEvent[];
}

/** Options of runPlaybookText. */
export interface EngineRunOptions {
  check?: boolean;
  /** @default 10 */
  forks?: number;
}

/** Writes `<dir>/<name>.yaml`, loads it with `<dir>/inventory.yaml` (no load error allowed) and runs it. */
export async function runPlaybookText(dir: string, name: string, playbook: string, opts: EngineRunOptions = {}): Promise<EngineRun> {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, playbook);
  const secrets = new Secrets();
  const loaded = await loadEverything(file, path.join(dir, "inventory.yaml"), [], secrets);
  expect(loaded.errors).toEqual([]);
  const events: RunEvent[] = [];
  const outcome = await runPlaybook(loaded.playbook, loaded.inventory!, {
    check: opts.check ?? false,
    diff: false,
    extraVars: loaded.extraVars,
    tags: [],
    skipTags: [],
    forks: opts.forks ?? 10,
    forceHandlers: false,
    ssh: { knownHostsFile: path.join(dir, "known_hosts"), connectTimeoutMs: 5000 },
    reporter: { onEvent: (e) => events.push(e), close: () => undefined },
    secrets,
    log: () => undefined,
  });
  return { outcome, events };
}
