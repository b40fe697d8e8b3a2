import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { PhoenixConfig } from "../phoenix/config.js";
import { loadOpenTelemetry, type OpenTelemetryModules } from "./load.js";

/**
 * Spans for an experiment, in OpenInference's conventions (what Phoenix shows): each task attempt
 * in a CHAIN span, each evaluator in an EVALUATOR span, exported over OTLP/HTTP (protobuf) to
 * Phoenix's `/v1/traces` under the experiment's trace project. The project is Phoenix's name for
 * the experiment, known only once the server created it, so finished spans wait in memory until
 * `setProjectName` and are then exported in batches.
 */
export interface ExperimentTracer {
  /** Runs `fn` (one task attempt) in a CHAIN span, as the active span: instrumented calls inside become its children. */
  task<T>(info: { experimentName: string; exampleId: string; repetition: number; input: unknown }, fn: () => Promise<T> | T): Promise<Traced<T>>;
  /** Runs `fn` (one evaluator on one run) in an EVALUATOR span. */
  evaluator<T>(info: { name: string; kind: string; exampleId: string; repetition: number; output: unknown }, fn: () => Promise<T> | T): Promise<Traced<T>>;
  /** Spans are exported under this project from now on (Phoenix's `openinference.project.name`). */
  setProjectName(projectName: string): void;
  /** Exports what is buffered (when the project is known). */
  flush(): Promise<void>;
  /** Flushes and stops; spans still without a project are dropped. */
  shutdown(): Promise<void>;
}

/** What `fn` returned or threw, and the trace its span belongs to (32 hex digits). */
export type Traced<T> = { traceId: string } & ({ ok: true; value: T } | { ok: false; error: unknown });

export interface ExperimentTracerOptions {
  phoenix: PhoenixConfig;
  /** Spans exported per request. Default 256. */
  batchSize?: number;
  /** For tests: the OpenTelemetry modules to use. */
  modules?: OpenTelemetryModules;
  /** Called once with the first export failure (redacted by the caller's wording: it holds no header values). */
  onExportError?: (message: string) => void;
}

const PROJECT_ATTRIBUTE = "openinference.project.name";

/** An experiment tracer, or undefined when the OpenTelemetry packages are not installed. */
export async function createExperimentTracer(options: ExperimentTracerOptions): Promise<ExperimentTracer | undefined> {
  const otel = options.modules ?? (await loadOpenTelemetry());
  if (!otel) return undefined;
  const { api, sdk, resources, exporter: exporterModule, contextManager } = otel;
  const batchSize = options.batchSize ?? 256;
  const finished: ReadableSpan[] = [];
  let projectName: string | undefined;
  let exporting: Promise<void> = Promise.resolve();
  let reported = false;

  const headers: Record<string, string> = { ...options.phoenix.headers, ...(options.phoenix.apiKey ? { authorization: `Bearer ${options.phoenix.apiKey}` } : {}) };
  const exporter = new exporterModule.OTLPTraceExporter({ url: `${options.phoenix.host}/v1/traces`, headers });

  const drain = (all: boolean): Promise<void> => {
    if (!projectName) return exporting;
    const resource = resources.resourceFromAttributes({ [PROJECT_ATTRIBUTE]: projectName });
    while (finished.length >= (all ? 1 : batchSize)) {
      // The spans were recorded before the project was known: present them with its resource.
      const batch = finished.splice(0, batchSize).map((span) => Object.create(span, { resource: { value: resource } }) as ReadableSpan);
      exporting = exporting.then(
        () =>
          new Promise<void>((resolve) => {
            exporter.export(batch, (result) => {
              if (result.code !== 0 && !reported) {
                reported = true;
                options.onExportError?.(`could not export ${batch.length} spans to ${options.phoenix.host}/v1/traces: ${result.error?.message ?? "unknown error"}`);
              }
              resolve();
            });
          }),
      );
    }
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
  const tracer = provider.getTracer("vitest-experiments");

  async function inSpan<T>(name: string, attributes: Record<string, string | number>, fn: () => Promise<T> | T, outputOf: (value: T) => unknown): Promise<Traced<T>> {
    return tracer.startActiveSpan(name, { attributes }, async (span) => {
      const traceId = span.spanContext().traceId;
      try {
        const value = await fn();
        const output = json(outputOf(value));
        if (output !== undefined) span.setAttributes({ "output.value": output, "output.mime_type": "application/json" });
        span.setStatus({ code: api.SpanStatusCode.OK });
        return { traceId, ok: true as const, value };
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
        return { traceId, ok: false as const, error };
      } finally {
        span.end();
      }
    });
  }

  return {
    task(info, fn) {
      const input = json(info.input);
      return inSpan(
        `Task: ${info.experimentName}`,
        {
          "openinference.span.kind": "CHAIN",
          ...(input !== undefined ? { "input.value": input, "input.mime_type": "application/json" } : {}),
          "example.id": info.exampleId,
          "experiment.repetition": info.repetition,
        },
        fn,
        (value) => value,
      );
    },
    evaluator(info, fn) {
      const output = json(info.output);
      return inSpan(
        `Evaluation: ${info.name}`,
        {
          "openinference.span.kind": "EVALUATOR",
          ...(output !== undefined ? { "input.value": output, "input.mime_type": "application/json" } : {}),
          "evaluator.kind": info.kind,
          "example.id": info.exampleId,
          "experiment.repetition": info.repetition,
        },
        fn,
        (value) => value,
      );
    },
    setProjectName(name) {
      projectName = name;
      void drain(false);
    },
    flush: () => drain(true),
    async shutdown() {
      await drain(true);
      finished.length = 0;
      await exporter.shutdown();
      // Only what this tracer registered: an application's own provider stays.
      if (ownsProvider) api.trace.disable();
      if (ownsContext) api.context.disable();
    },
  };
}

function json(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    return undefined;
  }
}
