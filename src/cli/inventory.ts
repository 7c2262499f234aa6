// `redplay inventory`: the inventory as redplay understood it, printed as ansible-inventory
// prints it (--list, --host, --graph), so it can be compared with Ansible's reading of the same
// files. Touches no host.
import path from "node:path";
import { UsageError } from "../errors.js";
import { ansibleJson, inventoryGraph, inventoryList } from "../inventory/listing.js";
import { Secrets } from "../output/redact.js";
import { exitCodeForError, EXIT } from "./exit-codes.js";
import { loadInventory, printError } from "./load-all.js";
import { resolveSettings } from "./settings.js";

/** Options of `redplay inventory`. */
export interface InventoryCliOptions {
  inventory: string[];
  list: boolean;
  host?: string;
  graph?: string | boolean;
  playbookDir?: string;
  verbose: number;
}

export async function inventoryCommand(opts: InventoryCliOptions): Promise<number> {
  const secrets = new Secrets();
  try {
    const settings = resolveSettings({ inventory: opts.inventory });
    for (const w of settings.config.warnings) process.stderr.write(`warning: ${w}\n`);
    const chosen = [opts.list, opts.host !== undefined, opts.graph !== undefined && opts.graph !== false].filter(Boolean).length;
    if (chosen !== 1) throw new UsageError("choose one of --list, --host HOST or --graph [GROUP]");
    if (settings.inventory.length === 0) throw new UsageError("no inventory: give -i FILE (or set inventory in ansible.cfg)");
    // As ansible-inventory: group_vars/ and host_vars/ of the playbook directory (default: here) join.
    const inventory = await loadInventory(settings.inventory, path.resolve(opts.playbookDir ?? "."));
    // Secrets stay masked here as everywhere: ansible-inventory would print them.
    for (const h of inventory.hosts()) secrets.addFromVars(inventory.hostVars(h));
    let text: string;
    if (opts.list) {
      text = ansibleJson(inventoryList(inventory));
    } else if (opts.host !== undefined) {
      if (!inventory.hosts().includes(opts.host)) throw new UsageError(`host "${opts.host}" is not in the inventory`);
      text = ansibleJson(inventory.hostVars(opts.host));
    } else {
      const group = typeof opts.graph === "string" ? opts.graph : "all";
      if (!(group in inventory.groups())) throw new UsageError(`--graph takes a group name; "${group}" is not a group of the inventory`);
      text = inventoryGraph(inventory, group);
    }
    process.stdout.write(`${secrets.redact(text)}\n`);
    return EXIT.OK;
  } catch (err) {
    printError(err, secrets, opts.verbose);
    return exitCodeForError(err);
  }
}
