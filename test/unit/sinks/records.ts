/**
 * Hand-built, fully typed records for driving sinks through the ExperimentSink interface.
 */
import { runIdOf } from "../../../src/record/naming.js";
import type {
  EvaluationRecord,
  ExperimentDescriptor,
  ExperimentResult,
  ExperimentStats,
  GateVerdict,
  RecordedError,
  RunRecord,
} from "../../../src/record/types.js";

const T0 = "2025-03-01T10:00:00.000Z";

export function anExperiment(overrides: Partial<ExperimentDescriptor> = {}): ExperimentDescriptor {
  return {
    id: "exp-1",
    name: "qa-baseline",
    file: "evals/qa.eval.ts",
    metadata: {},
    dataset: { name: "qa", exampleIds: ["ex-1", "ex-2"], totalExamples: 2, contentHash: "sha256:abc" },
    repetitions: 1,
    evaluators: [{ name: "exact_match", kind: "CODE", direction: "maximize" }],
    gates: [],
    dryRun: null,
    config: { concurrency: 3, retries: 3, timeout: 60_000, exitOnError: false, allowedErrorRate: 0, printSummary: true },
    startTime: T0,
    ...overrides,
  };
}

export function anEvaluation(name: string, result: { score?: number | null; label?: string | null; explanation?: string | null } = {}): EvaluationRecord {
  return {
    name,
    kind: "CODE",
    startTime: T0,
    endTime: T0,
    metadata: {},
    traceId: null,
    score: result.score ?? null,
    label: result.label ?? null,
    explanation: result.explanation ?? null,
    error: null,
  };
}

export function aFailedEvaluation(name: string, error: string): EvaluationRecord {
  return { name, kind: "LLM", startTime: T0, endTime: T0, metadata: {}, traceId: null, score: null, label: null, explanation: null, error };
}

interface RunShape {
  exampleId: string;
  repetition?: number;
  latencyMs?: number;
  attempts?: number;
  evaluations?: EvaluationRecord[];
  error?: RecordedError;
  output?: RunRecord["output"];
  traceId?: string | null;
}

export function aRun(experiment: ExperimentDescriptor, shape: RunShape): RunRecord {
  const repetition = shape.repetition ?? 1;
  const attemptCount = shape.attempts ?? 1;
  const attempts = Array.from({ length: attemptCount }, (_, i) => ({
    startTime: T0,
    endTime: T0,
    error: shape.error && i === attemptCount - 1 ? shape.error.message : i < attemptCount - 1 ? "transient" : null,
    rateLimited: false,
    timedOut: false,
  }));
  const base = {
    experimentId: experiment.id,
    experimentName: experiment.name,
    runId: runIdOf(experiment.id, shape.exampleId, repetition),
    exampleId: shape.exampleId,
    repetition,
    startTime: T0,
    endTime: "2025-03-01T10:00:01.250Z",
    latencyMs: shape.latencyMs ?? 1250,
    attempts,
    traceId: shape.traceId ?? null,
    evaluations: shape.evaluations ?? [],
  };
  return shape.error
    ? { ...base, status: "error", output: null, error: shape.error }
    : { ...base, status: "ok", output: shape.output ?? "an answer", error: null };
}

const EMPTY_STATS: ExperimentStats = { runs: 0, errors: 0, skipped: 0, retries: 0, rateLimited: 0, cacheHits: 0, cacheMisses: 0, evaluators: [] };

export function aResult(experiment: ExperimentDescriptor, overrides: Partial<Omit<ExperimentResult, "experiment">> = {}): ExperimentResult {
  return { experiment, status: "passed", stats: EMPTY_STATS, gates: [], endTime: "2025-03-01T10:00:05.500Z", ...overrides };
}

export function aVerdict(overrides: Partial<GateVerdict> & Pick<GateVerdict, "evaluator" | "status">): GateVerdict {
  return { kind: "mean", direction: "maximize", bar: 0.8, observed: 0.9, samples: 2, ...overrides };
}
