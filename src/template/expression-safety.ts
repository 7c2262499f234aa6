// What keeps `when` expressions from reaching anything but the variables they were given.
// jexl itself cannot call arbitrary functions, but it reads properties with `obj[name]`, which
// walks prototypes (`x.constructor`, `x.__proto__`). Three layers close that: a static check on
// the parsed tree, a read-only view of the variables that exposes own properties only, and
// null-prototype function pools (see expressions.ts) so `|constructor` is not a transform.

/** Property names no expression may name. */
export const FORBIDDEN = new Set([
  "constructor",
  "__proto__",
  "prototype",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
]);

const targets = new WeakMap<object, object>();

/** A read-only view of `value` that shows only own, non-function properties, recursively. */
export function guard(value: unknown): unknown {
  if (typeof value === "function") return undefined;
  if (value === null || typeof value !== "object") return value;
  if (targets.has(value)) return value;
  // The proxy stands on an empty stand-in, not on `value`: a Proxy must return a read-only,
  // non-configurable property of its target unchanged (the engine's `hostvars` is one), and
  // here every object read must come back guarded.
  const source = value as Record<string, unknown>;
  const proxy = new Proxy(Array.isArray(value) ? [] : {}, {
    get(_, key) {
      if (typeof key !== "string" || FORBIDDEN.has(key) || !Object.hasOwn(source, key)) return undefined;
      return guard(source[key]);
    },
    has(_, key) {
      return typeof key === "string" && Object.hasOwn(source, key);
    },
    ownKeys(target) {
      const keys = Reflect.ownKeys(source).filter((k) => typeof k === "string" && !FORBIDDEN.has(k));
      // An array stand-in's own `length` must be listed.
      return Array.isArray(target) && !keys.includes("length") ? [...keys, "length"] : keys;
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key !== "string" || FORBIDDEN.has(key) || !Object.hasOwn(source, key)) return undefined;
      if (Array.isArray(target) && key === "length") return Reflect.getOwnPropertyDescriptor(target, key);
      const d = Reflect.getOwnPropertyDescriptor(source, key)!;
      return { value: guard(source[key]), writable: false, enumerable: d.enumerable ?? false, configurable: true };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
    setPrototypeOf: () => false,
    getPrototypeOf: () => null,
  });
  targets.set(proxy, value);
  return proxy;
}

/** The plain value behind a guarded view (our operators and filters work on plain values). */
export function unguard<T>(value: T): T {
  if (value !== null && typeof value === "object") return (targets.get(value) as T | undefined) ?? value;
  if (typeof value === "function") return undefined as T;
  return value;
}
