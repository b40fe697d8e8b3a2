import { describe, expect, it } from "vitest";
import { AdaptiveRateLimiter } from "../../../src/engine/rate-limiter.js";
import { SimulatedClock, simulate } from "../../support/limiter-simulation.js";
import { createProviderLimit, describeShape, SHAPES, shapeAt } from "../../support/provider-limits.js";

/**
 * The limiter against the four common ways providers limit their clients, in a discrete-event
 * simulation on a simulated clock: the figures are exact and repeatable, whatever the machine.
 * 1,200 requests from 24 concurrent callers against a capacity of 40 requests a second (30 s of
 * simulated time), requests lasting 50 ms ± 50% (100 ms under the concurrency cap of 4).
 */
describe("AdaptiveRateLimiter in simulation", () => {
  for (const name of SHAPES) {
    for (const startSaturated of [false, true]) {
      const latency = name === "concurrency" ? 100 : 50;
      const shape = shapeAt(name, 40, latency);
      it(`${describeShape(shape)}${startSaturated ? ", allowance spent by another client at start" : ""}: ≥ 90% of capacity after the cold start, refusals ≤ 25% of accepted`, async () => {
        const result = await simulate({ shape, requests: 1_200, callers: 24, meanLatencyMs: latency, startSaturated });
        expect(result.completed).toBe(1_200);
        expect(result.steadyShare).toBeGreaterThanOrEqual(0.9);
        expect(result.share).toBeGreaterThanOrEqual(0.85);
        expect(result.refused / result.accepted).toBeLessThanOrEqual(0.25);
        expect(result.msTo80).not.toBeNull();
        expect(result.msTo80!).toBeLessThanOrEqual(4_000);
        if (name === "concurrency") {
          // A concurrency cap ends up as an in-flight limit, not as a rate.
          expect(result.clients[0]!.concurrency).toBe(shape.kind === "concurrency" ? shape.limit : undefined);
        }
      });
    }
  }

  it("never slows down a provider that never refuses", async () => {
    const result = await simulate({ shape: { kind: "concurrency", limit: 1_000 }, requests: 500, callers: 10, meanLatencyMs: 20, latencySpread: 0 });
    expect(result.refused).toBe(0);
    expect(result.makespanMs).toBe(50 * 20);
    expect(result.clients[0]!.rate).toBeUndefined();
  });

  it("does not crawl when the provider refuses a share of requests whatever their rate", async () => {
    // 12% of requests refused at random, at any rate, on top of a cap of 100 in flight (a fast
    // provider): every cut looks justified, and without a floor each would follow the accepted
    // throughput down. Requests last 20 ms, so 24 callers can send 1,200 a second.
    let n = 0;
    const limit = createProviderLimit({ kind: "concurrency", limit: 100 }, 0);
    const provider = { admit: (now: number) => (++n % 8 === 0 ? { accepted: false } : limit.admit(now)), finish: () => limit.finish() };
    const result = await simulate({ shape: { kind: "concurrency", limit: 100 }, provider, requests: 24_000, callers: 24, meanLatencyMs: 20, latencySpread: 0 });
    expect(result.completed).toBe(24_000);
    // Unthrottled, the 24 callers would finish in 24,000 × 20 ms ÷ 24 = 20 s (plus the retries).
    expect(result.makespanMs).toBeLessThan(60_000);
  });

  it("two experiments with their own limiter on one token bucket both finish, neither starved", async () => {
    const result = await simulate({ shape: shapeAt("token-bucket", 40, 50), requests: 1_200, callers: 24, meanLatencyMs: 50, clients: 2 });
    expect(result.completed).toBe(1_200);
    expect(result.refused / result.accepted).toBeLessThanOrEqual(0.25);
    // Both share the provider: the whole run still uses most of its capacity.
    expect(result.share).toBeGreaterThanOrEqual(0.7);
  });
});

describe("AdaptiveRateLimiter permits", () => {
  it("starts everyone at once until the first refusal", async () => {
    const clock = new SimulatedClock();
    const limiter = new AdaptiveRateLimiter({ clock });
    const permits = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire()));
    expect(new Set(permits.map((p) => p.startedAt))).toEqual(new Set([0]));
    expect(limiter.inFlight).toBe(50);
    for (const permit of permits) permit.accepted();
    expect(limiter.summary()).toEqual({ accepted: 50, refused: 0, rate: null, concurrency: null });
  });

  it("paces starts evenly after a refusal, at half the rate attempts were sent at", async () => {
    const clock = new SimulatedClock();
    const limiter = new AdaptiveRateLimiter({ clock });
    const first = await Promise.all(Array.from({ length: 20 }, () => limiter.acquire()));
    first[0]!.refused();
    for (const permit of first.slice(1)) permit.release();
    expect(limiter.rate).toBe(10);
    const starts: number[] = [];
    const waiting = Array.from({ length: 5 }, () => limiter.acquire().then((p) => starts.push(p.startedAt)));
    await clock.run(10_000);
    await Promise.all(waiting);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps.every((gap) => Math.abs(gap - 100) < 1e-9)).toBe(true);
  });

  it("returns the provider's own wait to the refused caller, and counts each outcome once", async () => {
    const clock = new SimulatedClock();
    const limiter = new AdaptiveRateLimiter({ clock });
    const permit = await limiter.acquire();
    expect(permit.refused(1_500)).toBe(1_500);
    expect(permit.refused(1_500)).toBe(0);
    permit.accepted();
    expect(limiter.summary()).toMatchObject({ accepted: 0, refused: 1 });
    expect(limiter.inFlight).toBe(0);
  });

  it("rejects a waiting caller with its signal's reason when it aborts", async () => {
    const clock = new SimulatedClock();
    const limiter = new AdaptiveRateLimiter({ clock });
    const first = await limiter.acquire();
    first.refused(); // paced from now on
    await limiter.acquire(); // the retry starts at once; the next caller waits for its slot
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    expect(limiter.inFlight).toBe(1);
  });
});

describe("AdaptiveRateLimiter in simulation, LLM-like latency", () => {
  // Requests lasting 1 s ± 50% from 60 concurrent callers: acceptances come back a second after
  // the refusals, in-flight counts swing with latency, and every decision waits for outcomes, so
  // convergence takes longer (the sliding window settles at 85%, the others above 90%).
  for (const name of SHAPES) {
    const shape = shapeAt(name, 40, 1_000);
    it(`${describeShape(shape)}: ≥ 85% of capacity after the cold start, refusals ≤ 25% of accepted`, async () => {
      const result = await simulate({ shape, requests: 1_200, callers: 60, meanLatencyMs: 1_000 });
      expect(result.completed).toBe(1_200);
      expect(result.steadyShare).toBeGreaterThanOrEqual(name === "sliding-window" ? 0.85 : 0.9);
      expect(result.refused / result.accepted).toBeLessThanOrEqual(0.25);
    });
  }
});

describe("AdaptiveRateLimiter in simulation, short experiment", () => {
  // 240 runs (six seconds of capacity): the cold start weighs most here.
  for (const name of SHAPES) {
    const latency = name === "concurrency" ? 100 : 50;
    const shape = shapeAt(name, 40, latency);
    it(`${describeShape(shape)}: all runs complete, refusals ≤ 30% of accepted`, async () => {
      const result = await simulate({ shape, requests: 240, callers: 24, meanLatencyMs: latency });
      expect(result.completed).toBe(240);
      expect(result.refused / result.accepted).toBeLessThanOrEqual(0.3);
      expect(result.share).toBeGreaterThanOrEqual(0.8);
    });
  }
});
