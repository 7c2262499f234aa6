// `redplay run`: load and check everything first (exit 4 / 5 before any host is touched), then
// run the playbook and map the outcome to an exit code.
import path from "node:path";
import { LoadErrors } from "../errors.js";
import { runPlaybook } from "../engine/runner.js";
import type { Reporter } from "../engine/events.js";
import { HumanReporter, JsonReporter, Secrets, shouldUseColor } from "../output/index.js";
import { EXIT, exitCodeForError, exitCodeForOutcome } from "./exit-codes.js";
import { loadEverything, printError, splitList } from "./load-all.js";
import type { VaultOptions } from "../load/vault.js";

export interface RunCliOptions extends VaultOptions {
  inventory: string;
  check: boolean;
  diff: boolean;
  limit?: string;
  extraVars: string[];
  tags: string[];
  skipTags: string[];
  forks: number;
  forceHandlers: boolean;
  acceptNew: boolean;
  detailedExitcode: boolean;
  json: boolean;
  verbose: number;
}

export async function runCommand(playbookPath: string, opts: RunCliOptions): Promise<number> {
  const secrets = new Secrets();
  const verbosity = Math.min(2, opts.verbose) as 0 | 1 | 2;
  let reporter: Reporter | undefined;
  try {
    const loaded = await loadEverything(playbookPath, opts.inventory, opts.extraVars, secrets, opts);
    if (loaded.errors.length > 0) throw new LoadErrors(loaded.errors);
    reporter = opts.json
      ? new JsonReporter(process.stdout, { secrets })
      : new HumanReporter(process.stdout, {
          color: shouldUseColor(process.stdout, process.env),
          verbosity,
          diff: opts.diff,
          secrets,
          isTTY: Boolean(process.stdout.isTTY),
        });
    // First Ctrl-C: let the tasks in flight finish (files are written atomically, but a restart
    // or REPLICAOF half-way through a group is worse than a finished task), start nothing new.
    // A second Ctrl-C exits at once.
    const interrupt = new AbortController();
    const onSigint = () => {
      if (interrupt.signal.aborted) process.exit(EXIT.INTERRUPTED);
      process.stderr.write("\ninterrupted: finishing the tasks in flight (Ctrl-C again to exit now)\n");
      interrupt.abort();
    };
    process.on("SIGINT", onSigint);
    const outcome = await runPlaybook(loaded.playbook, loaded.inventory!, {
      signal: interrupt.signal,
      check: opts.check,
      diff: opts.diff,
      limit: opts.limit,
      extraVars: loaded.extraVars,
      tags: splitList(opts.tags),
      skipTags: splitList(opts.skipTags),
      forks: opts.forks,
      forceHandlers: opts.forceHandlers,
      ssh: { acceptNew: opts.acceptNew, inventoryDir: path.dirname(path.resolve(opts.inventory)) },
      reporter,
      secrets,
      log: (message, level) => {
        if (verbosity >= level) process.stderr.write(`${secrets.redact(message)}\n`);
      },
    });
    process.off("SIGINT", onSigint);
    reporter.close();
    return exitCodeForOutcome(outcome, opts.detailedExitcode);
  } catch (err) {
    reporter?.close();
    printError(err, secrets, verbosity);
    return exitCodeForError(err);
  }
}
