import { setMaxListeners } from "node:events";
import type { Example } from "../datasets/types.js";
import { withCacheScope } from "../cache/stats.js";
import { runEvaluators } from "../evaluators/run-evaluators.js";
import { runIdOf } from "../record/naming.js";
import { configuredSecrets, redactSecrets } from "../record/redact.js";
import type { AttemptRecord, RunRecord } from "../record/types.js";
import { recordError } from "./errors.js";
import { toJsonValue } from "./json.js";
import type { PreparedExperiment } from "./prepare.js";
import { AdaptiveRateLimiter } from "./rate-limiter.js";
import { resilientCall } from "./resilient-call.js";
import { RunSlots, type RunSlot } from "./run-slots.js";
import { linkedSignal } from "./sleep.js";

export type RunOutcome =
  | { kind: "run"; record: RunRecord }
  /** Not executed: `exitOnError` stopped the experiment, or it was cancelled before its turn. */
  | { kind: "skipped"; reason: string };

/**
 * Executes the runs of one experiment, in any order the caller asks for them, with the
 * experiment's concurrency, one shared adaptive rate limiter, per-attempt timeouts and retries.
 * Knows nothing of Vitest: the Vitest runner calls `run()` from each test case, and
 * `runExperiment()` calls it in a loop.
 */
export class ExperimentExecutor {
  readonly limiter = new AdaptiveRateLimiter();
  readonly #slots: RunSlots;
  readonly #controller = new AbortController();
  /** Read once per experiment, not per run: parsing the environment is not free at 100,000 runs. */
  readonly #secrets = configuredSecrets();
  #stopReason: string | undefined;

  constructor(readonly prepared: PreparedExperiment) {
    this.#slots = new RunSlots(prepared.options.concurrency);
    // Every in-flight attempt listens to this signal; that many listeners is expected, not a leak.
    setMaxListeners(0, this.#controller.signal);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Stops scheduling: queued runs come back skipped, in-flight attempts are aborted. */
  cancel(reason: string): void {
    this.#stopReason ??= reason;
    this.#controller.abort(new Error(reason));
  }

  async run(example: Example, repetition: number, signal?: AbortSignal): Promise<RunOutcome> {
    const slot = await this.#slots.start();
    try {
      if (this.#stopReason !== undefined) return { kind: "skipped", reason: this.#stopReason };
      // One cache scope per run: repetitions are distinct requests to the LLM request cache, and
      // the run records how many of its requests the cache answered.
      const record = await withCacheScope({ repetition }, async (scope) => {
        const linked = signal ? linkedSignal(signal, this.#controller.signal) : undefined;
        let executed: RunRecord;
        try {
          executed = await this.#execute(example, repetition, slot, linked?.signal ?? this.#controller.signal);
        } finally {
          linked?.dispose();
        }
        const { hits, misses } = scope.stats;
        return hits + misses > 0 ? { ...executed, cache: { hits, misses } } : executed;
      });
      // A run cut short by cancellation (Ctrl-C, Vitest's own cancel) did not fail: it did not finish.
      if (record.status === "error" && (this.#controller.signal.aborted || signal?.aborted)) {
        return { kind: "skipped", reason: this.#stopReason ?? "cancelled" };
      }
      if (record.status === "error" && this.prepared.options.exitOnError && this.#stopReason === undefined) {
        // Phoenix/Arize's exit_on_error: stop scheduling new runs; the ones in flight finish.
        this.#stopReason = `skipped: exitOnError after run ${example.id} #${repetition} failed`;
      }
      return { kind: "run", record: redactSecrets(record, this.#secrets) };
    } finally {
      slot.end();
    }
  }

  async #execute(example: Example, repetition: number, slot: RunSlot, signal: AbortSignal): Promise<RunRecord> {
    const { descriptor, task, evaluators, options } = this.prepared;
    const outcome = await resilientCall(
      async (attemptSignal, attempt) => {
        // Fresh deep copies per attempt: a task that mutates its input cannot change what a
        // retry, a later repetition or the evaluators see.
        const copy = structuredClone(example);
        const output = await task({
          input: copy.input,
          expected: copy.expected,
          reference: copy.expected,
          metadata: copy.metadata,
          example: copy,
          repetition,
          signal: attemptSignal,
          attempt,
        });
        return toJsonValue(output);
      },
      {
        timeout: options.timeout,
        retries: options.retries,
        retryDelay: options.retryDelay,
        limiter: this.limiter,
        rateLimitErrors: options.rateLimitErrors,
        slot,
        signal,
        what: "task",
      },
    );
    const base = {
      experimentId: descriptor.id,
      experimentName: descriptor.name,
      runId: runIdOf(descriptor.id, example.id, repetition),
      exampleId: example.id,
      repetition,
      startTime: outcome.attempts[0]?.startTime ?? new Date().toISOString(),
      endTime: outcome.attempts.at(-1)?.endTime ?? new Date().toISOString(),
      latencyMs: latencyOf(outcome.attempts.at(-1)),
      attempts: outcome.attempts,
      traceId: null,
    };
    if (!outcome.ok) {
      return { ...base, status: "error", output: null, error: recordError(outcome.error), evaluations: [] };
    }
    const run = { ...base, status: "ok" as const, output: outcome.value, error: null };
    const evaluations = await runEvaluators(evaluators, run, example, {
      timeout: options.evaluatorTimeout,
      retries: options.retries,
      retryDelay: options.retryDelay,
      limiter: this.limiter,
      rateLimitErrors: options.rateLimitErrors,
      slot,
      signal,
    });
    return { ...run, evaluations };
  }
}

function latencyOf(attempt: AttemptRecord | undefined): number {
  if (!attempt) return 0;
  return Math.max(0, Date.parse(attempt.endTime) - Date.parse(attempt.startTime));
}
