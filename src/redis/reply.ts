// Shapes of Redis replies shared by the modules.

/** A flat [field, value, ...] reply (CONFIG GET, SENTINEL MASTER, ...) as a record. */
export function fieldsOf(reply: unknown): Record<string, string> {
  const flat = Array.isArray(reply) ? reply : [];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}
