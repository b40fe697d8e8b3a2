import { sleep } from "./sleep.js";

export interface RateLimiterOptions {
  /** Lowest rate the limiter throttles down to, in requests per second. */
  minRate?: number;
  /** Multiplicative growth of the rate per second without a rate-limit error. */
  growthPerSecond?: number;
  /** Share of the measured accepted throughput the rate is set to after a rate-limit error. */
  backoffFactor?: number;
  /** Window over which accepted throughput is measured, in milliseconds. */
  windowMs?: number;
  /**
   * Pause after a rate-limit error when nothing was accepted yet (no throughput to measure) and the
   * provider gave no Retry-After; doubles while such errors go on, up to 16 s. Default 1000 ms.
   */
  initialPauseMs?: number;
  now?: () => number;
}

/**
 * One adaptive limiter per experiment, shared by every run and every LLM evaluator in it.
 *
 * Why not Phoenix's AdaptiveTokenBucket: it starts at 1 req/s, tops out at 8 req/s and halves on
 * every error, so it cannot approach a provider's real limit. This limiter is unlimited until the
 * first rate-limit error; then it *measures* the throughput the provider accepted over the last
 * window (the provider's real limit, since it was saturated) and paces starts slightly below it,
 * growing gently until the next rate-limit error. Starts are spaced evenly (no bursts), so a
 * provider enforcing R requests/s sees a smooth stream just under R.
 *
 * Errors from attempts that started before the last reduction carry stale information (they were
 * sent at the old rate) and do not reduce the rate again.
 */
const MAX_BLIND_PAUSE_MS = 16_000;

export class AdaptiveRateLimiter {
  readonly #minRate: number;
  readonly #growth: number;
  readonly #backoffFactor: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  /** Requests per second; undefined until the first rate-limit error. */
  #rate: number | undefined;
  #nextSlot = 0;
  #pausedUntil = 0;
  #lastAdjustment = Number.NEGATIVE_INFINITY;
  #acceptedSinceAdjustment = false;
  #lastGrowth = 0;
  #generation = 0;
  #successes: number[] = [];
  #throttleEvents = 0;
  /** Highest accepted throughput seen (decaying), and when: the floor under every reduction. */
  #peak = 0;
  #peakAt = 0;
  readonly #initialPauseMs: number;
  #blindPauseMs: number;

  constructor(options: RateLimiterOptions = {}) {
    this.#minRate = options.minRate ?? 0.1;
    this.#growth = options.growthPerSecond ?? 0.03;
    this.#backoffFactor = options.backoffFactor ?? 0.95;
    this.#windowMs = options.windowMs ?? 2_000;
    this.#now = options.now ?? (() => performance.now());
    this.#initialPauseMs = options.initialPauseMs ?? 1_000;
    this.#blindPauseMs = this.#initialPauseMs;
  }

  /** The current rate in requests per second, or undefined while unlimited. */
  get rate(): number | undefined {
    return this.#rate;
  }

  /** How many rate-limit errors reduced the rate. */
  get throttleEvents(): number {
    return this.#throttleEvents;
  }

