import type { EvaluationRecord, ExperimentDescriptor, RunRecord } from "../record/types.js";
import type { PhoenixExperiment, PhoenixRun } from "./api-types.js";
import type { PhoenixClient } from "./client.js";
import { PhoenixError } from "./errors.js";
import { evaluationKey, type PhoenixEvent, type UploadLedger } from "./ledger.js";
import { fromGlobalId } from "./ids.js";
import { phoenixExperimentUrl } from "./links.js";
import { evaluationBody, phoenixEvaluationName, runBody, uploadBody, type ExampleSnapshot } from "./payloads.js";
import { MINIMUM_PHOENIX_VERSION, MINIMUM_PHOENIX_VERSION_NEEDS } from "./server-version.js";

/**
 * Dataset uploads in flight, by host and dataset name. Uploads of one name go one at a time:
 * Phoenix does not isolate concurrent uploads to one dataset (PostgreSQL can mix their versions),
 * and answers an unchanged upload with its newest version by a timestamp that SQLite keeps to
 * the second, so two versions made in one second can be confused.
 */
const datasetUploads = new Map<string, Promise<unknown>>();

function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = datasetUploads.get(key) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  const settled = next.then(() => {}, () => {});
  datasetUploads.set(key, settled);
  void settled.then(() => {
    if (datasetUploads.get(key) === settled) datasetUploads.delete(key);
  });
  return next;
}

/** The metadata key that ties a Phoenix experiment to the local experiment id (finds it again after a lost answer). */
export const LOCAL_ID_METADATA_KEY = "vitest_experiments_id";
/** The metadata keys that tie a Phoenix experiment to one CI run's experiment, which all its shards share. */
export const RUN_ID_METADATA_KEY = "vitest_experiments_run_id";
export const FILE_METADATA_KEY = "vitest_experiments_file";

export interface ExperimentUploadOptions {
  client: PhoenixClient;
  experiment: ExperimentDescriptor;
  /** The examples that run; null when the dataset came from Phoenix (its examples carry node ids). */
  examples: readonly ExampleSnapshot[] | null;
  /** Node ids of examples already known (Phoenix datasets), by local example id. */
  nodeIds?: ReadonlyMap<string, string>;
  /** What an earlier upload of this experiment already did (resume). */
  ledger: UploadLedger;
  /** Runs every request through the shared concurrency limit. */
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Bookkeeping to persist (server ids); may be called often, should batch. */
  record: (event: PhoenixEvent) => void;
}

/**
 * Uploads one experiment: the dataset (created or versioned so that the experiment's version holds
 * exactly the examples that ran), the experiment, then each run and its evaluations. Every step is
 * idempotent against what the server already holds, so it can be resumed at any point.
 */
export class ExperimentUpload {
  readonly experiment: ExperimentDescriptor;
  private readonly client: PhoenixClient;
  private readonly ledger: UploadLedger;
  private readonly options: ExperimentUploadOptions;
  private setupPromise: Promise<void> | undefined;
  private runsListing: { seq: number; promise: Promise<Map<string, PhoenixRun>> } | undefined;
  private conflictSeq = 0;
  private created: PhoenixExperiment | undefined;

  constructor(options: ExperimentUploadOptions) {
    this.options = options;
    this.client = options.client;
    this.experiment = options.experiment;
    this.ledger = options.ledger;
    for (const [id, nodeId] of options.nodeIds ?? []) if (!this.ledger.nodeIds.has(id)) this.ledger.nodeIds.set(id, nodeId);
  }

  get experimentId(): string | undefined {
    return this.ledger.experimentId;
  }

  get url(): string | undefined {
    return this.ledger.url;
  }

  /** The experiment as the server created (or, on resume, listed) it; undefined until then. */
  get serverExperiment(): PhoenixExperiment | undefined {
    return this.created;
  }

  /** Server run ids by local run id, for the runs the server acknowledged. */
  get serverRunIds(): ReadonlyMap<string, string> {
    return this.ledger.runIds;
  }

  /**
   * Dataset and experiment on the server; memoized. After a failure that may heal (network, 429,
   * 5xx) the next call tries again; a permanent one (401, 403, a refused body) is kept, so a wrong
   * key costs one request per experiment rather than one per run.
   */
  setup(): Promise<void> {
    if (!this.setupPromise) {
      const attempt = this.doSetup();
      this.setupPromise = attempt;
      attempt.catch((error: unknown) => {
        if (error instanceof PhoenixError && error.retryable && this.setupPromise === attempt) this.setupPromise = undefined;
      });
    }
    return this.setupPromise;
  }

