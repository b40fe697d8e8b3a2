/**
 * The data an HTML report embeds, as the page reads it: plain JSON, built in Node by `data.ts`
 * and read by the page's own code in `client/`. Every string here is experiment text (outputs,
 * inputs, explanations, labels, ids) and the page only ever shows it as text.
 *
 * Values that are not strings (a JSON output, an input object) arrive already formatted as text,
 * so the page never has to decide how to print them, and every long field is already capped.
 */
import type { Direction, EvaluatorKind, ExperimentStats, GateVerdict } from "../../record/types.js";

export interface ReportData {
  /** Bumped when the shape changes; the page refuses data it does not know. */
  schema: 1;
  generatedAt: string;
  /** `vitest-experiments` version that wrote the page. */
  version: string;
  /** Experiments shown one by one (a selector when there are several). */
  experiments: ReportExperiment[];
  /** Set for the compare view: `experiments` holds the candidate and the baseline, in that order. */
  comparison: ReportComparison | null;
}

export interface ReportExperiment {
  id: string;
  name: string;
  file: string | null;
  description: string | null;
  status: "passed" | "failed" | "partial" | "interrupted" | "incomplete";
  startTime: string;
  endTime: string | null;
  git: { commit?: string; branch?: string } | null;
  dataset: { name: string; examples: number; totalExamples: number; contentHash: string; splits: string[] };
  repetitions: number;
  dryRun: { sampled: number; seed: number } | null;
  evaluators: ReportEvaluator[];
  stats: Pick<ExperimentStats, "runs" | "errors" | "skipped" | "retries" | "rateLimited" | "cacheHits" | "cacheMisses">;
  gates: GateVerdict[];
  /** False when the store had no examples for this experiment: inputs and expected outputs are null. */
  hasExamples: boolean;
  runs: ReportRun[];
}

export interface ReportEvaluator {
  name: string;
  kind: EvaluatorKind;
  direction: Direction;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Runs that contributed a score to the mean. */
  count: number;
  errors: number;
  /** Share of runs that met the `perRun` bar, when there is one. */
  passRate: number | null;
  /** The per-run bar a run's score is judged by (`perRun`, else the `mean` gate's bar), when there is one. */
  bar: number | null;
  labels: Record<string, number>;
}

export interface ReportRun {
  exampleId: string;
  repetition: number;
  status: "ok" | "error";
  input: string | null;
  expected: string | null;
  output: string | null;
  /** `Name: message` of the task's last error. */
  error: string | null;
  attempts: number;
  latencyMs: number;
  /** In the experiment's evaluator order; missing evaluations are absent. */
  evaluations: ReportEvaluation[];
}

export interface ReportEvaluation {
  name: string;
  score: number | null;
  label: string | null;
  explanation: string | null;
  error: string | null;
}

/** A candidate measured against a baseline, with the store's own comparison logic (`compareToBaseline`). */
export interface ReportComparison {
  candidateId: string;
  baselineId: string;
  evaluators: { evaluator: string; direction: Direction; baseline: number | null; current: number | null; delta: number | null; worse: boolean }[];
  counts: { regressed: number; improved: number; changed: number; unchanged: number; added: number; removed: number };
  /** Regressed first, then improved, then the rest (changed, new, not run, unchanged). */
  rows: ReportComparisonRow[];
}

export type ChangeKind = "regressed" | "improved" | "changed" | "unchanged" | "added" | "removed";

export interface ReportComparisonRow {
  /** The run key: `exampleId`, or `exampleId [rep i]`. */
  key: string;
  change: ChangeKind;
  /** Evaluators whose movement made the row regress or improve. */
  movedBy: string[];
  scores: { evaluator: string; before: number | null; after: number | null }[];
  baselineOutput: string | null;
  candidateOutput: string | null;
  input: string | null;
}
