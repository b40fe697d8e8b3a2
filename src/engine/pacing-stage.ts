/**
 * The pacing stage of the rate limiter: how far apart attempts start.
 *
 * A provider's rate limit (a token bucket, a sliding or a fixed window of R requests a second)
 * accepts R requests a second whatever the client sends, and refuses the rest. So the cheapest
 * place to sit is *just above* R, with starts spaced evenly: every slot the provider has is used,
 * and the refusals cost only the small excess (at 1.05 R, one request in twenty is refused and
 * retried). Sitting just below R wastes capacity; oscillating (TCP's sawtooth, Phoenix's halving)
 * averages well below it. The stage therefore controls the *share of refusals*, not their
 * occurrence:
 *
 * - unlimited until the first refusal (a provider that never refuses is never slowed down);
 * - then slow start: the rate starts at half the rate attempts were being sent at and doubles
 *   every epoch (half a second at least) that passes without a refusal;
 * - a growth step that brings refusals above `HOLD_SHARE` is taken back within a quarter second,
 *   to what the provider accepted and never below 90% of the rate before the step;
 * - otherwise the rate is cut only when the share of refused attempts over at least one second
 *   exceeds `HOLD_SHARE`, and then to just above what the provider accepted (send rate × accepted
 *   share × (1 + `MARGIN`)), never below a quarter of the rate in one step. A provider with a
 *   one-second window (sliding or calendar) concentrates its refusals at the end of the second, so
 *   a shorter view would mistake one window's tail for the whole picture, and a calendar window's
 *   `Retry-After: 1` at every boundary does not halve anything;
 * - between `0` and `HOLD_SHARE` refused, the rate holds: that is the target band;
 * - no cut goes below half the best throughput the provider accepted recently, and when two cuts
 *   in a row did not lower the refused share, the refusals do not depend on the rate (a quota
 *   shared with other clients, a flaky gateway): that share is held as background, widening the
 *   band, instead of driving the rate into a crawl;
 * - epochs (a second at least) without refusals while the pace was what held attempts back grow
 *   the rate: back towards what the provider last accepted by doubling (TCP's ssthresh), beyond
 *   it by 10%, 20%, 40%, 80%… (convex probing, as CUBIC does after a plateau), so capacity freed
 *   by another client is found again in seconds, not minutes.
 *
 * Every decision looks only at attempts started under the current rate (a regime): outcomes of
 * attempts sent at an older rate say nothing about the new one. And it compares like with like:
 * a refusal comes back at once while an accepted LLM call takes seconds, so the share refused is
 * read over the attempts that *started* at least one typical latency ago, whose outcomes are in.
 */

/** Refused share up to which the rate holds. The issue's bar is refusals ≤ 25% of accepted (20% of attempts). */
const HOLD_SHARE = 0.1;
/** How far above the accepted throughput a cut lands: the provider keeps every one of its slots busy. */
const MARGIN = 0.05;
/** Provider windows are a second long; a cut needs at least that much evidence unless refusals dominate. */
const EVIDENCE_MS = 1_000;
/** Outcomes needed before any decision. */
const MIN_SETTLED = 8;
/** Growth per quiet slow-start epoch (TCP's doubling; growing by half cost more time than it saved refusals). */
const SLOW_START_GROWTH = 2;
/** Shortest slow-start epoch: a token bucket's burst hides an overshoot for a while. */
const SLOW_START_EPOCH_MS = 500;
/**
 * Half-life of the accepted-throughput peak under every cut. A provider that refuses a share of
 * requests whatever their rate (a quota shared with other clients, a flaky gateway) looks like
 * a rate limit at every refusal; without a floor, each cut lowers the accepted throughput and the
 * next cut follows it down into a crawl. A real rate limit R never accepted more than R, so the
 * floor (half of it) never binds there.
 */
const PEAK_HALF_LIFE_MS = 60_000;
/** How long accepted starts are remembered across regimes (the last second's, read one latency late). */
const RECENT_MS = 5_000;
/** A regime in the target band is restarted this often, so its share reflects the present. */
const REFRESH_MS = 5_000;

export type PacingMode = "unlimited" | "slow-start" | "steady";

/** The attempts started under one rate: their start times, by outcome. */
export interface PacingRegime {
  readonly rate: number;
  readonly startedAt: number;
  /** The rate a growth step came from (the last rate seen without refusals); undefined after a cut. */
  readonly grewFrom: number | undefined;
  issued: number[];
  accepted: number[];
  refused: number[];
}

