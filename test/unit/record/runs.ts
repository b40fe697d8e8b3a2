import type { AttemptRecord, EvaluationRecord, ExperimentDescriptor, GateSpec, RunRecord } from "../../../src/record/types.js";

/** Hand-built records for gate and statistics tests. */

export type Scored = number | null | { score?: number | null; label?: string; explanation?: string } | Error;

export function evaluationOf(name: string, value: Scored): EvaluationRecord {
  const base = { name, kind: "CODE" as const, startTime: "2026-01-01T00:00:00.000Z", endTime: "2026-01-01T00:00:00.010Z", metadata: {}, traceId: null };
  if (value instanceof Error) return { ...base, score: null, label: null, explanation: null, error: value.message };
  if (value === null || typeof value === "number") return { ...base, score: value, label: null, explanation: null, error: null };
  return { ...base, score: value.score ?? null, label: value.label ?? null, explanation: value.explanation ?? null, error: null };
}

export function attempt(outcome: "ok" | "fail" | "rate-limited" | "timeout"): AttemptRecord {
  return {
    startTime: "2026-01-01T00:00:00.000Z",
    endTime: "2026-01-01T00:00:00.100Z",
    error: outcome === "ok" ? null : outcome,
    rateLimited: outcome === "rate-limited",
    timedOut: outcome === "timeout",
  };
}

let counter = 0;
const common = (exampleId: string, repetition: number, attempts: AttemptRecord[]) => ({
  experimentId: "exp",
  experimentName: "qa",
  runId: `exp/${exampleId}/${repetition}`,
  exampleId,
  repetition,
  startTime: "2026-01-01T00:00:00.000Z",
  endTime: "2026-01-01T00:00:00.100Z",
  latencyMs: 100,
  attempts,
  traceId: null,
});

/** A run whose task succeeded, with one evaluation per entry of `scores`. */
export function okRun(scores: Record<string, Scored>, options: { exampleId?: string; repetition?: number; attempts?: AttemptRecord[] } = {}): RunRecord {
  return {
    ...common(options.exampleId ?? `e${++counter}`, options.repetition ?? 1, options.attempts ?? [attempt("ok")]),
    status: "ok",
    output: "out",
    error: null,
    evaluations: Object.entries(scores).map(([name, value]) => evaluationOf(name, value)),
  };
}

/** A run whose task failed for good. */
export function failedRun(message = "task exploded", attempts: AttemptRecord[] = [attempt("fail")]): RunRecord {
  return { ...common(`f${++counter}`, 1, attempts), status: "error", output: null, error: { name: "Error", message }, evaluations: [] };
}

export function descriptorOf(gates: GateSpec[], overrides: Partial<ExperimentDescriptor> = {}): ExperimentDescriptor {
  const evaluators = [...new Set(gates.map((g) => g.evaluator))].map((name) => ({ name, kind: "CODE" as const, direction: "maximize" as const }));
  return {
    id: "exp",
    name: "qa",
    metadata: {},
    dataset: { name: "ds", exampleIds: ["a", "b", "c", "d"], totalExamples: 4, contentHash: "h" },
    repetitions: 1,
    evaluators,
    gates,
    dryRun: null,
    config: { concurrency: 3, retries: 3, timeout: 60_000, exitOnError: false, allowedErrorRate: 0, printSummary: false },
    startTime: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}
