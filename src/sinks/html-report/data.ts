/**
 * Turns experiments (as the store holds them, or as a run streams them to the sink) into the
 * report's data (`model.ts`): outputs and inputs formatted as capped text, runs in dataset order,
 * and for two experiments the store's own comparison (`compareToBaseline`) ordered regressions first.
 */
import { computeStats } from "../../record/stats.js";
import type { ExperimentDescriptor, ExperimentResult, JsonValue, RunRecord } from "../../record/types.js";
import { barOf, baselineFromStored, compareToBaseline, sideBySide } from "../../store/baselines.js";
import { excludesFailedTasks, runKey } from "../../store/run-scores.js";
import type { StoredExperiment, StoreEvent } from "../../store/types.js";
import { DEFAULT_FIELD_LIMIT, truncate } from "../text-safety.js";
import type { ChangeKind, ReportComparison, ReportComparisonRow, ReportData, ReportEvaluator, ReportExperiment, ReportRun } from "./model.js";

/** An example's input and expected output, as the report shows them. */
export interface ExampleText {
  input: string | null;
  expected: string | null;
}

/** What one experiment's part of the report is built from. */
export interface ExperimentSource {
  experiment: ExperimentDescriptor;
  /** Absent when the experiment never finished. */
  result?: ExperimentResult | undefined;
  runs: readonly RunRecord[];
  /** By example id; absent when the examples are not known (inputs then show as not recorded). */
  examples?: ReadonlyMap<string, ExampleText> | undefined;
}

/** The store event that keeps an experiment's examples, so reports can show inputs later. */
export const EXAMPLES_EVENT_TYPE = "examples";

/** Any JSON value as text: strings as they are, everything else as indented JSON; capped. */
export function textOf(value: JsonValue | undefined, max = DEFAULT_FIELD_LIMIT): string | null {
  if (value === undefined) return null;
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return truncate(text, max);
}

export function exampleText(example: { input: JsonValue; expected: JsonValue }): ExampleText {
  return { input: textOf(example.input), expected: textOf(example.expected) };
}

/**
 * The examples kept in a stored experiment's events: the store sink's `examples` event, else the
 * Phoenix upload's pending snapshot (which stores them to resume an upload).
 */
export function examplesFromEvents(events: readonly StoreEvent[]): Map<string, ExampleText> | undefined {
  for (const event of events) {
    const examples = (event.type === EXAMPLES_EVENT_TYPE || (event.type === "phoenix" && event.kind === "pending")) ? event.examples : undefined;
    if (!Array.isArray(examples)) continue;
    const map = new Map<string, ExampleText>();
    for (const e of examples) {
      if (e && typeof e === "object" && !Array.isArray(e) && typeof e.id === "string") map.set(e.id, exampleText({ input: e.input ?? null, expected: e.expected ?? null }));
    }
    return map;
  }
  return undefined;
}

export function sourceOfStored(stored: StoredExperiment): ExperimentSource {
  return { experiment: stored.experiment, result: stored.result, runs: stored.runs, examples: examplesFromEvents(stored.events) };
}

function errorText(error: { name: string; message: string }): string {
  return truncate(error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message, DEFAULT_FIELD_LIMIT);
}

export function reportRun(run: RunRecord, examples: ReadonlyMap<string, ExampleText> | undefined, order: readonly string[]): ReportRun {
  const example = examples?.get(run.exampleId);
  const rank = (name: string) => {
    const i = order.indexOf(name);
    return i === -1 ? order.length : i;
  };
  return {
    exampleId: run.exampleId,
    repetition: run.repetition,
    status: run.status,
    input: example?.input ?? null,
    expected: example?.expected ?? null,
    output: run.status === "ok" ? textOf(run.output) : null,
    error: run.error ? errorText(run.error) : null,
    attempts: run.attempts.length,
    latencyMs: run.latencyMs,
    evaluations: [...run.evaluations]
      .sort((a, b) => rank(a.name) - rank(b.name))
      .map((e) => ({ name: e.name, score: e.score, label: e.label === null ? null : truncate(e.label, 500), explanation: e.explanation === null ? null : truncate(e.explanation, DEFAULT_FIELD_LIMIT), error: e.error === null ? null : truncate(e.error, DEFAULT_FIELD_LIMIT) })),
  };
}

