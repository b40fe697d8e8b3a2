import type { OptionOverrides } from "../declaration/validate-options.js";

/**
 * `VITEST_EXPERIMENTS_DRY_RUN=true|n` samples every experiment without editing it (handy in watch
 * mode while iterating on a prompt); `VITEST_EXPERIMENTS_SEED` fixes the sample.
 */
export function envOverrides(env: NodeJS.ProcessEnv = process.env): OptionOverrides {
  const overrides: OptionOverrides = {};
  const dryRun = env.VITEST_EXPERIMENTS_DRY_RUN?.trim();
  if (dryRun && dryRun !== "false" && dryRun !== "0") {
    overrides.dryRun = dryRun === "true" ? true : Number(dryRun);
  }
  const seed = env.VITEST_EXPERIMENTS_SEED?.trim();
  if (seed) overrides.seed = Number(seed);
  return overrides;
}
