import type { Example } from "../datasets/types.js";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";
import { ArizeBookkeeper } from "../arize/bookkeeper.js";
import type { ArizeClient } from "../arize/client.js";
import { ArizeExperimentUpload } from "../arize/experiment-upload.js";
import { emptyArizeLedger } from "../arize/ledger.js";
import { uploadPendingToArize } from "../arize/upload-pending.js";
import { snapshotOf } from "../phoenix/payloads.js";
import type { ExperimentStore } from "../store/types.js";
import type { ExperimentSink, SinkOutput } from "./types.js";

export interface ArizeSinkOptions {
  client: ArizeClient;
  /** Where what could not be uploaded is kept (and from where earlier leftovers are resumed). */
  store?: ExperimentStore;
  output: SinkOutput;
  /** Runs per request (at most 1,000, AX's limit). Default 1,000. */
  batchSize?: number;
  /** Longest a finished run waits before its batch is sent, so uploads stream while the experiment runs. Default 2 s. */
  flushIntervalMs?: number;
  /** Upload experiments an earlier run left pending. Default true when a store is given. */
  resumePending?: boolean;
  /** Close the client when the sink closes. Default false (the caller owns it). */
  closeClient?: boolean;
}

export interface ArizeSink extends ExperimentSink {
  readonly name: "arize";
  /** AX's ids for an experiment (by local id), once AX created it. */
  serverIdsFor(experiment: ExperimentDescriptor | string): ArizeServerIds | undefined;
}

export interface ArizeServerIds {
  experimentId: string;
  datasetId: string;
  /** The experiment's name on AX: the local name and id, or, shared by the shards of one CI run, the name, run identity and file hash. */
  name: string;
  /** AX run ids by local run id ("" where AX's answer did not carry it). */
  runIds: Record<string, string>;
}

/** The Arize AX sink among `sinks`, when uploading to AX is on. */
export function findArizeSink(sinks: readonly ExperimentSink[]): ArizeSink | undefined {
  return sinks.find((s): s is ArizeSink => s.name === "arize" && typeof (s as Partial<ArizeSink>).serverIdsFor === "function");
}

interface Tracked {
  upload: ArizeExperimentUpload;
  bookkeeper: ArizeBookkeeper;
  buffer: RunRecord[];
  timer: NodeJS.Timeout | undefined;
  /** Batches go one after another: the first creates the experiment the others append to. */
  chain: Promise<void>;
  /** Local run ids of the runs handed to the sink. */
  runIds: string[];
  failure?: string;
}

/**
 * Streams experiments to Arize AX as they run: the dataset when an experiment starts, then its
 * runs in batches of up to 1,000, sent when a batch is full or a run has waited `flushIntervalMs`.
 * Never throws into the test run: failures are reported once per experiment through
 * `output.warn`, and what did not reach AX stays pending in the local store, finished by the next
 * run or `vitest-experiments upload`.
 */
