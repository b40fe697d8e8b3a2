import pLimit from "p-limit";
import type { EvaluatorKind, JsonObject } from "../record/types.js";
import type { ExperimentStore, StoreEvent } from "../store/types.js";
import type { PhoenixExperiment } from "./api-types.js";
import type { PhoenixClient } from "./client.js";
import type { EvaluationsEvent } from "./evaluate-experiment.js";
import { ledgerFrom } from "./ledger.js";
import { LogExperimentError, type RunRow } from "./runs-file.js";
import { phoenixEvaluationName } from "./payloads.js";

/**
 * Arize's `annotate_runs`: evaluations (human labels, scores from elsewhere) upserted on the runs
 * of an experiment already on Phoenix. A run is addressed by its Phoenix run id, or by its example
 * (the id it was uploaded with, or its node id) and repetition (default 1). An annotation of a name
 * the run already has replaces it.
 */

export interface Annotation {
  /** A Phoenix ExperimentRun id. */
  runId?: string;
  /** An example id (external id or node id) with `repetition` (default 1), instead of `runId`. */
  exampleId?: string;
  repetition?: number;
  name: string;
  score?: number | null;
  label?: string | null;
  explanation?: string | null;
  metadata?: JsonObject;
  /** Default "HUMAN". */
  kind?: EvaluatorKind;
  /** Where the annotation came from, for error messages (`annotations.jsonl:3`). */
  where?: string;
}

export interface AnnotateReport {
  experimentId: string;
  upserted: number;
  /** Annotations also recorded in the local store (the experiment came from it). */
  recordedLocally: number;
}

const KINDS: readonly EvaluatorKind[] = ["CODE", "LLM", "HUMAN"];

/** Rows of an annotations file → annotations; errors name the row and the column. */
export function annotationsFromRows(rows: readonly RunRow[]): Annotation[] {
  return rows.map(({ values, where }) => {
    const text = (column: string): string | undefined => {
      const value = values[column];
      if (value === undefined || value === null || value === "") return undefined;
      if (typeof value === "string" || typeof value === "number") return String(value);
      throw new LogExperimentError(where, `expected text, got ${JSON.stringify(value)}`, column);
    };
    const runId = text("run_id");
    const exampleId = text("example_id");
    if (!runId && !exampleId) throw new LogExperimentError(where, 'address the run with "run_id", or with "example_id" (and "repetition", default 1)');
    const name = text("name");
    if (!name) throw new LogExperimentError(where, "missing: every annotation needs a name", "name");
    const repetitionText = text("repetition") ?? text("repetition_number");
    const repetition = repetitionText === undefined ? undefined : Number(repetitionText);
    if (repetition !== undefined && !(Number.isInteger(repetition) && repetition >= 1)) {
      throw new LogExperimentError(where, `expected an integer ≥ 1, got ${JSON.stringify(repetitionText)}`, "repetition");
    }
    const scoreText = values.score;
    let score: number | null = null;
    if (typeof scoreText === "number" || typeof scoreText === "boolean") score = Number(scoreText);
    else if (typeof scoreText === "string" && scoreText.trim() !== "") score = Number(scoreText);
    if (score !== null && !Number.isFinite(score)) throw new LogExperimentError(where, `expected a number, got ${JSON.stringify(scoreText)}`, "score");
    const label = text("label") ?? null;
    if (score === null && label === null) throw new LogExperimentError(where, 'give a "score", a "label" or both');
    const kindText = (text("annotator_kind") ?? "HUMAN").toUpperCase();
    if (!(KINDS as string[]).includes(kindText)) throw new LogExperimentError(where, `expected CODE, LLM or HUMAN, got ${JSON.stringify(kindText)}`, "annotator_kind");
    return {
      ...(runId ? { runId } : { exampleId: exampleId!, repetition: repetition ?? 1 }),
      name,
      score,
      label,
      explanation: text("explanation") ?? null,
      metadata: metadataOf(values.metadata, where),
      kind: kindText as EvaluatorKind,
      where,
    };
  });
}

