import pLimit from "p-limit";
import type { Example } from "../datasets/types.js";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";
import { Bookkeeper } from "../phoenix/bookkeeper.js";
import type { PhoenixClient } from "../phoenix/client.js";
import { ExperimentUpload } from "../phoenix/experiment-upload.js";
import { emptyLedger } from "../phoenix/ledger.js";
import { snapshotOf } from "../phoenix/payloads.js";
import { uploadPending } from "../phoenix/upload-pending.js";
import type { ExperimentStore } from "../store/types.js";
import type { ExperimentSink, SinkOutput } from "./types.js";

export interface PhoenixSinkOptions {
  client: PhoenixClient;
  /** Where what could not be uploaded is kept (and from where earlier leftovers are resumed). */
  store?: ExperimentStore;
  output: SinkOutput;
  /** Used only to phrase hints (the command to run). */
  projectRoot?: string;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Upload experiments an earlier run left pending. Default true when a store is given. */
  resumePending?: boolean;
  /** Close the client when the sink closes. Default false (the caller owns it). */
  closeClient?: boolean;
}

export interface PhoenixSink extends ExperimentSink {
  readonly name: "phoenix";
  /** The Phoenix UI page of an experiment (by local id), once the server created it. */
  linkFor(experiment: ExperimentDescriptor | string): string | undefined;
  /** The server's ids for an experiment (by local id), once the server created it. */
  serverIdsFor(experiment: ExperimentDescriptor | string): PhoenixServerIds | undefined;
}

/** What Phoenix calls an experiment and its parts; `runIds` maps local run ids to server run ids. */
export interface PhoenixServerIds {
  experimentId: string;
  datasetId: string;
  datasetVersionId: string;
  projectName: string | null;
  url: string;
  runIds: Record<string, string>;
}

/** The Phoenix sink among `sinks` (as `createDefaultSinks` returns them), when uploading is on. */
export function findPhoenixSink(sinks: readonly ExperimentSink[]): PhoenixSink | undefined {
  return sinks.find((s): s is PhoenixSink => s.name === "phoenix" && typeof (s as Partial<PhoenixSink>).serverIdsFor === "function");
}

interface Tracked {
  upload: ExperimentUpload;
  bookkeeper: Bookkeeper;
  inFlight: Set<Promise<void>>;
  runs: number;
  failedRuns: number;
  firstFailure?: string;
  setupFailure?: string;
}

/**
 * Streams experiments to Phoenix as they run: the dataset and experiment when an experiment starts,
 * then each run and its evaluations as they complete, with bounded concurrency. Never throws into
 * the test run: failures are reported once per experiment through `output.warn`, and whatever was
 * not uploaded stays pending in the local store for `uploadPending` (the next run, or the
 * `vitest-experiments upload` command).
 */
