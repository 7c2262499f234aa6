// The command line: argv -> options -> commands. Nothing else in redplay reads argv, and only
// this file turns errors into exit codes (through exit-codes.ts).
// Each command's code is imported when that command runs: `--version`, `--help` and a usage
// error load commander and this file only, not the engine, the loader or the lab.
import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { EXIT } from "./exit-codes.js";
import type { InventoryCliOptions } from "./inventory.js";
import type { ConvertOptions } from "./convert.js";
import { registerLabCommand } from "./lab.js";
import type { RunCliOptions } from "./run.js";
import type { VaultOptions } from "../load/vault.js";

/** Set by the bundler (scripts/build.mjs) from package.json; absent when running the tsc output or the sources. */
declare const __REDPLAY_VERSION__: string | undefined;

function version(): string {
  if (typeof __REDPLAY_VERSION__ === "string") return __REDPLAY_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const increase = (_: string, previous: number) => previous + 1;

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = new Command("redplay")
    .description("Declarative playbooks for Redis replication clusters over SSH")
    .version(version(), "--version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();

  program
    .command("run")
    .description("run a playbook against an inventory")
    .argument("<playbook>", "playbook YAML file")
    .option("-i, --inventory <source>", "inventory file (YAML or INI), directory or host list (repeatable, merged in order); default: ansible.cfg's", collect, [])
    .option("-C, --check", "predict what would change; touch nothing", false)
    .option("-D, --diff", "show file differences", false)
    .option("-l, --limit <pattern>", "further limit hosts with a pattern (a:b, a:&b, a:!b, globs)")
    .option("-e, --extra-vars <vars>", "key=value, @file.yaml or a YAML/JSON mapping (repeatable; highest precedence)", collect, [])
    .option("-t, --tags <tags>", "only tasks with these tags (comma-separated; repeatable)", collect, [])
    .option("--skip-tags <tags>", "skip tasks with these tags (comma-separated; repeatable)", collect, [])
    .addOption(new Option("-f, --forks <n>", "hosts worked on at once (default: ansible.cfg's forks, else 10)").argParser(positiveInt("--forks")))
    .option("-u, --user <user>", "SSH user where neither the host nor the play names one")
    .option("-b, --become", "run tasks with become (sudo) where the playbook does not say otherwise", false)
    .option("--become-user <user>", "user to become (default root)")
    .option("-K, --ask-become-pass", "ask for the become (sudo) password", false)
    .option("--private-key <file>", "SSH private key where the host names none")
    .addOption(new Option("--key-file <file>", "same as --private-key").hideHelp())
    .option("-c, --connection <type>", "connection where the host names none: ssh or local")
    .addOption(new Option("-T, --timeout <seconds>", "SSH connection timeout").argParser(positiveInt("--timeout")))
    .option("--list-hosts", "list the hosts each play would run on, and run nothing", false)
    .option("--list-tasks", "list the tasks each play would run, and run nothing", false)
    .option("--list-tags", "list the tags of each play, and run nothing", false)
    .option("--start-at-task <name>", "start at the first task with this name (globs allowed)")
    .option("--step", "confirm each task before it runs", false)
    .option("--syntax-check", "check the playbook as `redplay validate` does, and run nothing", false)
    .option("--force-handlers", "run notified handlers even on hosts that failed", false)
    .option("--accept-new", "trust and record unknown SSH host keys (never changed ones)", false)
    .option("--detailed-exitcode", `exit ${EXIT.CHANGED} when the run succeeded and something changed (or would change)`, false)
    .option("--json", "one JSON event per line on stdout", false)
    .option("-v, --verbose", "more output: -v reasons and durations, -vv registered data", increase, 0)
    .option("--vault-password-file <file>", "a file holding the vault password (an executable one is run) (repeatable)", collect, [])
    .option("--vault-id <id>", "[label@]file or [label@]prompt: a vault password for a vault id (repeatable)", collect, [])
    .option("-J, --ask-vault-pass", "ask for the vault password", false)
    .action(async (playbook: string, opts: RunCliOptions) => {
      const { runCommand } = await import("./run.js");
      code = await runCommand(playbook, opts);
    });

  program
    .command("validate")
    .description("check a playbook (and inventory) without touching any host")
    .argument("<playbook>", "playbook YAML file")
    .option("-i, --inventory <source>", "inventory, to also check variables and host patterns (repeatable; default: ansible.cfg's)", collect, [])
    .option("-e, --extra-vars <vars>", "variables as for run (repeatable)", collect, [])
    .option("-v, --verbose", "more output", increase, 0)
    .option("--vault-password-file <file>", "a file holding the vault password (repeatable)", collect, [])
    .option("--vault-id <id>", "[label@]file or [label@]prompt (repeatable)", collect, [])
    .option("-J, --ask-vault-pass", "ask for the vault password", false)
    .action(async (playbook: string, opts: { inventory: string[]; extraVars: string[]; verbose: number } & VaultOptions) => {
      const { validateCommand } = await import("./validate.js");
      code = await validateCommand(playbook, opts);
    });

  program
    .command("inventory")
    .description("show the inventory as redplay reads it, as ansible-inventory shows it")
    .option("-i, --inventory <source>", "inventory file, directory or host list (repeatable; default: ansible.cfg's)", collect, [])
    .option("--list", "every group and host with its variables, as JSON", false)
    .option("--host <host>", "one host's variables, as JSON")
    .option("--graph [group]", "the group tree with its hosts")
    .option("--playbook-dir <dir>", "the playbook directory whose group_vars/ and host_vars/ also apply (default: the current directory, as ansible-inventory)")
    .option("-v, --verbose", "more output", increase, 0)
    .action(async (opts: InventoryCliOptions) => {
      const { inventoryCommand } = await import("./inventory.js");
      code = await inventoryCommand(opts);
    });

  program
    .command("convert")
    .description("translate a Jinja2 template to Handlebars, listing what it cannot translate")
    .argument("<template>", "Jinja2 template (.j2)")
    .option("-o, --output <file>", "write the Handlebars template here (default: stdout)")
    .action(async (template: string, opts: ConvertOptions) => {
      const { convertCommand } = await import("./convert.js");
      code = await convertCommand(template, opts);
    });

  registerLabCommand(program);

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
        return EXIT.OK;
      }
      return EXIT.INVALID;
    }
    process.stderr.write(`redplay: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.INTERNAL;
  }
  if (typeof process.exitCode === "number" && process.exitCode !== 0 && code === EXIT.OK) {
    return process.exitCode;
  }
  return code;
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    // InvalidArgumentError is the one kind commander prints (naming the option) before exiting.
    if (value.trim() === "" || !Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} must be a whole number >= 1, got ${value}`);
    }
    return n;
  };
}
