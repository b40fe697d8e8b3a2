/** Optional OpenTelemetry tracing of experiments (OpenInference span kinds), exported to Phoenix. */
export { createExperimentTracer, type ExperimentTracer, type ExperimentTracerOptions, type Traced } from "./experiment-tracer.js";
export { instrumentExperiment } from "./instrument.js";
export { loadOpenTelemetry, tracingDisabledByEnv, TRACING_PACKAGES, type OpenTelemetryModules } from "./load.js";
export { startRunTracing, type RunTracing } from "./run-tracing.js";
