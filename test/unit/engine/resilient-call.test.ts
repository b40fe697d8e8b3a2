import { afterEach, describe, expect, it, vi } from "vitest";
import { PermanentError, TimeoutError } from "../../../src/engine/errors.js";
import { AdaptiveRateLimiter } from "../../../src/engine/rate-limiter.js";
import { resilientCall, type ResilientCallOptions } from "../../../src/engine/resilient-call.js";
import { backoffDelay, sleep } from "../../../src/engine/sleep.js";

const base: ResilientCallOptions = { timeout: 5_000, retries: 3, retryDelay: 0, rateLimitErrors: [] };
/** A limiter that never paces below 1000 req/s, so rate-limited retries do not slow the tests. */
const fastLimiter = () => new AdaptiveRateLimiter({ minRate: 1_000 });
const status429 = () => Object.assign(new Error("429 Too Many Requests"), { status: 429 });

class ProviderRateLimit extends Error {}

describe("resilientCall", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("returns the value and one attempt on success", async () => {
    const result = await resilientCall(() => 42, base);
    expect(result).toMatchObject({ ok: true, value: 42 });
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ error: null, rateLimited: false, timedOut: false });
  });

  it("makes `retries` extra attempts and records each one", async () => {
    let calls = 0;
    const result = await resilientCall((_signal, attempt) => {
      calls++;
      expect(attempt).toBe(calls);
      throw new Error(`failure ${attempt}`);
    }, { ...base, retries: 3 });
    expect(result.ok).toBe(false);
    expect(calls).toBe(4);
    expect(result.attempts.map((a) => a.error)).toEqual(["failure 1", "failure 2", "failure 3", "failure 4"]);
    if (!result.ok) expect((result.error as Error).message).toBe("failure 4");
  });

  it("stops retrying once an attempt succeeds", async () => {
    let calls = 0;
    const result = await resilientCall(() => {
      if (++calls < 3) throw new Error("flaky");
      return "ok";
    }, base);
    expect(result).toMatchObject({ ok: true, value: "ok" });
    expect(result.attempts.map((a) => a.error)).toEqual(["flaky", "flaky", null]);
  });

  it("does not retry a PermanentError", async () => {
    let calls = 0;
    const result = await resilientCall(() => {
      calls++;
      throw new PermanentError("output is not JSON-serializable");
    }, base);
    expect(result.ok).toBe(false);
    expect(calls).toBe(1);
  });

  it("times an attempt out, aborting its signal with a TimeoutError", async () => {
    let seen: AbortSignal | undefined;
    const result = await resilientCall(
      (signal) =>
        new Promise((_, reject) => {
          seen = signal;
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
      { ...base, timeout: 50, retries: 0, what: "task" },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toBeInstanceOf(TimeoutError);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
    expect(result.attempts[0]).toMatchObject({ timedOut: true, error: "task timed out after 50 ms" });
  });

  it("fails an attempt that ignores its signal and never settles, at its timeout, and retries it", async () => {
    let calls = 0;
    const result = await resilientCall(() => {
      calls++;
      return new Promise(() => {});
    }, { ...base, timeout: 30, retries: 1 });
    expect(result.ok).toBe(false);
    expect(calls).toBe(2);
    expect(result.attempts.every((a) => a.timedOut)).toBe(true);
  });

  it("retries rate-limited attempts (HTTP 429) without spending retries", async () => {
    let calls = 0;
    const result = await resilientCall(() => {
      if (++calls <= 3) throw status429();
      return "done";
    }, { ...base, retries: 0, limiter: fastLimiter() });
    expect(result).toMatchObject({ ok: true, value: "done" });
    expect(result.attempts.map((a) => a.rateLimited)).toEqual([true, true, true, false]);
  });

  it("retries errors matched by rateLimitErrors classes and predicates without spending retries", async () => {
    const errors = [new ProviderRateLimit("slow down"), Object.assign(new Error("quota"), { code: "RATE" })];
    const result = await resilientCall(() => {
      const next = errors.shift();
      if (next) throw next;
      return 1;
    }, { ...base, retries: 0, limiter: fastLimiter(), rateLimitErrors: [ProviderRateLimit, (e) => (e as { code?: string }).code === "RATE"] });
    expect(result.ok).toBe(true);
    expect(result.attempts.filter((a) => a.rateLimited)).toHaveLength(2);
  });

  it("still spends retries on ordinary failures between rate-limited ones", async () => {
    const script = [status429(), new Error("boom"), status429(), new Error("boom again")];
    const result = await resilientCall(() => {
      throw script.shift() ?? new Error("never reached");
    }, { ...base, retries: 1, limiter: fastLimiter() });
    expect(result.ok).toBe(false);
    expect(result.attempts.map((a) => [a.rateLimited, a.error])).toEqual([
      [true, "429 Too Many Requests"],
      [false, "boom"],
      [true, "429 Too Many Requests"],
      [false, "boom again"],
    ]);
  });

  it("treats rate-limit errors as ordinary failures without a limiter", async () => {
    const result = await resilientCall(() => {
      throw status429();
    }, { ...base, retries: 1 });
    expect(result.ok).toBe(false);
    expect(result.attempts.map((a) => a.rateLimited)).toEqual([false, false]);
  });

  it("gives up after maxRateLimitedAttempts so a provider that always answers 429 cannot hang the run", async () => {
    const result = await resilientCall(() => {
      throw status429();
    }, { ...base, limiter: fastLimiter(), maxRateLimitedAttempts: 5 });
    expect(result.ok).toBe(false);
    expect(result.attempts).toHaveLength(5);
    if (!result.ok) expect((result.error as Error).message).toMatch(/still rate limited after 5 attempts/);
  });

  it("honours Retry-After: the next attempt starts no earlier than the provider asked", async () => {
    vi.useFakeTimers();
    const limiter = new AdaptiveRateLimiter({ minRate: 1_000, clock: { now: () => Date.now(), setTimer: (callback, ms) => { const timer = setTimeout(callback, ms); return () => clearTimeout(timer); } } });
    let calls = 0;
    const pending = resilientCall(() => {
      if (++calls === 1) throw Object.assign(status429(), { headers: { "retry-after": "3" } });
      return "ok";
    }, { ...base, limiter });
    await vi.advanceTimersByTimeAsync(10_000);
    const result = await pending;
    expect(result.ok).toBe(true);
    const [first, second] = result.attempts;
    expect(Date.parse(second!.startTime) - Date.parse(first!.endTime)).toBeGreaterThanOrEqual(3_000);
  });

  it("stops when the caller's signal aborts: the in-flight attempt is aborted and no retry follows", async () => {
    const controller = new AbortController();
    let calls = 0;
    let attemptSignal: AbortSignal | undefined;
    const pending = resilientCall((signal) => {
      calls++;
      attemptSignal = signal;
      return new Promise(() => {});
    }, { ...base, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error("cancelled by the user"));
    const result = await pending;
    expect(result.ok).toBe(false);
    if (!result.ok) expect((result.error as Error).message).toBe("cancelled by the user");
    expect(calls).toBe(1);
    expect(attemptSignal?.aborted).toBe(true);
  });

  it("does not start at all when the signal is already aborted", async () => {
    const fn = vi.fn();
    const result = await resilientCall(fn, { ...base, signal: AbortSignal.abort(new Error("gone")) });
    expect(result.ok).toBe(false);
    expect(fn).not.toHaveBeenCalled();
    expect(result.attempts).toEqual([]);
  });
});

describe("backoffDelay and sleep", () => {
  it("grows exponentially with full jitter between half and all of the ceiling, capped", () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(200);
    expect(backoffDelay(3, 100, 10_000, () => 1)).toBe(400);
    expect(backoffDelay(20, 100, 10_000, () => 1)).toBe(10_000);
  });

  it("sleep rejects with the signal's reason when aborted, and at once when already aborted", async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
    await expect(sleep(10, AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
    await expect(sleep(0)).resolves.toBeUndefined();
  });
});
