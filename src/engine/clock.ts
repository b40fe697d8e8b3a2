/**
 * Time as the rate limiter sees it. Production uses the process clock; the limiter's tests drive
 * a simulated clock instead, so a simulation of a provider, the limiter and many callers is exact
 * and independent of how loaded the machine is.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Calls `callback` after `ms`; the returned function cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

export const processClock: Clock = {
  now: () => performance.now(),
  setTimer(callback, ms) {
    const timer = setTimeout(callback, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};
