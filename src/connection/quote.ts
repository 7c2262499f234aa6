// POSIX `sh` quoting for commands sent to a host. Every Connection runs `sh -c`, so values
// interpolated into a command must be single-quoted (bash-only `$'...'` forms would break on
// dash). Also owns splitting a command line into words, for `command`, which must not let the
// shell interpret `$`, `|`, `;` or redirections.

/** Quotes one word for POSIX sh: `it's` -> `'it'\''s'`. Safe words are left bare for readability. */
export function shq(s: string): string {
  if (s !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quotes each word and joins them with spaces: a command line that runs exactly `words`. */
export function shJoin(words: readonly string[]): string {
  return words.map(shq).join(" ");
}

/** Values a `sh` template accepts: strings, numbers, and lists of them (space-separated words). */
export type ShValue = string | number | readonly (string | number)[];

/** Tagged template that quotes every interpolated value: sh`systemctl restart ${unit}`. */
export function sh(strings: TemplateStringsArray, ...values: ShValue[]): string {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += Array.isArray(value)
      ? value.map((v) => shq(String(v))).join(" ")
      : shq(String(value));
    out += strings[i + 1] ?? "";
  });
  return out;
}

/**
 * Splits a command line into words the way sh would, without expanding anything:
 * single quotes, double quotes (with `\"`, `\\`, `\$`, `` \` `` escapes) and backslashes.
 * Returns an error string for an unterminated quote so callers can report it as a task failure.
 */
export function splitWords(line: string): string[] | { error: string } {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: "unterminated single quote" };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const d = line[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      if (!closed) return { error: "unterminated double quote" };
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      if (line[i + 1] !== "\n") word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
