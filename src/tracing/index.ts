/** Optional OpenTelemetry tracing of experiments (OpenInference span kinds), exported to Phoenix. */
export { createExperimentSpans, type ExperimentSpans, type Traced } from "./experiment-spans.js";
export { createExperimentTracer, type ExperimentTracer, type ExperimentTracerOptions } from "./experiment-tracer.js";
export { instrumentExperiment, type InstrumentedExperiment } from "./instrument.js";
export { loadOpenTelemetry, tracingDisabledByEnv, TRACING_PACKAGES, type OpenTelemetryModules } from "./load.js";
export { startRunTracing, type RunTracing } from "./run-tracing.js";
export { createSpanCollector, processSpanCollector, type SpanCollector } from "./span-collector.js";
export { createSpanExportSink, type SpanExportSink, type SpanExportSinkOptions } from "./span-export-sink.js";
export { isSpanJson, spanFromJson, spanToJson, type SpanJson } from "./span-json.js";
export { createSpanShipper, type SpanShipper, type SpanShipperOptions } from "./span-shipper.js";
export { startWorkerTracing, type WorkerTracing } from "./worker-tracing.js";
