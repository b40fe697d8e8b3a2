import { AsyncLocalStorage } from "node:async_hooks";

export interface CacheStats {
  hits: number;
  misses: number;
  /** Responses stored after a miss (errors are never stored). */
  writes: number;
}

const processStats: CacheStats = { hits: 0, misses: 0, writes: 0 };

/** Counters for this process since it started (or since `resetCacheStats()`). */
export function getCacheStats(): CacheStats {
  return { ...processStats };
}

export function resetCacheStats(): void {
  processStats.hits = 0;
  processStats.misses = 0;
  processStats.writes = 0;
}

/**
 * What the engine knows about the call being made: the repetition it belongs to (so repetitions
 * are distinct requests) and counters for this run alone, which survive the worker → main process
 * trip when the engine copies them into the run record.
 */
export interface CacheScope {
  repetition?: number;
  stats: CacheStats;
}

const scopes = new AsyncLocalStorage<CacheScope>();

/** Runs `fn` with a cache scope; every cached call inside it (task or evaluator) counts into `scope.stats`. */
export function withCacheScope<T>(scope: { repetition?: number }, fn: (scope: CacheScope) => T): T {
  const full: CacheScope = { ...scope, stats: { hits: 0, misses: 0, writes: 0 } };
  return scopes.run(full, () => fn(full));
}

export function currentCacheScope(): CacheScope | undefined {
  return scopes.getStore();
}

export function countCache(event: keyof CacheStats, scope: CacheScope | undefined = scopes.getStore()): void {
  processStats[event]++;
  if (scope) scope.stats[event]++;
}
