import { aggregateScores, formatNumber, meanOf, meetsBar } from "../record/gates.js";
import type { DatasetDescriptor, Direction, ExperimentDescriptor, GateSpec, RunRecord } from "../record/types.js";
import { readBaselineFile } from "./baseline-file.js";
import { StoreError } from "./errors.js";
import { excludesFailedTasks, meansOfExperiment, meansOfRuns, perRunScores, runKey } from "./run-scores.js";
import type { ExperimentStore, StoredExperiment, StoredExperimentSummary } from "./types.js";

/** What an experiment is measured against for `maxDrop`, deltas and regressions. */
export interface Baseline {
  /** `option`: the experiment's `baseline` id; `file`: a committed `__baselines__` file; `history`: the store. */
  source: "option" | "file" | "history";
  /** The baseline experiment, for `option` and `history`. */
  experimentId?: string;
  /** Mean score per evaluator. */
  means: Record<string, number>;
  /** Per run key (`exampleId`, or `exampleId [rep i]`), each evaluator's score. */
  perExample: Record<string, Record<string, number>>;
  /** The baseline file, for `file`. */
  file?: string;
}

export interface ResolveBaselineOptions {
  store?: ExperimentStore | undefined;
  experiment: ExperimentDescriptor;
  /** The eval file's absolute path; its `__baselines__/<name>.json` is looked up. */
  evalFile?: string | undefined;
  /** An explicit baseline experiment (id, or name for the latest of that name); defaults to `experiment.baseline`. */
  explicitId?: string | undefined;
}

/**
 * The experiment's baseline, in order: an explicit baseline experiment, the committed baseline
 * file, else the most recent complete experiment in the store, started before this one, with the
 * same name and dataset, whose gates passed (a failing experiment never becomes the bar it is measured against). Never the
 * experiment itself. Undefined when there is none.
 *
 * Throws when an explicit baseline is not in the store (it was asked for by name: silently
 * measuring against something else would mislead), or when the baseline file is damaged.
 */
export async function resolveBaseline({ store, experiment, evalFile, explicitId = experiment.baseline }: ResolveBaselineOptions): Promise<Baseline | undefined> {
  if (explicitId !== undefined) {
    const stored = store ? await store.readExperiment(explicitId) : undefined;
    if (!stored || stored.experiment.id === experiment.id) {
      const where = store ? `the store at ${store.dir}` : "the store (it is disabled)";
      throw new StoreError(
        `Baseline experiment ${JSON.stringify(explicitId)} of experiment ${JSON.stringify(experiment.name)} is not in ${where}. ` +
          "Check the `baseline` option, or remove it to use the committed baseline file or the latest passing experiment.",
        store?.dir ?? "",
      );
    }
    return baselineFromStored(stored, "option");
  }
  if (evalFile !== undefined) {
    const file = await readBaselineFile(evalFile);
    const entry = file?.entries[experiment.name];
    if (file && entry) return { source: "file", means: entry.means, perExample: entry.examples, file: file.file };
  }
  if (store) {
    const candidates = await store.listExperiments({ name: experiment.name });
    const best = candidates.find(
      (c) =>
        c.experiment.id !== experiment.id &&
        c.experiment.startTime <= experiment.startTime &&
        c.status === "passed" &&
        c.result !== undefined &&
        sameDataset(c.experiment.dataset, experiment.dataset),
    );
    const stored = best && (await store.readExperiment(best.experiment.id));
    if (stored) return baselineFromStored(stored, "history");
  }
  return undefined;
}

/** A stored experiment as a baseline (also what `compare <a> <b>` measures `a` against). */
export function baselineFromStored(stored: StoredExperiment, source: Baseline["source"]): Baseline {
  return {
    source,
    experimentId: stored.experiment.id,
    means: meansOfExperiment(stored.experiment, stored.result, stored.runs),
    perExample: perRunScores(stored.experiment, stored.runs),
  };
}

/** Same dataset: same name, and the same content (hash) or the same examples. */
export function sameDataset(a: DatasetDescriptor, b: DatasetDescriptor): boolean {
  if (a.name !== b.name) return false;
  return a.contentHash === b.contentHash || (a.exampleIds.length === b.exampleIds.length && a.exampleIds.every((id, i) => id === b.exampleIds[i]));
}

