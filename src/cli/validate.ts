// `redplay validate`: every static check (YAML, schemas, module arguments, template syntax,
// certainly-undefined variables, handler names, host patterns) without touching any host.
import { LoadErrors } from "../errors.js";
import { playHosts } from "../engine/runner.js";
import { Secrets } from "../output/redact.js";
import { EXIT, exitCodeForError } from "./exit-codes.js";
import { loadEverything, printError } from "./load-all.js";
import { resolveSettings } from "./settings.js";
import type { VaultOptions } from "../load/vault.js";

export async function validateCommand(
  playbookPath: string,
  opts: { inventory?: string[]; extraVars: string[]; verbose: number } & VaultOptions,
): Promise<number> {
  const secrets = new Secrets();
  try {
    const settings = resolveSettings({ inventory: opts.inventory });
    for (const w of settings.config.warnings) process.stderr.write(`warning: ${w}\n`);
    const loaded = await loadEverything(playbookPath, settings.inventory, opts.extraVars, secrets, { ...opts, rolesPath: settings.rolesPath });
    if (loaded.errors.length > 0) throw new LoadErrors(loaded.errors);
    if (loaded.inventory) playHosts(loaded.playbook, loaded.inventory);
    const tasks = loaded.playbook.plays.reduce((n, p) => n + p.tasks.length + p.handlers.length, 0);
    process.stdout.write(
      `${playbookPath}: valid (${loaded.playbook.plays.length} play(s), ${tasks} task(s) and handler(s)${
        loaded.inventory ? `, inventory ${settings.inventory.join(", ")}` : ""
      })\n`,
    );
    return EXIT.OK;
  } catch (err) {
    printError(err, secrets, opts.verbose);
    return exitCodeForError(err);
  }
}
