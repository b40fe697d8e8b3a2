import { projectRoot } from "../datasets/project-root.js";
import type { BaselineSummary, ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";
import { compareToBaseline, describeBaseline, resolveBaseline } from "../store/baselines.js";
import { writeBaselineFile } from "../store/baseline-file.js";
import { openStore, resolveStoreDir } from "../store/index.js";
import type { ExperimentStore } from "../store/types.js";
import { workerSettings } from "./worker-settings.js";


let store: ExperimentStore | undefined | null = null;

function workerStore(): ExperimentStore | undefined {
  if (store !== null) return store;
  const settings = workerSettings();
  if (settings?.storeDir === false) return (store = undefined);
  return (store = openStore(resolveStoreDir({ root: projectRoot(), dir: settings?.storeDir || undefined })));
}

export interface GateBaseline {
  means: Record<string, number>;
  /** Compares this experiment's runs with the baseline, for the summaries. */
  summarize(runs: readonly RunRecord[]): BaselineSummary;
}

/**
 * The gates test's baseline, for `maxDrop` and the summaries' deltas: the experiment's `baseline`
 * option, the committed `__baselines__` file next to the eval file, or the latest passing
 * experiment in the store. An explicit baseline that cannot be found is an error, reported in the
 * gates test (silently measuring against nothing would pass a gate that was meant to hold).
 */
export async function resolveGateBaseline(experiment: ExperimentDescriptor, evalFile: string | undefined): Promise<GateBaseline | undefined> {
  const baseline = await resolveBaseline({ store: workerStore(), experiment, evalFile });
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

/** `vitest -u`: writes the committed baseline file from this (complete) experiment. */
export async function updateBaselineFile(evalFile: string, result: ExperimentResult, runs: readonly RunRecord[]): Promise<string> {
  return writeBaselineFile(evalFile, result, runs);
}
