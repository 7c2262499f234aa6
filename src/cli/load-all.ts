// Loads and statically checks a playbook, its inventory and -e variables, collecting every
// problem at once so the user fixes them in one go. Nothing here touches a host.
import path from "node:path";
import { LoadError, LoadErrors, formatLocation } from "../errors.js";
import { duplicateEndpointErrors } from "../inventory/endpoints.js";
import { buildInventory } from "../inventory/inventory.js";
import type { Inventory } from "../inventory/types.js";
import { loadInventoryDoc } from "../load/inventory.js";
import { loadPlaybook } from "../load/playbook.js";
import type { Playbook, TaskSpec } from "../load/types.js";
import { parseExtraVars } from "../load/vars.js";
import { registerBuiltinModules } from "../modules/index.js";
import { hostArgNames, unknownHostHint } from "../modules/host-args.js";
import { getModule, moduleNames } from "../modules/registry.js";
import type { Secrets } from "../output/redact.js";
import { TEMPLATE_MARKER } from "../schema/templated.js";
import { checkPlaybookTemplates } from "../template/static-check.js";

export interface Loaded {
  playbook: Playbook;
  inventory?: Inventory;
  extraVars: Record<string, unknown>;
  errors: LoadError[];
}

export async function loadEverything(
  playbookPath: string,
  inventoryPath: string | undefined,
  extraVarArgs: string[],
  secrets: Secrets,
): Promise<Loaded> {
  registerBuiltinModules();
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
    playbook = await loadPlaybook(playbookPath);
  } catch (err) {
    collect(err);
  }

  let inventory: Inventory | undefined;
  if (inventoryPath) {
    try {
      inventory = buildInventory(await loadInventoryDoc(inventoryPath));
      errors.push(...duplicateEndpointErrors(inventory));
    } catch (err) {
      collect(err);
    }
  }

  if (playbook) {
    errors.push(...checkHandlerNames(playbook));
    if (inventory) errors.push(...checkHostArgs(playbook, inventory));
    const moduleFacts = moduleNames().flatMap((n) => getModule(n)?.setsFacts ?? []);
    errors.push(...checkPlaybookTemplates(playbook, { inventory, extraVars, moduleFacts }));
  }
  if (!playbook) throw new LoadErrors(errors);
  return { playbook, inventory, extraVars, errors };
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
