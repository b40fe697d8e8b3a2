import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../../record/types.js";
import { judgeRun } from "../../record/gates.js";
import { runTestName } from "../../record/naming.js";
import type { ExperimentSink, SinkOutput } from "../types.js";
import { formatSummary, type RunLine } from "./format-summary.js";
import type { Palette } from "./palette.js";

export interface SummarySinkOptions {
  output: SinkOutput;
  palette: Palette;
  /**
   * Means of the previous run of each experiment (by name), for watch-mode deltas. The sink
   * updates it as experiments finish, so one map kept across re-runs gives `0.82 → 0.86 (+0.04)`.
   */
  previousMeans?: Map<string, Record<string, number>>;
  /** Extra lines per experiment (links to the store, to Phoenix). */
  linksFor?: (experiment: ExperimentDescriptor) => string[];
}

/**
 * Prints a compact summary after each experiment. Keeps only one line of facts per run (never the
 * outputs), so memory stays flat however large the outputs are.
 */
export function createSummarySink(options: SummarySinkOptions): ExperimentSink {
  const runs = new Map<string, RunLine[]>();
  return {
    name: "summary",
    runCompleted(run: RunRecord, experiment: ExperimentDescriptor) {
      if (!experiment.config.printSummary) return;
      let lines = runs.get(experiment.id);
      if (!lines) runs.set(experiment.id, (lines = []));
      lines.push(toRunLine(run, experiment));
    },
    experimentFinished(result: ExperimentResult) {
      const { experiment } = result;
      const lines = runs.get(experiment.id) ?? [];
      runs.delete(experiment.id);
      const previous = options.previousMeans?.get(experiment.name);
      const means = Object.fromEntries(result.stats.evaluators.filter((e) => e.mean !== null).map((e) => [e.name, e.mean!]));
      if (experiment.dryRun === null && result.status !== "interrupted") options.previousMeans?.set(experiment.name, means);
      if (!experiment.config.printSummary) return;
      options.output.log(
        formatSummary(result, lines, {
          palette: options.palette,
          ...(previous ? { previousMeans: previous } : {}),
          links: options.linksFor?.(experiment) ?? [],
        }),
      );
    },
  };
}

function toRunLine(run: RunRecord, experiment: ExperimentDescriptor): RunLine {
  const verdict = judgeRun(run, experiment.gates);
  return {
    name: runTestName(run.exampleId, run.repetition, experiment.repetitions),
    failed: verdict.failed,
    reasons: verdict.reasons,
    scores: Object.fromEntries(run.evaluations.map((e) => [e.name, e.score])),
    explanations: Object.fromEntries(run.evaluations.filter((e) => e.explanation).map((e) => [e.name, e.explanation!])),
  };
}
