import { StoreEventWriter } from "../store/event-writer.js";
import type { ExperimentStore } from "../store/types.js";
import { asStoreEvent, type PhoenixEvent } from "./ledger.js";

/**
 * Writes an experiment's Phoenix events to the local store, folding the many "uploaded" ids into
 * batches (one store line per `batchSize` acknowledgements, not one per request). Store failures
 * are handed to `onError` once: bookkeeping must never break the upload itself.
 */
export class Bookkeeper {
  private runs: Record<string, string> = {};
  private evaluations: string[] = [];
  private buffered = 0;
  private readonly writer: StoreEventWriter;

  constructor(
    store: ExperimentStore | undefined,
    experimentId: string,
    onError: (error: unknown) => void,
    private readonly batchSize = 250,
  ) {
    this.writer = new StoreEventWriter(store, experimentId, onError);
  }

  record(event: PhoenixEvent): void {
    if (event.kind === "uploaded") {
      Object.assign(this.runs, event.runs);
      this.evaluations.push(...event.evaluations);
      this.buffered += Object.keys(event.runs).length + event.evaluations.length;
      if (this.buffered >= this.batchSize) this.flushBuffer();
      return;
    }
    this.flushBuffer();
    this.append(event);
  }

  /** Writes what is buffered and waits for every write so far. */
  async flush(): Promise<void> {
    this.flushBuffer();
    await this.writer.flush();
  }

  private flushBuffer(): void {
    if (this.buffered === 0) return;
    const event: PhoenixEvent = { type: "phoenix", kind: "uploaded", runs: this.runs, evaluations: this.evaluations };
    this.runs = {};
    this.evaluations = [];
    this.buffered = 0;
    this.append(event);
  }

  private append(event: PhoenixEvent): void {
    this.writer.append(asStoreEvent(event));
  }
}
