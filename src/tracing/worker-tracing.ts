import type { PreparedExperiment } from "../engine/prepare.js";
import { resolvePhoenixConfig, uploadDisabledByEnv } from "../phoenix/config.js";
import type { RunRecord } from "../record/types.js";
import { instrumentExperiment } from "./instrument.js";
import { loadOpenTelemetry, tracingDisabledByEnv, type OpenTelemetryModules } from "./load.js";
import { processSpanCollector } from "./span-collector.js";
import { spanToJson, type SpanJson } from "./span-json.js";

export interface WorkerTracing {
  /** Writes the run's task and evaluator trace ids into it; call before the record is written anywhere. */
  applyTraceIds(record: RunRecord): RunRecord;
  /** The run's finished spans (every attempt, its evaluators and what instrumented calls made under them), as JSON for `task.meta`. */
  takeSpans(record: RunRecord): SpanJson[];
}

/**
 * Tracing of an `experiment()` in a Vitest worker. The worker records spans but cannot export
 * them: the trace project is Phoenix's name for the experiment, which the main process learns
 * when it creates the experiment. So each run's spans go on its test's meta, and the reporter
 * exports them (see `createSpanExportSink`).
 *
 * Applies on the same terms as `runExperiment()`'s tracing, as far as a worker can tell from the
 * environment: a Phoenix host (`PHOENIX_HOST`), uploading not switched off
 * (`VITEST_EXPERIMENTS_UPLOAD`), not a dry run, `VITEST_EXPERIMENTS_TRACING` not false, and the
 * OpenTelemetry packages importable. Otherwise undefined, and the experiment runs untouched.
 */
export async function startWorkerTracing(
  prepared: PreparedExperiment,
  options: { env?: NodeJS.ProcessEnv; modules?: OpenTelemetryModules; phoenix?: "off" | "configured" | "env" } = {},
): Promise<WorkerTracing | undefined> {
  const env = options.env ?? process.env;
  const phoenix = options.phoenix ?? "env";
  if (phoenix === "off" || prepared.descriptor.dryRun || tracingDisabledByEnv(env) || uploadDisabledByEnv(env)) return undefined;
  if (phoenix === "env") {
    let host;
    try {
      host = resolvePhoenixConfig({}, env)?.host;
    } catch {
      // A malformed configuration: the reporter says so once, and uploads nothing.
      return undefined;
    }
    if (!host) return undefined;
  }
  const otel = options.modules ?? (await loadOpenTelemetry());
  if (!otel) return undefined;
  const collector = processSpanCollector(otel);
  const instrumented = instrumentExperiment(prepared, collector.spans);
  return {
    applyTraceIds: instrumented.applyTraceIds,
    takeSpans: (record) => collector.take(instrumented.traceIdsOf(record)).map(spanToJson),
  };
}