/** One line: where a baseline comes from. */
export function describeBaseline(baseline: Baseline): string {
  switch (baseline.source) {
    case "file":
      return `baseline file ${baseline.file}`;
    case "option":
      return `baseline experiment ${baseline.experimentId}`;
    case "history":
      return `latest passing experiment ${baseline.experimentId}`;
  }
}

export interface EvaluatorDelta {
  evaluator: string;
  direction: Direction;
  baseline: number | null;
  current: number | null;
  /** `current - baseline`; null when either is missing. */
  delta: number | null;
  /** The mean moved the wrong way for this evaluator's direction. */
  worse: boolean;
}

export interface ScoreChange {
  evaluator: string;
  before: number;
  /** Null when the run has no score any more: its task failed, or the evaluator errored or gave none. */
  after: number | null;
  /** The bar the example is judged by (the gate's `perRun`, else its `mean`), when there is one. */
  bar?: number;
}

export interface ExampleChange {
  /** The run key: `exampleId`, or `exampleId [rep i]`. */
  key: string;
  exampleId: string;
  repetition: number;
  changes: ScoreChange[];
}

export interface BaselineComparison {
  baseline: Baseline;
  evaluators: EvaluatorDelta[];
  /** Runs that passed before and fail now (for an evaluator without a bar: whose score got worse). */
  regressed: ExampleChange[];
  /** Runs that failed before and pass now (without a bar: whose score got better). */
  improved: ExampleChange[];
  /** Run keys in the baseline that did not run now, and the other way round. */
  onlyInBaseline: string[];
  onlyInCurrent: string[];
}

export interface CompareOptions {
  /** Declared evaluators (for directions and order); gates and baseline fill in the rest. */
  evaluators?: readonly { name: string; direction: Direction }[];
  repetitions?: number;
  /** Failed tasks leave the aggregates (the error-rate allowance) instead of counting as 0. */
  excludeFailedTasks?: boolean;
}

/**
 * Compares runs with a baseline: per-evaluator mean deltas, and which runs regressed or improved.
 * "Pass" for one run uses the same bar and direction as the gates (`perRun`, else `mean`).
 */
export function compareToBaseline(runs: readonly RunRecord[], baseline: Baseline, gates: readonly GateSpec[], options: CompareOptions = {}): BaselineComparison {
  const exclude = options.excludeFailedTasks ?? false;
  const repetitions = options.repetitions ?? Math.max(1, ...runs.map((r) => r.repetition));
  const directions = new Map<string, Direction>();
  for (const e of options.evaluators ?? []) directions.set(e.name, e.direction);
  for (const g of gates) if (!directions.has(g.evaluator)) directions.set(g.evaluator, g.direction);
  for (const run of runs) for (const e of run.evaluations) if (!directions.has(e.name)) directions.set(e.name, "maximize");
  for (const name of Object.keys(baseline.means)) if (!directions.has(name)) directions.set(name, "maximize");

  const evaluators: EvaluatorDelta[] = [...directions].map(([evaluator, direction]) => {
    const current = meanOf(aggregateScores(runs, evaluator, { direction, excludeFailedTasks: exclude }));
    const before = baseline.means[evaluator] ?? null;
    const delta = current === null || before === null ? null : current - before;
    return { evaluator, direction, baseline: before, current, delta, worse: delta !== null && (direction === "minimize" ? delta > 0 : delta < 0) };
  });

  const regressed: ExampleChange[] = [];
  const improved: ExampleChange[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    const key = runKey(run.exampleId, run.repetition, repetitions);
    seen.add(key);
    const before = baseline.perExample[key];
    if (!before) continue;
    const worse: ScoreChange[] = [];
    const better: ScoreChange[] = [];
    for (const [evaluator, beforeScore] of Object.entries(before)) {
      const direction = directions.get(evaluator) ?? "maximize";
      const after = currentScore(run, evaluator);
      const bar = barOf(gates, evaluator);
      const change: ScoreChange = { evaluator, before: beforeScore, after, ...(bar !== undefined ? { bar } : {}) };
      const movement = judge(beforeScore, after, bar, direction);
      if (movement === "worse") worse.push(change);
      if (movement === "better") better.push(change);
    }
    if (worse.length) regressed.push({ key, exampleId: run.exampleId, repetition: run.repetition, changes: worse });
    if (better.length) improved.push({ key, exampleId: run.exampleId, repetition: run.repetition, changes: better });
  }
  return {
    baseline,
    evaluators,
    regressed,
    improved,
    onlyInBaseline: Object.keys(baseline.perExample).filter((k) => !seen.has(k)),
    onlyInCurrent: [...seen].filter((k) => !(k in baseline.perExample)),
  };
}

