import { stringify } from "csv-stringify/sync";
import { formatNumber } from "../../record/gates.js";
import type { ExperimentDescriptor, RunRecord } from "../../record/types.js";
import { runKey } from "../../store/run-scores.js";
import { cell, renderTable } from "./table.js";

/** Evaluator names in declaration order, then any only found in runs. */
function evaluatorColumns(experiment: ExperimentDescriptor, runs: readonly RunRecord[]): string[] {
  const names = experiment.evaluators.map((e) => e.name);
  for (const run of runs) for (const e of run.evaluations) if (!names.includes(e.name)) names.push(e.name);
  return names;
}

function evaluationCell(run: RunRecord, evaluator: string): string {
  const evaluation = run.evaluations.find((e) => e.name === evaluator);
  if (!evaluation) return run.status === "error" ? "-" : "";
  if (evaluation.error !== null) return "error";
  if (evaluation.score !== null) return formatNumber(evaluation.score);
  return evaluation.label ?? "";
}

/** Runs as a terminal table: one row per run, one column per evaluator. */
export function runsTable(experiment: ExperimentDescriptor, runs: readonly RunRecord[]): string {
  const evaluators = evaluatorColumns(experiment, runs);
  const headers = ["run", "status", "latency ms", "attempts", ...evaluators, "error"];
  const rows = runs.map((run) => [
    cell(runKey(run.exampleId, run.repetition, experiment.repetitions), 40),
    run.status,
    String(Math.round(run.latencyMs)),
    String(run.attempts.length),
    ...evaluators.map((e) => cell(evaluationCell(run, e), 20)),
    run.status === "error" ? cell(run.error.message, 60) : cell(run.evaluations.find((e) => e.error !== null)?.error ?? "", 60),
  ]);
  return renderTable(headers, rows);
}

/**
 * Runs as CSV (RFC 4180, header row): one row per run, outputs as JSON, and per evaluator its
 * score, label and explanation. Full values, nothing truncated: this is for spreadsheets and scripts.
 */
export function runsCsv(experiment: ExperimentDescriptor, runs: readonly RunRecord[]): string {
  const evaluators = evaluatorColumns(experiment, runs);
  const columns = [
    "experiment_id",
    "experiment_name",
    "run_id",
    "example_id",
    "repetition",
    "status",
    "start_time",
    "end_time",
    "latency_ms",
    "attempts",
    "output",
    "error",
    ...evaluators.flatMap((e) => [`${e}.score`, `${e}.label`, `${e}.explanation`, `${e}.error`]),
  ];
  const records = runs.map((run) => [
    run.experimentId,
    run.experimentName,
    run.runId,
    run.exampleId,
    run.repetition,
    run.status,
    run.startTime,
    run.endTime,
    run.latencyMs,
    run.attempts.length,
    run.status === "ok" ? JSON.stringify(run.output) : "",
    run.status === "error" ? `${run.error.name}: ${run.error.message}` : "",
    ...evaluators.flatMap((name) => {
      const e = run.evaluations.find((x) => x.name === name);
      return [e?.score ?? "", e?.label ?? "", e?.explanation ?? "", e?.error ?? ""];
    }),
  ]);
  return stringify(records, { header: true, columns });
}

/** One JSON document per line. */
export function jsonLines(values: readonly unknown[]): string {
  return values.map((v) => `${JSON.stringify(v)}\n`).join("");
}
