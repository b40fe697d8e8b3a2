/** Arize AX: the second upload destination beside Phoenix. */
export { ArizeClient, type ArizeClientOptions } from "./client.js";
export { ArizeError } from "./errors.js";
export { resolveArizeConfig, ArizeConfigError, DEFAULT_ARIZE_BASE_URL, type ArizeConfig, type ArizeConfigOptions } from "./config.js";
export { loadArizeDataset, ArizeDatasetError } from "./dataset.js";
export { logArizeExperiment, type LogArizeExperimentOptions } from "./log-experiment.js";
export { annotateArizeRuns, type ArizeAnnotateReport } from "./annotate.js";
export { resolveArizeExperiment, runView, ArizeLookupError, type ArizeRunView } from "./experiments.js";
export { uploadPendingToArize, type ArizePendingReport, type ArizeUploadPendingOptions } from "./upload-pending.js";
export { EXAMPLE_ID_COLUMN, RUN_ID_COLUMN } from "./payloads.js";
export type { ArizeServerIds } from "../sinks/arize-sink.js";
