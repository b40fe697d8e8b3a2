import type { ExperimentDescriptor, RunRecord } from "../record/types.js";
import type { ExampleSnapshot } from "../phoenix/payloads.js";
import { MAX_RUNS_PER_REQUEST, type AxDatasetExample, type AxRunInput } from "./api-types.js";
import type { ArizeClient } from "./client.js";
import { ArizeError } from "./errors.js";
import { shardOfRun } from "../record/shard.js";
import type { ArizeEvent, ArizeLedger } from "./ledger.js";
import { axExperimentName, EXAMPLE_ID_COLUMN, exampleRow, RUN_ID_COLUMN, runRow } from "./payloads.js";

export interface ArizeUploadOptions {
  client: ArizeClient;
  experiment: ExperimentDescriptor;
  /** The examples that run (their snapshot, as the local store keeps it). */
  examples: readonly ExampleSnapshot[];
  /** What an earlier upload of this experiment already did (resume). */
  ledger: ArizeLedger;
  /** Bookkeeping to persist. */
  record: (event: ArizeEvent) => void;
  /** Runs per request, at most AX's 1,000. */
  batchSize?: number;
}

/**
 * Uploads one experiment to Arize AX: the dataset found by name in the space (or created with the
 * examples that ran; examples it lacks are appended), then the runs in batches. AX refuses an empty
 * experiment, so the first batch creates it and later batches are appended. Every write that may
 * have landed without an answer is checked against AX before it is sent again (experiments by
 * name, runs by their run-id column, examples by their example-id column), so nothing is
 * duplicated and the upload can be resumed at any point.
 */
export class ArizeExperimentUpload {
  readonly experiment: ExperimentDescriptor;
  readonly axName: string;
  private readonly client: ArizeClient;
  private readonly ledger: ArizeLedger;
  private readonly options: ArizeUploadOptions;
  private readonly batchSize: number;
  private setupPromise: Promise<void> | undefined;
  private spaceId: string | undefined;

