import type { Example } from "../datasets/types.js";
import type { RateLimitErrorMatcher } from "../declaration/options.js";
import type { AdaptiveRateLimiter } from "../engine/rate-limiter.js";
import type { RunSlot } from "../engine/run-slots.js";
import { messageOf, resilientCall } from "../engine/resilient-call.js";
import type { EvaluationRecord, RunRecord } from "../record/types.js";
import { normalizeResult } from "./normalize-result.js";
import type { NamedEvaluator } from "./types.js";

export interface EvaluatorRunOptions {
  timeout: number;
  retries: number;
  retryDelay: number;
  limiter: AdaptiveRateLimiter;
  rateLimitErrors: readonly RateLimitErrorMatcher[];
  /** The run's concurrency slot, lent out while every evaluator of the run waits to retry. */
  slot?: RunSlot;
  signal?: AbortSignal;
}

/**
 * Runs every evaluator on one successful run, concurrently. Each evaluator is isolated: one that
 * throws, hangs past its timeout or returns a non-result records an error for its own evaluation
 * and the others still run. LLM evaluators share the experiment's rate limiter and retries (a judge
 * answered 429 throttles rather than fails); code evaluators are deterministic and run once.
 */
export async function runEvaluators(
  evaluators: readonly NamedEvaluator[],
  run: Omit<RunRecord, "evaluations">,
  example: Example,
  options: EvaluatorRunOptions,
): Promise<EvaluationRecord[]> {
  return Promise.all(evaluators.map((evaluator) => runOne(evaluator, run, example, options)));
}

async function runOne(
  evaluator: NamedEvaluator,
  run: Omit<RunRecord, "evaluations">,
  example: Example,
  options: EvaluatorRunOptions,
): Promise<EvaluationRecord> {
  const start = new Date().toISOString();
  const base = { name: evaluator.name, kind: evaluator.kind, startTime: start, traceId: null, metadata: {} };
  const outcome = await resilientCall(
    async (signal) => {
      // Each evaluator gets its own copies: one evaluator mutating its arguments must not change
      // what the next one sees. One copy of the example serves all its fields (two copies per
      // evaluator instead of six: cloning was a sixth of a worker's time at 100,000 runs).
      const copy = structuredClone(example);
      return normalizeResult(
        await evaluator.evaluate({
          input: copy.input,
          output: structuredClone(run.output),
          expected: copy.expected,
          reference: copy.expected,
          metadata: copy.metadata,
          example: copy,
          run,
          signal,
        }),
      );
    },
    {
      timeout: options.timeout,
      retries: evaluator.kind === "LLM" ? options.retries : 0,
      retryDelay: options.retryDelay,
      limiter: evaluator.kind === "LLM" ? options.limiter : undefined,
      rateLimitErrors: options.rateLimitErrors,
      ...(options.slot ? { slot: options.slot } : {}),
      signal: options.signal,
      what: `evaluator ${evaluator.name}`,
    },
  );
  const endTime = new Date().toISOString();
  if (!outcome.ok) {
    return { ...base, endTime, score: null, label: null, explanation: null, error: messageOf(outcome.error) };
  }
  const { score, label, explanation, metadata } = outcome.value;
  return { ...base, endTime, metadata, score, label, explanation, error: null };
}
