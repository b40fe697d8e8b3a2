import type { ExperimentStore } from "../store/types.js";
import { ArizeBookkeeper } from "./bookkeeper.js";
import type { ArizeClient } from "./client.js";
import { ArizeExperimentUpload } from "./experiment-upload.js";
import { arizeLedgerFrom } from "./ledger.js";

export interface ArizeUploadPendingOptions {
  /** Only this experiment (id, or name: the latest of that name). */
  experiment?: string;
  /** Skip these local experiment ids (the ones this process is uploading now). */
  exclude?: ReadonlySet<string>;
  /** Skip experiments that never finished and started less than this long ago (they may still be running). Default 0. */
  skipUnfinishedYoungerThanMs?: number;
  now?: number;
}

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
  const now = options.now ?? Date.now();
  let candidates: string[];
  if (options.experiment) {
    const found = await store.readExperiment(options.experiment);
    if (!found) throw new Error(`No experiment "${options.experiment}" in the local store at ${store.dir}`);
    candidates = [found.experiment.id];
  } else {
    candidates = (await store.listExperiments()).map((s) => s.experiment.id);
  }
  const reports: ArizePendingReport[] = [];
  for (const id of candidates) {
    if (options.exclude?.has(id)) continue;
    const stored = await store.readExperiment(id);
    if (!stored || stored.experiment.dryRun) continue;
    const ledger = arizeLedgerFrom(stored.events);
    const base = { experimentId: id, name: stored.experiment.name, runsPosted: 0, ...(ledger.experimentId ? { arizeExperimentId: ledger.experimentId } : {}) };
    if (!ledger.pending) {
      if (ledger.complete && options.experiment) reports.push({ ...base, status: "already-uploaded" });
      continue;
    }
    if (!stored.result && options.skipUnfinishedYoungerThanMs && now - Date.parse(stored.experiment.startTime) < options.skipUnfinishedYoungerThanMs) {
      reports.push({ ...base, status: "skipped" });
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