  private async doSetup(): Promise<void> {
    await this.forgetDeletedExperiment();
    const shared = this.experiment.runId !== undefined;
    // A shard whose CI run already has its experiment joins it (no new dataset version either).
    if (shared && !this.ledger.experimentId && (await this.joinSharedExperiment())) return;
    await this.ensureDataset();
    await this.ensureExperiment();
    if (shared) await this.settleSharedExperiment();
  }

  /** The experiments on the server that belong to this experiment's CI run, the one all shards use first. */
  private async sharedExperiments(datasetId: string): Promise<PhoenixExperiment[]> {
    const { experiment } = this;
    const experiments = await this.options.limit(() => this.client.listExperiments(datasetId));
    return experiments
      .filter(
        (e) =>
          e.name === experiment.name &&
          e.metadata?.[RUN_ID_METADATA_KEY] === experiment.runId &&
          (e.metadata?.[FILE_METADATA_KEY] ?? null) === (experiment.file ?? null),
      )
      .sort(creationOrder);
  }

  private async joinSharedExperiment(): Promise<boolean> {
    const { experiment } = this;
    const datasetId = experiment.dataset.phoenix?.datasetId ?? (await this.options.limit(() => this.client.findDatasetByName(experiment.dataset.name)))?.id;
    if (!datasetId) return false;
    const [first] = await this.sharedExperiments(datasetId);
    if (!first) return false;
    await this.adopt(first);
    return true;
  }

  /**
   * Shards that start together may each create the experiment. Every shard lists the run's
   * experiments after creating its own and keeps the earliest created: each shard sees that one
   * (it was created before the shard listed), so all of them agree, and a shard whose own
   * experiment lost deletes it before posting any run to it.
   */
  private async settleSharedExperiment(): Promise<void> {
    const own = this.created;
    if (!own) return;
    const [first] = await this.sharedExperiments(own.dataset_id);
    if (!first || first.id === own.id) return;
    await this.options.limit(() => this.client.deleteExperiment(own.id)).catch(() => undefined);
    await this.adopt(first);
  }

  /** Uploads into an experiment another shard of the same CI run created, on its dataset version. */
  private async adopt(shared: PhoenixExperiment): Promise<void> {
    const { ledger } = this;
    const sameVersion = ledger.datasetId === shared.dataset_id && ledger.versionId === shared.dataset_version_id;
    ledger.datasetId = shared.dataset_id;
    ledger.versionId = shared.dataset_version_id;
    if (!sameVersion) {
      ledger.nodeIds.clear();
      await this.fetchNodeIds();
    }
    this.created = shared;
    ledger.experimentId = shared.id;
    ledger.url = phoenixExperimentUrl(this.client.host, shared.dataset_id, shared.id);
    this.options.record({ type: "phoenix", kind: "experiment", experimentId: shared.id, datasetId: shared.dataset_id, url: ledger.url });
  }

  /**
   * A resumed upload whose experiment was deleted on the server meanwhile: runs posted to it
   * would fail with a 500 on every retry (and listing its runs answers an empty list, not 404),
   * so it is created again, with the dataset, from the local records. An experiment under that id
   * that is not this one (SQLite hands a deleted row's id to the next row) counts as deleted.
   */
  private async forgetDeletedExperiment(): Promise<void> {
    const { ledger } = this;
    if (!ledger.experimentId || !ledger.pending) return;
    try {
      const held = await this.options.limit(() => this.client.getExperiment(ledger.experimentId!));
      // SQLite reuses the row id of a deleted newest row: the id may now name another experiment.
      if (held.metadata?.[LOCAL_ID_METADATA_KEY] === this.experiment.id) return;
    } catch (error) {
      if (!(error instanceof PhoenixError && error.status === 404)) throw error;
    }
    delete ledger.experimentId;
    delete ledger.url;
    ledger.runIds.clear();
    ledger.evaluations.clear();
    if (!this.experiment.dataset.phoenix) {
      delete ledger.datasetId;
      delete ledger.versionId;
      ledger.nodeIds.clear();
    }
  }

