// The Debian mirror a rootfs is built from: the one this machine's own apt sources name, read at
// run time, so the lab uses whatever mirror (or proxy) the machine is set up for and no mirror
// host is written into the project.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** One `deb` source: its base URI and suites. */
export interface AptSource {
  uri: string;
  suites: string[];
}

/** Sources of a one-line `sources.list` file (`deb [opts] URI suite comp...`). */
export function parseSourcesList(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ uri: m[1]!, suites: [m[2]!] });
  }
  return out;
}

/** Sources of a deb822 `.sources` file (stanzas of `Types:`, `URIs:`, `Suites:`). */
export function parseDeb822(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const raw of stanza.split("\n")) {
      if (raw.trimStart().startsWith("#")) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    if (!(fields.get("types") ?? "").split(/\s+/).includes("deb")) continue;
    if ((fields.get("enabled") ?? "yes").toLowerCase() === "no") continue;
    const suites = (fields.get("suites") ?? "").split(/\s+/).filter(Boolean);
    for (const uri of (fields.get("uris") ?? "").split(/\s+/).filter(Boolean)) out.push({ uri, suites });
  }
  return out;
}

/**
 * The mirror of the main Debian archive among `sources`: a source that carries a plain release
 * suite (not `-security`, `-updates` or `-backports`). Null when there is none.
 */
export function mainArchive(sources: AptSource[]): string | null {
  const plain = sources.find((s) => !/security/i.test(s.uri) && s.suites.some((x) => /^[a-z]+$/.test(x)));
  return plain ? plain.uri.replace(/\/+$/, "") : null;
}

/** Reads /etc/apt/sources.list and /etc/apt/sources.list.d/ and returns the main archive's URI. */
export async function machineDebianMirror(root = "/etc/apt"): Promise<string | null> {
  const sources: AptSource[] = [];
  const read = async (p: string) => readFile(p, "utf8").catch(() => "");
  sources.push(...parseSourcesList(await read(join(root, "sources.list"))));
  const dir = join(root, "sources.list.d");
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names.sort()) {
    if (n.endsWith(".list")) sources.push(...parseSourcesList(await read(join(dir, n))));
    else if (n.endsWith(".sources")) sources.push(...parseDeb822(await read(join(dir, n))));
  }
  return mainArchive(sources);
}
