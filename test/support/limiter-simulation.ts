import type { Clock } from "../../src/engine/clock.js";
import { AdaptiveRateLimiter } from "../../src/engine/rate-limiter.js";
import { capacityOf, createProviderLimit, type LimitShape, type ProviderLimit } from "./provider-limits.js";
import { RunSlots } from "../../src/engine/run-slots.js";
import { seededRandom } from "../../src/engine/sampling.js";

/**
 * A discrete-event simulation of a provider, the adaptive rate limiter and N concurrent callers,
 * on a simulated clock: exact and repeatable whatever the machine's load, so the limiter's unit
 * tests can assert on throughput without a single timing assumption.
 */
export class SimulatedClock implements Clock {
  #now = 0;
  #seq = 0;
  #events: { at: number; seq: number; callback: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, ms: number): () => void {
    const event = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback, cancelled: false };
    this.#events.push(event);
    return () => {
      event.cancelled = true;
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, ms));
  }

  /** Runs events in time order until none is left or `until` (ms) is reached. */
  async run(until: number): Promise<void> {
    for (;;) {
      // Let every promise chain settle before time moves on.
      await new Promise((resolve) => setImmediate(resolve));
      this.#events = this.#events.filter((e) => !e.cancelled);
      if (this.#events.length === 0) return;
      let next = 0;
      for (let i = 1; i < this.#events.length; i++) {
        const e = this.#events[i]!;
        const n = this.#events[next]!;
        if (e.at < n.at || (e.at === n.at && e.seq < n.seq)) next = i;
      }
      const event = this.#events[next]!;
      if (event.at > until) return;
      this.#events.splice(next, 1);
      this.#now = Math.max(this.#now, event.at);
      event.callback();
    }
  }
}

export interface SimulationOptions {
  shape: LimitShape;
  /** Requests (runs) to complete. */
  requests: number;
  /** Runs working at once (the experiment's concurrency). */
  callers: number;
  /** Latency of an accepted request: uniform in mean ± spread. Refusals come back in `refusalLatencyMs`. */
  meanLatencyMs: number;
  latencySpread?: number;
  refusalLatencyMs?: number;
  startSaturated?: boolean;
  /** A provider other than the four shapes (`shape` then only sets the capacity the shares are read against). */
  provider?: ProviderLimit;
  /** Several experiments with their own limiter, sharing the provider; default 1. */
  clients?: number;
  seed?: number;
  /** Give up after this much simulated time (a livelock must fail the test, not hang it). */
  limitMs?: number;
}

export interface SimulationResult {
  capacity: number;
  makespanMs: number;
  completed: number;
  accepted: number;
  refused: number;
  /** Accepted per second over the whole run ÷ capacity. */
  share: number;
  /** The same from 2 s on (after the cold start). */
  steadyShare: number;
  /** First time a sliding second held 80% of capacity; null when it never did. */
  msTo80: number | null;
  /** Per client: accepted requests and its limiter's final state. */
  clients: { accepted: number; refused: number; rate: number | undefined; concurrency: number | undefined }[];
}

export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const clock = new SimulatedClock();
  const random = seededRandom(options.seed ?? 1);
  const provider = options.provider ?? createProviderLimit(options.shape, 0, options.startSaturated);
  const spread = options.latencySpread ?? 0.5;
  const refusalLatency = options.refusalLatencyMs ?? 1;
  const clientCount = options.clients ?? 1;
  const acceptedAt: number[] = [];
  let refused = 0;
  let completed = 0;
  const clients = Array.from({ length: clientCount }, () => ({
    limiter: new AdaptiveRateLimiter({ clock }),
    // As the engine's executor does: one slot per run working, lent out while it waits out a Retry-After.
    slots: new RunSlots(options.callers),
    accepted: 0,
    refused: 0,
  }));

  const run = async (client: (typeof clients)[number]) => {
    const slot = await client.slots.start();
    slot.enter();
    try {
      for (;;) {
        const permit = await client.limiter.acquire();
        const decision = provider.admit(clock.now());
        if (!decision.accepted) {
          await clock.sleep(refusalLatency);
          refused++;
          client.refused++;
          const wait = permit.refused(decision.retryAfterSeconds === undefined ? undefined : decision.retryAfterSeconds * 1000);
          if (wait > 0) await slot.idle(() => clock.sleep(wait));
          continue;
        }
        await clock.sleep(options.meanLatencyMs * (1 - spread + 2 * spread * random()));
        provider.finish();
        acceptedAt.push(clock.now());
        client.accepted++;
        permit.accepted();
        completed++;
        return;
      }
    } finally {
      slot.leave();
      slot.end();
    }
  };
  const done = Promise.all(clients.flatMap((client) => Array.from({ length: Math.ceil(options.requests / clientCount) }, () => run(client))));
  await clock.run(options.limitMs ?? 600_000);
  await Promise.race([done, Promise.resolve()]);

  const capacity = capacityOf(options.shape, options.meanLatencyMs);
  const makespanMs = acceptedAt.at(-1) ?? 0;
  const after = acceptedAt.filter((t) => t >= 2_000).length;
  let msTo80: number | null = null;
  for (let i = 0, j = 0; j < acceptedAt.length; j++) {
    while (acceptedAt[i]! <= acceptedAt[j]! - 1_000) i++;
    if (j - i + 1 >= 0.8 * capacity) {
      msTo80 = acceptedAt[j]!;
      break;
    }
  }
  return {
    capacity,
    makespanMs,
    completed,
    accepted: acceptedAt.length,
    refused,
    share: acceptedAt.length / ((capacity * makespanMs) / 1000),
    steadyShare: makespanMs > 2_000 ? after / ((capacity * (makespanMs - 2_000)) / 1000) : Number.NaN,
    msTo80,
    clients: clients.map((c) => ({ accepted: c.accepted, refused: c.refused, rate: c.limiter.rate, concurrency: c.limiter.concurrency })),
  };
}