  private async ensureDataset(): Promise<void> {
    const { client, experiment, ledger } = this;
    const phoenix = experiment.dataset.phoenix;
    if (phoenix) {
      ledger.datasetId = phoenix.datasetId;
      ledger.versionId = phoenix.versionId;
      const missing = experiment.dataset.exampleIds.some((id) => !ledger.nodeIds.has(id));
      if (missing) await this.fetchNodeIds();
      return;
    }
    if (ledger.datasetId && ledger.versionId && ledger.nodeIds.size > 0) return;
    const examples = this.options.examples;
    if (!examples) throw new Error(`Cannot upload the dataset of experiment "${experiment.name}": its examples were not recorded`);
    const name = experiment.dataset.name;
    await oneAtATime(`${client.host}\n${name}`, async () => {
      const existing = await this.options.limit(() => client.findDatasetByName(name));
      await this.requireServerVersion();
      let result = await this.options.limit(() => client.uploadDataset(uploadBody(name, examples, existing ? "update" : "create")));
      // Taken meanwhile (another process, or our own create whose answer was lost): version it instead.
      if ("conflict" in result) result = await this.options.limit(() => client.uploadDataset(uploadBody(name, examples, "update")));
      if ("conflict" in result) throw new Error(`Phoenix refused to version dataset "${name}": ${result.conflict}`);
      ledger.datasetId = result.dataset_id;
      ledger.versionId = result.version_id;
      const wanted = new Set(examples.map((e) => e.id));
      let held = await this.examplesAt(result.version_id);
      if (!sameIds(held, wanted)) {
        // An unchanged upload answers the newest version by timestamp, which can be an older one
        // made in the same second (SQLite): the newest by id is the one that holds the upload.
        const [newest] = (await this.options.limit(() => client.request<{ data: { version_id: string }[] }>("GET", `/v1/datasets/${encodeURIComponent(result.dataset_id)}/versions`, { query: { limit: 1 } }))).body.data;
        if (newest && newest.version_id !== result.version_id) {
          ledger.versionId = newest.version_id;
          held = await this.examplesAt(newest.version_id);
        }
      }
      if (!sameIds(held, wanted)) {
        const extra = [...held.keys()].filter((id) => !wanted.has(id));
        const missing = [...wanted].filter((id) => !held.has(id));
        throw new Error(
          `Phoenix dataset "${name}" version ${ledger.versionId} does not hold exactly the examples that ran (${extra.length} more: ${preview(extra)}; ${missing.length} missing: ${preview(missing)}): was it changed by another upload at the same time? The upload is kept and can be finished with \`vitest-experiments upload\`.`,
        );
      }
      this.recordNodeIds(held);
    });
  }

  private async examplesAt(versionId: string): Promise<Map<string, string>> {
    const { examples } = await this.options.limit(() => this.client.getDatasetExamples(this.ledger.datasetId!, { versionId }));
    return new Map(examples.map((e) => [e.id, e.node_id]));
  }

  private async fetchNodeIds(): Promise<void> {
    this.recordNodeIds(await this.examplesAt(this.ledger.versionId!));
  }

  private recordNodeIds(held: ReadonlyMap<string, string>): void {
    const { ledger, experiment } = this;
    const datasetId = ledger.datasetId!;
    const versionId = ledger.versionId!;
    for (const [id, nodeId] of held) ledger.nodeIds.set(id, nodeId);
    const unknown = experiment.dataset.exampleIds.filter((id) => !ledger.nodeIds.has(id));
    if (unknown.length > 0) {
      throw new Error(
        `Phoenix dataset "${experiment.dataset.name}" (version ${versionId}) has no example with id ${unknown.slice(0, 3).map((id) => JSON.stringify(id)).join(", ")}${unknown.length > 3 ? ` and ${unknown.length - 3} more` : ""}`,
      );
    }
    this.options.record({ type: "phoenix", kind: "dataset", datasetId, versionId, nodeIds: Object.fromEntries(ledger.nodeIds) });
  }

  /** Before the first write: free when a response already told the version. */
  private requireServerVersion(): Promise<void> {
    return this.client.requireServerVersion(MINIMUM_PHOENIX_VERSION, MINIMUM_PHOENIX_VERSION_NEEDS);
  }

  private async ensureExperiment(): Promise<void> {
    const { ledger } = this;
    if (ledger.experimentId) return;
    await this.requireServerVersion();
    // A resumed upload may have created it already without hearing back.
    const found = ledger.pending ? await this.findExisting() : undefined;
    const created = found ?? (await this.createExperimentOnce());
    this.created = created;
    ledger.experimentId = created.id;
    ledger.url = phoenixExperimentUrl(this.client.host, created.dataset_id, created.id);
    this.options.record({ type: "phoenix", kind: "experiment", experimentId: created.id, datasetId: created.dataset_id, url: ledger.url });
  }