/** One epoch of the current regime: what decides growth. */
interface Epoch {
  startedAt: number;
  issued: number;
  /** Outcomes of this regime's attempts that came back during the epoch, and how many were refusals. */
  settled: number;
  refused: number;
  /** Some start waited for its slot: the pace, not demand, held attempts back. */
  paceBound: boolean;
}

export class PacingStage {
  readonly #minRate: number;
  #mode: PacingMode = "unlimited";
  #rate = Number.POSITIVE_INFINITY;
  #regime: PacingRegime;
  #nextSlot = 0;
  #lastStart = Number.NEGATIVE_INFINITY;
  /** Start times of recently accepted attempts of any regime, for the capacity a cut lands on. */
  #recentAccepted: number[] = [];
  /** Starts in the last second, while unlimited: the send rate the first refusal came at. */
  #recentStarts: number[] = [];
  #quietEpochs = 0;
  /**
   * What the provider was last seen to accept (TCP's ssthresh): below it a quiet epoch doubles
   * the rate back towards it, above it growth is convex probing.
   */
  #threshold = Number.POSITIVE_INFINITY;
  #epoch: Epoch = newEpoch(0);
  /** How long outcomes take to come back (ms): the lag under which a start's outcome is not yet known. */
  #lagMs = 0;
  /**
   * Share of attempts the provider refuses whatever the rate, learnt when a cut did not lower the
   * refused share; added to the band the rate holds in.
   */
  #background = 0;
  /** The rate a cut came from and the refused share it answered, to check the next decision against. */
  #lastCut: { rate: number; share: number } | undefined;
  #fruitlessCuts = 0;
  #cuts = 0;
  /** Highest accepted throughput seen at a decision (per second), and when. */
  #peak = 0;
  #peakAt = 0;

  constructor(minRate: number) {
    this.#minRate = minRate;
    this.#regime = this.#newRegime(0);
  }

  get mode(): PacingMode {
    return this.#mode;
  }

  /** How many times refusals made the stage cut its rate. */
  get cuts(): number {
    return this.#cuts;
  }

  /** Requests per second, or undefined while unlimited. */
  get rate(): number | undefined {
    return this.#mode === "unlimited" ? undefined : this.#rate;
  }

  /** When the current rate was set. */
  get regimeStartedAt(): number {
    return this.#regime.startedAt;
  }

  /** The limiter's estimate of how long an accepted attempt takes. */
  set lagMs(ms: number) {
    this.#lagMs = ms;
  }

  /** Earliest time the next attempt may start. */
  slotAt(now: number): number {
    return this.#mode === "unlimited" ? now : Math.max(now, this.#nextSlot);
  }

  /** The next start waits for its slot. */
  markBound(): void {
    this.#epoch.paceBound = true;
  }

