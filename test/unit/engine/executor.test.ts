import { describe, expect, it } from "vitest";
import type { ExampleInput } from "../../../src/datasets/types.js";
import type { ExperimentOptions } from "../../../src/declaration/options.js";
import { ExperimentExecutor, type RunOutcome } from "../../../src/engine/executor.js";
import { prepareExperiment } from "../../../src/engine/prepare.js";
import type { RunRecord } from "../../../src/record/types.js";

const examples = (n: number): ExampleInput[] => Array.from({ length: n }, (_, i) => ({ id: `e${i + 1}`, input: { i: i + 1 }, output: { answer: i + 1 } }));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Prepares an experiment and runs every example × repetition the way runExperiment() does. */
async function runAll(options: Partial<ExperimentOptions> & Pick<ExperimentOptions, "task">, name = "engine-test") {
  const prepared = await prepareExperiment(name, { dataset: { name: "ds", examples: examples(3) }, retryDelay: 0, ...options });
  const executor = new ExperimentExecutor(prepared);
  const outcomes = await Promise.all(
    prepared.examples.flatMap((example) => Array.from({ length: prepared.options.repetitions }, (_, i) => executor.run(example, i + 1))),
  );
  return { prepared, executor, outcomes, records: outcomes.filter((o): o is Extract<RunOutcome, { kind: "run" }> => o.kind === "run").map((o) => o.record) };
}

const byExample = (records: RunRecord[]) => Object.fromEntries(records.map((r) => [`${r.exampleId}#${r.repetition}`, r]));

