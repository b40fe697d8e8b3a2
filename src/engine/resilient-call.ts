import type { RateLimitErrorMatcher } from "../declaration/options.js";
import type { AttemptRecord } from "../record/types.js";
import { isRateLimitError, PermanentError, retryAfterOf, TimeoutError } from "./errors.js";
import { observingRefusals } from "./hidden-refusals.js";
import type { AdaptiveRateLimiter, Permit } from "./rate-limiter.js";
import type { RunSlot } from "./run-slots.js";
import { backoffDelay, sleep } from "./sleep.js";

export interface ResilientCallOptions {
  /** Per attempt, from when the attempt starts. */
  timeout: number;
  /** Extra attempts after failures that are not rate limits. */
  retries: number;
  retryDelay: number;
  /** Without a limiter, rate-limit errors are ordinary failures. */
  limiter?: AdaptiveRateLimiter;
  rateLimitErrors: readonly RateLimitErrorMatcher[];
  /** The run's concurrency slot, lent out while this call only waits to retry. */
  slot?: RunSlot;
  /** Cancels the whole call (Vitest cancelled the run, or the experiment was stopped). */
  signal?: AbortSignal;
  /** Name for timeout messages ("task", "evaluator exact_match"). */
  what?: string;
  /**
   * A provider that never stops answering 429 would otherwise loop forever: after this many
   * rate-limited attempts in one call the call fails.
   */
  maxRateLimitedAttempts?: number;
}

export type ResilientResult<T> =
  | { ok: true; value: T; attempts: AttemptRecord[] }
  | { ok: false; error: unknown; attempts: AttemptRecord[] };

/**
 * Calls `fn` with Phoenix's execution semantics: each attempt waits for the experiment's rate
 * limiter, runs under its own timeout (counted from the attempt's start, aborting its signal),
 * and is retried with backoff on failure. Rate-limit errors throttle the limiter and retry
 * without spending `retries`; so do the 429s the task's own HTTP client retried inside an attempt
 * (hidden-refusals.ts). While the call only waits to retry, the run's slot serves another run.
 * Never throws: the outcome and every attempt are returned.
 */
export async function resilientCall<T>(
  fn: (signal: AbortSignal, attempt: number) => T | Promise<T>,
  options: ResilientCallOptions,
): Promise<ResilientResult<T>> {
  options.slot?.enter();
  try {
    return await callWithRetries(fn, options);
  } finally {
    options.slot?.leave();
  }
}

async function callWithRetries<T>(
  fn: (signal: AbortSignal, attempt: number) => T | Promise<T>,
  options: ResilientCallOptions,
): Promise<ResilientResult<T>> {
  const { slot, signal } = options;
  const pause = (ms: number): Promise<void> => (slot && ms > 0 ? slot.idle(() => sleep(ms, signal), signal) : sleep(ms, signal));
  const attempts: AttemptRecord[] = [];
  const maxRateLimited = options.maxRateLimitedAttempts ?? 100;
  let failures = 0;
  let rateLimited = 0;
  for (;;) {
    try {
      options.signal?.throwIfAborted();
    } catch (error) {
      return { ok: false, error, attempts };
    }
    let permit: Permit | undefined;
    try {
      if (options.limiter) permit = await options.limiter.acquire(options.signal);
    } catch (error) {
      return { ok: false, error, attempts };
    }
    const start = new Date();
    const attempt = () => attemptWithTimeout(fn, attempts.length + 1, options);
    // Each 429 the attempt's requests get reaches the limiter as it arrives, whether the task's own
    // client retries it by itself or throws it.
    const outcome = await (permit ? observingRefusals({ refused: () => permit!.refused429() }, attempt) : attempt());
    const end = new Date();
    const limited = options.limiter !== undefined && !outcome.ok && !outcome.timedOut && isRateLimitError(outcome.error, options.rateLimitErrors);
    attempts.push({
      startTime: start.toISOString(),
      endTime: end.toISOString(),
      error: outcome.ok ? null : messageOf(outcome.error),
      rateLimited: limited,
      timedOut: !outcome.ok && outcome.timedOut,
    });
    if (outcome.ok) {
      permit?.accepted();
      return { ok: true, value: outcome.value, attempts };
    }
    if (limited) {
      // The provider's own wait (Retry-After and kin) applies to this call's next attempt; the
      // limiter's pace and in-flight cap apply to everyone's.
      const wait = permit!.refused(retryAfterOf(outcome.error));
      if (options.signal?.aborted) return { ok: false, error: outcome.error, attempts };
      if (++rateLimited >= maxRateLimited) {
        return { ok: false, error: new Error(`still rate limited after ${rateLimited} attempts: ${messageOf(outcome.error)}`), attempts };
      }
      try {
        await pause(wait);
      } catch (error) {
        return { ok: false, error, attempts };
      }
      continue;
    }
    permit?.release();
    if (options.signal?.aborted) return { ok: false, error: outcome.error, attempts };
    failures++;
    if (outcome.error instanceof PermanentError || failures > options.retries) {
      return { ok: false, error: outcome.error, attempts };
    }
    try {
      await pause(backoffDelay(failures, options.retryDelay));
    } catch (error) {
      return { ok: false, error, attempts };
    }
  }
}

type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown; timedOut: boolean };

async function attemptWithTimeout<T>(
  fn: (signal: AbortSignal, attempt: number) => T | Promise<T>,
  attempt: number,
  options: ResilientCallOptions,
): Promise<AttemptOutcome<T>> {
  const controller = new AbortController();
  const parent = options.signal;
  let timer: NodeJS.Timeout | undefined;
  let onParentAbort: (() => void) | undefined;
  // A task that ignores its signal and never settles must still not hold the run: the timeout
  // (or the parent's cancellation) settles the race and the attempt's promise is abandoned.
  const interrupted = new Promise<AttemptOutcome<T>>((resolve) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(options.timeout, options.what);
      controller.abort(error);
      resolve({ ok: false, error, timedOut: true });
    }, options.timeout);
    onParentAbort = () => {
      controller.abort(parent!.reason);
      resolve({ ok: false, error: parent!.reason, timedOut: false });
    };
    if (parent?.aborted) onParentAbort();
    else parent?.addEventListener("abort", onParentAbort, { once: true });
  });
  const run = (async (): Promise<AttemptOutcome<T>> => {
    try {
      return { ok: true, value: await fn(controller.signal, attempt) };
    } catch (error) {
      return { ok: false, error, timedOut: false };
    }
  })();
  try {
    return await Promise.race([run, interrupted]);
  } finally {
    clearTimeout(timer);
    if (onParentAbort) parent?.removeEventListener("abort", onParentAbort);
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === "string" ? error : String(error);
}
