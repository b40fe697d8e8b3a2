import type { Tracer } from "@opentelemetry/api";
import type { OpenTelemetryModules } from "./load.js";

/**
 * Runs an experiment's task attempts and evaluators in spans, in OpenInference's conventions
 * (what Phoenix shows): each task attempt in a CHAIN span, each evaluator in an EVALUATOR span.
 * Where the finished spans go is the tracer provider's business, not this one's.
 */
export interface ExperimentSpans {
  /** Runs `fn` (one task attempt) in a CHAIN span, as the active span: instrumented calls inside become its children. */
  task<T>(info: { experimentName: string; exampleId: string; repetition: number; input: unknown }, fn: () => Promise<T> | T): Promise<Traced<T>>;
  /** Runs `fn` (one evaluator on one run) in an EVALUATOR span. */
  evaluator<T>(info: { name: string; kind: string; exampleId: string; repetition: number; output: unknown }, fn: () => Promise<T> | T): Promise<Traced<T>>;
}

/** What `fn` returned or threw, and the trace its span belongs to (32 hex digits). */
export type Traced<T> = { traceId: string } & ({ ok: true; value: T } | { ok: false; error: unknown });

export function createExperimentSpans(api: OpenTelemetryModules["api"], tracer: Tracer): ExperimentSpans {
  async function inSpan<T>(name: string, attributes: Record<string, string | number>, fn: () => Promise<T> | T): Promise<Traced<T>> {
    return tracer.startActiveSpan(name, { attributes }, async (span) => {
      const traceId = span.spanContext().traceId;
      try {
        const value = await fn();
        const output = json(value);
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
      );
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
