// The Ansible YAML inventory `lab up` writes for its nodes: group `redis` with every node, the
// lab's key and known_hosts, node-1 as the intended primary and a lab-only password default,
// so `redplay run playbooks/setup.yaml -i <dir>/inventory.yaml` needs no -e. Paths are absolute
// so the file works from any working directory.
import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import { LAB_PASSWORD } from "./probe.js";

/** What the inventory describes. */
export interface LabInventoryInput {
  nodes: { name: string; address: string }[];
  keyFile: string;
  knownHostsFile: string;
}

export function labInventoryYaml(input: LabInventoryInput): string {
  const hosts: Record<string, { ansible_host: string }> = {};
  for (const n of input.nodes) hosts[n.name] = { ansible_host: n.address };
  const doc = {
    all: {
      children: {
        redis: {
          hosts,
          vars: {
            ansible_user: "root",
            ansible_ssh_private_key_file: input.keyFile,
            ansible_ssh_known_hosts_file: input.knownHostsFile,
            redis_primary: input.nodes[0]?.name ?? "node-1",
            // A default keeps `redplay run` working on the lab without -e; the lab listens only on
            // loopback, and REDIS_PASSWORD still overrides it.
            redis_password: `{{env 'REDIS_PASSWORD' '${LAB_PASSWORD}'}}`,
            // Full syncs start at once instead of after Debian's 5 s diskless delay.
            redis_repl_diskless_sync_delay: 0,
          },
        },
      },
    },
  };
  return `# Written by \`redplay lab up\`; rewritten on every up.\n${stringify(doc)}`;
}

export async function writeLabInventory(path: string, input: LabInventoryInput): Promise<void> {
  await writeFile(path, labInventoryYaml(input));
}
