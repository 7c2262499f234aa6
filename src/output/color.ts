// Terminal colour for the human reporter and diffs: one decision (shouldUseColor) made at start-up,
// then a painter that is a no-op when colour is off, so callers never branch on it.

/** ANSI SGR codes redplay uses; each status has one colour, as in ansible. */
export const COLORS = {
  green: "32",
  yellow: "33",
  cyan: "36",
  red: "31",
  magenta: "35",
  bold: "1",
  dim: "2",
} as const;

/** A colour name from COLORS. */
export type ColorName = keyof typeof COLORS;

/** Wraps text in a colour, or returns it untouched. */
export type Painter = (color: ColorName, text: string) => string;

/** A painter that colours only when `enabled`; an empty string stays empty. */
export function painter(enabled: boolean): Painter {
  if (!enabled) return (_color, text) => text;
  return (color, text) => (text === "" ? text : `\x1b[${COLORS[color]}m${text}\x1b[0m`);
}

/**
 * Whether output to `stream` should be coloured. FORCE_COLOR wins (as in Node itself: "0" or
 * "false" turn colour off), then NO_COLOR (any non-empty value, per no-color.org), then a TTY
 * that is not `TERM=dumb`.
 */
export function shouldUseColor(
  stream: { isTTY?: boolean } | NodeJS.WritableStream,
  env: Record<string, string | undefined> = process.env,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === "0" || force.toLowerCase() === "false");
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** Removes ANSI SGR sequences (for width arithmetic on coloured text). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
