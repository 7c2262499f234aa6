// Renders Jinja2 templates with Ansible itself (ansible-playbook, template module, local
// connection), as the oracle for `redplay convert`: one playbook run for many templates.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Each template's bytes as Ansible's template module writes them, with the variables of `varsFile`. */
export function ansibleRender(templates: string[], varsFile: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "redplay-ansible-render-"));
  try {
    const tasks = templates.map((t, i) => `    - template: { src: "${resolve(t)}", dest: "${dir}/out-${i}" }`).join("\n");
    writeFileSync(join(dir, "pb.yml"), `- hosts: localhost\n  gather_facts: false\n  tasks:\n${tasks}\n`);
    execFileSync("ansible-playbook", ["-i", "localhost,", "-c", "local", "-e", `@${resolve(varsFile)}`, join(dir, "pb.yml")], {
      encoding: "utf8",
      env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: "false", ANSIBLE_NOCOLOR: "1", ANSIBLE_RETRY_FILES_ENABLED: "false" },
      timeout: 300_000,
    });
    return templates.map((_t, i) => readFileSync(join(dir, `out-${i}`), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
