/**
 * Phoenix's rate limiter for `run_experiment(rate_limit_errors=...)`, ported from Python
 * (`phoenix/experiments/evaluators/utils.py` and the `RateLimiter`/`AdaptiveTokenBucket` pair
 * next to it) with its defaults, so W4 can run it side by side with ours against the same
 * providers. What it does, as in the source:
 *
 * - a token bucket that starts at 1 request/s with no tokens, accrues `rate × elapsed` tokens (up
 *   to a minute's worth), and lets a request through when more than one token is available,
 *   polling every `0.1 / rate` s, for at most 10 s (then the request goes anyway);
 * - the rate grows by `exp(0.01 × elapsed)` (1% a second) up to 50 requests/s;
 * - a rate-limit error halves the rate (not below 0.1/s), empties the bucket, and blocks for the
 *   5 s cooldown — in Python `time.sleep` inside the coroutine, which stops the whole event loop:
 *   no request starts and no response is handled meanwhile. Modelled here by a barrier that every
 *   start and every response waits behind. Errors from requests started within the cooldown of
 *   the last reduction do not reduce again;
 * - while one call handles a rate-limit error (under a lock) new calls wait; that call retries up
 *   to 3 times, then fails with "Exceeded max (3) retries".
 */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export class PhoenixAdaptiveTokenBucket {
  rate: number;
  readonly #initialRate: number;
  readonly #maximumRate: number;
  readonly #minimumRate = 0.1;
  readonly #reductionFactor = 0.5;
  readonly #increaseFactor = 0.01;
  readonly #enforcementWindowS = 60;
  readonly #cooldownS = 5;
  #lastRateUpdate: number;
  #lastChecked: number;
  #lastError: number;
  #tokens = 0;
  /** The event loop is blocked (Python's time.sleep in a coroutine) until this time (s). */
  blockedUntil = 0;

  constructor(initialRate = 1, maximumRate = 50) {
    const now = seconds();
    this.#initialRate = initialRate;
    this.rate = initialRate;
    this.#maximumRate = maximumRate;
    this.#lastRateUpdate = now;
    this.#lastChecked = now;
    this.#lastError = now - this.#cooldownS;
  }

  #increaseRate(): void {
    const elapsed = seconds() - this.#lastRateUpdate;
    if (elapsed > this.#enforcementWindowS) this.rate = this.#initialRate;
    else this.rate = Math.min(this.#maximumRate, this.rate * Math.exp(this.#increaseFactor * elapsed));
    this.#lastRateUpdate = seconds();
  }

  onRateLimitError(requestStartTime: number): void {
    const now = seconds();
    if (requestStartTime < this.#lastError + this.#cooldownS) return;
    this.rate = Math.max(this.#minimumRate, this.rate * this.#reductionFactor);
    this.#tokens = 0;
    this.#lastChecked = now;
    this.#lastRateUpdate = now;
    this.#lastError = now;
    this.blockedUntil = Math.max(this.blockedUntil, now + this.#cooldownS);
  }

  #availableRequests(): number {
    const now = seconds();
    this.#tokens = Math.min(this.rate * this.#enforcementWindowS, this.rate * (now - this.#lastChecked) + this.#tokens);
    this.#lastChecked = now;
    return this.#tokens;
  }

  async waitUntilReady(maxWaitS = 10): Promise<void> {
    const start = seconds();
    while (seconds() - start < maxWaitS) {
      await this.unblocked();
      this.#increaseRate();
      if (this.#availableRequests() > 1) {
        this.#tokens -= 1;
        return;
      }
      await sleep((0.1 / this.rate) * 1000);
    }
  }

  /** Waits out a blocked event loop. */
  async unblocked(): Promise<void> {
    while (seconds() < this.blockedUntil) await sleep((this.blockedUntil - seconds()) * 1000);
  }
}

export class PhoenixRateLimiter {
  readonly throttler: PhoenixAdaptiveTokenBucket;
  readonly #isRateLimitError: (error: unknown) => boolean;
  readonly #maxRetries = 3;
  /** asyncio.Event `_rate_limit_handling`: set = requests may start. */
  #handling: Promise<void> | undefined;
  /** asyncio.Lock `_rate_limit_handling_lock`. */
  #lock: Promise<void> = Promise.resolve();

  constructor(isRateLimitError: (error: unknown) => boolean) {
    this.throttler = new PhoenixAdaptiveTokenBucket();
    this.#isRateLimitError = isRateLimitError;
  }

  /** `alimit(fn)()`: one call through the limiter. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    await Promise.race([this.#handling ?? Promise.resolve(), sleep(120_000)]);
    await this.throttler.waitUntilReady();
    let requestStartTime = seconds();
    try {
      return await this.#afterBlock(fn());
    } catch (error) {
      if (!this.#isRateLimitError(error)) throw error;
    }
    // async with self._rate_limit_handling_lock: clear the event, retry up to max times, set it.
    const previous = this.#lock;
    let release!: () => void;
    this.#lock = new Promise<void>((resolve) => (release = resolve));
    await previous;
    let reopen!: () => void;
    this.#handling = new Promise<void>((resolve) => (reopen = resolve));
    try {
      this.throttler.onRateLimitError(requestStartTime);
      for (let attempt = 0; attempt < this.#maxRetries; attempt++) {
        try {
          requestStartTime = seconds();
          await this.throttler.waitUntilReady();
          return await this.#afterBlock(fn());
        } catch (error) {
          if (!this.#isRateLimitError(error)) throw error;
          this.throttler.onRateLimitError(requestStartTime);
        }
      }
    } finally {
      reopen();
      this.#handling = undefined;
      release();
    }
    throw new Error(`Exceeded max (${this.#maxRetries}) retries`);
  }

  /** A response that arrives while the event loop is blocked is handled only after it. */
  async #afterBlock<T>(pending: Promise<T>): Promise<T> {
    try {
      const value = await pending;
      await this.throttler.unblocked();
      return value;
    } catch (error) {
      await this.throttler.unblocked();
      throw error;
    }
  }
}

function seconds(): number {
  return performance.now() / 1000;
}
