/**
 * The experiment's `concurrency`: how many runs may be working at once.
 *
 * A run that only waits (out a provider's `Retry-After`, or a retry's backoff) is not working:
 * holding its slot meanwhile lets a burst of refusals put every slot to sleep, and the provider's
 * capacity goes unused until they wake (a calendar-second window answering `Retry-After: 1` to
 * 24 calls at once idled the whole experiment for a second). So a run gives its slot back while
 * every call it has in progress waits, and takes one back, ahead of runs not yet started, when a
 * call wakes. Waiting on the rate limiter's pace is different: that is the experiment's own
 * queue, and a run keeps its slot through it, so `concurrency` still bounds what is queued there.
 *
 * Written here rather than taken from p-limit or p-queue: both hold a slot for a job's whole life,
 * with no way to lend it out in the middle.
 */
export class RunSlots {
  #free: number;
  /** Runs whose call woke up: served before new runs, so started runs finish first. */
  readonly #resuming: (() => void)[] = [];
  readonly #starting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${size}`);
    this.#free = size;
  }

  /** Slots not held by any run. */
  get free(): number {
    return this.#free;
  }

  /** Waits for a slot for a new run; the run gives it back with `end()`. */
  async start(): Promise<RunSlot> {
    await this.#take(this.#starting);
    return new RunSlot(this);
  }

  /** @internal */
  take(): Promise<void> {
    return this.#take(this.#resuming);
  }

  /** @internal */
  give(): void {
    const next = this.#resuming.shift() ?? this.#starting.shift();
    if (next) next();
    else this.#free++;
  }

  #take(queue: (() => void)[]): Promise<void> {
    // A free slot means nobody waits: `give` hands a slot straight to a waiter when there is one.
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  }
}

/** One run's hold on a slot. Its calls `enter` and `leave`; a call that only waits does so in `idle`. */
export class RunSlot {
  #held = true;
  #calls = 0;
  #idle = 0;
  /** The slot being taken back, shared by every call of the run that wakes meanwhile. */
  #retaking: Promise<void> | undefined;

  constructor(readonly slots: RunSlots) {}

  get held(): boolean {
    return this.#held;
  }

  enter(): void {
    this.#calls++;
  }

  leave(): void {
    this.#calls--;
  }

  /**
   * Runs `wait` with the slot lent out when every call of this run is waiting, and takes it back
   * before returning. A cancelled run (its `signal` aborted) does not queue for it again: it only
   * has to finish.
   */
  async idle<T>(wait: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.#idle++;
    if (this.#held && this.#idle >= this.#calls) {
      this.#held = false;
      this.slots.give();
    }
    try {
      return await wait();
    } finally {
      this.#idle--;
      if (!this.#held && !signal?.aborted) {
        this.#retaking ??= this.slots.take().then(() => {
          this.#held = true;
          this.#retaking = undefined;
        });
        await this.#retaking;
      }
    }
  }

  /** The run is over: its slot goes to the next run. */
  end(): void {
    if (!this.#held) return;
    this.#held = false;
    this.slots.give();
  }
}