export function createArizeSink(options: ArizeSinkOptions): ArizeSink {
  const { client, store, output } = options;
  const flushIntervalMs = options.flushIntervalMs ?? 2000;
  const batchSize = Math.min(options.batchSize ?? 1000, 1000);
  const tracked = new Map<string, Tracked>();
  let resume: Promise<void> | undefined;
  // A refused key fails every experiment the same way: one warning says it.
  let warnedRefusal = false;
  const redact = (error: unknown) => client.redactText((error as Error)?.message ?? String(error));

  function startResume(): void {
    if (resume || !store || options.resumePending === false) return;
    resume = uploadPendingToArize(store, client, { exclude: new Set(tracked.keys()), skipUnfinishedYoungerThanMs: 60 * 60 * 1000 })
      .then((reports) => {
        for (const report of reports) {
          if (report.status === "uploaded") output.log(`Arize AX: uploaded the rest of experiment "${report.name}" from an earlier run (${report.runsPosted} runs)`);
          else if (report.status === "failed" && !client.refusedKey) output.warn(`Arize AX: experiment "${report.name}" from an earlier run is still pending: ${report.error}`);
        }
      })
      .catch((error: unknown) => output.warn(`Arize AX: could not resume earlier uploads: ${redact(error)}`));
  }

  function flush(entry: Tracked): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.buffer.length === 0) return;
    const batch = entry.buffer.splice(0, entry.buffer.length);
    entry.chain = entry.chain.then(() =>
      entry.upload.upload(batch).catch((error: unknown) => {
        entry.failure ??= redact(error);
      }),
    );
  }

  const sink: ArizeSink = {
    name: "arize",

    experimentStarted(experiment: ExperimentDescriptor, examples: readonly Example[]) {
      if (experiment.dryRun) return;
      const bookkeeper = new ArizeBookkeeper(store, experiment.id, (error) => output.warn(`Arize AX: could not record the upload's progress in the local store: ${redact(error)}`));
      const snapshots = examples.map(snapshotOf);
      const upload = new ArizeExperimentUpload({ client, experiment, examples: snapshots, ledger: emptyArizeLedger(), record: (event) => bookkeeper.record(event), batchSize });
      const entry: Tracked = { upload, bookkeeper, buffer: [], timer: undefined, chain: Promise.resolve(), runIds: [] };
      tracked.set(experiment.id, entry);
      bookkeeper.record({ type: "arize", kind: "pending", baseUrl: client.baseUrl, examples: snapshots });
      // The dataset is found or created while the first runs execute.
      entry.chain = upload.setup().catch(() => {
        // Reported by the first batch, which tries again when the failure may heal.
      });
      startResume();
    },

    runCompleted(run: RunRecord, experiment: ExperimentDescriptor) {
      const entry = tracked.get(experiment.id);
      if (!entry) return;
      entry.runIds.push(run.runId);
      entry.buffer.push(run);
      if (entry.buffer.length >= batchSize) flush(entry);
      else entry.timer ??= setTimeout(() => flush(entry), flushIntervalMs);
    },

    async experimentFinished(result: ExperimentResult) {
      const entry = tracked.get(result.experiment.id);
      if (!entry) return;
      flush(entry);
      await entry.chain;
      const { experiment } = result;
      const total = entry.runIds.length;
      const missing = entry.runIds.filter((id) => !entry.upload.serverRunIds.has(id)).length;
      if (total === 0) {
        // AX refuses an empty experiment: nothing to create.
        entry.bookkeeper.record({ type: "arize", kind: "complete" });
      } else if (entry.failure === undefined) {
        entry.bookkeeper.record({ type: "arize", kind: "complete" });
        output.log(`Arize AX: experiment "${experiment.name}" uploaded (${total} runs) as "${entry.upload.axName}"`);
      } else {
        entry.bookkeeper.record({ type: "arize", kind: "failed", message: entry.failure });
        const repeat = client.refusedKey && warnedRefusal;
        warnedRefusal ||= client.refusedKey;
        const kept = store
          ? `They are kept in the local store and will be uploaded by the next run, or now with \`npx vitest-experiments upload ${experiment.id}\`.`
          : "No local store is configured, so they will not be retried.";
        if (!repeat) output.warn(`Arize AX upload of experiment "${experiment.name}" failed: ${missing} of ${total} runs were not uploaded. ${entry.failure.replace(/\.+$/, "")}. ${kept}`);
      }
      await entry.bookkeeper.flush();
    },

    async close() {
      for (const entry of tracked.values()) {
        flush(entry);
        await entry.chain;
        await entry.bookkeeper.flush();
      }
      await resume;
      if (options.closeClient) await client.close();
    },

    serverIdsFor(experiment) {
      const upload = tracked.get(typeof experiment === "string" ? experiment : experiment.id)?.upload;
      if (!upload?.experimentId || !upload.datasetId) return undefined;
      return { experimentId: upload.experimentId, datasetId: upload.datasetId, name: upload.axName, runIds: Object.fromEntries(upload.serverRunIds) };
    },
  };
  return sink;
}
