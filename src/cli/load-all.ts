// Loads and statically checks a playbook, its inventory and -e variables, collecting every
// problem at once so the user fixes them in one go. Nothing here touches a host.
import path from "node:path";
import { LoadError, LoadErrors, formatLocation } from "../errors.js";
import { duplicateEndpointErrors } from "../inventory/endpoints.js";
import { buildInventory, LOCALHOST_NAMES } from "../inventory/inventory.js";
import type { Inventory } from "../inventory/types.js";
import { loadInventorySources, loadVarsDirs } from "../load/inventory.js";
import { loadPlaybook } from "../load/playbook.js";
import type { Playbook, TaskSpec } from "../load/types.js";
import { parseExtraVars } from "../load/vars.js";
import { keyringFor, setVaultKeyring, type VaultOptions } from "../load/vault.js";
import { checkSentinelVars } from "../load/sentinel-vars.js";
import { registerBuiltinModules } from "../modules/index.js";
import { hostArgNames, unknownHostHint } from "../modules/host-args.js";
import { getModule, moduleNames } from "../modules/registry.js";
import type { Secrets } from "../output/redact.js";
import { TEMPLATE_MARKER } from "../schema/templated.js";
import { checkPlaybookTemplates } from "../template/static-check.js";
import { checkTemplateFiles } from "../template/template-files-check.js";

export interface Loaded {
  playbook: Playbook;
  inventory?: Inventory;
  extraVars: Record<string, unknown>;
  errors: LoadError[];
}

/** The documents as read: what parsed, and every problem found so far. */
export interface Documents {
  playbook?: Playbook;
  inventory?: Inventory;
  extraVars: Record<string, unknown>;
  errors: LoadError[];
}

/** What else loading takes from ansible.cfg and the command line. */
export interface LoadOptions extends VaultOptions {
  /** Role directories searched after the playbook's roles/ (ansible.cfg roles_path). */
  rolesPath?: string[];
  /** Host variables below the inventory's own (-c, -b, --become-user, ...). */
  hostDefaults?: Record<string, unknown>;
}

/** The inventory from its sources (several -i, in order) and the group_vars/host_vars beside the playbook. */
export async function loadInventory(paths: string[], playbookDir: string | undefined, hostDefaults?: Record<string, unknown>): Promise<Inventory> {
  const errors: LoadError[] = [];
  let docs: Awaited<ReturnType<typeof loadInventorySources>> = [];
  try {
    docs = await loadInventorySources(paths);
  } catch (err) {
    if (!(err instanceof LoadErrors)) throw err;
    errors.push(...err.errors);
  }
  // A playbook beside its inventory shares its group_vars/: read them once, as the inventory's.
  const sharedDir = playbookDir !== undefined && paths.some((p) => [path.resolve(p), path.dirname(path.resolve(p))].includes(path.resolve(playbookDir)));
  const playbookVars = playbookDir && !sharedDir ? await loadVarsDirs(playbookDir, displayPath(playbookDir), errors) : undefined;
  if (errors.length > 0) throw new LoadErrors(errors);
  const inventory = buildInventory(docs, { playbookVars });
  return hostDefaults && Object.keys(hostDefaults).length > 0 ? withHostDefaults(inventory, hostDefaults) : inventory;
}

/** The inventory with `defaults` below every host's own variables. */
export function withHostDefaults(inventory: Inventory, defaults: Record<string, unknown>): Inventory {
  const names = Object.keys(defaults);
  return {
    ...inventory,
    hostVars: (host) => ({ ...defaults, ...inventory.hostVars(host) }),
    hostVarNames: (host) => [...new Set([...names, ...inventory.hostVarNames(host)])],
  };
}

export async function loadEverything(
  playbookPath: string,
  inventoryPaths: string | string[] | undefined,
  extraVarArgs: string[],
  secrets: Secrets,
  options: LoadOptions = {},
): Promise<Loaded> {
  const docs = await loadDocuments(playbookPath, inventoryPaths, extraVarArgs, secrets, options);
  docs.errors.push(...checkDocuments(docs));
  if (!docs.playbook) throw new LoadErrors(docs.errors);
  return { ...docs, playbook: docs.playbook };
}

/**
 * Reads the -e variables, the playbook and the inventory, each against its schema: enough for a
 * run to know its hosts and start connecting while checkDocuments does the rest.
 */
export async function loadDocuments(
  playbookPath: string,
  inventoryPaths: string | string[] | undefined,
  extraVarArgs: string[],
  secrets: Secrets,
  options: LoadOptions = {},
): Promise<Documents> {
  registerBuiltinModules();
  // Vault passwords first: every file read below may hold vaulted values.
  const keyring = await keyringFor(options);
  for (const s of keyring.secrets) secrets.add(s.password.toString("utf8"));
  setVaultKeyring(keyring);
  try {
    return await readDocuments(playbookPath, inventoryPaths, extraVarArgs, secrets, options);
  } finally {
    for (const v of keyring.decrypted) secrets.add(v);
  }
}

async function readDocuments(
  playbookPath: string,
  inventoryPaths: string | string[] | undefined,
  extraVarArgs: string[],
  secrets: Secrets,
  options: LoadOptions,
): Promise<Documents> {
  const errors: LoadError[] = [];
  const collect = (err: unknown) => {
    if (err instanceof LoadErrors) errors.push(...err.errors);
    else if (err instanceof LoadError) errors.push(err);
    else throw err;
  };

  let extraVars: Record<string, unknown> = {};
  try {
    extraVars = await parseExtraVars(extraVarArgs, process.cwd());
    secrets.addFromVars(extraVars);
  } catch (err) {
    collect(err);
  }

  let playbook: Playbook | undefined;
  try {
    playbook = await loadPlaybook(playbookPath, { rolesPath: options.rolesPath });
  } catch (err) {
    collect(err);
  }

  let inventory: Inventory | undefined;
  const inventoryList = typeof inventoryPaths === "string" ? [inventoryPaths] : (inventoryPaths ?? []);
  if (inventoryList.length > 0) {
    try {
      inventory = await loadInventory(inventoryList, playbook?.dir ?? path.dirname(path.resolve(playbookPath)), options.hostDefaults);
      errors.push(...duplicateEndpointErrors(inventory));
      errors.push(...checkSentinelVars(inventory, extraVars));
    } catch (err) {
      collect(err);
    }
  }
  return { playbook, inventory, extraVars, errors };
}

