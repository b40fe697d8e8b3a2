import { afterEach, describe, expect, it } from "vitest";
import { loadOpenTelemetry, type OpenTelemetryModules } from "../../../src/tracing/load.js";
import { createSpanCollector, type SpanCollector } from "../../../src/tracing/span-collector.js";
import { createSpanExportSink } from "../../../src/tracing/span-export-sink.js";
import { isSpanJson, spanToJson, type SpanJson } from "../../../src/tracing/span-json.js";
import type { PhoenixServerIds, PhoenixSink } from "../../../src/sinks/phoenix-sink.js";
import type { ExperimentDescriptor, ExperimentResult } from "../../../src/record/types.js";
import { decodeTraceExport, startFakePhoenix, type FakePhoenix } from "../../support/fake-phoenix/index.js";

const API_KEY = "px-span-export-secret-0123456789";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(): Promise<FakePhoenix> {
  const server = await startFakePhoenix({ apiKey: API_KEY });
  cleanups.push(() => server.close());
  return server;
}

async function otel(): Promise<OpenTelemetryModules> {
  const modules = await loadOpenTelemetry();
  if (!modules) throw new Error("the OpenTelemetry dev dependencies are not installed");
  return modules;
}

/** Registered globally, as in a worker (this file runs in its own process): instrumented calls record here. */
let workerCollector: SpanCollector | undefined;

/** The spans of `runs` task attempts (each with an instrumented child), as they travel on task.meta: through JSON. */
async function recordedSpans(runs: number): Promise<SpanJson[]> {
  const modules = await otel();
  const collector = (workerCollector ??= createSpanCollector(modules, { register: true }));
  const traceIds = new Set<string>();
  for (let i = 0; i < runs; i++) {
    const traced = await collector.spans.task({ experimentName: "exp", exampleId: `ex-${i}`, repetition: 1, input: { i } }, () => {
      // What an instrumented LLM client does: a span on the global tracer, under the active one.
      modules.api.trace.getTracer("fake-llm").startSpan("llm call").end();
      return i * 10;
    });
    traceIds.add(traced.traceId);
  }
  return JSON.parse(JSON.stringify(collector.take(traceIds).map(spanToJson))) as SpanJson[];
}

const experiment = { id: "local-1", name: "exp", dryRun: null } as unknown as ExperimentDescriptor;
const finished = { experiment } as unknown as ExperimentResult;

/** The one thing the export needs from the Phoenix sink: the project, once the server named it. */
function phoenixSinkWith(ids: { projectName: string | null } | undefined): PhoenixSink & { ids: typeof ids } {
  const sink = {
    name: "phoenix" as const,
    ids,
    linkFor: () => undefined,
    serverIdsFor: () => (sink.ids ? ({ projectName: sink.ids.projectName } as PhoenixServerIds) : undefined),
  };
  return sink;
}

function output() {
  const lines: string[] = [];
  return { lines, log: (t: string) => void lines.push(t), warn: (t: string) => void lines.push(t) };
}

describe("span JSON", () => {
  it("keeps what the export needs through JSON: ids, parent, name, times, status, attributes", async () => {
    const spans = await recordedSpans(1);
    expect(spans).toHaveLength(2);
    expect(spans.every(isSpanJson)).toBe(true);
    const task = spans.find((s) => s.name === "Task: exp")!;
    const child = spans.find((s) => s.name === "llm call")!;
    expect(task.parentSpanId).toBeUndefined();
    expect(child.parentSpanId).toBe(task.spanId);
    expect(child.traceId).toBe(task.traceId);
    expect(task.attributes["openinference.span.kind"]).toBe("CHAIN");
    expect(task.status.code).toBe(1);
    expect(task.scope.name).toBe("vitest-experiments");
    expect(isSpanJson({ name: "x" })).toBe(false);
  });
});

