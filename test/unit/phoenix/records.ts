import type { Example } from "../../../src/datasets/types.js";
import type { EvaluationRecord, ExperimentDescriptor, ExperimentResult, RunRecord } from "../../../src/record/types.js";
import { runIdOf } from "../../../src/record/naming.js";

/** Hand-built, fully typed records for driving sinks without the engine. */

export function examples(count: number, prefix = "ex"): Example[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    input: { question: `q${i}` },
    expected: `a${i}`,
    metadata: { index: i },
    splits: [],
  }));
}

export function descriptor(id: string, exampleList: readonly Example[], overrides: Partial<ExperimentDescriptor> = {}): ExperimentDescriptor {
  return {
    id,
    name: "qa-baseline",
    file: "evals/qa.eval.ts",
    description: "answers questions",
    metadata: { model: "m1" },
    dataset: {
      name: "qa",
      exampleIds: exampleList.map((e) => e.id),
      totalExamples: exampleList.length,
      contentHash: "hash",
    },
    repetitions: 1,
    evaluators: [
      { name: "exact", kind: "CODE", direction: "maximize" },
      { name: "judge", kind: "LLM", direction: "maximize" },
      { name: "length", kind: "CODE", direction: "minimize" },
    ],
    gates: [],
    dryRun: null,
    config: { concurrency: 3, retries: 3, timeout: 60_000, exitOnError: false, allowedErrorRate: 0, printSummary: true },
    startTime: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

const T0 = "2026-01-01T00:00:01.000Z";
const T1 = "2026-01-01T00:00:02.000Z";

export function evaluation(name: string, score: number, kind: EvaluationRecord["kind"] = "CODE"): EvaluationRecord {
  return { name, kind, startTime: T0, endTime: T1, metadata: { from: name }, traceId: null, score, label: score > 0.5 ? "good" : "bad", explanation: `why ${name}`, error: null };
}

export function run(experiment: ExperimentDescriptor, example: Example, repetition = 1, failed = false): RunRecord {
  const base = {
    experimentId: experiment.id,
    experimentName: experiment.name,
    runId: runIdOf(experiment.id, example.id, repetition),
    exampleId: example.id,
    repetition,
    startTime: T0,
    endTime: T1,
    latencyMs: 1000,
    attempts: [{ startTime: T0, endTime: T1, error: failed ? "boom" : null, rateLimited: false, timedOut: false }],
    traceId: null,
    evaluations: failed ? [] : [evaluation("exact", 1), evaluation("judge", 0.25, "LLM"), evaluation("length", 12)],
  };
  return failed
    ? { ...base, status: "error", output: null, error: { name: "Error", message: "boom" } }
    : { ...base, status: "ok", output: { answer: `out-${example.id}-${repetition}` }, error: null };
}

export function result(experiment: ExperimentDescriptor, runs: number): ExperimentResult {
  return {
    experiment,
    status: "passed",
    stats: { runs, errors: 0, skipped: 0, retries: 0, rateLimited: 0, cacheHits: 0, cacheMisses: 0, evaluators: [] },
    gates: [],
    endTime: "2026-01-01T00:10:00.000Z",
  };
}
