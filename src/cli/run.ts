// `redplay run`: load and check everything first (exit 4 / 5 before any host is touched), then
// run the playbook and map the outcome to an exit code.
import path from "node:path";
import { LoadErrors, type LoadError } from "../errors.js";
import { runPlaybook } from "../engine/runner.js";
import type { Reporter } from "../engine/events.js";
import { HumanReporter, JsonReporter, Secrets, shouldUseColor } from "../output/index.js";
import { EXIT, exitCodeForError, exitCodeForOutcome } from "./exit-codes.js";
import { checkDocuments, loadDocuments, printError, splitList } from "./load-all.js";

export interface RunCliOptions {
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
    const docs = await loadDocuments(playbookPath, opts.inventory, opts.extraVars, secrets);
    if (docs.errors.length > 0 || !docs.playbook || !docs.inventory) {
      throw new LoadErrors([...docs.errors, ...checkDocuments(docs)]);
    }
    const loaded = { ...docs, playbook: docs.playbook, inventory: docs.inventory };
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
    // The run opens its hosts' connections now and starts nothing until the rest of the checks
    // pass: the SSH handshakes (and the hosts' login shells) overlap them. A playbook that fails
    // them has only logged in, and exits 4 as before.
    let checked!: (errors: LoadError[]) => void;
    const ready = new Promise<void>((resolve, reject) => {
      checked = (errors) => (errors.length > 0 ? reject(new LoadErrors(errors)) : resolve());
    });
    const running = runPlaybook(loaded.playbook, loaded.inventory, {
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
      ready,
    });
    // Both settle while this function is still busy: they are awaited (or dropped) below.
    running.catch(() => undefined);
    ready.catch(() => undefined);
    try {
      // Let the connections get going (ssh2 loaded, key read, sockets opened) before the checks.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const errors = checkDocuments(loaded);
      checked(errors);
      // Errors in the playbook come before a pattern that matches no host (exit 4 before 5).
      const outcome = await running.catch((err: unknown) => {
        throw errors.length > 0 ? new LoadErrors(errors) : err;
      });
      reporter.close();
      return exitCodeForOutcome(outcome, opts.detailedExitcode);
    } finally {
      process.off("SIGINT", onSigint);
    }
  } catch (err) {
    reporter?.close();
    printError(err, secrets, verbosity);
    return exitCodeForError(err);
  }
}
