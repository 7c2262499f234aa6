// `serial`: rolling batches. Each entry is a count or a percentage of the play's hosts; the
// last entry repeats until every host has had its turn.

export function batchesOf(hosts: string[], serial?: Array<number | string>): string[][] {
  if (!serial || serial.length === 0) return [hosts];
  const sizes = serial.map((s) => sizeOf(s, hosts.length));
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k, sizes.length - 1)];
    out.push(hosts.slice(i, i + size));
    i += size;
    k++;
  }
  return out;
}

function sizeOf(s: number | string, total: number): number {
  if (typeof s === "number") return Math.max(1, Math.floor(s));
  const m = /^(\d+(?:\.\d+)?)%$/.exec(s.trim());
  if (m) return Math.max(1, Math.floor((Number(m[1]) / 100) * total));
  const n = Number(s);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : total;
}
