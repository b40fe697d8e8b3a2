/** The Phoenix integration: datasets from Phoenix, the REST client, uploads. */
import { loadPhoenixDataset, type PhoenixDatasetOptions, type PhoenixDatasetSelector } from "./dataset.js";
import type { DatasetInput } from "../datasets/types.js";
import type { StoreEvent } from "../store/types.js";
import { ledgerFrom } from "./ledger.js";

export { PhoenixClient, type PhoenixClientOptions, type RetryInfo } from "./client.js";
export { resolvePhoenixConfig, uploadDisabledByEnv, PhoenixConfigError, type PhoenixConfig, type PhoenixConfigOptions } from "./config.js";
export { PhoenixError, type PhoenixErrorKind } from "./errors.js";
export { PhoenixDatasetError, type PhoenixDatasetOptions, type PhoenixDatasetSelector } from "./dataset.js";
export { toGlobalId, fromGlobalId } from "./ids.js";
export { phoenixExperimentUrl, phoenixDatasetExperimentsUrl } from "./links.js";
export { uploadPending, type PendingUploadReport, type UploadPendingOptions } from "./upload-pending.js";
export { ledgerFrom, type UploadLedger } from "./ledger.js";

/** `import { phoenix } from "vitest-experiments"`. */
export const phoenix = {
  /** A Phoenix dataset (by name or id), at its latest version or `versionId`, optionally filtered by `splits`. */
  dataset(selector: PhoenixDatasetSelector, options: PhoenixDatasetOptions = {}): Promise<DatasetInput> {
    return loadPhoenixDataset(selector, options);
  },
};

/** The Phoenix page of a stored experiment (from its upload bookkeeping), once it reached Phoenix. */
export function linkFor(stored: { events: readonly StoreEvent[] }): string | undefined {
  return ledgerFrom(stored.events).url;
}

export { logExperiment, type LogExperimentOptions, type LoggedExperiment, type TaskFields, type EvaluatorColumns } from "./log-experiment.js";
export { readRunsFile, LogExperimentError, type RunRow } from "./runs-file.js";
export type { PhoenixServerIds } from "../sinks/phoenix-sink.js";
export {
  evaluateExperiment,
  runsWithAddedEvaluations,
  EvaluateExperimentError,
  type EvaluateExperimentOptions,
  type EvaluatedExperiment,
  type EvaluatedRun,
  type EvaluationsEvent,
} from "./evaluate-experiment.js";
export { annotateRuns, annotationsFromRows, type Annotation, type AnnotateReport } from "./annotate.js";
export { listPhoenixExperiments, resolvePhoenixExperiment, phoenixRunRecords, type PhoenixExperimentListing, type PhoenixRunRecord } from "./experiments.js";
