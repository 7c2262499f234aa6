// SSH keys of a lab: the client key users and tests log in with, and a fresh host key per node
// whose public half goes into the lab's known_hosts, so host key checking stays on in the lab.
import { access, readFile, writeFile } from "node:fs/promises";
import { runTool } from "./run-tool.js";

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Creates an ed25519 key pair at `path` (+ `.pub`) unless one is already there. */
export async function ensureKeyPair(path: string, comment: string): Promise<void> {
  if (await exists(path)) return;
  await runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
}

/** Creates a new ed25519 key pair, replacing none (the caller gives a fresh path). */
export async function newHostKey(path: string, node: string): Promise<void> {
  await runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `root@${node}`, "-f", path], node);
}

/** `type base64` of a public key file, without its comment. */
export async function publicKeyOf(pubPath: string): Promise<string> {
  const [type, body] = (await readFile(pubPath, "utf8")).trim().split(/\s+/);
  return `${type} ${body}`;
}

/** One line per node, in the plain form OpenSSH and ssh2 both read: `127.0.0.11 ssh-ed25519 AAAA...`. */
export async function writeKnownHosts(path: string, entries: { address: string; hostKeyPub: string }[]): Promise<void> {
  const lines = await Promise.all(entries.map(async (e) => `${e.address} ${await publicKeyOf(e.hostKeyPub)}`));
  await writeFile(path, lines.join("\n") + "\n", { mode: 0o644 });
}