  /** An attempt starts now; returns the regime its outcome belongs to. */
  issue(now: number): PacingRegime {
    this.#lastStart = now;
    if (this.#mode === "unlimited") {
      // Only the last second of starts is kept: an experiment that is never refused keeps nothing.
      this.#recentStarts.push(now);
      while (this.#recentStarts[0]! <= now - 1_000) this.#recentStarts.shift();
      return this.#regime;
    }
    const interval = 1_000 / this.#rate;
    // A timer that fired late may catch up by half an interval, never more: no bursts.
    this.#nextSlot = Math.max(this.#nextSlot, now - interval / 2) + interval;
    this.#regime.issued.push(now);
    this.#epoch.issued++;
    return this.#regime;
  }

  accepted(regime: PacingRegime, startedAt: number): void {
    if (this.#mode === "unlimited") return;
    const recent = this.#recentAccepted;
    recent.push(startedAt);
    // Outcomes arrive out of start order by at most a latency; a few seconds kept covers it.
    while (recent[0]! < startedAt - RECENT_MS) recent.shift();
    if (regime !== this.#regime) return;
    regime.accepted.push(startedAt);
    this.#epoch.settled++;
  }

  /** A refusal the concurrency stage did not explain, of an attempt started at `startedAt`. */
  refused(now: number, regime: PacingRegime, startedAt: number): void {
    if (this.#mode === "unlimited") {
      // The first refusal: start pacing at half the rate attempts were being sent at (TCP's
      // ssthresh after a loss), and find the provider's rate by doubling from there.
      this.#mode = "slow-start";
      this.#setRate(now, Math.max(this.#minRate, this.#recentStarts.length / 2));
      this.#recentStarts = [];
      // The pace counts from now: the refused attempt's retry need not wait a whole interval.
      this.#nextSlot = now;
      return;
    }
    if (regime !== this.#regime) return;
    regime.refused.push(startedAt);
    this.#epoch.settled++;
    this.#epoch.refused++;
    // Outcomes are known for the attempts that started at least one lag ago.
    const horizon = now - this.#lagMs;
    const accepted = countUpTo(regime.accepted, horizon);
    const refused = countUpTo(regime.refused, horizon);
    if (this.#mode === "slow-start" && accepted > 0) this.#mode = "steady";
    const settled = accepted + refused;
    if (settled < MIN_SETTLED) return;
    const share = refused / settled;
    const span = horizon - regime.startedAt;
    const hold = HOLD_SHARE + this.#background;
    if (regime.grewFrom !== undefined && span >= EVIDENCE_MS / 4 && share > hold) {
      // A growth step overshot: go back at once (a quarter second of evidence is enough, the rate
      // before the step was known to be good) to what the provider accepted, never below 90% of
      // that good rate, and probe from there.
      const sendRate = Math.min(this.#rate, (countUpTo(regime.issued, horizon) * 1_000) / span);
      let accepted = sendRate * (1 - share);
      if (span < EVIDENCE_MS && share < 2 * hold && this.#lagMs < EVIDENCE_MS / 4) {
        // A share just over the band, read over less than a second, says the step overshot but
        // not by how much: a calendar window accepts everything early in its second, so the
        // regime's own share puts the rate back barely below the overshoot, where every attempt
        // in excess is refused. The whole last second's acceptances bound it instead, when they
        // are in (with latencies near a second, most of them are not yet).
        accepted = Math.min(accepted, Math.max(regime.grewFrom, this.#acceptedInSecondBefore(horizon)));
      }
      const back = Math.max(this.#minRate, regime.grewFrom * 0.9, Math.min(this.#rate, accepted * (1 + MARGIN)));
      this.#threshold = back;
      this.#mode = "steady";
      this.#setRate(now, back);
      return;
    }
    // A sliding window that filled in a burst refuses in clusters: only a cut backed by a whole
    // second of evidence, or by half a second in which most attempts were refused, is safe.
    if (!((span >= EVIDENCE_MS / 2 && share > Math.max(0.5, hold)) || (span >= EVIDENCE_MS && share > hold))) return;
    if (accepted === 0) {
      // Nothing accepted (another client spent the allowance, a window still full): nothing to
      // measure. Halve and keep doubling back once accepted, as TCP does after a timeout.
      this.#mode = "slow-start";
      this.#setRate(now, Math.max(this.#minRate, this.#rate / 2));
      return;
    }
    if (this.#lastCut !== undefined && this.#rate < this.#lastCut.rate && share >= 0.8 * this.#lastCut.share) {
      // The last cut did not lower the refused share. Twice in a row: these refusals do not
      // depend on the rate (a quota shared with other clients, a flaky gateway). Count them as
      // background and hold; a later second refusing far less than that clears it.
      if (++this.#fruitlessCuts >= 2) {
        this.#background = Math.min(0.5, share);
        this.#lastCut = undefined;
        this.#fruitlessCuts = 0;
        this.#mode = "steady";
        this.#setRate(now, this.#rate);
        return;
      }
    } else this.#fruitlessCuts = 0;
    this.#lastCut = { rate: this.#rate, share };
    this.#cuts++;
    // What the provider accepts: this regime's accepted throughput, or the whole last second's
    // when that is higher. A window still full of the previous rate's traffic refuses the first
    // attempts of a lower rate, which would otherwise read as a lower capacity and cut too deep.
    const sendRate = Math.min(this.#rate, (countUpTo(regime.issued, horizon) * 1_000) / span);
    const target = Math.max(sendRate * (1 - share), this.#acceptedInSecondBefore(horizon)) * (1 + MARGIN);
    this.#threshold = target;
    this.#mode = "steady";
    // Never below a quarter of the rate in one step (a half when the evidence is only half a
    // second), nor below half the best throughput the provider accepted recently.
    const floor = Math.max(this.#rate / (span >= EVIDENCE_MS ? 4 : 2), this.#recordPeak(now, (accepted * 1_000) / span) / 2);
    this.#setRate(now, Math.max(this.#minRate, floor, Math.min(this.#rate, target)));
  }

  /** Attempts started in the second before `horizon` that the provider accepted, whatever their regime. */
  #acceptedInSecondBefore(horizon: number): number {
    let n = 0;
    for (const t of this.#recentAccepted) if (t > horizon - EVIDENCE_MS && t <= horizon) n++;
    return n;
  }

  /** Records an accepted throughput; returns the peak, halving every `PEAK_HALF_LIFE_MS`. */
  #recordPeak(now: number, throughput: number): number {
    const decayed = this.#peak * 0.5 ** ((now - this.#peakAt) / PEAK_HALF_LIFE_MS);
    if (throughput >= decayed) {
      this.#peak = throughput;
      this.#peakAt = now;
      return throughput;
    }
    return decayed;
  }

  /**
   * Raises the floor under the rate: the concurrency stage found that in-flight attempts, not
   * starts, are what the provider limits, and the pace must not be what holds them back.
   */
  atLeast(now: number, rate: number): void {
    if (this.#mode === "unlimited" || rate <= this.#rate) return;
    this.#mode = "steady";
    this.#setRate(now, rate);
  }

  /** Closes an epoch when one is due; called before every start. */
  tick(now: number): void {
    if (this.#mode === "unlimited") return;
    const epoch = this.#epoch;
    // Slow start doubles every half second or four starts, whichever is longer (up to a second:
    // a token bucket's burst, or a one-second window after a slow second, accepts more than the
    // rate for a while and hides an overshoot from shorter epochs); afterwards an epoch spans a
    // whole second at least, so each one sees a provider's one-second window whole, refusals at
    // its end included, and a calm stretch inside a window is not mistaken for room to grow.
    const epochMs = this.#mode === "slow-start" ? Math.min(1_000, Math.max(SLOW_START_EPOCH_MS, 4_000 / this.#rate)) : Math.max(EVIDENCE_MS, 8_000 / this.#rate);
    const age = now - epoch.startedAt;
    if (age < epochMs + this.#lagMs) return;
    if (epoch.settled < Math.max(4, epoch.issued / 2)) return;
    this.#epoch = newEpoch(now);
    if (this.#background > 0) {
      // Follow the background share; a second refusing far less than it clears it.
      if (epoch.settled >= 20 && epoch.refused < (this.#background / 2) * epoch.settled) this.#background = 0;
      else this.#background = 0.8 * this.#background + 0.2 * (epoch.refused / Math.max(1, epoch.settled));
    }
    // An epoch is quiet when nothing (or not clearly more than the background share) was refused.
    if (epoch.refused > (this.#background > 0 ? 1.5 * this.#background * epoch.settled + 1 : 0)) {
      this.#quietEpochs = 0;
      if (now - this.#regime.startedAt >= REFRESH_MS) this.#setRate(now, this.#rate);
      return;
    }
    // Grow only when the pace was what held attempts back and was used: otherwise demand (or the
    // concurrency cap) set the send rate, and a rate never tried must not build up into a burst.
    const used = (epoch.issued * 1_000) / age >= 0.8 * this.#rate;
    if (!epoch.paceBound || !used) return;
    const from = this.#rate;
    if (this.#mode === "slow-start") return this.#setRate(now, from * SLOW_START_GROWTH, 0, from);
    if (from < 0.9 * this.#threshold) return this.#setRate(now, Math.min(this.#threshold, from * 2), 0, from);
    this.#setRate(now, from * (1 + Math.min(1, 0.1 * 2 ** this.#quietEpochs)), this.#quietEpochs + 1, from);
  }

  #setRate(now: number, rate: number, quietEpochs = 0, grewFrom?: number): void {
    this.#rate = rate;
    this.#quietEpochs = quietEpochs;
    this.#regime = this.#newRegime(now, grewFrom);
    this.#epoch = newEpoch(now);
    this.#nextSlot = Math.max(now, this.#lastStart + 1_000 / rate);
  }

  #newRegime(now: number, grewFrom?: number): PacingRegime {
    return { rate: this.#rate, startedAt: now, grewFrom, issued: [], accepted: [], refused: [] };
  }
}

function newEpoch(now: number): Epoch {
  return { startedAt: now, issued: 0, settled: 0, refused: 0, paceBound: false };
}

/** How many of the ascending-ish `times` are at or before `limit`. */
function countUpTo(times: readonly number[], limit: number): number {
  let n = 0;
  for (const t of times) if (t <= limit) n++;
  return n;
}