  /** Waits for this caller's turn. Returns the time the attempt may start (for `onRateLimited`). */
  async acquire(signal?: AbortSignal): Promise<number> {
    for (;;) {
      const now = this.#now();
      const generation = this.#generation;
      const start = this.#reserve(now);
      if (start > now) await sleep(start - now, signal);
      // A rate reduction while we slept makes the reservation stale: take a new one.
      if (generation === this.#generation) return this.#now();
    }
  }

  #reserve(now: number): number {
    const earliest = Math.max(now, this.#pausedUntil);
    if (this.#rate === undefined) return earliest;
    this.#grow(now);
    const start = Math.max(earliest, this.#nextSlot);
    this.#nextSlot = start + 1000 / this.#rate;
    return start;
  }

  #grow(now: number): void {
    const elapsed = (now - this.#lastGrowth) / 1000;
    this.#lastGrowth = now;
    if (this.#rate === undefined || elapsed <= 0) return;
    // Never grow far past what the provider has been seen to accept: idle time must not build up
    // a rate that would be sent as a burst later.
    const ceiling = Math.max(this.#measuredRate(now) * 1.5, this.#minRate * 2);
    this.#rate = Math.min(Math.max(this.#rate, ceiling), this.#rate * Math.exp(this.#growth * elapsed));
  }

  /** Records an accepted attempt. */
  onSuccess(): void {
    const now = this.#now();
    this.#successes.push(now);
    this.#trim(now);
    this.#acceptedSinceAdjustment = true;
    this.#blindPauseMs = this.#initialPauseMs;
    // The peak is read over at least a quarter second: long enough not to mistake a burst of
    // concurrent starts for a rate, short enough to be known before the first reductions.
    const oldest = this.#successes[0]!;
    const span = now - oldest;
    if (span >= 250) {
      const measured = (this.#successes.length * 1000) / span;
      if (measured >= this.#decayedPeak(now)) {
        this.#peak = measured;
        this.#peakAt = now;
      }
    }
  }

  /**
   * Half the best throughput the provider accepted recently (half-life 60 s). A provider that
   * refuses a share of requests whatever their rate (a quota shared with other clients, a flaky
   * gateway) looks like a rate limit at every 429; without a floor each reduction lowers the
   * accepted throughput and the next reduction follows it down to a crawl. A real rate limit R
   * never accepted more than R, so the floor (R/2) never binds there.
   */
  #decayedPeak(now: number): number {
    return this.#peak * 0.5 ** ((now - this.#peakAt) / 60_000);
  }

  /**
   * Records a rate-limit error for an attempt that started at `startedAt` (the value `acquire`
   * returned). `retryAfterMs` pauses every start for that long.
   */
  onRateLimited(startedAt: number, retryAfterMs?: number): void {
    const now = this.#now();
    if (retryAfterMs !== undefined && retryAfterMs > 0) {
      this.#pausedUntil = Math.max(this.#pausedUntil, now + retryAfterMs);
    }
    if (startedAt < this.#lastAdjustment) return;
    // Right after a reduction a provider with a window may still refuse everything (the window is
    // full of what it accepted before): those refusals say nothing about the new rate, and
    // reducing on each of them collapses the rate far below the limit. Reduce again only once the
    // new rate was accepted at least once, or a whole window passed without any acceptance.
    if (this.#rate !== undefined && !this.#acceptedSinceAdjustment && now - this.#lastAdjustment < this.#windowMs) return;
    // One reduction per half window: the errors right after a reduction say nothing new.
    if (this.#rate !== undefined && now - this.#lastAdjustment < this.#windowMs / 2) return;
    this.#throttleEvents++;
    const measured = this.#measuredRate(now);
    if (this.#rate === undefined && measured === 0) {
      // Refused before anything was accepted (another client spent the allowance): there is no
      // throughput to measure, and a guessed rate would start far below the provider's limit and
      // take minutes to grow back. Pause every start instead, longer while refusals go on, and
      // stay unthrottled: the first burst the provider accepts after the pause gives a measurement.
      // A Retry-After (applied above) is the provider's own answer and replaces the guess.
      if (retryAfterMs === undefined) {
        this.#pausedUntil = Math.max(this.#pausedUntil, now + this.#blindPauseMs);
        this.#blindPauseMs = Math.min(this.#blindPauseMs * 2, Math.max(MAX_BLIND_PAUSE_MS, this.#initialPauseMs));
      }
      this.#lastAdjustment = now;
      this.#generation++;
      return;
    }
    const next = measured > 0 ? measured * this.#backoffFactor : (this.#rate ?? 2) / 2;
    const reduced = this.#rate === undefined ? next : Math.min(next, this.#rate * this.#backoffFactor);
    this.#rate = Math.max(this.#minRate, this.#decayedPeak(now) / 2, reduced);
    this.#lastAdjustment = now;
    this.#acceptedSinceAdjustment = false;
    this.#lastGrowth = now;
    this.#nextSlot = Math.max(now, this.#pausedUntil) + 1000 / this.#rate;
    this.#generation++;
  }

  #measuredRate(now: number): number {
    this.#trim(now);
    const oldest = this.#successes[0];
    if (oldest === undefined) return 0;
    // Measured from the oldest acceptance in the window, not from the window's start: a stretch
    // in which the provider refused everything (its window still full) is not the provider's
    // rate. A burst accepted in less than a second (a fresh provider window) is read as that
    // second's allowance: dividing by its short span would overstate the rate many times over.
    const span = Math.max(1_000, now - oldest);
    return (this.#successes.length * 1000) / span;
  }

  #trim(now: number): void {
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < this.#successes.length && this.#successes[drop]! < cutoff) drop++;
    if (drop > 0) this.#successes.splice(0, drop);
  }
}
