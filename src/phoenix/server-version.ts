import { PhoenixError } from "./errors.js";

/**
 * The oldest Phoenix server uploads work with: versioning a dataset by example ids
 * (`example_ids` with `action=update`) arrived in 15.0.0; `/incomplete-evaluations`, which resumed
 * uploads use, in 12.10.0. Proven against 20.26.1.
 */
export const MINIMUM_PHOENIX_VERSION = "15.0.0";
export const MINIMUM_PHOENIX_VERSION_NEEDS = "uploads version datasets by example id (action=update with example_ids)";

/** `major.minor.patch` of a version string (`20.26.1`, `15.0.0rc1`); undefined when it has none. */
export function parseVersion(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

export function isAtLeast(version: string, minimum: string): boolean | undefined {
  const [have, need] = [parseVersion(version), parseVersion(minimum)];
  if (!have || !need) return undefined;
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i]! > need[i]!;
  return true;
}

/** Throws a permanent `version` error below the minimum; an unreadable version (a dev build) passes. */
export function checkServerVersion(host: string, version: string, minimum: string, needs: string): void {
  if (isAtLeast(version, minimum) !== false) return;
  throw new PhoenixError(
    `Phoenix at ${host} is version ${version}; vitest-experiments needs Phoenix ${minimum} or newer (it ${needs}). Upgrade Phoenix, or set VITEST_EXPERIMENTS_UPLOAD=false to run without uploading.`,
    { kind: "version", method: "GET", path: "/arize_phoenix_version", retryable: false },
  );
}
