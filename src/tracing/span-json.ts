import type { Attributes, HrTime, SpanContext } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/**
 * A finished span as plain JSON: what a worker puts on a run test's `task.meta` (Vitest serializes
 * meta to the main process), and what the main process turns back into a span to export. Times
 * are OpenTelemetry's HrTime (`[seconds, nanoseconds]`), so nothing is lost on the way.
 */
export interface SpanJson {
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  traceFlags: number;
  name: string;
  /** OpenTelemetry's SpanKind (0 internal … 4 consumer). */
  kind: number;
  startTime: HrTime;
  endTime: HrTime;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  attributes: Attributes;
  events: { name: string; time: HrTime; attributes?: Attributes }[];
  links: { traceId: string; spanId: string; attributes?: Attributes }[];
  /** The instrumentation that made the span (`vitest-experiments`, or an LLM client's). */
  scope: { name: string; version?: string };
}

export function spanToJson(span: ReadableSpan): SpanJson {
  const context = span.spanContext();
  const parentSpanId = span.parentSpanContext?.spanId;
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    traceFlags: context.traceFlags,
    name: span.name,
    kind: span.kind,
    startTime: [span.startTime[0], span.startTime[1]],
    endTime: [span.endTime[0], span.endTime[1]],
    status: { code: span.status.code, ...(span.status.message ? { message: span.status.message } : {}) },
    attributes: { ...span.attributes },
    events: span.events.map((event) => ({ name: event.name, time: [event.time[0], event.time[1]], ...(event.attributes ? { attributes: { ...event.attributes } } : {}) })),
    links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId, ...(link.attributes ? { attributes: { ...link.attributes } } : {}) })),
    scope: { name: span.instrumentationScope.name, ...(span.instrumentationScope.version ? { version: span.instrumentationScope.version } : {}) },
  };
}

/**
 * The span back, as the OTLP exporter reads it. `resource` is the exporter's business (the trace
 * project), so the caller gives it; an empty one until then.
 */
export function spanFromJson(json: SpanJson, resource: ReadableSpan["resource"]): ReadableSpan {
  const context: SpanContext = { traceId: json.traceId, spanId: json.spanId, traceFlags: json.traceFlags };
  const durationNanos = (json.endTime[0] - json.startTime[0]) * 1e9 + (json.endTime[1] - json.startTime[1]);
  return {
    name: json.name,
    kind: json.kind,
    spanContext: () => context,
    ...(json.parentSpanId ? { parentSpanContext: { traceId: json.traceId, spanId: json.parentSpanId, traceFlags: json.traceFlags } } : {}),
    startTime: json.startTime,
    endTime: json.endTime,
    duration: [Math.floor(durationNanos / 1e9), durationNanos % 1e9],
    status: json.status,
    attributes: json.attributes,
    links: json.links.map((link) => ({ context: { traceId: link.traceId, spanId: link.spanId, traceFlags: json.traceFlags }, ...(link.attributes ? { attributes: link.attributes } : {}) })),
    events: json.events.map((event) => ({ name: event.name, time: event.time, ...(event.attributes ? { attributes: event.attributes } : {}) })),
    ended: true,
    resource,
    instrumentationScope: json.scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** Reads what a worker wrote, keeping only well-formed spans (meta can come from a blob file of another version). */
export function isSpanJson(value: unknown): value is SpanJson {
  const span = value as Partial<SpanJson> | null;
  return (
    typeof span === "object" &&
    span !== null &&
    typeof span.traceId === "string" &&
    typeof span.spanId === "string" &&
    typeof span.name === "string" &&
    Array.isArray(span.startTime) &&
    Array.isArray(span.endTime) &&
    typeof span.status?.code === "number"
  );
}
