import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { PhoenixConfig } from "../phoenix/config.js";
import { createExperimentSpans, type ExperimentSpans } from "./experiment-spans.js";
import { loadOpenTelemetry, type OpenTelemetryModules } from "./load.js";
import { createSpanShipper } from "./span-shipper.js";

export type { Traced } from "./experiment-spans.js";

/**
 * Spans for an experiment run in this process (`runExperiment()`), exported to Phoenix under the
 * experiment's trace project. The project is Phoenix's name for the experiment, known only once
 * the server created it, so finished spans wait in memory until `setProjectName` and are then
 * exported in batches.
 */
export interface ExperimentTracer extends ExperimentSpans {
  /** Spans are exported under this project from now on (Phoenix's `openinference.project.name`). */
  setProjectName(projectName: string): void;
  /** Exports what is buffered (when the project is known). */
  flush(): Promise<void>;
  /** Flushes and stops; spans still without a project are dropped. */
  shutdown(): Promise<void>;
}

export interface ExperimentTracerOptions {
  phoenix: PhoenixConfig;
  /** Spans exported per request. Default 256. */
  batchSize?: number;
  /** For tests: the OpenTelemetry modules to use. */
  modules?: OpenTelemetryModules;
  /** Called once with the first export failure (it holds no header values). */
  onExportError?: (message: string) => void;
}

/** An experiment tracer, or undefined when the OpenTelemetry packages are not installed. */
export async function createExperimentTracer(options: ExperimentTracerOptions): Promise<ExperimentTracer | undefined> {
  const otel = options.modules ?? (await loadOpenTelemetry());
  if (!otel) return undefined;
  const { api, sdk, contextManager } = otel;
  const batchSize = options.batchSize ?? 256;
  const shipper = createSpanShipper({ phoenix: options.phoenix, otel, batchSize, ...(options.onExportError ? { onExportError: options.onExportError } : {}) });
  const finished: ReadableSpan[] = [];
  let projectName: string | undefined;
  let exporting: Promise<void> = Promise.resolve();

  const drain = (all: boolean): Promise<void> => {
    if (!projectName) return exporting;
    const count = all ? finished.length : finished.length - (finished.length % batchSize);
    if (count > 0) exporting = shipper.ship(finished.splice(0, count), projectName);
    return exporting;
  };

  const collector = {
    onStart() {},
    onEnd(span: ReadableSpan) {
      finished.push(span);
      if (finished.length >= batchSize) void drain(false);
    },
    forceFlush: () => drain(true),
    shutdown: () => drain(true),
  };
  const provider = new sdk.BasicTracerProvider({ spanProcessors: [collector] });
  // Instrumented LLM calls inside a task find its span through the active context, and report to
  // the global provider: register ours when the application has none of its own.
  const ownsContext = api.context.setGlobalContextManager(new contextManager.AsyncLocalStorageContextManager().enable());
  const ownsProvider = api.trace.setGlobalTracerProvider(provider);

  return {
    ...createExperimentSpans(api, provider.getTracer("vitest-experiments")),
    setProjectName(name) {
      projectName = name;
      void drain(false);
    },
    flush: () => drain(true),
    async shutdown() {
      await drain(true);
      finished.length = 0;
      await shipper.shutdown();
      // Only what this tracer registered: an application's own provider stays.
      if (ownsProvider) api.trace.disable();
      if (ownsContext) api.context.disable();
    },
  };
}
