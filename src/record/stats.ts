import { aggregateScores, evaluateGates, gatesFailed, judgeRun, meanOf, meetsBar } from "./gates.js";
import { declaredRunCount } from "./shard.js";
import type { EvaluatorStats, ExperimentDescriptor, ExperimentResult, ExperimentStats, ExperimentStatus, RunRecord, ThrottleSummary } from "./types.js";

/** Per-experiment counts and per-evaluator statistics, computed the same way everywhere. */
export function computeStats(experiment: ExperimentDescriptor, runs: readonly RunRecord[]): ExperimentStats {
  const expected = declaredRunCount(experiment);
  const excludeFailed = experiment.config.allowedErrorRate > 0;
  let errors = 0;
  let retries = 0;
  let rateLimited = 0;
  let cacheHits = 0;
  let cacheMisses = 0;
  for (const run of runs) {
    cacheHits += run.cache?.hits ?? 0;
    cacheMisses += run.cache?.misses ?? 0;
    if (run.status === "error") errors++;
    // Retries are the attempts that followed a failure which was not a rate limit, whatever
    // their own outcome (a retry refused by the rate limit was still spent).
    for (const [i, attempt] of run.attempts.entries()) {
      if (attempt.rateLimited) rateLimited++;
      if (i > 0 && !run.attempts[i - 1]!.rateLimited) retries++;
    }
  }
  const evaluators: EvaluatorStats[] = experiment.evaluators.map(({ name, direction }) => {
    const gate = experiment.gates.find((g) => g.evaluator === name && g.perRun !== undefined);
    const scores = aggregateScores(runs, name, { direction, excludeFailedTasks: excludeFailed });
    const labels: Record<string, number> = {};
    let evaluatorErrors = 0;
    for (const run of runs) {
      const evaluation = run.evaluations.find((e) => e.name === name);
      if (evaluation?.error !== null && evaluation !== undefined) evaluatorErrors++;
      if (evaluation?.label) labels[evaluation.label] = (labels[evaluation.label] ?? 0) + 1;
    }
    const passRate = gate?.perRun === undefined || scores.length === 0 ? null : scores.filter((s) => meetsBar(s, gate.perRun!, gate.direction)).length / scores.length;
    return {
      name,
      direction,
      count: scores.length,
      mean: meanOf(scores),
      min: scores.length === 0 ? null : Math.min(...scores),
      max: scores.length === 0 ? null : Math.max(...scores),
      passRate,
      errors: evaluatorErrors,
      labels,
    };
  });
  return { runs: runs.length, errors, skipped: Math.max(0, expected - runs.length), retries, rateLimited, cacheHits, cacheMisses, evaluators };
}

export interface ResultContext {
  /** The run covered less than the declared runs for a reason other than exitOnError. */
  partial: boolean;
  interrupted?: boolean;
  baseline?: { means: Record<string, number> };
  /** What the engine's rate limiter saw, when the experiment ran through it. */
  throttle?: ThrottleSummary;
}

/** Closes an experiment: statistics, every gate's verdict, and the overall status. */
export function buildResult(experiment: ExperimentDescriptor, runs: readonly RunRecord[], context: ResultContext): ExperimentResult {
  const stats = computeStats(experiment, runs);
  const partial = context.partial || context.interrupted === true || experiment.dryRun !== null;
  const gates = evaluateGates(experiment.gates, {
    runs,
    partial,
    allowedErrorRate: experiment.config.allowedErrorRate,
    ...(context.baseline ? { baseline: context.baseline } : {}),
  });
  // Task failures within the error-rate allowance are judged by the errorRate gate instead.
  const runFailed = runs.some((r) => (r.status === "error" ? experiment.config.allowedErrorRate === 0 : judgeRun(r, experiment.gates).failed));
  let status: ExperimentStatus;
  if (context.interrupted) status = "interrupted";
  else if (gatesFailed(gates) || runFailed) status = "failed";
  else if (partial) status = "partial";
  else status = "passed";
  return { experiment, status, stats, gates, endTime: new Date().toISOString(), ...(context.throttle ? { throttle: context.throttle } : {}) };
}
