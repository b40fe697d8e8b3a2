export type { BaselineComparison } from "./comparison.js";
export { renderExperimentSection, type SectionContext } from "./section.js";
export { createStepSummarySink, stepSummaryPathFromEnv, DEFAULT_STEP_SUMMARY_MAX_BYTES, type StepSummarySinkOptions } from "./sink.js";
