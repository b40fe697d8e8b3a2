/**
 * Whether a server looks down, shared by the Phoenix and Arize AX clients (next to the retry
 * policy they share). A request that spends all its retries on a network error or a 5xx says the
 * server is down, not that one request was unlucky: for a while, requests fail at once instead of
 * each holding a connection slot through its own full backoff, and requests waiting to retry stop.
 */

/** What the outage keeps of the failure that tripped it. */
export interface OutageFailure {
  readonly message: string;
  readonly kind: string;
  readonly status?: number;
}

export const DEFAULT_OUTAGE_MS = 60_000;

/** A failure that says the server is unreachable or broken (not rate limiting, not one bad request). */
export function isOutage(failure: OutageFailure): boolean {
  return failure.kind === "network" || (failure.status !== undefined && failure.status >= 500);
}

/**
 * What a request failed at once during an outage is made of: the message (`<service> POST /path
 * not sent: the server looks down (<failure>)`) and the fields of the client's error, retryable
 * since nothing was sent.
 */
export function notSent<F extends OutageFailure & { readonly code?: string }>(service: string, method: string, path: string, failure: F) {
  return {
    message: `${service} ${method} ${path} not sent: the server looks down (${failure.message})`,
    fields: {
      kind: failure.kind as F["kind"],
      method,
      path,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      ...(failure.code !== undefined ? { code: failure.code } : {}),
      retryable: true,
    },
  };
}

export class OutageWatch<F extends OutageFailure> {
  private outage: { failure: F; until: number } | undefined;
  /** Successful answers so far: a request that failed while others got through proves nothing. */
  private successes = 0;

  constructor(
    private readonly outageMs: number = DEFAULT_OUTAGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Taken when a request starts, for `exhausted`: how many answers had succeeded by then. */
  mark(): number {
    return this.successes;
  }

  /**
   * A request spent its `retries` on `failure`: the server is taken for down when there were
   * retries to spend (one attempt proves nothing), the failure says so, and nothing got through
   * since the request started (`since`, from `mark()`): one request that always fails (a reset on
   * just that one, a row the server chokes on) while others succeed must not stop the rest of an
   * upload. The first failure stays.
   */
  exhausted(failure: F, retries: number, since?: number): void {
    if (since !== undefined && this.successes !== since) return;
    if (retries > 0 && isOutage(failure)) this.outage ??= { failure, until: this.now() + this.outageMs };
  }

  /** Any successful answer: the server is up. */
  succeeded(): void {
    this.successes++;
    this.outage = undefined;
  }

  /** Set once some request found the server down (even if the window has passed): a waiting retry stops. */
  get tripped(): boolean {
    return this.outage !== undefined;
  }

  /** The failure that tripped the outage while new requests should fail at once; undefined once it has passed. */
  current(): F | undefined {
    const { outage } = this;
    if (!outage) return undefined;
    if (this.now() >= outage.until) {
      this.outage = undefined;
      return undefined;
    }
    return outage.failure;
  }
}
