import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { ExperimentExecutor } from "../../../src/engine/executor.js";
import { prepareExperiment } from "../../../src/engine/prepare.js";
import type { ExperimentOptions } from "../../../src/declaration/options.js";
import { startWorkerTracing } from "../../../src/tracing/worker-tracing.js";

const HOST = { PHOENIX_HOST: "http://127.0.0.1:9" };

const options = (overrides: Partial<ExperimentOptions> = {}): ExperimentOptions => ({
  dataset: { name: "numbers", examples: [{ id: "one", input: { n: 1 } }, { id: "two", input: { n: 2 } }] },
  task: async ({ input, attempt }: { input: { n: number }; attempt: number }) => {
    trace.getTracer("fake-llm").startSpan("llm call").end();
    if (input.n === 2 && attempt === 1) throw new Error("flaky model");
    return input.n * 10;
  },
  evaluators: { big: ({ output }: { output: number }) => output >= 20, positive: ({ output }: { output: number }) => output > 0 },
  retryDelay: 0,
  ...overrides,
});

describe("worker tracing", () => {
  it("applies only with a Phoenix host, uploading on, tracing not switched off and not a dry run", async () => {
    expect(await startWorkerTracing(await prepareExperiment("e", options()), { env: {} })).toBeUndefined();
    expect(await startWorkerTracing(await prepareExperiment("e", options()), { env: { ...HOST, VITEST_EXPERIMENTS_TRACING: "false" } })).toBeUndefined();
    expect(await startWorkerTracing(await prepareExperiment("e", options()), { env: { ...HOST, VITEST_EXPERIMENTS_UPLOAD: "off" } })).toBeUndefined();
    expect(await startWorkerTracing(await prepareExperiment("e", options({ dryRun: true })), { env: HOST })).toBeUndefined();
    expect(await startWorkerTracing(await prepareExperiment("e", options()), { env: { PHOENIX_HOST: "not a url" } })).toBeUndefined();
    expect(await startWorkerTracing(await prepareExperiment("e", options()), { env: HOST })).toBeDefined();
  });

  it("gives each run its trace ids and exactly its own spans: every attempt, its instrumented calls and its evaluators", async () => {
    const prepared = await prepareExperiment("traced", options());
    const tracing = (await startWorkerTracing(prepared, { env: HOST }))!;
    const executor = new ExperimentExecutor(prepared);
    const outcomes = await Promise.all(prepared.examples.map((example) => executor.run(example, 1)));
    const records = outcomes.map((outcome) => (outcome.kind === "run" ? tracing.applyTraceIds(outcome.record) : undefined)!);

    const [one, two] = records.map((record) => ({ record, spans: tracing.takeSpans(record) }));
    expect(one!.spans.map((s) => s.name).sort()).toEqual(["Evaluation: big", "Evaluation: positive", "Task: traced", "llm call"]);
    // Two attempts for "two": the failed one is traced too.
    expect(two!.spans.map((s) => s.name).sort()).toEqual(["Evaluation: big", "Evaluation: positive", "Task: traced", "Task: traced", "llm call", "llm call"]);

    for (const { record, spans } of [one!, two!]) {
      const kept = spans.find((s) => s.name === "Task: traced" && s.status.code === 1)!;
      expect(record.traceId).toBe(kept.traceId);
      for (const evaluation of record.evaluations) {
        expect(spans.find((s) => s.name === `Evaluation: ${evaluation.name}`)!.traceId).toBe(evaluation.traceId);
      }
      // The run's spans survive the trip through task.meta (JSON).
      expect(JSON.parse(JSON.stringify(spans))).toEqual(spans);
    }
    // Taken once: a second look finds nothing.
    expect(tracing.takeSpans(one!.record)).toEqual([]);
  });
});
