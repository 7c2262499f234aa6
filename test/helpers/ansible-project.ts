// A throwaway Ansible-shaped project directory for CLI tests on the local connection: files are
// written into it, the CLI runs in it with an empty HOME and no ANSIBLE_CONFIG from outside, and
// the playbooks write what they do under `out/`.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli, type CliResult } from "./cli.js";

export interface AnsibleProject {
  dir: string;
  /** Where the test's playbooks write (`-e out=...` or the inventory's `out`); not created. */
  out: string;
  write(rel: string, text: string): void;
  run(args: string[]): Promise<CliResult>;
  /** A file under `out`, or undefined when it does not exist. */
  read(rel: string): string | undefined;
  remove(): void;
}

export function ansibleProject(prefix: string): AnsibleProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const out = path.join(dir, "out");
  mkdirSync(path.join(dir, "home"));
  return {
    dir,
    out,
    write(rel, text) {
      const p = path.join(dir, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, text);
    },
    run: (args) => runCli(args, { cwd: dir, env: { ANSIBLE_CONFIG: "", HOME: path.join(dir, "home") } }),
    read: (rel) => (existsSync(path.join(out, rel)) ? readFileSync(path.join(out, rel), "utf8") : undefined),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