/** The run's own score; null when its task failed or the evaluator gave none (always a regression). */
function currentScore(run: RunRecord, evaluator: string): number | null {
  if (run.status === "error") return null;
  const evaluation = run.evaluations.find((e) => e.name === evaluator);
  return evaluation?.score ?? null;
}

/** The bar one run is judged by for `evaluator`: its gate's `perRun`, else its `mean`. */
export function barOf(gates: readonly GateSpec[], evaluator: string): number | undefined {
  const gate = gates.find((g) => g.evaluator === evaluator && (g.perRun !== undefined || g.mean !== undefined));
  return gate?.perRun ?? gate?.mean;
}

function judge(before: number, after: number | null, bar: number | undefined, direction: Direction): "worse" | "better" | "same" {
  if (after === null) return "worse";
  if (bar !== undefined) {
    const passedBefore = meetsBar(before, bar, direction);
    const passesNow = meetsBar(after, bar, direction);
    return passedBefore && !passesNow ? "worse" : !passedBefore && passesNow ? "better" : "same";
  }
  if (after === before) return "same";
  return (direction === "minimize" ? after > before : after < before) ? "worse" : "better";
}

/** One run key of a comparison: each evaluator's score in the baseline and now (null: not run there). */
export interface SideBySideRow {
  key: string;
  before: Record<string, number> | null;
  after: Record<string, number> | null;
}

/**
 * Every run key of the current experiment, then those only the baseline ran, with both sides'
 * scores: what `compare` prints and the HTML report's compare view shows.
 */
export function sideBySide(experiment: ExperimentDescriptor, runs: readonly RunRecord[], comparison: BaselineComparison): SideBySideRow[] {
  const now = perRunScores(experiment, runs);
  // A failed task has no scores of its own to show; the aggregates' 0 is shown as such in `runs`.
  for (const run of runs) if (run.status === "error") now[runKey(run.exampleId, run.repetition, experiment.repetitions)] = {};
  const keys = [...Object.keys(now), ...comparison.onlyInBaseline];
  return keys.map((key) => ({ key, before: comparison.baseline.perExample[key] ?? null, after: now[key] ?? null }));
}

export interface PreviousExperiment {
  summary: StoredExperimentSummary;
  /** Mean score per evaluator, as that experiment's summary showed it. */
  means: Record<string, number>;
}

/**
 * The previous finished experiment of the same name (whatever its verdict), for watch-mode
 * movement: `accuracy 0.82 → 0.86 (+0.04)`. Never the experiment itself.
 */
export async function previousExperiment(store: ExperimentStore, experiment: ExperimentDescriptor): Promise<PreviousExperiment | undefined> {
  const candidates = await store.listExperiments({ name: experiment.name });
  const summary = candidates.find((c) => c.experiment.id !== experiment.id && c.result !== undefined && c.experiment.startTime <= experiment.startTime);
  if (!summary) return undefined;
  if (summary.result && summary.result.stats.evaluators.length > 0) {
    return { summary, means: meansOfExperiment(summary.experiment, summary.result, []) };
  }
  const stored = await store.readExperiment(summary.experiment.id);
  return { summary, means: stored ? meansOfRuns(stored.experiment, stored.runs) : {} };
}

/** `accuracy 0.82 → 0.86 (+0.04)`; `accuracy 0.86 (new)` without a previous value. */
export function formatMovement(evaluator: string, before: number | undefined, after: number | null): string {
  const now = after === null ? "n/a" : formatNumber(after);
  if (before === undefined) return `${evaluator} ${now} (new)`;
  if (after === null) return `${evaluator} ${formatNumber(before)} → n/a`;
  return `${evaluator} ${formatNumber(before)} → ${now} (${formatDelta(after - before)})`;
}

/** `+0.04`, `-0.1`, `±0`. */
export function formatDelta(delta: number): string {
  const rounded = formatNumber(Math.abs(delta));
  if (rounded === "0") return "±0";
  return `${delta > 0 ? "+" : "-"}${rounded}`;
}

export { excludesFailedTasks, runKey };
