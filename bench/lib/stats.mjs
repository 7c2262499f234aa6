// Summaries of repeated measurements: median with min and max (no means: one slow outlier on a
// shared machine should not move the figure).

/** { median, min, max, n } of the numbers given (nulls dropped); null when none. */
export function summary(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}
