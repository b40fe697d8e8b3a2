import type { EvaluatorArgs } from "../../../src/evaluators/types.js";
import type { AttemptRecord, JsonObject } from "../../../src/record/types.js";

/** Evaluator arguments as the engine builds them, for one example and one finished run. */
export function evaluatorArgs(fields: {
  output: unknown;
  expected?: unknown;
  input?: unknown;
  metadata?: JsonObject;
  exampleId?: string;
  latencyMs?: number;
  attempts?: Partial<AttemptRecord>[];
  repetition?: number;
  signal?: AbortSignal;
}): EvaluatorArgs {
  const expected = fields.expected ?? null;
  const attempts: AttemptRecord[] = (fields.attempts ?? [{}]).map((attempt) => ({
    startTime: "2025-01-01T00:00:00.000Z",
    endTime: "2025-01-01T00:00:01.000Z",
    error: null,
    rateLimited: false,
    timedOut: false,
    ...attempt,
  }));
  const exampleId = fields.exampleId ?? "ex-1";
  return {
    input: fields.input ?? null,
    output: fields.output,
    expected,
    reference: expected,
    metadata: fields.metadata ?? {},
    example: { id: exampleId, input: (fields.input ?? null) as never, expected: expected as never, metadata: fields.metadata ?? {}, splits: [] },
    run: {
      experimentId: "exp-1",
      experimentName: "qa",
      runId: `exp-1/${exampleId}/${fields.repetition ?? 1}`,
      exampleId,
      repetition: fields.repetition ?? 1,
      startTime: "2025-01-01T00:00:00.000Z",
      endTime: "2025-01-01T00:00:01.000Z",
      latencyMs: fields.latencyMs ?? 1000,
      attempts,
      traceId: null,
      status: "ok",
      output: fields.output as never,
      error: null,
    },
    signal: fields.signal ?? new AbortController().signal,
  };
}
