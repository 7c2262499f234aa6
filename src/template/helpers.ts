// Handlebars helpers a Redis config author needs. They are plain functions over values so the
// native-value path (a string that is one mustache) can call them too and keep their result's type.
/** Thrown by a helper; the renderer turns it into a located TemplateError. */
export class HelperFailure extends Error {
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
  }
}

type Helper = (...args: unknown[]) => unknown;

/** Drops Handlebars' trailing options object so helpers see only the author's arguments. */
function args(raw: unknown[]): unknown[] {
  return raw.slice(0, -1);
}

function requireDefined(name: string, values: unknown[]): void {
  if (values.some((v) => v === undefined)) {
    throw new HelperFailure(`"${name}" was given an undefined value`);
  }
}

/** Redis config quoting: bare when safe, else double quotes with backslash escapes. */
export function redisQuote(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  if (s !== "" && !/[\s"'\\]/.test(s)) return s;
  const escaped = s
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t");
  return `"${escaped}"`;
}

export const helpers: Record<string, Helper> = {
  default: (...raw) => {
    const [value, fallback] = args(raw);
    return value === undefined || value === null || value === "" ? fallback : value;
  },
  eq: (...raw) => {
    const [a, b] = args(raw);
    return a === b;
  },
  ne: (...raw) => {
    const [a, b] = args(raw);
    return a !== b;
  },
  lt: (...raw) => {
    const [a, b] = args(raw) as [number, number];
    return a < b;
  },
  gt: (...raw) => {
    const [a, b] = args(raw) as [number, number];
    return a > b;
  },
  and: (...raw) => args(raw).every(Boolean),
  or: (...raw) => args(raw).some(Boolean),
  not: (...raw) => !args(raw)[0],
  join: (...raw) => {
    const [list, sep] = args(raw);
    requireDefined("join", [list]);
    if (!Array.isArray(list)) throw new HelperFailure(`"join" expects a list, got ${typeof list}`);
    return list.join(sep === undefined ? "," : String(sep));
  },
  /** Items of the first list that are also in the second, in the first list's order. */
  intersect: (...raw) => {
    const [a, b] = args(raw);
    requireDefined("intersect", [a, b]);
    if (!Array.isArray(a) || !Array.isArray(b)) throw new HelperFailure(`"intersect" expects two lists`);
    return a.filter((x) => b.includes(x));
  },
  /** Items of the first list that are not in the second. */
  difference: (...raw) => {
    const [a, b] = args(raw);
    requireDefined("difference", [a, b]);
    if (!Array.isArray(a) || !Array.isArray(b)) throw new HelperFailure(`"difference" expects two lists`);
    return a.filter((x) => !b.includes(x));
  },
  /** `{{env "NAME"}}`: an environment variable; unset is an error unless a fallback is given (`{{env "NAME" "x"}}`). */
  env: (...raw) => {
    const [name, fallback] = args(raw);
    const key = String(name);
    const value = process.env[key] ?? (fallback === undefined ? undefined : String(fallback));
    if (value === undefined) {
      throw new HelperFailure(`environment variable "${key}" is not set; export it before running`, key);
    }
    return value;
  },
  json: (...raw) => JSON.stringify(args(raw)[0] ?? null),
  upper: (...raw) => {
    const [v] = args(raw);
    requireDefined("upper", [v]);
    return String(v).toUpperCase();
  },
  lower: (...raw) => {
    const [v] = args(raw);
    requireDefined("lower", [v]);
    return String(v).toLowerCase();
  },
  quote: (...raw) => {
    const [v] = args(raw);
    requireDefined("quote", [v]);
    return redisQuote(v);
  },
};
