// The two tools as the bench invokes them: the same job, the same variables, each started cold
// (redplay opens its connections per run; Ansible's ControlPersist masters are closed after every
// run, inside the measurement's CPU account, so no run inherits another's SSH connections).
import { existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeAnsibleInventory } from "../peers/ansible/inventory.mjs";
import { measured, run } from "./proc.mjs";

/** Sums `changed=` (and checks `failed=`/`unreachable=`) over a PLAY RECAP (both tools print one). */
export function recapTotals(stdout) {
  const start = stdout.lastIndexOf("PLAY RECAP");
  const totals = { hosts: 0, changed: 0, failed: 0, unreachable: 0 };
  if (start < 0) return null;
  for (const line of stdout.slice(start).split("\n").slice(1)) {
    const m = /^\S+\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    totals.hosts++;
    for (const kv of m[1].trim().split(/\s+/)) {
      const [k, v] = kv.split("=");
      if (k in totals) totals[k] += Number(v);
    }
  }
  return totals;
}

/** Extra variables both tools get on the command line, then the scenario's own. */
export function extraVars(password, vars = {}) {
  const all = { redis_password: password, redis_repl_diskless_sync_delay: 0, ...vars };
  return Object.entries(all).map(([k, v]) => `${k}=${v}`);
}

/** redplay: `bin/redplay.js run PLAYBOOK -i LAB_INVENTORY -e ...` (its shebang sets Node's flags, as `npx redplay` runs it). */
export function redplayTool(repo) {
  return {
    name: "redplay",
    playbook: (work) => join(repo, "playbooks", `${work}.yaml`),
    async run(lab, work, { password, check = false, vars }) {
      const args = ["run", this.playbook(work), "-i", lab.inventory];
      for (const v of extraVars(password, vars)) args.push("-e", v);
      if (check) args.push("--check", "--diff");
      return measured(join(repo, "bin/redplay.js"), args, { cwd: repo });
    },
  };
}

/** ansible-playbook with bench/peers/ansible/ansible.cfg and an inventory generated from the lab's. */
export function ansibleTool(repo, controlDir) {
  const peer = join(repo, "bench/peers/ansible");
  return {
    name: "ansible",
    playbook: (work) => join(peer, `${work}.yml`),
    async run(lab, work, { password, check = false, vars }) {
      const inventory = join(lab.dir, "ansible-inventory.yaml");
      writeAnsibleInventory(lab.dir, inventory);
      await mkdir(controlDir, { recursive: true });
      const args = ["-i", inventory, this.playbook(work)];
      for (const v of extraVars(password, vars)) args.push("-e", v);
      if (check) args.push("--check", "--diff");
      const env = { ANSIBLE_CONFIG: join(peer, "ansible.cfg"), ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir, ANSIBLE_NOCOLOR: "1" };
      return measured("ansible-playbook", args, { cwd: peer, env, afterExit: () => closeControlMasters(controlDir) });
    },
  };
}

/** True when `tool` has a playbook for `work`. */
export function hasPlaybook(tool, work) {
  return existsSync(tool.playbook(work));
}

/** Ends the ControlPersist masters ansible-playbook left behind (ssh -O exit, by socket). */
export async function closeControlMasters(controlDir) {
  if (!existsSync(controlDir)) return;
  await Promise.all(
    (await readdir(controlDir)).map((sock) =>
      run("ssh", ["-O", "exit", "-o", `ControlPath=${join(controlDir, sock)}`, "bench-control"]).catch(() => undefined),
    ),
  );
  await rm(controlDir, { recursive: true, force: true });
}