  /** Creating an experiment is not idempotent: after an answer that may have been lost, look before creating again. */
  private async createExperimentOnce(): Promise<PhoenixExperiment> {
    const { experiment, ledger } = this;
    // On a Phoenix dataset the experiment covers only the splits that ran (the experiment's own
    // `splits` narrow the loader's); without them Phoenix counts every other example as missing.
    const phoenix = experiment.dataset.phoenix;
    const splits = phoenix ? (experiment.dataset.splits?.length ? experiment.dataset.splits : phoenix.splits?.length ? phoenix.splits : undefined) : undefined;
    const body = {
      name: experiment.name,
      description: experiment.description ?? null,
      metadata: {
        ...experiment.metadata,
        [LOCAL_ID_METADATA_KEY]: experiment.id,
        ...(experiment.runId !== undefined ? { [RUN_ID_METADATA_KEY]: experiment.runId, ...(experiment.file ? { [FILE_METADATA_KEY]: experiment.file } : {}) } : {}),
      },
      version_id: ledger.versionId!,
      repetitions: experiment.repetitions,
      ...(splits ? { splits } : {}),
    };
    for (let retry = 0; ; retry++) {
      try {
        return await this.options.limit(() => this.client.createExperiment(ledger.datasetId!, body, { retries: 0 }));
      } catch (error) {
        if (!(error instanceof PhoenixError) || !error.retryable || retry >= this.client.retries) throw error;
        const mayHaveArrived = error.code !== "ECONNREFUSED" && error.status !== 429 && error.status !== 503;
        if (mayHaveArrived) {
          const found = await this.findExisting();
          if (found) return found;
        }
        await this.client.pauseBeforeRetry(retry + 1, error);
      }
    }
  }

  private async findExisting(): Promise<PhoenixExperiment | undefined> {
    const experiments = await this.options.limit(() => this.client.listExperiments(this.ledger.datasetId!));
    return experiments.find((e) => e.metadata?.[LOCAL_ID_METADATA_KEY] === this.experiment.id);
  }

  /** Uploads a run (unless the server already has it) and then its evaluations. Throws the first failure. */
  async uploadRun(run: RunRecord, options: { skipEvaluations?: ReadonlySet<string> } = {}): Promise<void> {
    await this.setup();
    const serverRunId = await this.ensureRun(run);
    await this.uploadEvaluations(run, serverRunId, run.evaluations.filter((e) => !options.skipEvaluations?.has(e.name)));
  }

  private nodeIdOf(run: RunRecord): string {
    const nodeId = this.ledger.nodeIds.get(run.exampleId);
    if (!nodeId) throw new Error(`Run ${run.runId}: example "${run.exampleId}" is not in the uploaded dataset version`);
    return nodeId;
  }

  private async ensureRun(run: RunRecord): Promise<string> {
    const known = this.ledger.runIds.get(run.runId);
    if (known) return known;
    const nodeId = this.nodeIdOf(run);
    const result = await this.options.limit(() => this.client.createRun(this.ledger.experimentId!, runBody(run, nodeId)));
    const id = "id" in result ? result.id : await this.existingRunId(nodeId, run.repetition);
    this.ledger.runIds.set(run.runId, id);
    this.options.record({ type: "phoenix", kind: "uploaded", runs: { [run.runId]: id }, evaluations: [] });
    return id;
  }

  /**
   * The server id of a run the server already holds (a 409). Conflicts arriving together share one
   * runs listing, as long as it started after their 409 (so it includes their run).
   */
  private async existingRunId(nodeId: string, repetition: number): Promise<string> {
    const seq = ++this.conflictSeq;
    if (!this.runsListing || this.runsListing.seq < seq) {
      this.runsListing = { seq: this.conflictSeq, promise: this.listServerRuns() };
    }
    const runs = await this.runsListing.promise;
    const run = runs.get(`${nodeId}#${repetition}`);
    if (!run) throw new Error(`Phoenix answered 409 for example ${nodeId} repetition ${repetition} but does not list that run`);
    return run.id;
  }

