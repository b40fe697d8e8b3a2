import { StoreEventWriter } from "../store/event-writer.js";
import type { ExperimentStore, StoreEvent } from "../store/types.js";
import type { ArizeEvent } from "./ledger.js";

/**
 * Writes an experiment's AX events to the local store, in order, one line per event (uploads are
 * batches of up to 1,000 runs, so there are few). Store failures are handed to `onError` once:
 * bookkeeping must never break the upload itself.
 */
export class ArizeBookkeeper {
  private readonly writer: StoreEventWriter;

  constructor(store: ExperimentStore | undefined, experimentId: string, onError: (error: unknown) => void) {
    this.writer = new StoreEventWriter(store, experimentId, onError);
  }

  record(event: ArizeEvent): void {
    this.writer.append(event as unknown as StoreEvent);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}
