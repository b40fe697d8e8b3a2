import type { BaselineSummary, ExperimentDescriptor, RunRecord } from "../record/types.js";
import { compareToBaseline, describeBaseline, resolveBaseline } from "./baselines.js";
import type { ExperimentStore } from "./types.js";

export interface GateBaseline {
  means: Record<string, number>;
  /** Compares this experiment's runs with the baseline, for the summaries. */
  summarize(runs: readonly RunRecord[]): BaselineSummary;
}

/**
 * The gates test's baseline, for `maxDrop` and the summaries' deltas: the experiment's `baseline`
 * option, the committed `__baselines__` file next to the eval file, or the latest passing
 * experiment in the store. An explicit baseline that cannot be found is an error, reported in the
 * gates test, or by the reporter for experiments merged from shards (silently measuring against
 * nothing would pass a gate that was meant to hold).
 */
export async function resolveGateBaseline(experiment: ExperimentDescriptor, evalFile: string | undefined, store: ExperimentStore | undefined): Promise<GateBaseline | undefined> {
  const baseline = await resolveBaseline({ store, experiment, evalFile });
  if (!baseline) return undefined;
  return {
    means: baseline.means,
    summarize(runs) {
      const comparison = compareToBaseline(runs, baseline, experiment.gates, {
        evaluators: experiment.evaluators,
        repetitions: experiment.repetitions,
        excludeFailedTasks: experiment.config.allowedErrorRate > 0,
      });
      return {
        source: describeBaseline(baseline),
        evaluators: comparison.evaluators,
        regressed: comparison.regressed.map((c) => c.key),
        improved: comparison.improved.map((c) => c.key),
      };
    },
  };
}

