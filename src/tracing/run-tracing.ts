import type { PreparedExperiment } from "../engine/prepare.js";
import { resolvePhoenixConfig, type PhoenixConfigOptions } from "../phoenix/config.js";
import type { RunRecord } from "../record/types.js";
import type { PhoenixSink } from "../sinks/phoenix-sink.js";
import type { SinkOutput } from "../sinks/types.js";
import { createExperimentTracer } from "./experiment-tracer.js";
import { instrumentExperiment } from "./instrument.js";
import { tracingDisabledByEnv } from "./load.js";

export interface RunTracing {
  /** Writes the run's task and evaluator trace ids into it; call before any sink sees the run. */
  applyTraceIds(record: RunRecord): RunRecord;
  /** After the sinks closed: exports the spans under the experiment's Phoenix project and stops. */
  finish(): Promise<void>;
}

/**
 * Tracing for one experiment run in this process, when it applies: the experiment uploads to
 * Phoenix (not a dry run), tracing is not switched off (`tracing: false`,
 * `VITEST_EXPERIMENTS_TRACING=false`), and the OpenTelemetry packages are installed.
 */
export async function startRunTracing(options: {
  prepared: PreparedExperiment;
  phoenixSink: PhoenixSink | undefined;
  phoenix: PhoenixConfigOptions | false | undefined;
  tracing: boolean | undefined;
  output: SinkOutput;
  env?: NodeJS.ProcessEnv;
}): Promise<RunTracing | undefined> {
  const env = options.env ?? process.env;
  const { prepared, phoenixSink } = options;
  if (!phoenixSink || prepared.descriptor.dryRun || options.tracing === false || options.phoenix === false) return undefined;
  if (options.tracing === undefined && tracingDisabledByEnv(env)) return undefined;
  const config = resolvePhoenixConfig(options.phoenix ?? {}, env);
  if (!config) return undefined;
  const tracer = await createExperimentTracer({
    phoenix: config,
    onExportError: (message) => options.output.warn(`vitest-experiments: tracing: ${message}`),
  });
  if (!tracer) {
    if (options.tracing === true) options.output.warn("vitest-experiments: tracing is on but the OpenTelemetry packages are not installed (npm i -D @opentelemetry/api @opentelemetry/sdk-trace-base @opentelemetry/resources @opentelemetry/exporter-trace-otlp-proto @opentelemetry/context-async-hooks)");
    return undefined;
  }
  const traces = instrumentExperiment(prepared, tracer);
  return {
    applyTraceIds: traces.applyTraceIds,
    async finish() {
      const projectName = phoenixSink.serverIdsFor(prepared.descriptor)?.projectName;
      if (projectName) tracer.setProjectName(projectName);
      await tracer.shutdown();
    },
  };
}
