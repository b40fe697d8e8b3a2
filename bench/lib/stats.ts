/** Small statistics for repeated measurements: medians of repetitions, percentiles of latencies. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0–100), the definition load-testing tools report. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

/** Runs `measure` `times` times in sequence (never in parallel: they would disturb each other). */
export async function repeat<T>(times: number, measure: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await measure(i));
  return results;
}

/** The median of one numeric field over repetitions. */
export function medianOf<T>(samples: readonly T[], field: (sample: T) => number): number {
  return median(samples.map(field));
}
