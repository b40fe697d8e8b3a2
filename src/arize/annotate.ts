import type { Annotation } from "../phoenix/annotate.js";
import { LogExperimentError } from "../phoenix/runs-file.js";
import { MAX_RUNS_PER_REQUEST, type AxAnnotateRecord, type AxExperiment } from "./api-types.js";
import type { ArizeClient } from "./client.js";
import { ArizeError } from "./errors.js";
import { RUN_ID_COLUMN } from "./payloads.js";

export interface ArizeAnnotateReport {
  experimentId: string;
  /** Runs written to. */
  upserted: number;
}

/**
 * Arize's `annotate_runs` on an AX experiment: annotations upserted by name on its runs, up to
 * 1,000 runs a request. A run is addressed by its AX run id, or by its example (the product's
 * example id or AX's) and repetition (default 1). `explanation` is sent as the annotation's text.
 * AX keeps annotations only for names with an annotation config in the space.
 */
export async function annotateArizeRuns(client: ArizeClient, experiment: AxExperiment, annotations: readonly Annotation[]): Promise<ArizeAnnotateReport> {
  const runs = await client.listRuns(experiment.id);
  const byId = new Set(runs.map((r) => r.id));
  const byExample = new Map<string, string>();
  for (const run of runs) {
    const repetition = typeof run.repetition === "number" ? run.repetition : 1;
    if (run.example_id) byExample.set(`${run.example_id}#${repetition}`, run.id);
    const local = run[RUN_ID_COLUMN];
    // Local run ids are `<experiment>/<example>/<repetition>`: the example is between the slashes.
    if (typeof local === "string") {
      const parts = local.split("/");
      if (parts.length >= 3) byExample.set(`${parts.slice(1, -1).join("/")}#${parts.at(-1)}`, run.id);
    }
  }
  const records = new Map<string, AxAnnotateRecord>();
  for (const annotation of annotations) {
    const where = annotation.where ?? `annotation "${annotation.name}"`;
    let runId = annotation.runId;
    if (runId !== undefined && !byId.has(runId)) throw new LogExperimentError(where, `experiment "${experiment.name}" on Arize AX has no run ${runId}`, "run_id");
    if (runId === undefined) {
      runId = byExample.get(`${annotation.exampleId}#${annotation.repetition ?? 1}`);
      if (!runId) throw new LogExperimentError(where, `experiment "${experiment.name}" on Arize AX has no run for example "${annotation.exampleId}" repetition ${annotation.repetition ?? 1}`, "example_id");
    }
    const record = records.get(runId) ?? { record_id: runId, values: [] };
    records.set(runId, record);
    record.values.push({
      name: annotation.name,
      ...(typeof annotation.score === "number" ? { score: annotation.score } : {}),
      ...(annotation.label ? { label: annotation.label } : {}),
      ...(annotation.explanation ? { text: annotation.explanation } : {}),
    });
  }
  const all = [...records.values()];
  try {
    for (let i = 0; i < all.length; i += MAX_RUNS_PER_REQUEST) await client.annotateRuns(experiment.id, all.slice(i, i + MAX_RUNS_PER_REQUEST));
  } catch (error) {
    if (error instanceof ArizeError && error.status === 422) {
      throw new ArizeError(`${error.message} — each annotation name needs an annotation config of that name in the Arize AX space`, error);
    }
    throw error;
  }
  return { experimentId: experiment.id, upserted: all.length };
}
