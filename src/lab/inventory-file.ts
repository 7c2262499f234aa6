// The Ansible YAML inventory `lab up` writes for its nodes: group `redis` with every node, the
// lab's key and known_hosts, and node-1 as the intended primary. Paths are absolute so the file
// works from any working directory.
import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";

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
