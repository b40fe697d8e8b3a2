/**
 * Reproducible random samples for dry runs. Phoenix's `dry_run=n` samples with a fixed seed
 * (42) and the TypeScript client takes the first n; here the seed is random by default, printed,
 * and settable, so a surprising sample can be re-run exactly.
 */

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; enough for sampling. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/**
 * `count` distinct items chosen uniformly at random with `seed`, returned in their original
 * order so test names and summaries stay in dataset order.
 */
export function sample<T>(items: readonly T[], count: number, seed: number): T[] {
  const n = Math.min(Math.max(count, 0), items.length);
  const random = seededRandom(seed);
  const indices = items.map((_, i) => i);
  // Partial Fisher–Yates: the first n positions become a uniform sample.
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (indices.length - i));
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  return indices.slice(0, n).sort((a, b) => a - b).map((i) => items[i]!);
}
