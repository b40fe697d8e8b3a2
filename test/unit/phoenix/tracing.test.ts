import { trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runExperiment } from "../../../src/programmatic/run-experiment.js";
import { loadOpenTelemetry, tracingDisabledByEnv } from "../../../src/tracing/index.js";
import { decodeTraceExport, startFakePhoenix, type DecodedResourceSpans, type FakePhoenix } from "../../support/fake-phoenix/index.js";

const API_KEY = "px-trace-secret-0123456789";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  vi.restoreAllMocks();
});

async function fake(): Promise<FakePhoenix> {
  const server = await startFakePhoenix({ apiKey: API_KEY });
  cleanups.push(() => server.close());
  return server;
}

function quiet(): string[] {
  const written: string[] = [];
  for (const method of ["log", "warn"] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void written.push(args.join(" ")));
  return written;
}

const dataset = { name: "traced", examples: [{ id: "one", input: { n: 1 } }, { id: "two", input: { n: 2 } }] };

describe("tracing with OpenTelemetry installed", () => {
  it("puts each task attempt in a CHAIN span and each evaluator in an EVALUATOR span, records trace ids and exports under the experiment's project", async () => {
    const server = await fake();
    quiet();
    let failedOnce = false;
    const ran = await runExperiment({
      experimentName: "traced-exp",
      dataset,
      task: async ({ input }: { input: { n: number } }) => {
        // What an instrumented LLM client does: a span on the global tracer, under the active one.
        await trace.getTracer("fake-llm").startActiveSpan("llm call", async (span) => span.end());
        if (input.n === 2 && !failedOnce) {
          failedOnce = true;
          throw new Error("flaky model");
        }
        return input.n * 10;
      },
      evaluators: { big: ({ output }: { output: number }) => output >= 20 },
      retryDelay: 0,
      storeDir: false,
      phoenix: { host: server.url, apiKey: API_KEY },
    });
    const { state } = server;
    expect(state.violations).toEqual([]);
    expect(state.traces.length).toBeGreaterThan(0);
    const exported: DecodedResourceSpans[] = state.traces.flatMap((body) => decodeTraceExport(body));
    expect(new Set(exported.map((r) => r.resource["openinference.project.name"]))).toEqual(new Set([ran.projectName]));
    const spans = exported.flatMap((r) => r.spans);

    const chains = spans.filter((s) => s.attributes["openinference.span.kind"] === "CHAIN");
    expect(chains.map((s) => s.name)).toEqual(["Task: traced-exp", "Task: traced-exp", "Task: traced-exp"]);
    // Example "two" had two attempts: a failed span, then the one the run records.
    const two = chains.filter((s) => s.attributes["example.id"] === "two");
    expect(two.map((s) => s.statusCode).sort()).toEqual([1, 2]);
    const runs = ran.taskRuns;
    const lastAttemptOfTwo = two.find((s) => s.statusCode === 1)!;
    expect(runs.find((r) => r.exampleId === "two")!.traceId).toBe(lastAttemptOfTwo.traceId);
    expect(lastAttemptOfTwo.attributes["output.value"]).toBe("20");
    expect(lastAttemptOfTwo.attributes["input.value"]).toBe('{"n":2}');

    // The instrumented call is a child of its attempt's span.
    const llm = spans.filter((s) => s.name === "llm call");
    expect(llm).toHaveLength(3);
    for (const child of llm) expect(chains.some((c) => c.spanId === child.parentSpanId && c.traceId === child.traceId)).toBe(true);

    const evaluators = spans.filter((s) => s.attributes["openinference.span.kind"] === "EVALUATOR");
    expect(evaluators.map((s) => s.name)).toEqual(["Evaluation: big", "Evaluation: big"]);

    // The server holds the trace ids: runs reference their task trace, evaluations their evaluator trace.
    const serverRuns = state.runsOf(ran.experimentId);
    expect(serverRuns.map((r) => r.traceId).sort()).toEqual(runs.map((r) => r.traceId).sort());
    expect(serverRuns.every((r) => /^[0-9a-f]{32}$/.test(r.traceId ?? ""))).toBe(true);
    const serverEvaluations = state.evaluationsOf(ran.experimentId);
    expect(serverEvaluations.map((e) => e.traceId).sort()).toEqual(evaluators.map((s) => s.traceId).sort());
    expect(ran.evaluationRuns.every((e) => evaluators.some((s) => s.traceId === e.traceId))).toBe(true);
  });

  it("traces nothing when switched off or on a dry run", async () => {
    const server = await fake();
    quiet();
    const off = await runExperiment({ experimentName: "untraced", dataset, task: () => 1, tracing: false, storeDir: false, phoenix: { host: server.url, apiKey: API_KEY } });
    expect(off.taskRuns.every((r) => r.traceId === null)).toBe(true);
    const dry = await runExperiment({ experimentName: "dry", dataset, task: () => 1, dryRun: true, storeDir: false, phoenix: { host: server.url, apiKey: API_KEY } });
    expect(dry.taskRuns.every((r) => r.traceId === null)).toBe(true);
    expect(server.state.traces).toEqual([]);
    expect(server.state.runsOf(off.experimentId).every((r) => r.traceId === null)).toBe(true);
  });
});

describe("tracing without OpenTelemetry", () => {
  it("is off, silently, when the packages cannot be imported", async () => {
    const missing = await loadOpenTelemetry(async (name) => {
      if (name === "@opentelemetry/sdk-trace-base") throw Object.assign(new Error(`Cannot find package '${name}'`), { code: "ERR_MODULE_NOT_FOUND" });
      return import(name);
    });
    expect(missing).toBeUndefined();
    expect(await loadOpenTelemetry()).toBeDefined();
  });

  it("can be switched off with VITEST_EXPERIMENTS_TRACING=false", () => {
    expect(tracingDisabledByEnv({ VITEST_EXPERIMENTS_TRACING: "false" })).toBe(true);
    expect(tracingDisabledByEnv({ VITEST_EXPERIMENTS_TRACING: "0" })).toBe(true);
    expect(tracingDisabledByEnv({})).toBe(false);
  });
});