  private async listServerRuns(): Promise<Map<string, PhoenixRun>> {
    const runs = await this.options.limit(() => this.client.listRuns(this.ledger.experimentId!));
    return new Map(runs.map((r) => [`${r.dataset_example_id}#${r.repetition_number}`, r]));
  }

  private async uploadEvaluations(run: RunRecord, serverRunId: string, evaluations: readonly EvaluationRecord[]): Promise<void> {
    const pending = evaluations.filter((e) => !this.ledger.evaluations.has(evaluationKey(run.runId, e.name)));
    const outcomes = await Promise.allSettled(
      pending.map(async (evaluation) => {
        await this.options.limit(() => this.client.upsertEvaluation(evaluationBody(evaluation, serverRunId)));
        const key = evaluationKey(run.runId, evaluation.name);
        this.ledger.evaluations.add(key);
        this.options.record({ type: "phoenix", kind: "uploaded", runs: {}, evaluations: [key] });
      }),
    );
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) throw failed.reason;
  }

  /**
   * Completes an interrupted upload against what the server holds: runs it lacks (or holds as
   * failed while ours succeeded) are posted, and evaluations it reports incomplete are upserted.
   * Never duplicates: runs are matched by example × repetition, evaluations are upserts.
   */
  async reconcile(runs: readonly RunRecord[]): Promise<{ runsPosted: number; evaluationsPosted: number }> {
    await this.setup();
    const server = await this.listServerRuns();
    let runsPosted = 0;
    const existing: RunRecord[] = [];
    const missing: RunRecord[] = [];
    for (const run of runs) {
      const held = server.get(`${this.nodeIdOf(run)}#${run.repetition}`);
      if (held && (held.error === null || held.error === undefined || run.status === "error")) {
        this.ledger.runIds.set(run.runId, held.id);
        existing.push(run);
      } else {
        this.ledger.runIds.delete(run.runId);
        missing.push(run);
      }
    }
    // Evaluations of runs the server already had: ask which are missing or failed there.
    const names = [...new Set(existing.flatMap((r) => r.evaluations.map((e) => phoenixEvaluationName(e.name))))].filter((n) => n !== "");
    const incomplete = new Set<string>();
    if (names.length > 0) {
      const rows = await this.options.limit(() => this.client.listIncompleteEvaluations(this.ledger.experimentId!, names));
      for (const row of rows) for (const name of row.evaluation_names) incomplete.add(`${row.experiment_run.id}#${name}`);
    }
    let evaluationsPosted = 0;
    const failures: unknown[] = [];
    await Promise.all([
      ...missing.map(async (run) => {
        for (const e of run.evaluations) this.ledger.evaluations.delete(evaluationKey(run.runId, e.name));
        try {
          await this.uploadRun(run);
          runsPosted++;
          evaluationsPosted += run.evaluations.length;
        } catch (error) {
          failures.push(error);
        }
      }),
      ...existing.map(async (run) => {
        const serverRunId = this.ledger.runIds.get(run.runId)!;
        // Phoenix trims the names it reports incomplete; they are uploaded trimmed too.
        const todo = run.evaluations.filter((e) => incomplete.has(`${serverRunId}#${phoenixEvaluationName(e.name)}`));
        for (const e of todo) this.ledger.evaluations.delete(evaluationKey(run.runId, e.name));
        try {
          await this.uploadEvaluations(run, serverRunId, todo);
          evaluationsPosted += todo.length;
        } catch (error) {
          failures.push(error);
        }
      }),
    ]);
    if (failures.length > 0) throw failures[0];
    return { runsPosted, evaluationsPosted };
  }
}

function sameIds(held: ReadonlyMap<string, string>, wanted: ReadonlySet<string>): boolean {
  return held.size === wanted.size && [...wanted].every((id) => held.has(id));
}

function preview(ids: readonly string[]): string {
  if (ids.length === 0) return "none";
  return `${ids.slice(0, 3).map((id) => JSON.stringify(id)).join(", ")}${ids.length > 3 ? ", …" : ""}`;
}

/** Earliest created first; ties (one clock tick) broken by the server's row order. */
function creationOrder(a: PhoenixExperiment, b: PhoenixExperiment): number {
  const byTime = Date.parse(a.created_at) - Date.parse(b.created_at);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  const rowA = fromGlobalId(a.id)?.rowId;
  const rowB = fromGlobalId(b.id)?.rowId;
  if (rowA !== undefined && rowB !== undefined && rowA !== rowB) return rowA - rowB;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
