import { describe, expect, it } from "vitest";
import { resilientCall } from "../../../src/engine/resilient-call.js";
import { AdaptiveRateLimiter } from "../../../src/engine/rate-limiter.js";
import { RunSlots } from "../../../src/engine/run-slots.js";

/** Resolves on the next macrotask: every promise chain started before it has settled. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("RunSlots", () => {
  it("refuses a size that is not a whole number ≥ 1", () => {
    expect(() => new RunSlots(0)).toThrow("concurrency must be a whole number ≥ 1, got 0");
    expect(() => new RunSlots(1.5)).toThrow(RangeError);
  });

  it("starts at most `size` runs, the next one when a run ends", async () => {
    const slots = new RunSlots(2);
    const started: number[] = [];
    const runs = [0, 1, 2].map((i) => slots.start().then((slot) => (started.push(i), slot)));
    await settle();
    expect(started).toEqual([0, 1]);
    (await runs[0]!).end();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect(slots.free).toBe(0);
  });

  it("lends a run's slot while its only call waits, and gives it back ahead of runs not yet started", async () => {
    const slots = new RunSlots(1);
    const first = await slots.start();
    first.enter();
    const wait = deferred();
    const idle = first.idle(() => wait.promise);
    const order: string[] = [];
    const second = slots.start().then((slot) => (order.push("second started"), slot));
    const third = slots.start().then((slot) => (order.push("third started"), slot));
    await settle();
    expect(order).toEqual(["second started"]);
    expect(first.held).toBe(false);
    wait.resolve();
    await settle();
    // The first run woke while the second held the slot: it queues ahead of the third.
    expect(first.held).toBe(false);
    (await second).end();
    await idle;
    expect(first.held).toBe(true);
    expect(order).toEqual(["second started"]);
    first.leave();
    first.end();
    await third;
    expect(order).toEqual(["second started", "third started"]);
  });

  it("keeps the slot while another call of the same run is still working", async () => {
    const slots = new RunSlots(1);
    const run = await slots.start();
    run.enter(); // evaluator A, working
    run.enter(); // evaluator B, about to wait
    const wait = deferred();
    const idle = run.idle(() => wait.promise);
    let other = false;
    void slots.start().then(() => (other = true));
    await settle();
    expect(run.held).toBe(true);
    expect(other).toBe(false);
    wait.resolve();
    await idle;
    run.leave();
    run.leave();
    run.end();
    await settle();
    expect(other).toBe(true);
  });

  it("a cancelled run does not queue for its slot again", async () => {
    const slots = new RunSlots(1);
    const run = await slots.start();
    run.enter();
    const controller = new AbortController();
    const idle = run.idle(async () => {
      controller.abort(new Error("cancelled"));
      throw controller.signal.reason;
    }, controller.signal);
    const next = await slots.start(); // took the lent slot and keeps it
    await expect(idle).rejects.toThrow("cancelled");
    expect(run.held).toBe(false);
    run.leave();
    run.end(); // holds nothing: gives nothing back
    expect(slots.free).toBe(0);
    next.end();
    expect(slots.free).toBe(1);
  });
});

describe("resilientCall with a run slot", () => {
  it("lends the slot while waiting out a provider's Retry-After, not while working", async () => {
    const slots = new RunSlots(1);
    const slot = await slots.start();
    const limiter = new AdaptiveRateLimiter();
    const freeDuringAttempts: number[] = [];
    let freeDuringWait: number | undefined;
    const error = Object.assign(new Error("429"), { status: 429, headers: { "retry-after-ms": "30" } });
    let attempts = 0;
    const probe = setInterval(() => {
      if (attempts === 1) freeDuringWait ??= slots.free;
    }, 5);
    const result = await resilientCall(
      () => {
        freeDuringAttempts.push(slots.free);
        if (++attempts === 1) throw error;
        return "ok";
      },
      { timeout: 1_000, retries: 0, retryDelay: 0, limiter, rateLimitErrors: [], slot },
    );
    clearInterval(probe);
    expect(result).toMatchObject({ ok: true, value: "ok" });
    expect(freeDuringAttempts).toEqual([0, 0]);
    expect(freeDuringWait).toBe(1);
    expect(slot.held).toBe(true);
  });
});
