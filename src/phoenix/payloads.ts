import type { Example } from "../datasets/types.js";
import type { EvaluationRecord, JsonObject, JsonValue, RunRecord } from "../record/types.js";
import type { CreateRunBody, UploadDatasetBody, UpsertEvaluationBody } from "./api-types.js";

/** Records → Phoenix request bodies. Phoenix wants objects where we allow any JSON value. */

/** The part of an example the upload needs; kept in the local store for a later upload. */
export interface ExampleSnapshot extends JsonObject {
  id: string;
  input: JsonValue;
  expected: JsonValue;
  metadata: JsonObject;
  splits: string[];
}

export function snapshotOf(example: Example): ExampleSnapshot {
  return { id: example.id, input: example.input, expected: example.expected ?? null, metadata: example.metadata ?? {}, splits: example.splits ?? [] };
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A dataset example's input must be an object on Phoenix: other values are wrapped as `{ input: value }`. */
export function inputObject(input: JsonValue): JsonObject {
  return isPlainObject(input) ? input : { input };
}

/** The expected output as Phoenix's example output: an object, `{ output: value }`, or `{}` when there is none. */
export function outputObject(expected: JsonValue | undefined): JsonObject {
  if (expected === undefined || expected === null) return {};
  return isPlainObject(expected) ? expected : { output: expected };
}

/**
 * The whole dataset as one upload, so its version holds exactly these examples. `splits` is always
 * sent: Phoenix keeps an example's old split assignments when the column is omitted, so an
 * example whose splits were all removed locally would stay in them on Phoenix.
 */
export function uploadBody(name: string, examples: readonly ExampleSnapshot[], action: "create" | "update"): UploadDatasetBody {
  return {
    name,
    action,
    inputs: examples.map((e) => inputObject(e.input)),
    outputs: examples.map((e) => outputObject(e.expected)),
    metadata: examples.map((e) => e.metadata),
    splits: examples.map((e) => (e.splits.length === 0 ? null : e.splits)),
    example_ids: examples.map((e) => e.id),
  };
}

export function runBody(run: RunRecord, datasetExampleId: string): CreateRunBody {
  return {
    dataset_example_id: datasetExampleId,
    output: run.status === "ok" ? run.output : null,
    repetition_number: run.repetition,
    start_time: run.startTime,
    end_time: run.endTime,
    trace_id: run.traceId,
    error: run.status === "error" ? `${run.error.name}: ${run.error.message}` : null,
  };
}

/**
 * An evaluation's name as Phoenix keeps it: trimmed. Phoenix stores a name as sent but trims the
 * names asked about in `/incomplete-evaluations`, so a name with surrounding spaces would be
 * reported missing forever (and never found on resume).
 */
export function phoenixEvaluationName(name: string): string {
  return name.trim();
}

export function evaluationBody(evaluation: EvaluationRecord, experimentRunId: string): UpsertEvaluationBody {
  return {
    experiment_run_id: experimentRunId,
    name: phoenixEvaluationName(evaluation.name),
    annotator_kind: evaluation.kind,
    start_time: evaluation.startTime,
    end_time: evaluation.endTime,
    result:
      evaluation.error === null ? { score: evaluation.score, label: evaluation.label, explanation: evaluation.explanation } : null,
    error: evaluation.error,
    // Top-level is the documented field; Phoenix only merges metadata nested in `result` for older clients.
    metadata: evaluation.metadata ?? {},
    trace_id: evaluation.traceId,
  };
}
