// Reads the user's ~/.ssh/config (under $HOME) once per run and answers per-host lookups, so
// hosts reachable with plain `ssh` are reachable here too. `Match exec` is never evaluated:
// reading a config must not run commands.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import SSHConfig from "ssh-config";
import type { SshConfigLookup } from "./ssh-settings.js";

const cache = new Map<string, SshConfigLookup>();

const empty: SshConfigLookup = () => ({});

/** Parses ssh config text into a lookup with lower-cased directive names. */
export function sshConfigLookup(text: string): SshConfigLookup {
  const parsed = SSHConfig.parse(text);
  return (host) => parsed.compute(host, { ignoreCase: true, matchExec: false });
}

/** The lookup for `<home>/.ssh/config`; an absent or unreadable file configures nothing. */
export function userSshConfig(home: string): SshConfigLookup {
  const file = join(home, ".ssh", "config");
  let lookup = cache.get(file);
  if (!lookup) {
    try {
      lookup = sshConfigLookup(readFileSync(file, "utf8"));
    } catch {
      lookup = empty;
    }
    cache.set(file, lookup);
  }
  return lookup;
}
