import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createExperimentSpans, type ExperimentSpans } from "./experiment-spans.js";
import type { OpenTelemetryModules } from "./load.js";

/**
 * Keeps the spans finished in this process, by trace, until a run claims its traces. Used in
 * Vitest workers, which cannot export (the trace project is known only in the main process):
 * the run's spans travel on its test's meta instead.
 */
export interface SpanCollector {
  /** Task and evaluator spans, recorded here. */
  readonly spans: ExperimentSpans;
  /** Removes and returns the finished spans of these traces. */
  take(traceIds: ReadonlySet<string>): ReadableSpan[];
}

/** Spans kept at most (oldest traces dropped first): traces no run claims must not grow without end. */
const MAX_KEPT_SPANS = 50_000;
const KEY = Symbol.for("vitest-experiments.span-collector");

/**
 * The process's collector, created on first use with its tracer provider, which is registered
 * globally (with an AsyncLocalStorage context manager) unless the application registered its own,
 * so that instrumented LLM calls inside a task record their spans here, under the task's span.
 * One per process, kept on globalThis: Vitest may evaluate this module once per test file, and
 * OpenTelemetry's global registration is per process.
 */
export function processSpanCollector(otel: OpenTelemetryModules): SpanCollector {
  const global = globalThis as Record<symbol, SpanCollector | undefined>;
  return (global[KEY] ??= createSpanCollector(otel, { register: true }));
}

export function createSpanCollector(otel: OpenTelemetryModules, options: { register: boolean; maxKept?: number }): SpanCollector {
  const { api, sdk, contextManager } = otel;
  const maxKept = options.maxKept ?? MAX_KEPT_SPANS;
  const byTrace = new Map<string, ReadableSpan[]>();
  let kept = 0;

  const processor = {
    onStart() {},
    onEnd(span: ReadableSpan) {
      const traceId = span.spanContext().traceId;
      const spans = byTrace.get(traceId);
      if (spans) spans.push(span);
      else byTrace.set(traceId, [span]);
      kept++;
      // Maps iterate in insertion order: the first entries are the oldest traces.
      for (const [oldest, dropped] of byTrace) {
        if (kept <= maxKept) break;
        byTrace.delete(oldest);
        kept -= dropped.length;
      }
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const provider = new sdk.BasicTracerProvider({ spanProcessors: [processor] });
  if (options.register) {
    api.context.setGlobalContextManager(new contextManager.AsyncLocalStorageContextManager().enable());
    api.trace.setGlobalTracerProvider(provider);
  }

  return {
    spans: createExperimentSpans(api, provider.getTracer("vitest-experiments")),
    take(traceIds) {
      const taken: ReadableSpan[] = [];
      for (const traceId of traceIds) {
        const spans = byTrace.get(traceId);
        if (!spans) continue;
        byTrace.delete(traceId);
        kept -= spans.length;
        taken.push(...spans);
      }
      return taken;
    },
  };
}
