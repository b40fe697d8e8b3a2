import { pendingUploads, type PendingSelection } from "../store/pending-uploads.js";
import type { ExperimentStore } from "../store/types.js";
import { ArizeBookkeeper } from "./bookkeeper.js";
import type { ArizeClient } from "./client.js";
import { ArizeExperimentUpload } from "./experiment-upload.js";
import { arizeLedgerFrom } from "./ledger.js";

/** Which experiments to finish: see `PendingSelection`. */
export type ArizeUploadPendingOptions = PendingSelection;

export interface ArizePendingReport {
  experimentId: string;
  name: string;
  status: "uploaded" | "failed" | "already-uploaded" | "skipped";
  runsPosted: number;
  /** AX's experiment id, once it exists. */
  arizeExperimentId?: string;
  /** Redacted. */
  error?: string;
}

/**
 * Completes the Arize AX upload of experiments the local store marks pending (an earlier upload
 * failed or was interrupted), without duplicating what AX already holds.
 */
export async function uploadPendingToArize(store: ExperimentStore, client: ArizeClient, options: ArizeUploadPendingOptions = {}): Promise<ArizePendingReport[]> {
  const reports: ArizePendingReport[] = [];
  for await (const { status, stored, ledger } of pendingUploads(store, options, arizeLedgerFrom)) {
    const id = stored.experiment.id;
    const base = { experimentId: id, name: stored.experiment.name, runsPosted: 0, ...(ledger.experimentId ? { arizeExperimentId: ledger.experimentId } : {}) };
    if (status !== "pending") {
      reports.push({ ...base, status });
      continue;
    }
    const bookkeeper = new ArizeBookkeeper(store, id, () => {});
    const upload = new ArizeExperimentUpload({ client, experiment: stored.experiment, examples: ledger.examples, ledger, record: (event) => bookkeeper.record(event) });
    try {
      const counts = stored.runs.length > 0 ? await upload.reconcile(stored.runs) : { runsPosted: 0 };
      bookkeeper.record({ type: "arize", kind: "complete" });
      reports.push({ ...base, ...counts, status: "uploaded", ...(upload.experimentId ? { arizeExperimentId: upload.experimentId } : {}) });
    } catch (error) {
      const message = client.redactText((error as Error)?.message ?? String(error));
      bookkeeper.record({ type: "arize", kind: "failed", message });
      reports.push({ ...base, status: "failed", error: message });
    }
    await bookkeeper.flush();
  }
  return reports;
}
