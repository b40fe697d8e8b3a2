import { aggregateScores, meanOf, scoreForAggregate } from "../record/gates.js";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";

/**
 * How one run is addressed in baselines and comparisons: the example id, with ` [rep i]` when
 * the experiment repeats examples. (Not `runTestName`: the repetition count is left out so that
 * a baseline stays comparable when it changes.)
 */
export function runKey(exampleId: string, repetition: number, repetitions: number): string {
  return repetitions > 1 ? `${exampleId} [rep ${repetition}]` : exampleId;
}

/** Names of the evaluators an experiment declared, plus any that only appear in its runs. */
export function evaluatorNames(experiment: ExperimentDescriptor, runs: readonly RunRecord[]): string[] {
  const names = new Set(experiment.evaluators.map((e) => e.name));
  for (const run of runs) for (const evaluation of run.evaluations) names.add(evaluation.name);
  return [...names];
}

/** Whether failed tasks leave the aggregates (the error-rate allowance), as the gates count them. */
export function excludesFailedTasks(experiment: ExperimentDescriptor): boolean {
  return experiment.config.allowedErrorRate > 0;
}

/**
 * Per run key, each evaluator's score as the aggregates count it (a failed task counts as 0
 * unless allowed; label-only evaluations have no score and are left out).
 */
export function perRunScores(experiment: ExperimentDescriptor, runs: readonly RunRecord[]): Record<string, Record<string, number>> {
  const names = evaluatorNames(experiment, runs);
  const exclude = excludesFailedTasks(experiment);
  const scores: Record<string, Record<string, number>> = {};
  for (const run of runs) {
    const byEvaluator: Record<string, number> = {};
    for (const name of names) {
      const score = scoreForAggregate(run, name, exclude);
      if (score !== undefined) byEvaluator[name] = score;
    }
    scores[runKey(run.exampleId, run.repetition, experiment.repetitions)] = byEvaluator;
  }
  return scores;
}

/** Mean score per evaluator over `runs`, counted as the gates count them. */
export function meansOfRuns(experiment: ExperimentDescriptor, runs: readonly RunRecord[]): Record<string, number> {
  const exclude = excludesFailedTasks(experiment);
  const means: Record<string, number> = {};
  for (const name of evaluatorNames(experiment, runs)) {
    const mean = meanOf(aggregateScores(runs, name, { direction: directionOf(experiment, name), excludeFailedTasks: exclude }));
    if (mean !== null) means[name] = mean;
  }
  return means;
}

/** The means an experiment reported when it finished (what its summary showed), else computed from its runs. */
export function meansOfExperiment(experiment: ExperimentDescriptor, result: ExperimentResult | undefined, runs: readonly RunRecord[]): Record<string, number> {
  if (!result) return meansOfRuns(experiment, runs);
  const means: Record<string, number> = {};
  for (const stats of result.stats.evaluators) if (stats.mean !== null) means[stats.name] = stats.mean;
  return means;
}

function directionOf(experiment: ExperimentDescriptor, evaluator: string) {
  return experiment.evaluators.find((e) => e.name === evaluator)?.direction ?? "maximize";
}
