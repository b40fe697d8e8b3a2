import { resolvePhoenixConfig } from "../phoenix/config.js";
import { findPhoenixSink } from "../sinks/phoenix-sink.js";
import type { ExperimentSink, SinkOutput } from "../sinks/types.js";
import { tracingDisabledByEnv } from "../tracing/load.js";
import { createSpanExportSink, type SpanExportSink } from "../tracing/span-export-sink.js";
import type { SinkOptions } from "./default-sinks.js";

/**
 * The export of the spans `experiment()` runs recorded in the workers, when the experiments upload
 * to Phoenix (the sinks hold a Phoenix sink) and `VITEST_EXPERIMENTS_TRACING` is not false.
 * Whether the OpenTelemetry packages are installed is the workers' question: without them, runs
 * carry no spans and this exports nothing.
 */
export function createTraceSink(options: SinkOptions, sinks: readonly ExperimentSink[], output: SinkOutput, env: NodeJS.ProcessEnv = process.env): SpanExportSink | undefined {
  const phoenixSink = findPhoenixSink(sinks);
  if (!phoenixSink || options.phoenix === false || tracingDisabledByEnv(env)) return undefined;
  let phoenix;
  try {
    phoenix = resolvePhoenixConfig(options.phoenix || {}, env);
  } catch {
    // The Phoenix sink would not exist: createDefaultSinks already warned.
    return undefined;
  }
  if (!phoenix) return undefined;
  return createSpanExportSink({ phoenixSink, phoenix, output });
}
