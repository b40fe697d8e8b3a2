import { createHash } from "node:crypto";
import type { ExperimentDescriptor, JsonValue, RunRecord } from "../record/types.js";
import type { ExampleSnapshot } from "../phoenix/payloads.js";
import type { AxExampleInput, AxRunInput } from "./api-types.js";

/** Records → Arize AX rows. AX datasets and runs are tables: one column per field. */

/**
 * The column holding the product's stable example id on every example this package creates. AX
 * assigns its own example ids; reading this column back maps ours to theirs, so a later experiment
 * on the same dataset reuses the examples instead of adding them again.
 */
export const EXAMPLE_ID_COLUMN = "vitest_experiments_example_id";

/** The column holding the local run id (`<experiment>/<example>/<repetition>`) on every run: finds what landed before a resend. */
export const RUN_ID_COLUMN = "vitest_experiments_run_id";

/** AX wants text where we allow any JSON value: strings go as they are, anything else JSON-encoded. */
export function asText(value: JsonValue | undefined): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value ?? null);
}

export function exampleRow(example: ExampleSnapshot): AxExampleInput {
  return {
    [EXAMPLE_ID_COLUMN]: example.id,
    input: asText(example.input),
    ...(example.expected !== null ? { expected: asText(example.expected) } : {}),
    ...(Object.keys(example.metadata).length > 0 ? { metadata: JSON.stringify(example.metadata) } : {}),
    ...(example.splits.length > 0 ? { splits: example.splits.join(",") } : {}),
  };
}

/** The column of one part of an evaluation: `eval.<name>.score|label|explanation` (the seeds' `evaluator_columns`). */
export function evalColumn(evaluator: string, part: "score" | "label" | "explanation" | "error"): string {
  return `eval.${evaluator}.${part}`;
}

/**
 * One run as an AX experiment run: `output` as text (JSON-encoded when the task returned anything
 * but a string; empty for a failed task, whose message is in `error`), the repetition, latency and
 * attempts, and each evaluation's present parts as `eval.<name>.*` columns.
 */
export function runRow(run: RunRecord, axExampleId: string): AxRunInput {
  const row: AxRunInput = {
    example_id: axExampleId,
    output: run.status === "ok" ? asText(run.output) : "",
    [RUN_ID_COLUMN]: run.runId,
    repetition: run.repetition,
    latency_ms: run.latencyMs,
    attempts: run.attempts.length,
    start_time: run.startTime,
    end_time: run.endTime,
  };
  if (run.status === "error") row.error = `${run.error.name}: ${run.error.message}`;
  if (run.traceId) row.trace_id = run.traceId;
  for (const evaluation of run.evaluations) {
    if (evaluation.error !== null) {
      row[evalColumn(evaluation.name, "error")] = evaluation.error;
      continue;
    }
    if (evaluation.score !== null) row[evalColumn(evaluation.name, "score")] = evaluation.score;
    if (evaluation.label !== null) row[evalColumn(evaluation.name, "label")] = evaluation.label;
    if (evaluation.explanation !== null) row[evalColumn(evaluation.name, "explanation")] = evaluation.explanation;
  }
  return row;
}

/** The experiment's name on AX: names are unique per dataset there, so the local id (or, on a shard, the CI run) is added. */
export function axExperimentName(experiment: Pick<ExperimentDescriptor, "name" | "id" | "runId" | "file">): string {
  // Shards of one CI run share the run identity (and the experiment's name and file) but each has
  // its own local id: keyed on the run, every shard names the same AX experiment. The file's hash
  // tells apart two experiments of one name in different files of one run.
  if (experiment.runId === undefined) return `${experiment.name} ${experiment.id}`;
  const file = experiment.file ? `.${createHash("sha1").update(experiment.file).digest("hex").slice(0, 8)}` : "";
  return `${experiment.name} ${experiment.runId}${file}`;
}
