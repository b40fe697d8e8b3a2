import type { StoreEvent } from "../store/types.js";
import type { ExampleSnapshot } from "./payloads.js";

/**
 * The Phoenix upload's bookkeeping in the local store: `type: "phoenix"` events appended to the
 * experiment, read back into a ledger of what the server already holds. Uploads are resumed from
 * it; the server stays the source of truth (reconciled with its runs list), so a lost event only
 * costs a few requests, never a duplicate.
 */

export const PHOENIX_EVENT_TYPE = "phoenix";

export type PhoenixEvent =
  /** Written before anything is sent: the experiment must reach Phoenix. `examples` is null for datasets that came from Phoenix. */
  | { type: "phoenix"; kind: "pending"; host: string; examples: ExampleSnapshot[] | null }
  | { type: "phoenix"; kind: "dataset"; datasetId: string; versionId: string; nodeIds: Record<string, string> }
  | { type: "phoenix"; kind: "experiment"; experimentId: string; datasetId: string; url: string }
  /** Runs (local run id → server run id) and evaluations (`<local run id>#<name>`) the server acknowledged. */
  | { type: "phoenix"; kind: "uploaded"; runs: Record<string, string>; evaluations: string[] }
  | { type: "phoenix"; kind: "complete" }
  | { type: "phoenix"; kind: "failed"; message: string };

export interface UploadLedger {
  /** True when an upload was started and never completed. */
  pending: boolean;
  complete: boolean;
  host?: string;
  examples: ExampleSnapshot[] | null;
  datasetId?: string;
  versionId?: string;
  nodeIds: Map<string, string>;
  experimentId?: string;
  url?: string;
  runIds: Map<string, string>;
  evaluations: Set<string>;
  lastFailure?: string;
}

export function emptyLedger(): UploadLedger {
  return { pending: false, complete: false, examples: null, nodeIds: new Map(), runIds: new Map(), evaluations: new Set() };
}

export function evaluationKey(runId: string, name: string): string {
  return `${runId}#${name}`;
}

export function ledgerFrom(events: readonly StoreEvent[]): UploadLedger {
  const ledger = emptyLedger();
  for (const raw of events) {
    if (raw.type !== PHOENIX_EVENT_TYPE) continue;
    const event = raw as unknown as PhoenixEvent;
    switch (event.kind) {
      case "pending":
        ledger.pending = true;
        ledger.complete = false;
        ledger.host = event.host;
        ledger.examples = event.examples;
        break;
      case "dataset":
        ledger.datasetId = event.datasetId;
        ledger.versionId = event.versionId;
        for (const [id, nodeId] of Object.entries(event.nodeIds)) ledger.nodeIds.set(id, nodeId);
        break;
      case "experiment":
        ledger.experimentId = event.experimentId;
        ledger.datasetId = event.datasetId;
        ledger.url = event.url;
        break;
      case "uploaded":
        for (const [runId, serverId] of Object.entries(event.runs)) ledger.runIds.set(runId, serverId);
        for (const key of event.evaluations) ledger.evaluations.add(key);
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

export function asStoreEvent(event: PhoenixEvent): StoreEvent {
  return event as unknown as StoreEvent;
}
