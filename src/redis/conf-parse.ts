// A redis.conf text split into directives exactly as the server's own config loader splits it.
// Written by hand because no maintained npm package parses redis.conf.
//
// What it mirrors (identical in Redis 5.0.7, 6.2.16, 7.2.6, 7.4.1 and Valkey 7.2.7, 8.0.1:
// src/config.c `loadServerConfigFromString`, src/sds.c `sdssplitargs`):
// - The text is cut on "\n" only. Each line is trimmed of " \t\r\n" at both ends; a line that is
//   then empty or starts with '#' is skipped. A '#' anywhere else is data (`requirepass a#b`).
// - Arguments are separated by whitespace (isspace: space, \t, \n, \v, \f, \r); an unquoted
//   argument ends only at space, \t, \n or \r, so \v and \f stay inside it.
// - "double quotes" take the escapes \n \r \t \b \a and \xHH (two hex digits, any byte); a
//   backslash before any other character yields that character (`\"`, `\\`, `\q` -> q).
// - 'single quotes' take only \' as an escape; every other character is literal.
// - A quote opened in the middle of an argument continues it (`a"b c"` is one argument `ab c`).
// - A closing quote must be followed by whitespace or the end of the line, and an open quote
//   must be closed on its line; otherwise the server refuses the file ("Unbalanced quotes in
//   configuration line") and this throws ConfParseError.
// - The directive name (first argument) is lower-cased (sdstolower: ASCII letters only).
// - A line of only \v or \f characters survives the trim but has no arguments: it is skipped.
//   `""` is one empty argument, so a line `""` is a directive named "" (which the server rejects).
// The scan works on UTF-8 bytes, as the C code does, so \xHH escapes that form a UTF-8 sequence
// decode to that character; a NUL byte ends the line's content (C strings stop there).
import { RedplayError } from "../errors.js";

/** One directive of a redis.conf: its name (lower-cased), its arguments, its 1-based line. */
export interface ConfLine {
  name: string;
  args: string[];
  line: number;
}

/** A redis.conf line the server would refuse to split; the message never quotes the line (it may hold a password). */
export class ConfParseError extends RedplayError {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;
const HASH = 0x23;

/** C isspace() in the C locale. */
function isSpace(b: number): boolean {
  return b === SPACE || (b >= 0x09 && b <= 0x0d);
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/** The escape a backslash introduces inside double quotes (sds.c: n r t b a, else the character itself). */
function unescape(b: number): number {
  switch (b) {
    case 0x6e: return 0x0a; // n
    case 0x72: return 0x0d; // r
    case 0x74: return 0x09; // t
    case 0x62: return 0x08; // b
    case 0x61: return 0x07; // a
    default: return b;
  }
}

/** sdssplitargs over one line's bytes; null where the server's returns NULL, with why. */
function splitArgs(bytes: Uint8Array): { args: string[] } | { error: string } {
  // A NUL byte ends the C string the server scans.
  const nul = bytes.indexOf(0);
  const end = nul === -1 ? bytes.length : nul;
  const at = (i: number): number | undefined => (i < end ? bytes[i] : undefined);
  const args: string[] = [];
  let p = 0;
  for (;;) {
    while (p < end && isSpace(bytes[p]!)) p++;
    if (p >= end) return { args };
    const current: number[] = [];
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === BACKSLASH && at(p + 1) === 0x78 && hexValue(at(p + 2)) >= 0 && hexValue(at(p + 3)) >= 0) {
          current.push(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === BACKSLASH && at(p + 1) !== undefined) {
          p++;
          current.push(unescape(at(p)!));
        } else if (c === DQUOTE) {
          const next = at(p + 1);
          if (next !== undefined && !isSpace(next)) return { error: "a closing double quote is followed by a character other than a space" };
          done = true;
        } else if (c === undefined) {
          return { error: "a double-quoted argument is not closed" };
        } else {
          current.push(c);
        }
      } else if (insq) {
        if (c === BACKSLASH && at(p + 1) === SQUOTE) {
          p++;
          current.push(SQUOTE);
        } else if (c === SQUOTE) {
          const next = at(p + 1);
          if (next !== undefined && !isSpace(next)) return { error: "a closing single quote is followed by a character other than a space" };
          done = true;
        } else if (c === undefined) {
          return { error: "a single-quoted argument is not closed" };
        } else {
          current.push(c);
        }
      } else if (c === undefined || c === SPACE || c === LF || c === CR || c === TAB) {
        done = true;
      } else if (c === DQUOTE) {
        inq = true;
      } else if (c === SQUOTE) {
        insq = true;
      } else {
        current.push(c);
      }
      if (p < end) p++;
    }
    args.push(decoder.decode(Uint8Array.from(current)));
  }
}

/** sdstrim(line, " \t\r\n"). */
function trimLine(bytes: Uint8Array): Uint8Array {
  const strip = (b: number): boolean => b === SPACE || b === TAB || b === CR || b === LF;
  let start = 0;
  let stop = bytes.length;
  while (start < stop && strip(bytes[start]!)) start++;
  while (stop > start && strip(bytes[stop - 1]!)) stop--;
  return bytes.subarray(start, stop);
}

/** Index of the first character that sdstrim(" \t\r\n") keeps, or -1 when it keeps none. */
function firstKept(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== CR && c !== LF) return i;
  }
  return -1;
}

/** ASCII-only lower-casing, as C tolower() in the C locale. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Splits a redis.conf text into directives exactly as Redis's config loader does (sdssplitargs:
 * double quotes with \n \r \t \b \a \\ \" \xHH escapes, single quotes with only \' escape,
 * comments and blank lines skipped). Throws ConfParseError(line, message) on an unbalanced quote.
 */
export function parseConf(text: string): ConfLine[] {
  const out: ConfLine[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    // Most lines of a stock file are comments or blank: tell them apart on the text (the trimmed
    // characters are ASCII, so this is the byte-level test below) and encode only directives.
    const first = firstKept(lines[i]!);
    if (first === -1 || lines[i]!.charCodeAt(first) === HASH) continue;
    const bytes = trimLine(encoder.encode(lines[i]!));
    if (bytes.length === 0 || bytes[0] === HASH) continue;
    const split = splitArgs(bytes);
    if ("error" in split) throw new ConfParseError(i + 1, `unbalanced quotes in configuration line: ${split.error}`);
    if (split.args.length === 0) continue;
    const [name, ...args] = split.args;
    out.push({ name: asciiLower(name!), args, line: i + 1 });
  }
  return out;
}
