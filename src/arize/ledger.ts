import type { StoreEvent } from "../store/types.js";
import type { ExampleSnapshot } from "../phoenix/payloads.js";

/**
 * The Arize AX upload's bookkeeping in the local store: `type: "arize"` events appended to the
 * experiment, read back into a ledger of what AX already holds. Uploads resume from it; AX stays
 * the source of truth (its runs are listed before anything is sent again), so a lost event costs a
 * few requests, never a duplicate.
 */

export const ARIZE_EVENT_TYPE = "arize";

export type ArizeEvent =
  /** Written before anything is sent: the experiment must reach AX. */
  | { type: "arize"; kind: "pending"; baseUrl: string; examples: ExampleSnapshot[] }
  | { type: "arize"; kind: "dataset"; datasetId: string; exampleIds: Record<string, string> }
  | { type: "arize"; kind: "experiment"; experimentId: string; datasetId: string; name: string }
  /** Local run ids AX acknowledged, with AX's run id when the answer carried it (else ""). */
  | { type: "arize"; kind: "uploaded"; runs: Record<string, string> }
  | { type: "arize"; kind: "complete" }
  | { type: "arize"; kind: "failed"; message: string };

export interface ArizeLedger {
  pending: boolean;
  complete: boolean;
  baseUrl?: string;
  examples: ExampleSnapshot[];
  datasetId?: string;
  /** Local example id → AX example id. */
  exampleIds: Map<string, string>;
  experimentId?: string;
  experimentName?: string;
  /** Local run id → AX run id ("" when unknown). */
  runIds: Map<string, string>;
  lastFailure?: string;
}

export function emptyArizeLedger(): ArizeLedger {
  return { pending: false, complete: false, examples: [], exampleIds: new Map(), runIds: new Map() };
}

export function arizeLedgerFrom(events: readonly StoreEvent[]): ArizeLedger {
  const ledger = emptyArizeLedger();
  for (const raw of events) {
    if (raw.type !== ARIZE_EVENT_TYPE) continue;
    const event = raw as unknown as ArizeEvent;
    switch (event.kind) {
      case "pending":
        ledger.pending = true;
        ledger.complete = false;
        ledger.baseUrl = event.baseUrl;
        ledger.examples = event.examples;
        break;
      case "dataset":
        ledger.datasetId = event.datasetId;
        for (const [id, axId] of Object.entries(event.exampleIds)) ledger.exampleIds.set(id, axId);
        break;
      case "experiment":
        ledger.experimentId = event.experimentId;
        ledger.datasetId = event.datasetId;
        ledger.experimentName = event.name;
        break;
      case "uploaded":
        for (const [runId, axId] of Object.entries(event.runs)) ledger.runIds.set(runId, axId);
        break;
      case "complete":
        ledger.complete = true;
        ledger.pending = false;
        break;
      case "failed":
        ledger.lastFailure = event.message;
        break;
    }
  }
  return ledger;
}
