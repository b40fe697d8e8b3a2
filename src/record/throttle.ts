import type { ThrottleSummary } from "./types.js";

/**
 * "provider rate limit: 23 refused for 240 accepted attempts (0.10 per accepted); paced at
 * 41.3 requests/s, at most 4 in flight": enough to tell that the provider's tier, not the
 * experiment's concurrency, set the speed. Refusals the task's HTTP client retried by itself are
 * named, since they are the ones to switch off (`maxRetries: 0`).
 */
export function describeThrottle(throttle: ThrottleSummary): string {
  const perAccepted = throttle.accepted > 0 ? (throttle.refused / throttle.accepted).toFixed(2) : "–";
  const settled: string[] = [];
  if (throttle.rate !== null) settled.push(`paced at ${throttle.rate >= 10 ? throttle.rate.toFixed(1) : throttle.rate.toPrecision(2)} requests/s`);
  if (throttle.concurrency !== null) settled.push(`at most ${throttle.concurrency} in flight`);
  const behind = throttle.retriedByClient ? ` (${throttle.retriedByClient} of them retried by the task's own client: set its maxRetries to 0)` : "";
  return `provider rate limit: ${throttle.refused} refused${behind} for ${throttle.accepted} accepted attempts (${perAccepted} per accepted)${settled.length > 0 ? `; ${settled.join(", ")}` : ""}`;
}
