import type { ThrottleSummary } from "../record/types.js";
import { processClock, type Clock } from "./clock.js";
import { ConcurrencyStage, type WindowRegime } from "./concurrency-stage.js";
import { PacingStage, type PacingRegime } from "./pacing-stage.js";

export interface RateLimiterOptions {
  /** Lowest rate the pacing stage throttles down to, in requests per second. Default 0.1. */
  minRate?: number;
  clock?: Clock;
}

/** One attempt's turn: report its outcome exactly once. */
export interface Permit {
  /** The clock reading when the attempt started. */
  readonly startedAt: number;
  /** The provider accepted the attempt. */
  accepted(): void;
  /**
   * The provider refused the attempt with a rate-limit error. Returns how long this caller must
   * wait before its next attempt: the provider's own wait (`Retry-After` and kin) when it gave
   * one, else 0 (the pace itself spaces the retry).
   */
  refused(retryAfterMs?: number): number;
  /** The attempt ended some other way (an error, a timeout, cancellation): it teaches nothing. */
  release(): void;
  /**
   * Before the outcome: a request of this attempt was just answered 429 (see hidden-refusals.ts).
   * It counts, and paces, as a refusal now; if the attempt then ends `refused`, that was this
   * refusal, and otherwise the task's own client retried it by itself.
   */
  refused429(): void;
}

interface Waiter {
  resolve(permit: Permit): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * One adaptive limiter per experiment, shared by every run and every LLM evaluator in it: a
 * pacing stage (how far apart attempts start, see pacing-stage.ts) composed with a concurrency
 * stage (how many may be in flight, see concurrency-stage.ts), the way undici composes
 * interceptors. A start waits until both allow it; every refusal goes first to the concurrency
 * stage and, unless the in-flight cap explains it, to the pacing stage.
 *
 * Why not Phoenix's AdaptiveTokenBucket: it starts at 1 req/s, tops out at 50, halves on every
 * error and grows back 1% a second, so after the first refusal it runs at a fraction of the
 * provider's limit for minutes; and it has no notion of a concurrency cap.
 *
 * Several experiments in one process (or in parallel Vitest workers) calling one provider each
 * run their own limiter: each one's cuts are proportional to its own share of the refusals, and
 * the probing growth of whichever gets less brings it back up, so neither starves.
 */
export class AdaptiveRateLimiter {
  readonly #clock: Clock;
  readonly #pacing: PacingStage;
  readonly #window = new ConcurrencyStage();
  readonly #queue: Waiter[] = [];
  #inFlight = 0;
  #accepted = 0;
  #refused = 0;
  #retriedByClient = 0;
  #cancelTimer: (() => void) | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  /**
   * Smoothed latency of accepted attempts (ms), as TCP smooths its round trip: the pace a learnt
   * cap needs, and how long until a start's outcome is surely known.
   */
  #latency: number | undefined;

  constructor(options: RateLimiterOptions = {}) {
    this.#clock = options.clock ?? processClock;
    this.#pacing = new PacingStage(options.minRate ?? 0.1);
  }

  /** The current pace in requests per second, or undefined while unlimited. */
  get rate(): number | undefined {
    return this.#pacing.rate;
  }

  /** The learnt cap on attempts in flight, or undefined. */
  get concurrency(): number | undefined {
    return this.#window.cap;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  summary(): ThrottleSummary {
    return {
      accepted: this.#accepted,
      refused: this.#refused,
      ...(this.#retriedByClient > 0 ? { retriedByClient: this.#retriedByClient } : {}),
      rate: this.#pacing.rate ?? null,
      concurrency: this.#window.cap ?? null,
    };
  }

  /** Waits for this caller's turn to start an attempt. Rejects with the signal's reason when it aborts. */
  acquire(signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) this.#queue.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** Starts every waiter both stages allow now; arms a timer for the next pacing slot. */
  #pump(): void {
    while (this.#queue.length > 0) {
      const now = this.#clock.now();
      this.#pacing.tick(now);
      this.#window.tick(now);
      if (!this.#window.allows(this.#inFlight)) {
        this.#window.markBound();
        return; // the next settled attempt pumps again
      }
      const slot = this.#pacing.slotAt(now);
      if (slot > now) {
        this.#pacing.markBound();
        this.#armTimer(slot);
        return;
      }
      const waiter = this.#queue.shift()!;
      if (waiter.onAbort) waiter.signal!.removeEventListener("abort", waiter.onAbort);
      waiter.resolve(this.#issue(now));
    }
  }

  #armTimer(at: number): void {
    if (this.#cancelTimer && this.#timerAt <= at) return;
    this.#cancelTimer?.();
    this.#timerAt = at;
    this.#cancelTimer = this.#clock.setTimer(() => {
      this.#cancelTimer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, at - this.#clock.now());
  }

  #issue(now: number): Permit {
    // Levels say something about a concurrency cap only once starts are paced and the pace has
    // held for two typical latencies: while a new rate ramps in-flight attempts up, the late starts are
    // at higher levels *and* at a higher rate, which under a rate limit would fake a cap.
    const paced = this.#pacing.mode !== "unlimited" && now - this.#pacing.regimeStartedAt >= 2 * (this.#latency ?? 0);
    const pacingRegime: PacingRegime = this.#pacing.issue(now);
    const windowRegime: WindowRegime = this.#window.issue();
    const level = ++this.#inFlight;
    let settled = false;
    let seen429 = 0;
    /** A refusal of this attempt goes to the concurrency stage first and, unless the cap explains it, to the pacing stage. */
    const learn = (): void => {
      this.#refused++;
      const end = this.#clock.now();
      const capBefore = this.#window.cap;
      if (!this.#window.refused(end, windowRegime, level, paced)) {
        const cuts = this.#pacing.cuts;
        this.#pacing.refused(end, pacingRegime, now);
        if (this.#pacing.cuts > cuts) this.#window.forget();
      } else if (capBefore === undefined && this.#window.cap !== undefined) this.#paceForCap(end);
    };
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.#inFlight--;
      return true;
    };
    return {
      startedAt: now,
      accepted: () => {
        if (!settle()) return;
        this.#accepted++;
        const end = this.#clock.now();
        this.#latency = this.#latency === undefined ? end - now : 0.8 * this.#latency + 0.2 * (end - now);
        this.#pacing.accepted(pacingRegime, now);
        this.#pacing.lagMs = this.#latency;
        this.#window.accepted(windowRegime, level, paced);
        this.#pump();
      },
      refused: (retryAfterMs) => {
        if (!settle()) return 0;
        // The refusal it ends with was already learnt when its 429 arrived.
        if (seen429 > 0) this.#retriedByClient--;
        else learn();
        this.#pump();
        return retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : 0;
      },
      release: () => {
        if (settle()) this.#pump();
      },
      refused429: () => {
        if (settled) return;
        seen429++;
        this.#retriedByClient++;
        learn();
      },
    };
  }

  /**
   * A cap on in-flight attempts was just learnt: the refusals that taught it may have slowed the
   * pace, and a cap of K attempts lasting L each allows K/L a second. Keep the pace twice
   * above that, so the cap, not the pace, holds attempts back (the pace still spaces starts).
   */
  #paceForCap(now: number): void {
    const cap = this.#window.cap;
    if (cap === undefined || this.#latency === undefined || this.#latency <= 0) return;
    this.#pacing.atLeast(now, ((cap * 1_000) / this.#latency) * 2);
  }
}