/** The checks that span documents: handler names, host arguments, delegates, templates (inline and files). */
export function checkDocuments(docs: Documents): LoadError[] {
  const { playbook, inventory, extraVars } = docs;
  if (!playbook) return [];
  const errors: LoadError[] = [];
  errors.push(...checkHandlerNames(playbook));
  if (inventory) errors.push(...checkHostArgs(playbook, inventory), ...checkDelegates(playbook, inventory));
  const moduleFacts = moduleNames().flatMap((n) => getModule(n)?.setsFacts ?? []);
  errors.push(...checkPlaybookTemplates(playbook, { inventory, extraVars, moduleFacts }));
  errors.push(...checkTemplateFiles(playbook));
  return errors;
}

/** Every `notify` must name a handler (or a `listen` topic) of the same play. */
export function checkHandlerNames(playbook: Playbook): LoadError[] {
  const errors: LoadError[] = [];
  playbook.plays.forEach((play) => {
    const known = new Set(play.handlers.flatMap((h) => [h.name ?? "", ...h.listen]).filter(Boolean));
    const visit = (tasks: TaskSpec[] | undefined) => {
      for (const t of tasks ?? []) {
        for (const n of t.notify) {
          if (!known.has(n)) {
            const names = [...known];
            errors.push(
              new LoadError(
                `notify "${n}" names no handler of play "${play.name}"`,
                t.loc,
                names.length ? `handlers: ${names.map((x) => `"${x}"`).join(", ")}` : "the play has no handlers",
              ),
            );
          }
        }
        visit(t.block);
        visit(t.rescue);
        visit(t.always);
      }
    };
    visit(play.tasks);
    visit(play.handlers);
  });
  return errors;
}

/** Every literal host name in a module's host arguments (`replica_of: node-2`) must be an inventory host. */
export function checkHostArgs(playbook: Playbook, inventory: Inventory): LoadError[] {
  const known = inventory.hosts();
  const isHost = new Set(known);
  const errors: LoadError[] = [];
  const visit = (tasks: TaskSpec[] | undefined) => {
    for (const t of tasks ?? []) {
      const mod = t.module ? getModule(t.module) : undefined;
      if (mod && t.args) {
        for (const n of hostArgNames(mod, t.args)) {
          // A template is rendered per host at run time; the module checks the result.
          if (n.name === "" || n.name.includes(TEMPLATE_MARKER) || isHost.has(n.name)) continue;
          const at = n.index !== undefined ? `${n.key}[${n.index}]` : n.key;
          errors.push(
            new LoadError(
              `${mod.name} ${at} "${n.name}" is not a host of inventory ${inventory.file}`,
              t.argLocs?.[at] ?? t.argLocs?.[n.key] ?? t.loc,
              unknownHostHint(n.name, known),
            ),
          );
        }
      }
      visit(t.block);
      visit(t.rescue);
      visit(t.always);
    }
  };
  for (const play of playbook.plays) {
    visit(play.tasks);
    visit(play.handlers);
  }
  return errors;
}

/** A literal `delegate_to` must name an inventory host or localhost (Ansible's implicit one when the inventory has none). */
export function checkDelegates(playbook: Playbook, inventory: Inventory): LoadError[] {
  const known = inventory.hosts();
  const isHost = new Set(known);
  const errors: LoadError[] = [];
  const visit = (tasks: TaskSpec[] | undefined) => {
    for (const t of tasks ?? []) {
      const d = t.delegateTo;
      if (d !== undefined && !d.includes(TEMPLATE_MARKER) && !isHost.has(d) && !LOCALHOST_NAMES.includes(d)) {
        errors.push(new LoadError(`delegate_to "${d}" is not a host of inventory ${inventory.file}`, t.loc, unknownHostHint(d, [...known, "localhost"])));
      }
      visit(t.block);
      visit(t.rescue);
      visit(t.always);
    }
  };
  for (const play of playbook.plays) {
    visit(play.tasks);
    visit(play.handlers);
  }
  return errors;
}

/** `--tags a,b --tags c` -> ["a", "b", "c"]. */
export function splitList(values: string[]): string[] {
  return values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

/** One clear line per problem on stderr (stack traces only with -v). */
export function printError(err: unknown, secrets: Secrets, verbosity: number): void {
  const lines: string[] = [];
  if (err instanceof LoadErrors) {
    for (const e of err.errors) lines.push(`error: ${e.format()}`);
  } else if (err instanceof LoadError) {
    lines.push(`error: ${err.format()}`);
  } else if (err instanceof Error) {
    const loc = (err as { loc?: Parameters<typeof formatLocation>[0] }).loc;
    const where = loc && !err.message.includes(formatLocation(loc)) ? `${formatLocation(loc)}: ` : "";
    lines.push(`error: ${where}${err.message}`);
    if (verbosity > 0 && err.stack) lines.push(err.stack);
  } else {
    lines.push(`error: ${String(err)}`);
  }
  process.stderr.write(secrets.redact(lines.join("\n")) + "\n");
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}
