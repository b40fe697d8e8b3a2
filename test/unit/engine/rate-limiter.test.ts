import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AdaptiveRateLimiter } from "../../../src/engine/rate-limiter.js";

/** A limiter on a clock the test moves by hand. */
function limiterAt(options: ConstructorParameters<typeof AdaptiveRateLimiter>[0] = {}) {
  let now = 0;
  const limiter = new AdaptiveRateLimiter({ ...options, now: () => now });
  return {
    limiter,
    at(ms: number) {
      now = ms;
    },
    /** `count` accepted attempts spread evenly over [from, to). */
    accept(count: number, from: number, to: number) {
      for (let i = 0; i < count; i++) {
        now = from + ((to - from) * i) / count;
        limiter.onSuccess();
      }
      now = to;
    },
  };
}

describe("AdaptiveRateLimiter", () => {
  it("is unlimited until the first rate-limit error", async () => {
    const { limiter } = limiterAt();
    expect(limiter.rate).toBeUndefined();
    // Unlimited: many acquisitions at the same instant all start at once.
    const starts = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire()));
    expect(new Set(starts)).toEqual(new Set([0]));
    expect(limiter.throttleEvents).toBe(0);
  });

  it("after a rate-limit error paces just below the throughput the provider accepted", () => {
    const { limiter, accept } = limiterAt();
    accept(60, 0, 2_000); // 30 accepted per second for two seconds, then refused
    limiter.onRateLimited(1_990);
    expect(limiter.rate).toBeCloseTo(30 * 0.95, 5);
    expect(limiter.throttleEvents).toBe(1);
  });

  it("reads a burst accepted in well under a second as that second's allowance, not as burst/span", () => {
    // A provider allowing 40 per sliding second accepts 40 at once, then refuses. Dividing 40 by
    // the 50 ms the burst took would set 800 req/s; the allowance per second is 40.
    const { limiter, accept } = limiterAt();
    accept(40, 0, 50);
    limiter.onRateLimited(50);
    expect(limiter.rate).toBeCloseTo(40 * 0.95, 5);
  });

  it("ignores errors from attempts that started before the last reduction (they were sent at the old rate)", () => {
    const { limiter, accept, at } = limiterAt();
    accept(60, 0, 2_000);
    limiter.onRateLimited(1_990);
    const reduced = limiter.rate;
    at(2_100);
    limiter.onRateLimited(1_500);
    expect(limiter.rate).toBe(reduced);
    expect(limiter.throttleEvents).toBe(1);
  });

  it("does not reduce again on refusals that come before the new rate was accepted once (the provider's window is still full)", () => {
    const { limiter, accept, at } = limiterAt();
    accept(40, 0, 50);
    limiter.onRateLimited(50);
    const reduced = limiter.rate!;
    // Attempts started at the new rate are refused until the provider's window slides past the burst.
    for (let t = 100; t < 1_000; t += 25) {
      at(t);
      limiter.onRateLimited(t);
    }
    expect(limiter.rate).toBe(reduced);
    expect(limiter.throttleEvents).toBe(1);
  });

  it("reduces again when the new rate is still refused after being accepted", () => {
    const { limiter, accept, at } = limiterAt();
    accept(40, 0, 50);
    limiter.onRateLimited(50);
    const first = limiter.rate!;
    accept(30, 1_000, 1_500);
    at(1_500);
    limiter.onRateLimited(1_490);
    expect(limiter.rate!).toBeLessThan(first);
    expect(limiter.throttleEvents).toBe(2);
  });

  it("measures from the oldest acceptance in the window, so a stretch refused by a still-full provider window does not count", () => {
    const { limiter, accept, at } = limiterAt({ windowMs: 2_000 });
    accept(40, 0, 50); // the provider's first second, accepted at once
    limiter.onRateLimited(50);
    const paced = limiter.rate!; // 38/s
    // Refused until the provider's window slides past the burst, then accepted at the paced rate.
    accept(Math.round(paced * 1.3), 1_000, 2_300);
    at(2_300);
    limiter.onRateLimited(2_290);
    // Over the last two seconds (700 ms of them refused) only ~25/s were accepted; since the
    // first acceptance in the window, the provider took the paced rate.
    expect(limiter.rate!).toBeGreaterThan(paced * 0.9);
  });

  it("reduces again when a whole window passes with refusals and no acceptance (the rate is far too high)", () => {
    const { limiter, accept, at } = limiterAt({ windowMs: 2_000 });
    accept(40, 0, 50);
    limiter.onRateLimited(50);
    const first = limiter.rate!;
    at(2_100);
    limiter.onRateLimited(2_090);
    expect(limiter.rate!).toBeLessThan(first);
  });

  it("never throttles below minRate", () => {
    const { limiter, at, accept } = limiterAt({ minRate: 0.5, windowMs: 1_000 });
    accept(10, 0, 1_000);
    // Long enough for the floor of half the (decaying) peak throughput to fall away.
    for (let t = 1_000; t < 900_000; t += 1_100) {
      at(t);
      limiter.onRateLimited(t);
    }
    expect(limiter.rate).toBe(0.5);
  });

  it("does not crawl when the provider refuses a share of requests whatever their rate", () => {
    const { limiter, accept } = limiterAt({ windowMs: 2_000 });
    accept(200, 0, 1_000); // 200/s accepted before the first refusal
    limiter.onRateLimited(1_000);
    // From then on the provider accepts 90% of what is sent and refuses 10%, at any rate.
    for (let t = 1_000; t < 61_000; t += 1_000) {
      accept(Math.max(1, Math.round(0.9 * limiter.rate!)), t, t + 1_000);
      limiter.onRateLimited(t + 1_000);
    }
    // Each refusal alone would cut the rate to 95% of 90% of itself; the floor keeps it at least
    // half of what the provider was seen to accept.
    expect(limiter.rate!).toBeGreaterThanOrEqual(0.5 * 200 * 0.5 ** (60 / 60) - 1e-9);
  });

  it("grows the rate again while nothing is refused, but not far past what was accepted", async () => {
    const { limiter, accept, at } = limiterAt({ growthPerSecond: 0.1 });
    accept(20, 0, 1_000);
    limiter.onRateLimited(1_000);
    const reduced = limiter.rate!;
    accept(38, 1_000, 3_000); // the provider keeps accepting the reduced rate
    await limiter.acquire();
    const grown = limiter.rate!;
    expect(grown).toBeGreaterThan(reduced);
    expect(grown).toBeLessThanOrEqual(reduced * Math.exp(0.1 * 2) + 1e-9);
    // After a long idle time the rate must not have built up into a burst.
    at(600_000);
    await limiter.acquire();
    expect(limiter.rate!).toBeLessThanOrEqual(grown);
  });
});