export function reportExperiment({ experiment, result, runs, examples }: ExperimentSource): ReportExperiment {
  const stats = result?.stats ?? computeStats(experiment, runs);
  const position = new Map(experiment.dataset.exampleIds.map((id, i) => [id, i] as const));
  const ordered = [...runs].sort((a, b) => (position.get(a.exampleId) ?? Infinity) - (position.get(b.exampleId) ?? Infinity) || a.exampleId.localeCompare(b.exampleId) || a.repetition - b.repetition);
  const declared = new Map(experiment.evaluators.map((e) => [e.name, e] as const));
  const evaluators: ReportEvaluator[] = stats.evaluators.map((s) => ({
    name: s.name,
    kind: declared.get(s.name)?.kind ?? "CODE",
    direction: s.direction,
    mean: s.mean,
    min: s.min,
    max: s.max,
    count: s.count,
    errors: s.errors,
    passRate: s.passRate,
    bar: barOf(experiment.gates, s.name) ?? null,
    labels: s.labels,
  }));
  const order = evaluators.map((e) => e.name);
  const { runs: runCount, errors, skipped, retries, rateLimited, cacheHits, cacheMisses } = stats;
  return {
    id: experiment.id,
    name: experiment.name,
    file: experiment.file ?? null,
    description: experiment.description ?? null,
    status: result?.status ?? "incomplete",
    startTime: experiment.startTime,
    endTime: result?.endTime ?? null,
    git: experiment.git ?? null,
    dataset: {
      name: experiment.dataset.name,
      examples: experiment.dataset.exampleIds.length,
      totalExamples: experiment.dataset.totalExamples,
      contentHash: experiment.dataset.contentHash,
      splits: experiment.dataset.splits ?? [],
    },
    repetitions: experiment.repetitions,
    dryRun: experiment.dryRun,
    evaluators,
    stats: { runs: runCount, errors, skipped, retries, rateLimited, cacheHits, cacheMisses },
    gates: result?.gates ?? [],
    hasExamples: examples !== undefined,
    runs: ordered.map((run) => reportRun(run, examples, order)),
  };
}

const CHANGE_ORDER: readonly ChangeKind[] = ["regressed", "improved", "changed", "added", "removed", "unchanged"];

/**
 * `candidate` measured against `baseline` exactly as `vitest-experiments compare` measures it:
 * per-evaluator mean deltas, and per run key whether it regressed (passed its bar before, fails
 * now; without a bar, scored worse) or improved. Rows come regressions first.
 */
export function reportComparison(candidate: StoredExperiment, baseline: StoredExperiment): ReportComparison {
  const { experiment, runs } = candidate;
  const comparison = compareToBaseline(runs, baselineFromStored(baseline, "option"), experiment.gates, {
    evaluators: experiment.evaluators,
    repetitions: experiment.repetitions,
    excludeFailedTasks: excludesFailedTasks(experiment),
  });
  const regressed = new Map(comparison.regressed.map((c) => [c.key, c] as const));
  const improved = new Map(comparison.improved.map((c) => [c.key, c] as const));
  const added = new Set(comparison.onlyInCurrent);
  const removed = new Set(comparison.onlyInBaseline);
  // Label-only evaluators have no score to move (their "mean" is only failed tasks' zeros): left out.
  const scored = new Set<string>();
  for (const stored of [candidate, baseline]) for (const run of stored.runs) for (const e of run.evaluations) if (e.score !== null) scored.add(e.name);
  const deltas = comparison.evaluators.filter((e) => scored.has(e.evaluator));
  const evaluatorNames = deltas.map((e) => e.evaluator);
  const examples = examplesFromEvents(candidate.events) ?? examplesFromEvents(baseline.events);

  const outputsOf = (stored: StoredExperiment) => {
    const byKey = new Map<string, { output: string | null; exampleId: string }>();
    for (const run of stored.runs) {
      const text = run.status === "ok" ? textOf(run.output) : `[task failed] ${errorText(run.error)}`;
      byKey.set(runKey(run.exampleId, run.repetition, stored.experiment.repetitions), { output: text, exampleId: run.exampleId });
    }
    return byKey;
  };
  const before = outputsOf(baseline);
  const after = outputsOf(candidate);

  const rows: (ReportComparisonRow & { index: number })[] = sideBySide(experiment, runs, comparison).map((row, index) => {
    const scores = evaluatorNames.map((evaluator) => ({ evaluator, before: row.before?.[evaluator] ?? null, after: row.after?.[evaluator] ?? null }));
    const change: ChangeKind = regressed.has(row.key)
      ? "regressed"
      : improved.has(row.key)
        ? "improved"
        : added.has(row.key)
          ? "added"
          : removed.has(row.key)
            ? "removed"
            : scores.some((s) => s.before !== s.after)
              ? "changed"
              : "unchanged";
    const movedBy = (regressed.get(row.key) ?? improved.get(row.key))?.changes.map((c) => c.evaluator) ?? [];
    const exampleId = after.get(row.key)?.exampleId ?? before.get(row.key)?.exampleId;
    return {
      key: row.key,
      change,
      movedBy,
      scores,
      baselineOutput: before.get(row.key)?.output ?? null,
      candidateOutput: after.get(row.key)?.output ?? null,
      input: exampleId === undefined ? null : (examples?.get(exampleId)?.input ?? null),
      index,
    };
  });
  rows.sort((a, b) => CHANGE_ORDER.indexOf(a.change) - CHANGE_ORDER.indexOf(b.change) || a.index - b.index);
  const counts = { regressed: 0, improved: 0, changed: 0, unchanged: 0, added: 0, removed: 0 };
  for (const row of rows) counts[row.change] += 1;
  return {
    candidateId: experiment.id,
    baselineId: baseline.experiment.id,
    evaluators: deltas,
    counts,
    rows: rows.map(({ index: _index, ...row }) => row),
  };
}

export function reportData(experiments: readonly ReportExperiment[], comparison: ReportComparison | null, version: string, now = new Date()): ReportData {
  return { schema: 1, generatedAt: now.toISOString(), version, experiments: [...experiments], comparison };
}