function metadataOf(value: unknown, where: string): JsonObject {
  if (value === undefined || value === null || value === "") return {};
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new LogExperimentError(where, "expected a JSON object", "metadata");
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new LogExperimentError(where, "expected a JSON object", "metadata");
  return parsed as JsonObject;
}

/**
 * Upserts the annotations on Phoenix. Every annotation is checked against the experiment's runs
 * before anything is sent, so a typo in row 900 does not leave rows 1–899 half applied. When the
 * experiment came from the local store, the annotations are recorded there too.
 */
export async function annotateRuns(
  client: PhoenixClient,
  experiment: PhoenixExperiment,
  annotations: readonly Annotation[],
  options: { store?: ExperimentStore; localExperimentId?: string; concurrency?: number } = {},
): Promise<AnnotateReport> {
  const [runs, { examples }] = await Promise.all([
    client.listRuns(experiment.id),
    client.getDatasetExamples(experiment.dataset_id, { versionId: experiment.dataset_version_id }),
  ]);
  const runIds = new Set(runs.map((r) => r.id));
  const byExample = new Map(runs.map((r) => [`${r.dataset_example_id}#${r.repetition_number}`, r.id]));
  const nodeIdOf = new Map<string, string>();
  for (const example of examples) {
    nodeIdOf.set(example.node_id, example.node_id);
    nodeIdOf.set(example.id, example.node_id);
  }
  const now = new Date().toISOString();
  const targets = annotations.map((annotation, index) => {
    const where = annotation.where ?? `annotation ${index + 1}`;
    if (annotation.runId !== undefined) {
      if (!runIds.has(annotation.runId)) throw new LogExperimentError(where, `experiment ${experiment.id} has no run ${JSON.stringify(annotation.runId)}`, "run_id");
      return { annotation, runId: annotation.runId };
    }
    const nodeId = nodeIdOf.get(annotation.exampleId ?? "");
    const repetition = annotation.repetition ?? 1;
    const runId = nodeId ? byExample.get(`${nodeId}#${repetition}`) : undefined;
    if (!runId) {
      const problem = nodeId ? `example ${JSON.stringify(annotation.exampleId)} has no run with repetition ${repetition}` : `the experiment's dataset version has no example ${JSON.stringify(annotation.exampleId)}`;
      throw new LogExperimentError(where, problem, "example_id");
    }
    return { annotation, runId };
  });

  const limit = pLimit(options.concurrency ?? 8);
  await Promise.all(
    targets.map(({ annotation, runId }) =>
      limit(() =>
        client.upsertEvaluation({
          experiment_run_id: runId,
          name: phoenixEvaluationName(annotation.name),
          annotator_kind: annotation.kind ?? "HUMAN",
          start_time: now,
          end_time: now,
          result: { score: annotation.score ?? null, label: annotation.label ?? null, explanation: annotation.explanation ?? null },
          error: null,
          metadata: annotation.metadata ?? {},
          trace_id: null,
        }),
      ),
    ),
  );

  let recordedLocally = 0;
  if (options.store && options.localExperimentId) {
    const stored = await options.store.readExperiment(options.localExperimentId);
    const localRunOf = new Map([...ledgerFrom(stored?.events ?? []).runIds].map(([local, server]) => [server, local]));
    const event: EvaluationsEvent = { type: "evaluations", runs: {} };
    for (const { annotation, runId } of targets) {
      const local = localRunOf.get(runId);
      if (!local) continue;
      (event.runs[local] ??= []).push({
        name: annotation.name,
        kind: annotation.kind ?? "HUMAN",
        startTime: now,
        endTime: now,
        metadata: annotation.metadata ?? {},
        traceId: null,
        score: annotation.score ?? null,
        label: annotation.label ?? null,
        explanation: annotation.explanation ?? null,
        error: null,
      });
      recordedLocally++;
    }
    if (recordedLocally > 0) await options.store.appendEvent(options.localExperimentId, event as unknown as StoreEvent);
  }
  return { experimentId: experiment.id, upserted: targets.length, recordedLocally };
}
