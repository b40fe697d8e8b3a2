export { openStore, type JsonlExperimentStore, type JsonlStoredExperiment, type JsonlStoredExperimentSummary } from "./jsonl-store.js";
export { resolveStoreDir, STORE_DIR_ENV, DEFAULT_STORE_DIR, experimentLogPath } from "./paths.js";
export { StoreError } from "./errors.js";
export type { LogProblem } from "./log-format.js";
export type { ExperimentStore, StoreEvent, StoredExperiment, StoredExperimentSummary } from "./types.js";
export {
  resolveBaseline,
  baselineFromStored,
  compareToBaseline,
  previousExperiment,
  describeBaseline,
  formatMovement,
  formatDelta,
  sameDataset,
  sideBySide,
  type SideBySideRow,
  type Baseline,
  type BaselineComparison,
  type EvaluatorDelta,
  type ExampleChange,
  type ScoreChange,
  type PreviousExperiment,
  type ResolveBaselineOptions,
} from "./baselines.js";
export { writeBaselineFile, readBaselineFile, baselineFilePath, BaselineFileError, type BaselineFile, type BaselineFileEntry } from "./baseline-file.js";
export { runKey, perRunScores, meansOfRuns, meansOfExperiment } from "./run-scores.js";
