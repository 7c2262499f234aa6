// `redplay run`: load and check everything first (exit 4 / 5 before any host is touched), then
// run the playbook and map the outcome to an exit code. The listing options (--list-hosts,
// --list-tasks, --list-tags) and --syntax-check stop after loading, as in ansible-playbook.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { LoadErrors, UsageError, type LoadError } from "../errors.js";
import { playHosts, runPlaybook } from "../engine/runner.js";
import type { Reporter } from "../engine/events.js";
import { HumanReporter, JsonReporter, Secrets, shouldUseColor } from "../output/index.js";
import { EXIT, exitCodeForError, exitCodeForOutcome } from "./exit-codes.js";
import { listHosts, listTags, listTasks } from "./listing.js";
import { checkDocuments, loadDocuments, printError, splitList } from "./load-all.js";
import { ask, stepper } from "./prompt.js";
import { resolveSettings } from "./settings.js";
import { validateCommand } from "./validate.js";
import type { VaultOptions } from "../load/vault.js";

export interface RunCliOptions extends VaultOptions {
  inventory: string[];
  check: boolean;
  diff: boolean;
  limit?: string;
  extraVars: string[];
  tags: string[];
  skipTags: string[];
  forks?: number;
  forceHandlers: boolean;
  acceptNew: boolean;
  detailedExitcode: boolean;
  json: boolean;
  verbose: number;
  user?: string;
  become?: boolean;
  becomeUser?: string;
  askBecomePass?: boolean;
  privateKey?: string;
  keyFile?: string;
  connection?: string;
  timeout?: number;
  listHosts?: boolean;
  listTasks?: boolean;
  listTags?: boolean;
  startAtTask?: string;
  step?: boolean;
  syntaxCheck?: boolean;
}

export async function runCommand(playbookPath: string, opts: RunCliOptions): Promise<number> {
  if (opts.syntaxCheck) return validateCommand(playbookPath, { inventory: opts.inventory, extraVars: opts.extraVars, verbose: opts.verbose });
  const secrets = new Secrets();
  const verbosity = Math.min(2, opts.verbose) as 0 | 1 | 2;
  let reporter: Reporter | undefined;
  try {
    const settings = resolveSettings({ ...opts, privateKey: opts.privateKey ?? opts.keyFile });
    for (const w of settings.config.warnings) process.stderr.write(`warning: ${w}\n`);
    if (settings.inventory.length === 0) {
      throw new UsageError("no inventory: give -i FILE (repeatable), or set inventory in ansible.cfg ([defaults] inventory = ...)");
    }
    const hostDefaults = { ...settings.hostDefaults };
    if (opts.askBecomePass) {
      const pw = await ask("BECOME password: ", { secret: true });
      secrets.add(pw);
      hostDefaults.ansible_become_password = pw;
    }
    // The documents only: the checks that span them run below, once the run is connecting.
    const docs = await loadDocuments(playbookPath, settings.inventory, opts.extraVars, secrets, {
      rolesPath: settings.rolesPath,
      hostDefaults,
      vaultPasswordFile: opts.vaultPasswordFile,
      vaultId: opts.vaultId,
      askVaultPass: opts.askVaultPass,
    });
    if (docs.errors.length > 0 || !docs.playbook || !docs.inventory) {
      throw new LoadErrors([...docs.errors, ...checkDocuments(docs)]);
    }
    const loaded = { ...docs, playbook: docs.playbook, inventory: docs.inventory };
    const tags = splitList(opts.tags);
    const skipTags = splitList(opts.skipTags);
    if (opts.listHosts || opts.listTasks || opts.listTags) {
      // Nothing connects for a listing: every check first, as validate does.
      const errors = checkDocuments(loaded);
      if (errors.length > 0) throw new LoadErrors(errors);
      const hosts = playHosts(loaded.playbook, loaded.inventory, opts.limit);
      const parts: string[] = [];
      if (opts.listHosts) parts.push(listHosts(loaded.playbook, hosts));
      if (opts.listTasks) parts.push(listTasks(loaded.playbook, tags, skipTags));
      if (opts.listTags) parts.push(listTags(loaded.playbook, tags, skipTags));
      process.stdout.write(`${secrets.redact(parts.join("\n"))}\n`);
      return EXIT.OK;
    }
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
    // Relative key and known_hosts paths start at the first inventory source's directory.
    const firstSource = path.resolve(settings.inventory[0]!);
    const inventoryDir = existsSync(firstSource) && statSync(firstSource).isDirectory() ? firstSource : path.dirname(firstSource);
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
      tags,
      skipTags,
      forks: settings.forks,
      forceHandlers: opts.forceHandlers,
      ssh: {
        acceptNew: opts.acceptNew || !settings.hostKeyChecking,
        inventoryDir,
        connectTimeoutMs: settings.connectTimeoutMs,
      },
      remoteUser: settings.remoteUser,
      startAtTask: opts.startAtTask !== undefined ? { pattern: opts.startAtTask, reached: false } : undefined,
      confirmTask: opts.step ? stepper() : undefined,
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
