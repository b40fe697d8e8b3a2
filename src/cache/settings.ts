import { join } from "node:path";
import { resolveStoreDir } from "../store/paths.js";

/** Turns the cache on (`true`, `1`, `on`) or off (`false`, `0`, `off`) whatever the defaults say. */
export const CACHE_ENV = "VITEST_EXPERIMENTS_CACHE";
/** Moves the cache out of the local store's directory. */
export const CACHE_DIR_ENV = "VITEST_EXPERIMENTS_CACHE_DIR";

export interface CacheSettings {
  enabled: boolean;
  /** Absolute directory holding one file per cached response. */
  dir: string;
  /** Why the cache is on or off, for the summary ("off: CI is set"). */
  reason: string;
}

export interface CacheOverrides {
  enabled?: boolean;
  dir?: string;
}

const TRUE = new Set(["1", "true", "on", "yes"]);
const FALSE = new Set(["0", "false", "off", "no"]);

function parseSwitch(name: string, value: string): boolean {
  const normalised = value.trim().toLowerCase();
  if (TRUE.has(normalised)) return true;
  if (FALSE.has(normalised)) return false;
  throw new Error(`${name}=${JSON.stringify(value)}: expected one of true, false, 1, 0, on, off`);
}

function isCI(env: Record<string, string | undefined>): boolean {
  const value = env.CI;
  return value !== undefined && value !== "" && !FALSE.has(value.trim().toLowerCase());
}

/**
 * On by default for local iteration, off by default in CI (where a stale answer would hide a
 * regression), and `VITEST_EXPERIMENTS_CACHE` overrides both. Explicit overrides win over the environment.
 */
export function resolveCacheSettings(
  overrides: CacheOverrides = {},
  env: Record<string, string | undefined> = process.env,
  root: string = process.cwd(),
): CacheSettings {
  const dir = overrides.dir
    ? resolveStoreDir({ root, dir: overrides.dir, env: {} })
    : env[CACHE_DIR_ENV]?.trim()
      ? resolveStoreDir({ root, dir: env[CACHE_DIR_ENV], env: {} })
      : join(resolveStoreDir({ root, env }), "cache");
  if (overrides.enabled !== undefined) return { enabled: overrides.enabled, dir, reason: overrides.enabled ? "on: configured" : "off: configured" };
  const explicit = env[CACHE_ENV];
  if (explicit !== undefined && explicit.trim() !== "") {
    const enabled = parseSwitch(CACHE_ENV, explicit);
    return { enabled, dir, reason: `${enabled ? "on" : "off"}: ${CACHE_ENV}=${explicit.trim()}` };
  }
  if (isCI(env)) return { enabled: false, dir, reason: `off: CI is set (${CACHE_ENV}=true turns it on)` };
  return { enabled: true, dir, reason: "on: local run" };
}

let processOverrides: CacheOverrides = {};

/** Sets process-wide overrides (tests, programmatic runs); `configureCache({})` restores the defaults. */
export function configureCache(overrides: CacheOverrides): void {
  processOverrides = { ...overrides };
}

/** The settings in force now: read on every request, so an environment set by a setup file counts. */
export function currentCacheSettings(): CacheSettings {
  return resolveCacheSettings(processOverrides);
}