describe("span collector", () => {
  it("hands each run only its own traces, once", async () => {
    const collector = createSpanCollector(await otel(), { register: false });
    const a = await collector.spans.task({ experimentName: "e", exampleId: "a", repetition: 1, input: 1 }, () => 1);
    const b = await collector.spans.evaluator({ name: "ev", kind: "CODE", exampleId: "b", repetition: 1, output: 1 }, () => true);
    expect(collector.take(new Set([a.traceId])).map((s) => s.name)).toEqual(["Task: e"]);
    expect(collector.take(new Set([a.traceId]))).toEqual([]);
    expect(collector.take(new Set([b.traceId])).map((s) => s.name)).toEqual(["Evaluation: ev"]);
  });

  it("drops the oldest unclaimed traces beyond its bound", async () => {
    const collector = createSpanCollector(await otel(), { register: false, maxKept: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await collector.spans.task({ experimentName: "e", exampleId: `x${i}`, repetition: 1, input: i }, () => i)).traceId);
    expect(collector.take(new Set([ids[0]!]))).toEqual([]);
    expect(collector.take(new Set(ids.slice(1)))).toHaveLength(2);
  });
});

describe("span export sink", () => {
  it("holds spans until the project is known, then exports them in batches under it, rebuilt with their ids and parents", async () => {
    const server = await fake();
    const phoenixSink = phoenixSinkWith(undefined);
    const sink = createSpanExportSink({ phoenixSink, phoenix: { host: server.url, apiKey: API_KEY, headers: {} }, output: output(), batchSize: 4 });
    const spans = await recordedSpans(5); // 10 spans

    sink.collect(experiment, spans.slice(0, 6));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.state.traces).toEqual([]); // no project yet: nothing can go

    phoenixSink.ids = { projectName: "Experiment-abc" };
    sink.collect(experiment, spans.slice(6));
    await sink.experimentFinished!(finished);
    await sink.close!();

    // 10 spans in batches of 4: 8 as soon as the project is known, the last 2 when the experiment finished.
    expect(server.state.traces).toHaveLength(3);
    const exported = server.state.traces.flatMap((body) => decodeTraceExport(body));
    expect(new Set(exported.map((r) => r.resource["openinference.project.name"]))).toEqual(new Set(["Experiment-abc"]));
    const decoded = exported.flatMap((r) => r.spans);
    expect(decoded.map((s) => s.spanId).sort()).toEqual(spans.map((s) => s.spanId).sort());
    for (const span of spans) {
      const back = decoded.find((s) => s.spanId === span.spanId)!;
      expect(back.traceId).toBe(span.traceId);
      expect(back.parentSpanId).toBe(span.parentSpanId ?? "");
      expect(back.name).toBe(span.name);
      expect(back.statusCode).toBe(span.status.code);
    }
    expect(server.state.violations).toEqual([]);
  });

  it("drops the spans of an experiment that never reached Phoenix, without a request", async () => {
    const server = await fake();
    const sink = createSpanExportSink({ phoenixSink: phoenixSinkWith(undefined), phoenix: { host: server.url, apiKey: API_KEY, headers: {} }, output: output() });
    sink.collect(experiment, await recordedSpans(2));
    await sink.experimentFinished!(finished);
    await sink.close!();
    expect(server.state.requests).toEqual([]);
  });

  it("warns once when exports fail, never with the API key or a header value, and never throws", async () => {
    const server = await fake();
    const out = output();
    const header = "header-secret-value-42";
    const sink = createSpanExportSink({
      phoenixSink: phoenixSinkWith({ projectName: "Experiment-abc" }),
      // A wrong key: the server refuses every export.
      phoenix: { host: server.url, apiKey: "px-wrong-key-9876543210", headers: { "x-extra": header } },
      output: out,
      batchSize: 2,
    });
    sink.collect(experiment, await recordedSpans(3));
    await sink.experimentFinished!(finished);
    await sink.close!();
    expect(server.state.requests.filter((r) => r.path === "/v1/traces").length).toBeGreaterThanOrEqual(3);
    const warnings = out.lines.filter((l) => l.includes("tracing"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${server.url}/v1/traces`);
    expect(out.lines.join("\n")).not.toContain("px-wrong-key-9876543210");
    expect(out.lines.join("\n")).not.toContain(header);
  });
});
