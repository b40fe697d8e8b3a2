import type { ExperimentStore, StoreEvent } from "../store/types.js";
import type { ArizeEvent } from "./ledger.js";

/**
 * Writes an experiment's AX events to the local store, in order, one line per event (uploads are
 * batches of up to 1,000 runs, so there are few). Store failures are handed to `onError` once:
 * bookkeeping must never break the upload itself.
 */
export class ArizeBookkeeper {
  private chain: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly store: ExperimentStore | undefined,
    private readonly experimentId: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  record(event: ArizeEvent): void {
    const store = this.store;
    if (!store) return;
    this.chain = this.chain.then(() =>
      store.appendEvent(this.experimentId, event as unknown as StoreEvent).catch((error: unknown) => {
        if (!this.failed) this.onError(error);
        this.failed = true;
      }),
    );
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
