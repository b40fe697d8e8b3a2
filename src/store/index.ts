export { openStore, type JsonlExperimentStore, type JsonlStoredExperiment, type JsonlStoredExperimentSummary } from "./jsonl-store.js";
export { resolveStoreDir, STORE_DIR_ENV, DEFAULT_STORE_DIR, experimentLogPath } from "./paths.js";
export { StoreError } from "./errors.js";
export type { LogProblem } from "./log-format.js";
export type { ExperimentStore, StoreEvent, StoredExperiment, StoredExperimentSummary } from "./types.js";
