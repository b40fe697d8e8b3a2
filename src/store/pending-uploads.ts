import type { ExperimentStore, StoredExperiment, StoreEvent } from "./types.js";

/** Which experiments of the store a resumed upload looks at. */
export interface PendingSelection {
  /** Only this experiment (id, or name: the latest of that name). */
  experiment?: string;
  /** Skip these local experiment ids (e.g. the ones this process is uploading right now). */
  exclude?: ReadonlySet<string>;
  /**
   * Skip experiments that never finished and started less than this long ago: they may still be
   * running in another process. Default 0 (the `upload` command); the automatic resume uses an hour.
   */
  skipUnfinishedYoungerThanMs?: number;
  now?: number;
}

/** What a server's upload bookkeeping says of one experiment. */
export interface UploadProgress {
  pending: boolean;
  complete: boolean;
}

/**
 * An experiment a resumed upload has to report on: one still pending to upload, one the caller
 * asked for by name that is uploaded already, or one left alone because it may still be running.
 */
export interface PendingCandidate<L extends UploadProgress> {
  status: "pending" | "already-uploaded" | "skipped";
  stored: StoredExperiment;
  ledger: L;
}

/**
 * The experiments of the store whose upload to one server (its ledger read from the store's events
 * by `ledgerOf`) is still to finish, in store order; dry runs never upload. Shared by the Phoenix
 * and Arize AX resumption, which differ only in how they finish an upload.
 */
export async function* pendingUploads<L extends UploadProgress>(
  store: ExperimentStore,
  options: PendingSelection,
  ledgerOf: (events: readonly StoreEvent[]) => L,
): AsyncGenerator<PendingCandidate<L>> {
  const now = options.now ?? Date.now();
  let candidates: string[];
  if (options.experiment) {
    const found = await store.readExperiment(options.experiment);
    if (!found) throw new Error(`No experiment "${options.experiment}" in the local store at ${store.dir}`);
    candidates = [found.experiment.id];
  } else {
    candidates = (await store.listExperiments()).map((s) => s.experiment.id);
  }
  for (const id of candidates) {
    if (options.exclude?.has(id)) continue;
    const stored = await store.readExperiment(id);
    if (!stored || stored.experiment.dryRun) continue;
    const ledger = ledgerOf(stored.events);
    if (!ledger.pending) {
      if (ledger.complete && options.experiment) yield { status: "already-uploaded", stored, ledger };
      continue;
    }
    const age = now - Date.parse(stored.experiment.startTime);
    if (!stored.result && options.skipUnfinishedYoungerThanMs && age < options.skipUnfinishedYoungerThanMs) {
      yield { status: "skipped", stored, ledger };
      continue;
    }
    yield { status: "pending", stored, ledger };
  }
}
