// Turns the inventory `redplay lab up` writes into one Ansible reads the same way: the lab's key,
// its known_hosts enforced through ssh options (Ansible has no known-hosts-file variable), and the
// same hosts, group and redis_primary. Used by bench/run.mjs; runnable alone:
//   node bench/peers/ansible/inventory.mjs LAB_DIR > inventory.yaml
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse, stringify } from "yaml";

/** The Ansible inventory text for the lab in `labDir`. */
export function ansibleInventory(labDir) {
  const lab = parse(readFileSync(join(labDir, "inventory.yaml"), "utf8"));
  const group = lab.all.children.redis;
  // The password goes on the command line to both tools (-e), never through this file: the lab's
  // inventory may hold it as a Handlebars expression, which Ansible cannot read.
  const { ansible_ssh_known_hosts_file: knownHosts, redis_password: _password, ...vars } = group.vars;
  vars.ansible_ssh_common_args = `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`;
  const doc = { all: { children: { redis: { hosts: group.hosts, vars } } } };
  return `# Generated from ${join(labDir, "inventory.yaml")} for ansible-playbook.\n${stringify(doc)}`;
}

/** Writes the Ansible inventory for `labDir` to `path`. */
export function writeAnsibleInventory(labDir, path) {
  writeFileSync(path, ansibleInventory(labDir));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (!process.argv[2]) {
    process.stderr.write("usage: node bench/peers/ansible/inventory.mjs LAB_DIR\n");
    process.exit(4);
  }
  process.stdout.write(ansibleInventory(process.argv[2]));
}