describe("AdaptiveRateLimiter pacing (fake timers)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("spaces starts evenly at the current rate instead of releasing a burst", async () => {
    const limiter = new AdaptiveRateLimiter({ now: () => Date.now() });
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) limiter.onSuccess();
    limiter.onRateLimited(t0); // 10 accepted in no time → 9.5 req/s
    const starts: number[] = [];
    const all = Promise.all(Array.from({ length: 5 }, () => limiter.acquire().then(() => starts.push(Date.now() - t0))));
    await vi.advanceTimersByTimeAsync(10_000);
    await all;
    expect(limiter.rate).toBeCloseTo(9.5, 5);
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(Math.floor(1000 / limiter.rate!) - 1);
  });

  it("honours Retry-After: no start before the pause is over", async () => {
    const limiter = new AdaptiveRateLimiter({ now: () => Date.now() });
    const t0 = Date.now();
    limiter.onRateLimited(t0, 5_000);
    let started = false;
    const acquired = limiter.acquire().then(() => {
      started = true;
    });
    await vi.advanceTimersByTimeAsync(4_900);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    await acquired;
    expect(started).toBe(true);
  });

  it("when refused before anything was accepted, pauses every start (1 s, doubling while refusals go on) and stays unthrottled", async () => {
    const limiter = new AdaptiveRateLimiter({ now: () => Date.now() });
    const startedAt = (start: number) => {
      let at: number | undefined;
      const promise = limiter.acquire().then(() => {
        at = Date.now() - start;
      });
      return { promise, at: () => at };
    };
    const t0 = Date.now();
    limiter.onRateLimited(t0);
    // No throughput was measured, so no rate is guessed.
    expect(limiter.rate).toBeUndefined();
    expect(limiter.throttleEvents).toBe(1);
    const first = startedAt(t0);
    await vi.advanceTimersByTimeAsync(999);
    expect(first.at()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await first.promise;
    expect(first.at()).toBe(1_000);
    // Refused again after the pause, still nothing accepted: the next pause is twice as long.
    const t1 = Date.now();
    limiter.onRateLimited(t1);
    const second = startedAt(t1);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(second.at()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await second.promise;
    // Once something is accepted the pause resets; a refusal then measures a rate.
    for (let i = 0; i < 20; i++) limiter.onSuccess();
    const t2 = Date.now();
    limiter.onRateLimited(t2);
    expect(limiter.rate).toBeCloseTo(20 * 0.95, 5);
  });

  it("does not lengthen the pause for refusals of attempts that started before it", async () => {
    const limiter = new AdaptiveRateLimiter({ now: () => Date.now() });
    const t0 = Date.now();
    limiter.onRateLimited(t0);
    for (let i = 0; i < 23; i++) limiter.onRateLimited(t0 - 1);
    expect(limiter.throttleEvents).toBe(1);
    let started = false;
    const acquired = limiter.acquire().then(() => {
      started = true;
    });
    await vi.advanceTimersByTimeAsync(1_000);
    await acquired;
    expect(started).toBe(true);
  });

  it("rejects a waiting acquire when its signal aborts", async () => {
    const limiter = new AdaptiveRateLimiter({ now: () => Date.now() });
    limiter.onRateLimited(Date.now(), 60_000);
    const controller = new AbortController();
    const acquired = limiter.acquire(controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(acquired).rejects.toThrow("cancelled");
  });
});
