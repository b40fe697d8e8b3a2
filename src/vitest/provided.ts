import type { ShardSpec } from "../record/shard.js";

/** What `experimentsProject()` hands to the workers through Vitest's `provide`/`inject`. */
export interface ProvidedSettings {
  /** The store directory as configured (relative to the project root), "" for the default, or false when the store is off. */
  storeDir: string | false;
  /**
   * Whether the reporter uploads to Phoenix: `off` (`phoenix: false`), `configured` (a host given
   * to `experimentsProject()`), or `env` (whatever `PHOENIX_HOST` says). Workers trace runs only
   * when they will be uploaded.
   */
  phoenix: "off" | "configured" | "env";
  /** This machine's share of every experiment's runs (`shard` option or `VITEST_EXPERIMENTS_SHARD`), checked in the main process; null when not sharded. */
  shard?: ShardSpec | null;
}

export const PROVIDE_KEY = "vitestExperiments";
