/**
 * The concurrency stage of the rate limiter: how many attempts may be in flight at once.
 *
 * Some providers limit requests in flight, not requests per second (self-hosted inference
 * servers, gateways with a connection cap, "max concurrent requests" tiers). No rate fits such a
 * limit: when latency varies, any rate that keeps in-flight requests under the cap on average
 * overshoots it half the time, and the refusals push a rate controller far below capacity. What
 * fits is a cap on in-flight attempts, with callers waiting for a free slot (TCP's congestion
 * window, without the losses).
 *
 * Telling the two limits apart: every attempt is tagged with its *level*, the number of attempts
 * in flight when it started (itself included). Under a rate limit, whether an attempt is refused
 * depends on when it was sent, not on its level: refusals and acceptances mix at every level.
 * Under a concurrency cap K, attempts at levels above K are refused and the ones at or below it
 * are accepted. So once the starts are paced (the pacing stage is out of its unlimited start,
 * where a burst of simultaneous starts against a small token bucket would look exactly like a
 * cap) and the pace has held for two latencies, the stage looks for a level above which attempts
 * are refused far more often than below it, and caps in-flight attempts just under it.
 *
 * A learnt cap is probed upwards one slot at a time after quiet periods while the cap is what
 * holds attempts back (additive increase); a refusal at the probed level takes the slot back at
 * once and doubles the wait before the next probe, so a probe costs about one refusal.
 */

/** Refusals above the candidate cap needed before a cap is learnt. */
const MIN_REFUSED_ABOVE = 5;
/** Acceptances at or below the candidate cap needed before a cap is learnt. */
const MIN_ACCEPTED_BELOW = 4;
const FIRST_PROBE_MS = 1_000;
const MAX_PROBE_MS = 16_000;

/** The attempts started under one cap, and their outcomes by level. */
export interface WindowRegime {
  readonly cap: number;
  accepted: number[];
  refused: number[];
}

export class ConcurrencyStage {
  #cap = Number.POSITIVE_INFINITY;
  #regime: WindowRegime = newRegime(Number.POSITIVE_INFINITY);
  /** The cap before the current probe; undefined while not probing. */
  #probingFrom: number | undefined;
  #probeEveryMs = FIRST_PROBE_MS;
  #lastChange = 0;
  #bound = false;

  /** The learnt cap on attempts in flight, or undefined while none was learnt. */
  get cap(): number | undefined {
    return Number.isFinite(this.#cap) ? this.#cap : undefined;
  }

  allows(inFlight: number): boolean {
    return inFlight < this.#cap;
  }

  /** A start waits for a free slot. */
  markBound(): void {
    this.#bound = true;
  }

  /** An attempt starts at `level` (attempts in flight, itself included); `paced` once out of the unlimited start. */
  issue(): WindowRegime {
    return this.#regime;
  }

  accepted(regime: WindowRegime, level: number, paced: boolean): void {
    if (paced) regime.accepted[level] = (regime.accepted[level] ?? 0) + 1;
  }

  /**
   * A refusal. Returns true when the cap explains it (the pacing stage must then not slow down
   * for it): a failed probe, an attempt started above the cap now in force, or the refusal that
   * taught the cap.
   */
  refused(now: number, regime: WindowRegime, level: number, paced: boolean): boolean {
    if (this.#probingFrom !== undefined && regime === this.#regime && level > this.#probingFrom) {
      this.#setCap(now, this.#probingFrom);
      this.#probingFrom = undefined;
      this.#probeEveryMs = Math.min(MAX_PROBE_MS, this.#probeEveryMs * 2);
      return true;
    }
    if (level > this.#cap) return true;
    if (!paced || regime !== this.#regime) return false;
    regime.refused[level] = (regime.refused[level] ?? 0) + 1;
    const cap = separatingCap(regime);
    if (cap === undefined) return false;
    this.#setCap(now, cap);
    this.#probeEveryMs = FIRST_PROBE_MS;
    return true;
  }

  /**
   * The pace had to be cut for refusals the cap did not explain: the provider limits a rate, and
   * a cap learnt from it (a burst against a window can look like one) would only hold it back.
   */
  forget(): void {
    if (!Number.isFinite(this.#cap)) return;
    this.#cap = Number.POSITIVE_INFINITY;
    this.#probingFrom = undefined;
    this.#regime = newRegime(this.#cap);
  }

  /** Probes one more slot after a quiet period in which the cap held attempts back. */
  tick(now: number): void {
    if (!Number.isFinite(this.#cap) || now - this.#lastChange < this.#probeEveryMs) return;
    const bound = this.#bound;
    this.#bound = false;
    this.#lastChange = now;
    if (this.#probingFrom !== undefined) {
      // The probed slot survived a whole period: keep it.
      this.#probingFrom = undefined;
      this.#probeEveryMs = FIRST_PROBE_MS;
    }
    if (!bound) return;
    this.#probingFrom = this.#cap;
    this.#setCap(now, this.#cap + 1);
  }

  #setCap(now: number, cap: number): void {
    this.#cap = Math.max(1, cap);
    this.#regime = newRegime(this.#cap);
    this.#lastChange = now;
    this.#bound = false;
  }
}

/**
 * The cap the outcomes by level point to, if any: the level m (2 or more) above which attempts
 * are refused far more often than below it (at least 30% of them, and four times the share
 * below), the clearest such separation winning; the cap is m − 1. Under a rate limit refusals
 * hit every level alike and no level qualifies. The client's count of attempts in flight runs a
 * little behind the provider's (a slot frees before its response arrives), so the separation is
 * read as shares, not as a clean cut.
 */
function separatingCap(regime: WindowRegime): number | undefined {
  const top = Math.max(regime.refused.length, regime.accepted.length);
  let refusedAbove = 0;
  let acceptedAbove = 0;
  for (let l = 1; l < top; l++) {
    refusedAbove += regime.refused[l] ?? 0;
    acceptedAbove += regime.accepted[l] ?? 0;
  }
  let refusedBelow = 0;
  let acceptedBelow = 0;
  let best: { cap: number; gap: number } | undefined;
  for (let m = 2; m < top; m++) {
    refusedBelow += regime.refused[m - 1] ?? 0;
    acceptedBelow += regime.accepted[m - 1] ?? 0;
    refusedAbove -= regime.refused[m - 1] ?? 0;
    acceptedAbove -= regime.accepted[m - 1] ?? 0;
    if (refusedAbove < MIN_REFUSED_ABOVE || acceptedBelow < MIN_ACCEPTED_BELOW) continue;
    const above = refusedAbove / (refusedAbove + acceptedAbove);
    const below = refusedBelow / (refusedBelow + acceptedBelow);
    if (above < 0.3 || above < 4 * below) continue;
    if (!best || above - below > best.gap) best = { cap: m - 1, gap: above - below };
  }
  return best?.cap;
}

function newRegime(cap: number): WindowRegime {
  return { cap, accepted: [], refused: [] };
}
