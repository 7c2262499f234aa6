// Large but realistic YAML inputs for the loader bench: an inventory of many hosts with host vars,
// a vars file of many keys, a playbook of many tasks. Each is written to about a target size and
// comes with the small companions `redplay validate` needs, so every case validates cleanly.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const HOSTS_PER_GROUP = 500;

/** One inventory host with the vars real inventories carry; unique address and port. */
function hostBlock(i) {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const role = i % 3 === 0 ? "primary" : "replica";
  return (
    `            host-${String(i).padStart(6, "0")}:\n` +
    `              ansible_host: ${ip}\n` +
    `              redis_port: ${6379 + (i % 7)}\n` +
    `              redis_role: ${role}\n` +
    `              rack: rack-${i % 40}\n` +
    `              maxmemory: ${(i % 8) + 1}gb\n` +
    `              labels: [cache, zone-${i % 5}]\n`
  );
}

/** An inventory of about `bytes`: datacenters with groups of hosts, host vars and group vars. */
export function inventoryText(bytes) {
  let out = "# generated inventory\nall:\n  vars:\n    ansible_user: deploy\n    app_enabled: true\n  children:\n";
  let i = 0;
  let group = 0;
  while (out.length < bytes) {
    const dc = group % 4;
    out += `    dc${dc}_g${group}:\n      vars:\n        datacenter: dc${dc}\n        group_no: ${group}\n      children:\n`;
    out += `        dc${dc}_g${group}_redis:\n          hosts:\n`;
    for (let k = 0; k < HOSTS_PER_GROUP && out.length < bytes; k++) out += hostBlock(i++);
    group++;
  }
  return out;
}

/** A vars file of about `bytes`: plain settings, numbers, booleans, modes, lists and small mappings. */
export function varsText(bytes) {
  let out = "# generated vars\n";
  let i = 0;
  while (out.length < bytes) {
    const n = String(i).padStart(6, "0");
    switch (i % 5) {
      case 0:
        out += `setting_${n}: "value number ${i}"\n`;
        break;
      case 1:
        out += `limit_${n}: ${i * 3}\n`;
        break;
      case 2:
        out += `flag_${n}: ${i % 2 ? "yes" : "off"}\n`;
        break;
      case 3:
        out += `paths_${n}:\n  - /srv/app/${i}/data\n  - /srv/app/${i}/logs\n`;
        break;
      default:
        out += `service_${n}:\n  port: ${7000 + (i % 1000)}\n  mode: 0644\n  enabled: true\n  owner: app\n`;
    }
    i++;
  }
  return out;
}

/** The tasks of one cycle, numbered from `i`; they read only what the play defines or registers. */
function taskCycle(i) {
  return (
    `    - name: "Render config ${i} for {{inventory_hostname}}"\n` +
    `      template:\n        src: app.conf.hbs\n        dest: "/etc/app/conf-${i}.conf"\n        mode: "0644"\n` +
    `      when: app_enabled\n      tags: [config, c${i % 10}]\n      notify: restart app\n` +
    `    - name: Check ${i}\n      command:\n        cmd: "echo {{app_dir}}/${i}"\n      register: check_${i}\n      changed_when: false\n` +
    `    - name: Directory ${i}\n      file:\n        path: "{{app_dir}}/${i}"\n        state: directory\n        mode: "0755"\n` +
    `    - name: Remember ${i}\n      set_fact:\n        fact_${i}: "{{check_${i}.stdout}}"\n` +
    `    - name: Show ${i}\n      debug:\n        msg: "{{inventory_hostname}} {{fact_${i}}}"\n      when: not check_mode\n` +
    `    - block:\n        - name: Service ${i}\n          service:\n            name: app-${i}\n            state: started\n` +
    `      rescue:\n        - name: Report ${i}\n          debug:\n            msg: "app-${i} did not start"\n`
  );
}

const playHead = (name, varsFiles) =>
  `- name: ${name}\n  hosts: all\n` +
  (varsFiles.length ? `  vars_files:\n${varsFiles.map((f) => `    - ${f}\n`).join("")}` : "") +
  `  vars:\n    app_dir: /srv/app\n  tasks:\n`;

const handlers = `  handlers:\n    - name: restart app\n      service:\n        name: app\n        state: restarted\n`;

/** A playbook of about `bytes` (one play of many tasks), or a small one when bytes is 0. */
export function playbookText(bytes, varsFiles = []) {
  let out = `# generated playbook\n${playHead("Converge the app", varsFiles)}`;
  let i = 0;
  do out += taskCycle(i++);
  while (out.length < bytes);
  return out + handlers;
}

/** A three-host inventory for the playbook and vars cases. */
export function smallInventoryText() {
  return inventoryText(0).replace(/children:\n$/, "children:\n    app:\n      hosts:\n") +
    [1, 2, 3].map((k) => `        node-${k}:\n          ansible_host: 127.0.0.${10 + k}\n`).join("");
}

/**
 * Writes one case into `dir`: `shape` is "inventory", "vars" or "playbook", and that file is about
 * `bytes` long. Returns the paths and the big file's exact size.
 */
export function writeCase(dir, shape, bytes) {
  mkdirSync(dir, { recursive: true });
  const inventory = join(dir, "inventory.yaml");
  const playbook = join(dir, "playbook.yaml");
  const vars = join(dir, "vars.yaml");
  const texts = {
    inventory: shape === "inventory" ? inventoryText(bytes) : smallInventoryText(),
    vars: shape === "vars" ? varsText(bytes) : varsText(200),
    playbook: playbookText(shape === "playbook" ? bytes : 0, ["vars.yaml"]),
  };
  // The playbook's template tasks name app.conf.hbs, which validate opens.
  mkdirSync(join(dir, "templates"), { recursive: true });
  writeFileSync(join(dir, "templates", "app.conf.hbs"), "# {{inventory_hostname}}\n");
  writeFileSync(inventory, texts.inventory);
  writeFileSync(vars, texts.vars);
  writeFileSync(playbook, texts.playbook);
  return { inventory, playbook, vars, bigFile: join(dir, `${shape}.yaml`), bigBytes: Buffer.byteLength(texts[shape]) };
}
