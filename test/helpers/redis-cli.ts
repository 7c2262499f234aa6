// redis-cli against a node's address, independently of redplay: the setup tests read servers
// with Redis's own client, and INFO sections as field maps.
import { execFile } from "node:child_process";

/** Runs redis-cli on `address`:6379 (with `password` when given); `label` names the node in errors. */
export function redisCliAt(label: string, address: string, args: string[], password?: string): Promise<string> {
  const base = ["-h", address, "-p", "6379", ...(password !== undefined ? ["-a", password, "--no-auth-warning"] : [])];
  return new Promise((resolve, reject) => {
    execFile("redis-cli", [...base, ...args], { timeout: 10_000 }, (err, stdout) =>
      err ? reject(new Error(`redis-cli ${args.join(" ")} on ${label}: ${err.message}`)) : resolve(String(stdout).trim()),
    );
  });
}

/** One INFO section's text as a field map. */
export function infoFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}
