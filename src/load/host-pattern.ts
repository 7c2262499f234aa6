// Host names as Ansible's inventories write them: an optional `:port` suffix and ranges
// (`node-[1:3]`, `db-[01:10:2]`, `web-[a:c]`, several in one name) that stand for many hosts.
// Both INI and YAML inventories read host keys through here, with Ansible's own rules
// (ansible.plugins.inventory.expand_hostname_range and parsing.utils.addresses.parse_address).
import { isIPv4, isIPv6 } from "node:net";

/** What one host key stands for: the host names (in order) and the port it names, if any. */
export interface ExpandedHosts {
  hosts: string[];
  port?: number;
}

/** A host key that cannot be read; the caller adds the location. */
export class HostPatternError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** More hosts than any real inventory has: a typo such as `[1:100000]` is refused, not expanded. */
const MAX_HOSTS = 10_000;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const RANGE_IN_NAME = /\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]/gi;
const LABEL = /^[\p{L}\p{N}_](?:[\p{L}\p{N}_-]*[\p{L}\p{N}_])?$/u;

/** True when `name` (ranges replaced by a representative) is an address or a host name. */
function isHostIdentifier(name: string): boolean {
  const plain = name.replace(RANGE_IN_NAME, "0");
  if (isIPv4(plain) || isIPv6(plain)) return true;
  return plain.split(".").every((label) => LABEL.test(label));
}

/**
 * Splits `host:port` (or `[addr]:port`) as parse_address does: a port is taken only when what
 * is left is a valid address or host name (ranges allowed); otherwise the key is kept whole.
 */
export function splitPort(key: string): { pattern: string; port?: number } {
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(key);
    if (m && isHostIdentifier(m[1]!)) return { pattern: m[1]!, port: Number(m[2]) };
  }
  return { pattern: key };
}

/** Expands every `[begin:end(:step)]` range in `name`, left to right, as Ansible does. */
export function expandHostRange(name: string): string[] {
  const out: string[] = [];
  expandInto(name, out);
  return out;
}

function expandInto(name: string, out: string[]): void {
  const open = name.indexOf("[");
  if (open < 0) {
    out.push(name);
    return;
  }
  const close = name.indexOf("]", open);
  if (close < 0) throw new HostPatternError(`host range in "${name}" has no closing "]"`, "write ranges as [1:3], [01:10:2] or [a:c]");
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(":");
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new HostPatternError(`host range "[${bounds.join(":")}]" must be begin:end or begin:end:step`, "for example node-[1:3] or db-[01:10:2]");
  }
  const beg = bounds[0] === "" ? "0" : bounds[0]!;
  const end = bounds[1]!;
  if (end === "") throw new HostPatternError(`host range "[${bounds.join(":")}]" has no end value`);
  const stepText = bounds[2] ?? "1";
  const step = /^[0-9]+$/.test(stepText) ? Number(stepText) : NaN;
  if (!(step > 0)) throw new HostPatternError(`host range step "${stepText}" must be a whole number above 0`);

  let values: string[];
  if (/^[A-Za-z]$/.test(beg) && /^[A-Za-z]$/.test(end)) {
    const from = LETTERS.indexOf(beg);
    const to = LETTERS.indexOf(end);
    if (from > to) throw new HostPatternError(`host range "[${beg}:${end}]" must have begin <= end`);
    values = [];
    for (let i = from; i <= to; i += step) values.push(LETTERS[i]!);
  } else if (/^[0-9]+$/.test(beg) && /^[0-9]+$/.test(end)) {
    // A leading zero asks for fixed width: [01:10] gives 01 ... 10.
    const width = beg.length > 1 && beg.startsWith("0") ? beg.length : 0;
    if (width > 0 && end.length !== width) {
      throw new HostPatternError(`host range "[${beg}:${end}]" must give begin and end the same width`, `write [${beg}:${end.padStart(width, "0")}]`);
    }
    const from = Number(beg);
    const to = Number(end);
    // Ansible silently expands [3:1] to no host at all; a range that names nobody is a mistake.
    if (from > to) throw new HostPatternError(`host range "[${beg}:${end}]" must have begin <= end`);
    if ((to - from) / step + 1 > MAX_HOSTS) throw new HostPatternError(`host range "[${beg}:${end}]" gives more than ${MAX_HOSTS} hosts`);
    values = [];
    for (let i = from; i <= to; i += step) values.push(width > 0 ? String(i).padStart(width, "0") : String(i));
  } else {
    throw new HostPatternError(`host range "[${bounds.join(":")}]" must be numbers or single letters`, "for example node-[1:3] or web-[a:c]");
  }
  for (const v of values) {
    expandInto(`${head}${v}${tail}`, out);
    if (out.length > MAX_HOSTS) throw new HostPatternError(`"${name}" gives more than ${MAX_HOSTS} hosts`);
  }
}

/** The hosts (and port) one inventory host key stands for. */
export function expandHostKey(key: string): ExpandedHosts {
  const { pattern, port } = splitPort(key.trim());
  const hosts = pattern.includes("[") ? expandHostRange(pattern) : [pattern];
  return port === undefined ? { hosts } : { hosts, port };
}