export function createPhoenixSink(options: PhoenixSinkOptions): PhoenixSink {
  const { client, store, output } = options;
  const limit = pLimit(options.concurrency ?? 8);
  const tracked = new Map<string, Tracked>();
  let resume: Promise<void> | undefined;
  const redact = (error: unknown) => client.redactText((error as Error)?.message ?? String(error));

  function startResume(): void {
    if (resume || !store || options.resumePending === false) return;
    resume = uploadPending(store, client, { exclude: new Set(tracked.keys()), skipUnfinishedYoungerThanMs: 60 * 60 * 1000 })
      .then((reports) => {
        for (const report of reports) {
          if (report.status === "uploaded") {
            output.log(`Phoenix: uploaded the rest of experiment "${report.name}" from an earlier run (${report.runsPosted} runs, ${report.evaluationsPosted} evaluations): ${report.url}`);
          } else if (report.status === "failed") {
            output.warn(`Phoenix: experiment "${report.name}" from an earlier run is still pending: ${report.error}`);
          }
        }
      })
      .catch((error: unknown) => output.warn(`Phoenix: could not resume earlier uploads: ${redact(error)}`));
  }

  function track(entry: Tracked, work: Promise<void>): void {
    const promise = work.finally(() => entry.inFlight.delete(promise));
    entry.inFlight.add(promise);
  }

  async function settle(entry: Tracked): Promise<void> {
    while (entry.inFlight.size > 0) await Promise.allSettled([...entry.inFlight]);
  }

  const sink: PhoenixSink = {
    name: "phoenix",

    experimentStarted(experiment: ExperimentDescriptor, examples: readonly Example[]) {
      if (experiment.dryRun) return;
      if (experiment.shard && experiment.runId === undefined) {
        output.warn(
          `Phoenix: experiment "${experiment.name}" runs as shard ${experiment.shard.index}/${experiment.shard.count} with no CI run identity, so its runs go to an experiment of their own; set VITEST_EXPERIMENTS_RUN_ID to the same value on every shard to upload them into one.`,
        );
      }
      const fromPhoenix = Boolean(experiment.dataset.phoenix);
      const bookkeeper = new Bookkeeper(store, experiment.id, (error) =>
        output.warn(`Phoenix: could not record the upload's progress in the local store: ${redact(error)}`),
      );
      const nodeIds = new Map(examples.filter((e) => e.nodeId).map((e) => [e.id, e.nodeId!] as const));
      const upload = new ExperimentUpload({
        client,
        experiment,
        examples: fromPhoenix ? null : examples.map(snapshotOf),
        nodeIds,
        ledger: emptyLedger(),
        limit: (fn) => limit(fn),
        record: (event) => bookkeeper.record(event),
      });
      const entry: Tracked = { upload, bookkeeper, inFlight: new Set(), runs: 0, failedRuns: 0 };
      tracked.set(experiment.id, entry);
      bookkeeper.record({ type: "phoenix", kind: "pending", host: client.host, examples: fromPhoenix ? null : examples.map(snapshotOf) });
      track(
        entry,
        upload.setup().catch((error: unknown) => {
          entry.setupFailure = redact(error);
        }),
      );
      startResume();
    },

    runCompleted(run: RunRecord, experiment: ExperimentDescriptor) {
      const entry = tracked.get(experiment.id);
      if (!entry) return;
      entry.runs++;
      track(
        entry,
        entry.upload.uploadRun(run).catch((error: unknown) => {
          entry.failedRuns++;
          entry.firstFailure ??= redact(error);
        }),
      );
    },

    async experimentFinished(result: ExperimentResult) {
      const entry = tracked.get(result.experiment.id);
      if (!entry) return;
      await settle(entry);
      const { experiment } = result;
      const failure = entry.setupFailure ?? entry.firstFailure;
      if (failure === undefined) {
        entry.bookkeeper.record({ type: "phoenix", kind: "complete" });
        output.log(`Phoenix: experiment "${experiment.name}" uploaded (${entry.runs} runs): ${entry.upload.url}`);
      } else {
        entry.bookkeeper.record({ type: "phoenix", kind: "failed", message: failure });
        const what = entry.setupFailure !== undefined ? "nothing was uploaded" : `${entry.failedRuns} of ${entry.runs} runs (or their evaluations) were not uploaded`;
        const kept = store
          ? `They are kept in the local store and will be uploaded by the next run, or now with \`npx vitest-experiments upload ${experiment.id}\`.`
          : "No local store is configured, so they will not be retried.";
        output.warn(`Phoenix upload of experiment "${experiment.name}" failed: ${what}. ${failure.replace(/\.+$/, "")}. ${kept}`);
      }
      await entry.bookkeeper.flush();
    },

    async close() {
      for (const entry of tracked.values()) {
        await settle(entry);
        await entry.bookkeeper.flush();
      }
      await resume;
      if (options.closeClient) await client.close();
    },

    linkFor(experiment) {
      const id = typeof experiment === "string" ? experiment : experiment.id;
      return tracked.get(id)?.upload.url;
    },

    serverIdsFor(experiment) {
      const upload = tracked.get(typeof experiment === "string" ? experiment : experiment.id)?.upload;
      const server = upload?.serverExperiment;
      if (!upload || !server) return undefined;
      return {
        experimentId: server.id,
        datasetId: server.dataset_id,
        datasetVersionId: server.dataset_version_id,
        projectName: server.project_name,
        url: upload.url!,
        runIds: Object.fromEntries(upload.serverRunIds),
      };
    },
  };
  return sink;
}
