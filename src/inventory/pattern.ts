// Ansible host patterns (`--limit`, `hosts:`): names, groups, globs, `~regex`, and the set
// operators `:`/`,` (union), `:&` (intersection), `:!` (exclusion). Kept apart from the
// inventory so the grammar can be tested on its own.
import picomatch from "picomatch";

/** What a pattern is matched against: hosts in inventory order and group memberships. */
export interface PatternSource {
  hosts: string[];
  groups: Record<string, string[]>;
}

/** Splits on `:` and `,` outside brackets, so `node-[1:3]`-style ranges stay whole. */
export function splitPattern(pattern: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of pattern) {
    if (ch === "[") depth++;
    if (ch === "]") depth = Math.max(0, depth - 1);
    if ((ch === ":" || ch === ",") && depth === 0) {
      terms.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  terms.push(cur);
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

/** Hosts matching the pattern, in inventory order, each once. */
export function matchPattern(src: PatternSource, pattern: string): string[] {
  const regular: string[] = [];
  const intersect: string[] = [];
  const exclude: string[] = [];
  for (const term of splitPattern(pattern)) {
    if (term.startsWith("&")) intersect.push(term.slice(1));
    else if (term.startsWith("!")) exclude.push(term.slice(1));
    else regular.push(term);
  }
  // As Ansible: `!b` or `&b` alone narrows down from every host.
  if (regular.length === 0 && (intersect.length > 0 || exclude.length > 0)) regular.push("all");

  let selected = new Set<string>();
  for (const t of regular) for (const h of matchTerm(src, t)) selected.add(h);
  for (const t of intersect) {
    const keep = new Set(matchTerm(src, t));
    selected = new Set([...selected].filter((h) => keep.has(h)));
  }
  for (const t of exclude) for (const h of matchTerm(src, t)) selected.delete(h);
  return src.hosts.filter((h) => selected.has(h));
}

function matchTerm(src: PatternSource, term: string): string[] {
  if (term === "all" || term === "*") return src.hosts;
  if (Object.hasOwn(src.groups, term)) return src.groups[term]!;
  if (src.hosts.includes(term)) return [term];
  let test: (name: string) => boolean;
  if (term.startsWith("~")) {
    const re = new RegExp(term.slice(1));
    test = (name) => re.test(name);
  } else if (/[*?[\]]/.test(term)) {
    test = picomatch(term, { dot: true });
  } else {
    return [];
  }
  const out = new Set<string>();
  for (const [g, members] of Object.entries(src.groups)) if (test(g)) for (const h of members) out.add(h);
  for (const h of src.hosts) if (test(h)) out.add(h);
  return [...out];
}
