// The PLAY RECAP block: one aligned line of counts per host, then a line for every host that is
// owed handlers. Separate from the reporter so alignment can be tested on its own.
import type { HostCounts } from "../engine/events.js";
import type { ColorName, Painter } from "./color.js";

/** Recap columns in print order, each with the colour it takes when non-zero. */
const COLUMNS: Array<[keyof HostCounts, ColorName]> = [
  ["ok", "green"],
  ["changed", "yellow"],
  ["unreachable", "red"],
  ["failed", "red"],
  ["skipped", "cyan"],
  ["rescued", "green"],
  ["ignored", "magenta"],
];

function hostColour(c: HostCounts): ColorName {
  if (c.failed > 0 || c.unreachable > 0) return "red";
  if (c.changed > 0) return "yellow";
  return "green";
}

/**
 * `node-1  : ok=5  changed=1  unreachable=0 ...`, hosts padded to the longest name and each
 * column padded to its widest value so the columns line up.
 */
export function renderRecapLines(hosts: Record<string, HostCounts>, paint: Painter): string[] {
  const names = Object.keys(hosts);
  if (names.length === 0) return [];
  const nameWidth = Math.max(...names.map((n) => n.length));
  const widths = COLUMNS.map(([key]) => Math.max(...names.map((n) => `${key}=${hosts[n]![key]}`.length)));
  return names.map((name) => {
    const counts = hosts[name]!;
    const cells = COLUMNS.map(([key, colour], i) => {
      const plain = `${key}=${counts[key]}`;
      const pad = " ".repeat(widths[i]! - plain.length);
      return (counts[key] > 0 ? paint(colour, plain) : plain) + pad;
    });
    const label = paint(hostColour(counts), name) + " ".repeat(nameWidth - name.length);
    return `${label}  : ${cells.join("  ")}`.trimEnd();
  });
}

/** `node-2: handler "restart redis" was notified but did not run (host failed); ...`. */
export function renderOwedHandlerLine(host: string, handlers: string[], reason: string): string {
  const quoted = handlers.map((h) => `"${h}"`).join(", ");
  const what = handlers.length === 1 ? `handler ${quoted} was` : `handlers ${quoted} were`;
  return `${host}: ${what} notified but did not run (${reason}); rerun or use --force-handlers`;
}
