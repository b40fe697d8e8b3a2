/**
 * `vitest-experiments`: declare experiments in `*.eval.ts` files, or run one programmatically.
 */
export { experiment, RunFailedError, GatesFailedError } from "./vitest/experiment.js";
export { runExperiment, type RunExperimentOptions, type RanExperiment } from "./programmatic/run-experiment.js";
export { datasets, type FromFileOptions } from "./datasets/index.js";
export { DatasetError } from "./datasets/errors.js";
export { phoenix, PhoenixClient, PhoenixError, uploadPending } from "./phoenix/index.js";
export {
  logExperiment,
  evaluateExperiment,
  annotateRuns,
  runsWithAddedEvaluations,
  LogExperimentError,
  EvaluateExperimentError,
  type LogExperimentOptions,
  type LoggedExperiment,
  type TaskFields,
  type EvaluatorColumns,
  type EvaluateExperimentOptions,
  type EvaluatedExperiment,
  type EvaluatedRun,
  type Annotation,
  type PhoenixServerIds,
} from "./phoenix/index.js";
export { ExperimentDeclarationError } from "./declaration/errors.js";
export type { ExperimentOptions, Task, TaskContext, Threshold, RateLimitErrorMatcher } from "./declaration/options.js";
export type { Dataset, DatasetInput, DatasetSource, Example, ExampleInput } from "./datasets/types.js";
export type {
  Evaluator,
  EvaluatorArgs,
  EvaluatorFunction,
  EvaluatorObject,
  EvaluatorReturn,
  EvaluatorsInput,
  EvaluationResultObject,
} from "./evaluators/types.js";
export type * from "./record/types.js";
export type { ExperimentSink } from "./sinks/types.js";
export {
  ArizeClient,
  ArizeError,
  ArizeConfigError,
  loadArizeDataset,
  annotateArizeRuns,
  logArizeExperiment,
  resolveArizeExperiment,
  uploadPendingToArize,
  type ArizeConfigOptions,
  type ArizeServerIds,
} from "./arize/index.js";
