import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runIdOf } from "../../../src/record/naming.js";
import type { EvaluationRecord, ExperimentDescriptor, ExperimentResult, ExperimentStatus, GateSpec, RunRecord } from "../../../src/record/types.js";

/** Hand-built, fully typed records for store, baseline and CLI tests. */

export async function tempDir(prefix = "vx-store-"): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export function descriptor(overrides: Partial<ExperimentDescriptor> & { id: string }): ExperimentDescriptor {
  const exampleIds = overrides.dataset?.exampleIds ?? ["q1", "q2", "q3"];
  return {
    name: "qa",
    file: "evals/qa.eval.ts",
    metadata: {},
    dataset: { name: "qa-set", exampleIds, totalExamples: exampleIds.length, contentHash: "hash-1" },
    repetitions: 1,
    evaluators: [{ name: "accuracy", kind: "CODE", direction: "maximize" }],
    gates: [{ evaluator: "accuracy", direction: "maximize", mean: 0.5, perRun: 1, passRate: 0.5 }],
    dryRun: null,
    config: { concurrency: 3, retries: 3, timeout: 60_000, exitOnError: false, allowedErrorRate: 0, printSummary: true },
    startTime: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

export function evaluation(name: string, score: number | null, label: string | null = null): EvaluationRecord {
  return {
    name,
    kind: "CODE",
    startTime: "2026-01-01T00:00:01.000Z",
    endTime: "2026-01-01T00:00:01.010Z",
    metadata: {},
    traceId: null,
    score,
    label,
    explanation: score === 0 ? "wrong answer" : null,
    error: null,
  };
}

export function run(
  experiment: ExperimentDescriptor,
  exampleId: string,
  scores: Record<string, number>,
  options: { repetition?: number; output?: RunRecord["output"]; failed?: boolean } = {},
): RunRecord {
  const repetition = options.repetition ?? 1;
  const base = {
    experimentId: experiment.id,
    experimentName: experiment.name,
    runId: runIdOf(experiment.id, exampleId, repetition),
    exampleId,
    repetition,
    startTime: "2026-01-01T00:00:00.500Z",
    endTime: "2026-01-01T00:00:01.000Z",
    latencyMs: 500,
    attempts: [{ startTime: "2026-01-01T00:00:00.500Z", endTime: "2026-01-01T00:00:01.000Z", error: null, rateLimited: false, timedOut: false }],
    traceId: null,
    evaluations: Object.entries(scores).map(([name, score]) => evaluation(name, score)),
  };
  if (options.failed) {
    return { ...base, evaluations: [], status: "error", output: null, error: { name: "Error", message: "model unavailable" } };
  }
  return { ...base, status: "ok", output: options.output ?? { answer: `answer to ${exampleId}` }, error: null };
}

export function result(experiment: ExperimentDescriptor, runs: RunRecord[], status: ExperimentStatus = "passed"): ExperimentResult {
  const names = experiment.evaluators.map((e) => e.name);
  return {
    experiment,
    status,
    stats: {
      runs: runs.length,
      errors: runs.filter((r) => r.status === "error").length,
      skipped: 0,
      retries: 0,
      rateLimited: 0, cacheHits: 0, cacheMisses: 0,
      evaluators: names.map((name) => {
        const scores = runs.map((r) => (r.status === "error" ? 0 : r.evaluations.find((e) => e.name === name)?.score ?? null)).filter((s): s is number => s !== null);
        const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
        return {
          name,
          direction: "maximize" as const,
          count: scores.length,
          mean,
          min: scores.length ? Math.min(...scores) : null,
          max: scores.length ? Math.max(...scores) : null,
          passRate: null,
          errors: 0,
          labels: {},
        };
      }),
    },
    gates: [],
    endTime: "2026-01-01T00:01:00.000Z",
  };
}

export const gates: GateSpec[] = [{ evaluator: "accuracy", direction: "maximize", mean: 0.5, perRun: 1, passRate: 0.5 }];
