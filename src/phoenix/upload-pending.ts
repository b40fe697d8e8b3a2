import pLimit from "p-limit";
import { pendingUploads, type PendingSelection } from "../store/pending-uploads.js";
import type { ExperimentStore } from "../store/types.js";
import { Bookkeeper } from "./bookkeeper.js";
import type { PhoenixClient } from "./client.js";
import { ExperimentUpload } from "./experiment-upload.js";
import { ledgerFrom } from "./ledger.js";

export interface UploadPendingOptions extends PendingSelection {
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
}

export interface PendingUploadReport {
  experimentId: string;
  name: string;
  status: "uploaded" | "failed" | "already-uploaded" | "skipped";
  runsPosted: number;
  evaluationsPosted: number;
  url?: string;
  /** Redacted. */
  error?: string;
}

/**
 * Completes the Phoenix upload of experiments the local store marks pending (an earlier upload
 * failed or was interrupted), without duplicating anything the server already holds.
 */
export async function uploadPending(store: ExperimentStore, client: PhoenixClient, options: UploadPendingOptions = {}): Promise<PendingUploadReport[]> {
  const limit = pLimit(options.concurrency ?? 8);
  const reports: PendingUploadReport[] = [];
  for await (const { status, stored, ledger } of pendingUploads(store, options, ledgerFrom)) {
    const id = stored.experiment.id;
    const base = { experimentId: id, name: stored.experiment.name, runsPosted: 0, evaluationsPosted: 0, ...(ledger.url ? { url: ledger.url } : {}) };
    if (status !== "pending") {
      reports.push({ ...base, status });
      continue;
    }
    const bookkeeper = new Bookkeeper(store, id, () => {});
    const upload = new ExperimentUpload({
      client,
      experiment: stored.experiment,
      examples: ledger.examples,
      ledger,
      limit: (fn) => limit(fn),
      record: (event) => bookkeeper.record(event),
    });
    try {
      const counts = await upload.reconcile(stored.runs);
      bookkeeper.record({ type: "phoenix", kind: "complete" });
      reports.push({ ...base, ...counts, status: "uploaded", url: upload.url! });
    } catch (error) {
      const message = client.redactText((error as Error)?.message ?? String(error));
      bookkeeper.record({ type: "phoenix", kind: "failed", message });
      reports.push({ ...base, status: "failed", error: message, ...(upload.url ? { url: upload.url } : {}) });
    }
    await bookkeeper.flush();
  }
  return reports;
}
