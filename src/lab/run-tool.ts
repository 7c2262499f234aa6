// Runs the host tools the lab is built from (cp, ssh-keygen, apt-get) and turns a failure into a
// LabError that names the command and its stderr, so "up" never fails with a bare exit code.
import { execFile } from "node:child_process";
import { LabError } from "./lab-error.js";

/** Runs a program without a shell; resolves with stdout, rejects with a LabError. */
export function runTool(file: string, args: string[], node?: string, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr).trim().split("\n").slice(-3).join(" / ") || err.message;
        reject(new LabError(`${[file, ...args].join(" ")} failed: ${detail}`, node, { cause: err }));
        return;
      }
      resolve(String(stdout));
    });
  });
}
