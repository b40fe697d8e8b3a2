import type { ExperimentStore, StoreEvent } from "./types.js";

/**
 * Appends an experiment's upload bookkeeping to the local store in order, one write after the
 * other. A store failure is handed to `onError` once and never thrown: bookkeeping must never
 * break the upload it describes. Without a store, events are dropped.
 */
export class StoreEventWriter {
  private chain: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly store: ExperimentStore | undefined,
    private readonly experimentId: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  append(event: StoreEvent): void {
    const store = this.store;
    if (!store) return;
    this.chain = this.chain.then(() =>
      store.appendEvent(this.experimentId, event).catch((error: unknown) => {
        if (!this.failed) this.onError(error);
        this.failed = true;
      }),
    );
  }

  /** Waits for every write so far. */
  flush(): Promise<void> {
    return this.chain;
  }
}
