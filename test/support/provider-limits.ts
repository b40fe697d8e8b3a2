/**
 * The ways real providers and gateways limit their clients, as pure bookkeeping on a clock, so
 * the same limiter can sit behind the local HTTP provider (rate-limited-server.ts) and behind
 * the discrete-event simulation of the limiter's unit tests.
 */
export type LimitShape =
  /** A bucket of `burst` tokens refilled at `rate` a second; a request takes one or is refused. */
  | { kind: "token-bucket"; rate: number; burst: number }
  /** At most `rate` requests accepted in any sliding second. */
  | { kind: "sliding-window"; rate: number }
  /** At most `rate` requests accepted per calendar second; refusals carry `Retry-After: 1`. */
  | { kind: "fixed-window"; rate: number }
  /** At most `limit` requests in flight, whatever the rate. */
  | { kind: "concurrency"; limit: number };

export interface LimitDecision {
  accepted: boolean;
  /** Sent as `Retry-After` (seconds) on a refusal. */
  retryAfterSeconds?: number;
}

export interface ProviderLimit {
  /** A request arrives at `now` (ms). An accepted one must later be `finish`ed. */
  admit(now: number): LimitDecision;
  /** An accepted request was answered (frees its slot under a concurrency cap). */
  finish(): void;
}

export const SHAPES = ["token-bucket", "sliding-window", "fixed-window", "concurrency"] as const;
export type ShapeName = (typeof SHAPES)[number];

/**
 * The four shapes at a capacity of about `rate` requests a second: a token bucket whose burst is
 * a tenth of a second of R, one-second windows, and a cap of `rate × latency` in flight (requests
 * lasting `meanLatencyMs` on average).
 */
export function shapeAt(name: ShapeName, rate: number, meanLatencyMs: number): LimitShape {
  switch (name) {
    case "token-bucket":
      return { kind: "token-bucket", rate, burst: Math.max(1, Math.round(rate / 10)) };
    case "sliding-window":
      return { kind: "sliding-window", rate };
    case "fixed-window":
      return { kind: "fixed-window", rate };
    case "concurrency":
      return { kind: "concurrency", limit: Math.max(1, Math.round((rate * meanLatencyMs) / 1000)) };
  }
}

/** Requests a second the provider can serve when requests last `meanLatencyMs` on average. */
export function capacityOf(shape: LimitShape, meanLatencyMs: number): number {
  return shape.kind === "concurrency" ? (shape.limit * 1000) / meanLatencyMs : shape.rate;
}

export function describeShape(shape: LimitShape): string {
  switch (shape.kind) {
    case "token-bucket":
      return `token bucket, ${shape.rate}/s, burst ${shape.burst}`;
    case "sliding-window":
      return `sliding 1 s window of ${shape.rate}`;
    case "fixed-window":
      return `fixed calendar-second window of ${shape.rate}, Retry-After: 1`;
    case "concurrency":
      return `at most ${shape.limit} in flight`;
  }
}

/** `startSaturated`: another client spent the allowance (or filled the slots) just before. */
export function createProviderLimit(shape: LimitShape, start: number, startSaturated = false): ProviderLimit {
  switch (shape.kind) {
    case "token-bucket": {
      let tokens = startSaturated ? 0 : shape.burst;
      let last = start;
      return {
        admit(now) {
          tokens = Math.min(shape.burst, tokens + ((now - last) * shape.rate) / 1000);
          last = now;
          if (tokens < 1) return { accepted: false };
          tokens -= 1;
          return { accepted: true };
        },
        finish() {},
      };
    }
    case "sliding-window": {
      const window: number[] = startSaturated ? Array.from({ length: shape.rate }, () => start) : [];
      return {
        admit(now) {
          while (window.length > 0 && window[0]! <= now - 1000) window.shift();
          if (window.length >= shape.rate) return { accepted: false };
          window.push(now);
          return { accepted: true };
        },
        finish() {},
      };
    }
    case "fixed-window": {
      let second = Math.floor(start / 1000);
      let count = startSaturated ? shape.rate : 0;
      return {
        admit(now) {
          const current = Math.floor(now / 1000);
          if (current !== second) {
            second = current;
            count = 0;
          }
          if (count >= shape.rate) return { accepted: false, retryAfterSeconds: 1 };
          count++;
          return { accepted: true };
        },
        finish() {},
      };
    }
    case "concurrency": {
      let inFlight = 0;
      return {
        admit() {
          if (inFlight >= shape.limit) return { accepted: false };
          inFlight++;
          return { accepted: true };
        },
        finish() {
          inFlight = Math.max(0, inFlight - 1);
        },
      };
    }
  }
}