  constructor(options: ArizeUploadOptions) {
    this.options = options;
    this.client = options.client;
    this.experiment = options.experiment;
    this.ledger = options.ledger;
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? MAX_RUNS_PER_REQUEST, MAX_RUNS_PER_REQUEST));
    this.axName = options.ledger.experimentName ?? axExperimentName(options.experiment);
  }

  get experimentId(): string | undefined {
    return this.ledger.experimentId;
  }

  get datasetId(): string | undefined {
    return this.ledger.datasetId;
  }

  /** AX run ids by local run id, for the runs AX acknowledged ("" when its answer did not say). */
  get serverRunIds(): ReadonlyMap<string, string> {
    return this.ledger.runIds;
  }

  /**
   * The space and dataset on AX; memoized. A failure that may heal (network, 429, 5xx) is tried
   * again by the next call; a permanent one (refused key, unknown space) is kept, so it costs one
   * request per experiment, not one per batch.
   */
  setup(): Promise<void> {
    if (!this.setupPromise) {
      const attempt = this.ensureDataset();
      this.setupPromise = attempt;
      attempt.catch((error: unknown) => {
        if (error instanceof ArizeError && error.retryable && this.setupPromise === attempt) this.setupPromise = undefined;
      });
    }
    return this.setupPromise;
  }

  private async ensureDataset(): Promise<void> {
    const { client, ledger, experiment } = this;
    const space = await client.space();
    this.spaceId = space.id;
    const needed = experiment.dataset.exampleIds;
    if (ledger.datasetId && needed.every((id) => ledger.exampleIds.has(id))) return;
    const name = experiment.dataset.name;
    const byId = new Map(this.options.examples.map((e) => [e.id, e]));
    let datasetId = ledger.datasetId ?? (await client.findDatasetByName(space.id, name))?.id;
    if (!datasetId) {
      // AX refuses an empty dataset; the first 1,000 examples create it, the rest are appended
      // below in requests of the same size.
      if (needed.length === 0) return;
      const examples = needed.slice(0, MAX_RUNS_PER_REQUEST).map((id) => snapshotFor(byId, id, name)).map(exampleRow);
      const created = await client.createDataset({ name, space_id: space.id, examples });
      // Taken: by another process, or by our own create whose answer was lost.
      datasetId = "conflict" in created ? (await client.findDatasetByName(space.id, name))?.id : created.id;
      if (!datasetId) throw new Error(`Arize AX refused to create dataset "${name}" and no dataset of that name is in the space`);
    }
    ledger.datasetId = datasetId;
    await this.mapExamples(datasetId, needed, byId);
    this.options.record({ type: "arize", kind: "dataset", datasetId, exampleIds: Object.fromEntries(needed.map((id) => [id, ledger.exampleIds.get(id)!])) });
  }

  /** Maps every example that ran to its AX id, appending the ones the dataset lacks (and checking before resending). */
  private async mapExamples(datasetId: string, needed: readonly string[], byId: ReadonlyMap<string, ExampleSnapshot>): Promise<void> {
    const { client, ledger } = this;
    for (let attempt = 0; ; attempt++) {
      const seen = new Set<string>();
      for (const example of await client.listExamples(datasetId)) {
        const ours = localIdOf(example);
        // The first row of an id wins, on every shard alike, should a race ever add one twice.
        if (ours !== undefined && !seen.has(ours)) {
          seen.add(ours);
          ledger.exampleIds.set(ours, example.id);
        }
        // Examples that came from AX carry AX's own id as their id.
        ledger.exampleIds.set(example.id, example.id);
      }
      const missing = needed.filter((id) => !ledger.exampleIds.has(id));
      if (missing.length === 0) return;
      if (attempt > client.retries) {
        throw new Error(`Arize AX dataset "${this.experiment.dataset.name}" still lacks ${missing.length} of the examples that ran (e.g. "${missing[0]}") after ${attempt} attempts to add them`);
      }
      // Shards starting together all miss the same examples: at first each appends only the ones
      // it owns (by the same hash that shares out the runs), so no two append the same example.
      // The others are looked for again after a pause, and appended by whoever still misses them
      // then (their owner started late, or never will).
      const shard = this.experiment.shard;
      const toAppend = shard && attempt === 0 ? missing.filter((id) => shardOfRun(id, 1, shard.count) === shard.index) : missing;
      try {
        for (let i = 0; i < toAppend.length; i += MAX_RUNS_PER_REQUEST) {
          const chunk = toAppend.slice(i, i + MAX_RUNS_PER_REQUEST);
          const inserted = await client.insertExamples(datasetId, chunk.map((id) => exampleRow(snapshotFor(byId, id, this.experiment.dataset.name))), { retries: 0 });
          chunk.forEach((id, index) => {
            const axId = inserted.example_ids[index];
            if (axId) ledger.exampleIds.set(id, axId);
          });
        }
        if (needed.every((id) => ledger.exampleIds.has(id))) return;
        if (toAppend.length < missing.length) await pause(OTHER_SHARDS_WAIT_MS);
      } catch (error) {
        if (!(error instanceof ArizeError) || !error.retryable) throw error;
        // Throws once the budget is spent or the server looks down.
        await client.pauseBeforeRetry(attempt + 1, error);
      }
    }
  }

  /**
   * Sends these runs (any number: split into batches of at most 1,000), creating the experiment
   * with the first batch. Runs AX already holds are skipped.
   */
  async upload(runs: readonly RunRecord[]): Promise<void> {
    await this.setup();
    const todo = runs.filter((r) => !this.ledger.runIds.has(r.runId));
    let refused: unknown;
    for (let i = 0; i < todo.length; i += this.batchSize) {
      try {
        await this.sendIsolating(todo.slice(i, i + this.batchSize));
      } catch (error) {
        if (!isRefusal(error)) throw error;
        refused ??= error;
      }
    }
    if (refused !== undefined) throw refused;
  }

  /**
   * AX refuses a whole request for one bad run (an output it rejects): the batch is halved until
   * the refused runs are alone, so every other run still lands and the error names the run.
   */
  private async sendIsolating(runs: readonly RunRecord[]): Promise<void> {
    try {
      await this.sendBatch(runs);
    } catch (error) {
      if (!isRefusal(error) || runs.length === 1) throw error;
      const half = Math.ceil(runs.length / 2);
      const results = await Promise.allSettled([this.sendIsolating(runs.slice(0, half))]);
      results.push(...(await Promise.allSettled([this.sendIsolating(runs.slice(half))])));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    }
  }

  /** Resumes an upload: whatever of `runs` AX does not hold yet is sent. */
  async reconcile(runs: readonly RunRecord[]): Promise<{ runsPosted: number }> {
    await this.setup();
    if (!this.ledger.experimentId) await this.findExperiment();
    if (this.ledger.experimentId) await this.markLanded();
    const before = this.ledger.runIds.size;
    await this.upload(runs);
    return { runsPosted: this.ledger.runIds.size - before };
  }

  private async sendBatch(runs: readonly RunRecord[]): Promise<void> {
    const { client, ledger } = this;
    let pending = runs.filter((r) => !ledger.runIds.has(r.runId));
    for (let attempt = 0; pending.length > 0; attempt++) {
      const rows = pending.map((run) => runRow(run, this.axExampleId(run)));
      try {
        if (!ledger.experimentId) await this.createWith(rows);
        else {
          const answer = await client.insertRuns(ledger.experimentId, rows, { retries: 0 });
          this.acknowledge(rows, answer.run_ids);
        }
        return;
      } catch (error) {
        if (!(error instanceof ArizeError) || !error.retryable) throw this.describeRefusal(error, rows);
        // Throws once the budget is spent or the server looks down.
        await client.pauseBeforeRetry(attempt + 1, error);
        if (error.ambiguous) {
          // The write may have landed: look before sending it again.
          if (!ledger.experimentId) await this.findExperiment();
          if (ledger.experimentId) await this.markLanded();
        }
        pending = pending.filter((r) => !ledger.runIds.has(r.runId));
      }
    }
  }

  private async createWith(rows: AxRunInput[]): Promise<void> {
    const { client, ledger } = this;
    const created = await client.createExperiment({ name: this.axName, dataset_id: ledger.datasetId!, experiment_runs: rows }, { retries: 0 });
    if ("conflict" in created) {
      // An experiment of that name is ours: an earlier create whose answer was lost, or (keyed on
      // the CI run) another shard's that won the race. Our runs in it are listed, the rest of
      // this batch appended.
      const found = await this.findExperiment();
      if (!found) throw new Error(`Arize AX refused to create experiment "${this.axName}": ${created.conflict}`);
      await this.markLanded();
      const rest = rows.filter((row) => !ledger.runIds.has(String(row[RUN_ID_COLUMN])));
      if (rest.length > 0) this.acknowledge(rest, (await client.insertRuns(found, rest, { retries: 0 })).run_ids);
      return;
    }
    this.setExperiment(created.id);
    this.acknowledge(rows, []);
    // The create's answer has no run ids (appends do): one listing fills them in, for
    // `annotate` by run id and `serverIdsFor`. Best effort: the runs are acknowledged already.
    await this.fillRunIds().catch(() => {});
  }

  private async fillRunIds(): Promise<void> {
    const found: Record<string, string> = {};
    for (const run of await this.client.listRuns(this.ledger.experimentId!)) {
      const runId = run[RUN_ID_COLUMN];
      if (typeof runId === "string" && this.ledger.runIds.get(runId) === "") found[runId] = run.id;
    }
    for (const [runId, id] of Object.entries(found)) this.ledger.runIds.set(runId, id);
    if (Object.keys(found).length > 0) this.options.record({ type: "arize", kind: "uploaded", runs: found });
  }

  private setExperiment(id: string): void {
    this.ledger.experimentId = id;
    this.ledger.experimentName = this.axName;
    this.options.record({ type: "arize", kind: "experiment", experimentId: id, datasetId: this.ledger.datasetId!, name: this.axName });
  }

  private async findExperiment(): Promise<string | undefined> {
    const { client, ledger } = this;
    if (!ledger.datasetId) return undefined;
    const found = (await client.listExperiments({ datasetId: ledger.datasetId, name: this.axName })).find((e) => e.name === this.axName);
    if (found) this.setExperiment(found.id);
    return found?.id;
  }

  /**
   * Lists the experiment's runs on AX and marks ours (by run-id column) as uploaded. Other shards'
   * runs in a shared experiment carry their own local experiment id and are left alone.
   */
  private async markLanded(): Promise<void> {
    const landed: Record<string, string> = {};
    const ours = `${this.experiment.id}/`;
    for (const run of await this.client.listRuns(this.ledger.experimentId!)) {
      const runId = run[RUN_ID_COLUMN];
      if (typeof runId === "string" && runId.startsWith(ours) && !this.ledger.runIds.has(runId)) {
        this.ledger.runIds.set(runId, run.id);
        landed[runId] = run.id;
      }
    }
    if (Object.keys(landed).length > 0) this.options.record({ type: "arize", kind: "uploaded", runs: landed });
  }

  private acknowledge(rows: readonly AxRunInput[], runIds: readonly string[]): void {
    const runs: Record<string, string> = {};
    rows.forEach((row, index) => {
      const runId = String(row[RUN_ID_COLUMN]);
      runs[runId] = runIds[index] ?? "";
      this.ledger.runIds.set(runId, runs[runId]!);
    });
    this.options.record({ type: "arize", kind: "uploaded", runs });
  }

  private axExampleId(run: RunRecord): string {
    const id = this.ledger.exampleIds.get(run.exampleId);
    if (!id) throw new Error(`Arize AX: example "${run.exampleId}" of run ${run.runId} is not in AX dataset "${this.experiment.dataset.name}"`);
    return id;
  }

  /** A refused batch names its runs, so a run output AX rejects can be found. */
  private describeRefusal(error: unknown, rows: readonly AxRunInput[]): unknown {
    if (!(error instanceof ArizeError) || error.kind !== "http" || error.retryable) return error;
    const first = String(rows[0]?.[RUN_ID_COLUMN]);
    const what = rows.length === 1 ? `run ${first}` : `a batch of ${rows.length} runs (from ${first})`;
    return new ArizeError(`${error.message} — AX refused ${what} of experiment "${this.experiment.name}"`, error);
  }
}

/** How long a shard gives the others to append the examples they own before appending them itself. */
const OTHER_SHARDS_WAIT_MS = 500;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** AX refused the request's content (400/422): sending it again will not help, a smaller one may. */
function isRefusal(error: unknown): boolean {
  return error instanceof ArizeError && error.kind === "http" && (error.status === 400 || error.status === 422);
}

function localIdOf(example: AxDatasetExample): string | undefined {
  const value = example[EXAMPLE_ID_COLUMN];
  return typeof value === "string" ? value : undefined;
}

function snapshotFor(byId: ReadonlyMap<string, ExampleSnapshot>, id: string, dataset: string): ExampleSnapshot {
  const snapshot = byId.get(id);
  if (!snapshot) throw new Error(`Cannot upload dataset "${dataset}" to Arize AX: example "${id}" was not recorded`);
  return snapshot;
}
