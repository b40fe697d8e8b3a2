import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";

/** How the gates test finds a baseline for `maxDrop` and writes committed baselines on `-u`. */
export interface BaselineHooks {
  resolve(experiment: ExperimentDescriptor, evalFile: string | undefined): Promise<{ means: Record<string, number> } | undefined>;
  update(evalFile: string, result: ExperimentResult, runs: readonly RunRecord[]): Promise<void>;
}

const none: BaselineHooks = {
  resolve: async () => undefined,
  update: async () => {},
};

export function baselineHooks(): BaselineHooks {
  return none;
}