describe("ExperimentExecutor", () => {
  it("passes the task a context with input, expected, reference, metadata, example, 1-based repetition, attempt and signal", async () => {
    const seen: unknown[] = [];
    await runAll({
      dataset: { name: "ds", examples: [{ id: "a", input: { q: 1 }, output: "yes", metadata: { m: true } }] },
      repetitions: 2,
      task: (context) => {
        seen.push({ ...context, signal: context.signal instanceof AbortSignal });
        return "ok";
      },
    });
    expect(seen).toEqual(
      [1, 2].map((repetition) => ({
        input: { q: 1 },
        expected: "yes",
        reference: "yes",
        metadata: { m: true },
        example: { id: "a", input: { q: 1 }, expected: "yes", metadata: { m: true }, splits: [] },
        repetition,
        attempt: 1,
        signal: true,
      })),
    );
  });

  it("counts the timeout from the attempt's start, not from when the run was queued", async () => {
    // Concurrency 1: the third run waits for two others (1.2 timeouts) before it starts.
    const { records } = await runAll({ concurrency: 1, timeout: 500, retries: 0, task: () => wait(300).then(() => "done") });
    expect(records.map((r) => r.status)).toEqual(["ok", "ok", "ok"]);
    expect(records.every((r) => r.attempts.length === 1)).toBe(true);
  });

  it("fails a task that ignores its signal and never settles at its timeout, and still finishes the experiment", async () => {
    const { records } = await runAll({
      timeout: 40,
      retries: 1,
      task: ({ input }) => ((input as { i: number }).i === 2 ? new Promise(() => {}) : "fine"),
    });
    const runs = byExample(records);
    expect(runs["e2#1"]).toMatchObject({ status: "error", error: { name: "TimeoutError", message: "task timed out after 40 ms" } });
    expect(runs["e2#1"]!.attempts.map((a) => a.timedOut)).toEqual([true, true]);
    expect(runs["e1#1"]!.status).toBe("ok");
    expect(runs["e3#1"]!.status).toBe("ok");
  });

  it("aborts the task's signal at the timeout", async () => {
    let reason: unknown;
    await runAll({
      dataset: { name: "ds", examples: examples(1) },
      timeout: 30,
      retries: 0,
      task: ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener("abort", () => {
            reason = signal.reason;
            reject(signal.reason);
          });
        }),
    });
    expect(reason).toMatchObject({ name: "TimeoutError" });
  });

  it("makes 4 attempts by default (retries: 3) and records each", async () => {
    let calls = 0;
    const { records, prepared } = await runAll({
      dataset: { name: "ds", examples: examples(1) },
      task: ({ attempt }) => {
        calls++;
        throw new Error(`attempt ${attempt} failed`);
      },
    });
    expect(prepared.options.retries).toBe(3);
    expect(calls).toBe(4);
    expect(records[0]!.attempts.map((a) => a.error)).toEqual(["attempt 1 failed", "attempt 2 failed", "attempt 3 failed", "attempt 4 failed"]);
    expect(records[0]!.error?.message).toBe("attempt 4 failed");
    expect(records[0]!.evaluations).toEqual([]);
  });

  it("honours retries: 0 (one attempt) and succeeds on a later attempt when the task recovers", async () => {
    const once = await runAll({ dataset: { name: "ds", examples: examples(1) }, retries: 0, task: () => Promise.reject(new Error("no")) });
    expect(once.records[0]!.attempts).toHaveLength(1);
    const recovered = await runAll({ dataset: { name: "ds", examples: examples(1) }, task: ({ attempt }) => (attempt < 3 ? Promise.reject(new Error("flaky")) : "ok") });
    expect(recovered.records[0]).toMatchObject({ status: "ok", output: "ok" });
    expect(recovered.records[0]!.attempts).toHaveLength(3);
  });

  const circular: Record<string, unknown> = {};
  circular.me = circular;
  it.each([
    ["BigInt", { n: 1n }, "output.n"],
    ["circular", circular, "output.me"],
    ["function", { f() {} }, "output.f"],
    ["Map", new Map([["a", 1]]), "output"],
    ["NaN", { score: Number.NaN }, "output.score"],
  ])("fails a run whose output is not JSON (%s) after one attempt, naming the path", async (_, output, path) => {
    let calls = 0;
    const { records } = await runAll({
      dataset: { name: "ds", examples: examples(1) },
      task: () => {
        calls++;
        return output;
      },
    });
    expect(calls).toBe(1);
    expect(records[0]).toMatchObject({ status: "error", error: { name: "PermanentError" } });
    expect(records[0]!.error!.message).toContain(`${path} is not JSON-serializable`);
  });

  it("exitOnError: stops scheduling new runs after the first run that fails for good; the rest are skipped", async () => {
    const started: string[] = [];
    const { outcomes } = await runAll({
      dataset: { name: "ds", examples: examples(5) },
      concurrency: 1,
      retries: 1,
      exitOnError: true,
      task: ({ example }) => {
        started.push(example.id);
        if (example.id === "e2") throw new Error("broken");
        return "ok";
      },
    });
    expect(started).toEqual(["e1", "e2", "e2"]);
    expect(outcomes.map((o) => (o.kind === "run" ? o.record.status : o.kind))).toEqual(["ok", "error", "skipped", "skipped", "skipped"]);
    const skipped = outcomes[2] as Extract<RunOutcome, { kind: "skipped" }>;
    expect(skipped.reason).toMatch(/exitOnError after run e2/);
  });

  it("without exitOnError runs everything after a failure", async () => {
    const { outcomes } = await runAll({
      dataset: { name: "ds", examples: examples(4) },
      concurrency: 1,
      retries: 0,
      task: ({ example }) => {
        if (example.id === "e1") throw new Error("broken");
        return "ok";
      },
    });
    expect(outcomes.map((o) => o.kind)).toEqual(["run", "run", "run", "run"]);
  });

  it("binds deep copies: a task mutating its input changes neither what evaluators nor later repetitions see", async () => {
    const inputsSeen: unknown[] = [];
    const evaluatorSaw: unknown[] = [];
    const { records } = await runAll({
      dataset: { name: "ds", examples: [{ id: "x", input: { list: [1, 2], nested: { v: "orig" } }, output: { a: 1 }, metadata: { tag: "t" } }] },
      repetitions: 3,
      concurrency: 1,
      task: ({ input, expected, metadata, example }) => {
        inputsSeen.push(structuredClone(input));
        input.list.push(99);
        input.nested.v = "mutated";
        expected.a = 2;
        metadata.tag = "changed";
        (example.input as { list: number[] }).list.length = 0;
        return "out";
      },
      evaluators: {
        sees_original({ input, expected, metadata, example }) {
          evaluatorSaw.push({ input, expected, metadata, exampleInput: example.input });
          return 1;
        },
      },
    });
    expect(records.map((r) => r.status)).toEqual(["ok", "ok", "ok"]);
    const original = { list: [1, 2], nested: { v: "orig" } };
    expect(inputsSeen).toEqual([original, original, original]);
    for (const saw of evaluatorSaw) expect(saw).toEqual({ input: original, expected: { a: 1 }, metadata: { tag: "t" }, exampleInput: original });
  });

  it("gives every retry a fresh copy of the input", async () => {
    const seen: unknown[] = [];
    await runAll({
      dataset: { name: "ds", examples: [{ id: "x", input: { n: 1 } }] },
      task: ({ input, attempt }) => {
        seen.push(input.n);
        input.n = 100;
        if (attempt < 3) throw new Error("again");
        return "ok";
      },
    });
    expect(seen).toEqual([1, 1, 1]);
  });

  it("never has more than `concurrency` tasks in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const { records } = await runAll({
      dataset: { name: "ds", examples: examples(12) },
      concurrency: 3,
      task: async () => {
        peak = Math.max(peak, ++inFlight);
        await wait(15);
        inFlight--;
        return "ok";
      },
    });
    expect(records).toHaveLength(12);
    expect(peak).toBe(3);
  });

  it("counts evaluators inside the run's concurrency slot, so an evaluator cannot raise the tasks in flight", async () => {
    let tasksInFlight = 0;
    let peak = 0;
    await runAll({
      dataset: { name: "ds", examples: examples(6) },
      concurrency: 2,
      task: async () => {
        peak = Math.max(peak, ++tasksInFlight);
        await wait(5);
        tasksInFlight--;
        return "ok";
      },
      evaluators: { slow: async () => (await wait(10), 1) },
    });
    expect(peak).toBeLessThanOrEqual(2);
  });

  it("cancel(): queued runs come back skipped and in-flight attempts are aborted (skipped, not failed)", async () => {
    const prepared = await prepareExperiment("cancel", {
      dataset: { name: "ds", examples: examples(4) },
      concurrency: 1,
      task: ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
    });
    const executor = new ExperimentExecutor(prepared);
    const pending = prepared.examples.map((e) => executor.run(e, 1));
    await wait(20);
    executor.cancel("stopped by the user");
    const outcomes = await Promise.all(pending);
    expect(outcomes).toEqual(outcomes.map(() => ({ kind: "skipped", reason: "stopped by the user" })));
    expect(executor.signal.aborted).toBe(true);
  });

  it("a run's own signal (Vitest cancelling one test) skips that run only", async () => {
    const prepared = await prepareExperiment("own-signal", {
      dataset: { name: "ds", examples: examples(2) },
      task: ({ signal, example }) =>
        example.id === "e1" ? new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))) : "ok",
    });
    const executor = new ExperimentExecutor(prepared);
    const controller = new AbortController();
    const first = executor.run(prepared.examples[0]!, 1, controller.signal);
    const second = executor.run(prepared.examples[1]!, 1);
    await wait(10);
    controller.abort(new Error("test cancelled"));
    expect(await first).toEqual({ kind: "skipped", reason: "cancelled" });
    expect(await second).toMatchObject({ kind: "run", record: { status: "ok" } });
  });

  it("retries a rate-limited task without spending its retries", async () => {
    let calls = 0;
    const { records } = await runAll({
      dataset: { name: "ds", examples: examples(1) },
      retries: 0,
      task: () => {
        if (++calls <= 2) throw Object.assign(new Error("slow down"), { statusCode: 429, retryAfterMs: 0 });
        return "ok";
      },
    });
    expect(records[0]).toMatchObject({ status: "ok", output: "ok" });
    expect(records[0]!.attempts.map((a) => a.rateLimited)).toEqual([true, true, false]);
  }, 20_000);

  it("records run ids, times and latency", async () => {
    const { records, prepared } = await runAll({ dataset: { name: "ds", examples: examples(1) }, task: () => "ok" });
    const run = records[0]!;
    expect(run.runId).toBe(`${prepared.descriptor.id}/e1/1`);
    expect(run.experimentName).toBe("engine-test");
    expect(Date.parse(run.endTime)).toBeGreaterThanOrEqual(Date.parse(run.startTime));
    expect(run.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
