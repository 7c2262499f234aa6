// The inventory as the engine uses it: hosts in inventory order, groups, merged variables.
import type { Location } from "../errors.js";

export interface Inventory {
  /** The sources it was read from, comma-separated (as given). */
  file: string;
  /** Every host, in first-seen inventory order. */
  hosts(): string[];
  /** Group name -> its hosts, descendants included, in inventory order. Includes `all` and `ungrouped`. */
  groups(): Record<string, string[]>;
  /** Groups the host belongs to (directly or through children), without `all`; sorted like Ansible's group_names. */
  groupNames(host: string): string[];
  /** Inventory variables for the host, merged: all < parent group < child group < host vars (group_vars/host_vars files included). */
  hostVars(host: string): Record<string, unknown>;
  /** The names of hostVars(host), without copying the values. */
  hostVarNames(host: string): string[];
  /** Where the host was first declared (for errors). */
  hostLoc(host: string): Location | undefined;
  /** Hosts matching an Ansible pattern (`all`, names, globs, `a:b`, `a:&b`, `a:!b`), in inventory order. */
  match(pattern: string): string[];
  /** Every group with the hosts and child groups written directly in it, in first-seen order (for `redplay inventory`). */
  tree(): { groups: Array<{ name: string; hosts: string[]; children: string[]; vars: Record<string, unknown> }> };
}
