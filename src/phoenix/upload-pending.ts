import pLimit from "p-limit";
import type { ExperimentStore } from "../store/types.js";
import { Bookkeeper } from "./bookkeeper.js";
import type { PhoenixClient } from "./client.js";
import { ExperimentUpload } from "./experiment-upload.js";
import { ledgerFrom } from "./ledger.js";

export interface UploadPendingOptions {
  /** Only this experiment (id, or name: the latest of that name). */
  experiment?: string;
  /** Skip these local experiment ids (e.g. the ones this process is uploading right now). */
  exclude?: ReadonlySet<string>;
  /**
   * Skip experiments that never finished and started less than this long ago: they may still be
   * running in another process. Default 0 (the `upload` command); the automatic resume uses an hour.
   */
  skipUnfinishedYoungerThanMs?: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  now?: number;
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
  const now = options.now ?? Date.now();
  let candidates: string[];
  if (options.experiment) {
    const found = await store.readExperiment(options.experiment);
    if (!found) throw new Error(`No experiment "${options.experiment}" in the local store at ${store.dir}`);
    candidates = [found.experiment.id];
  } else {
    candidates = (await store.listExperiments()).map((s) => s.experiment.id);
  }
  const reports: PendingUploadReport[] = [];
  for (const id of candidates) {
    if (options.exclude?.has(id)) continue;
    const stored = await store.readExperiment(id);
    if (!stored || stored.experiment.dryRun) continue;
    const ledger = ledgerFrom(stored.events);
    const base = { experimentId: id, name: stored.experiment.name, runsPosted: 0, evaluationsPosted: 0, ...(ledger.url ? { url: ledger.url } : {}) };
    if (!ledger.pending) {
      if (ledger.complete && options.experiment) reports.push({ ...base, status: "already-uploaded" });
      continue;
    }
    const age = now - Date.parse(stored.experiment.startTime);
    if (!stored.result && options.skipUnfinishedYoungerThanMs && age < options.skipUnfinishedYoungerThanMs) {
      reports.push({ ...base, status: "skipped" });
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
