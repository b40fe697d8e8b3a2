import pLimit from "p-limit";
import type { DatasetSource, Example } from "../datasets/types.js";
import { resolveDataset } from "../datasets/resolve.js";
import { normalizeEvaluators } from "../declaration/evaluators.js";
import { AdaptiveRateLimiter } from "../engine/rate-limiter.js";
import { runEvaluators } from "../evaluators/run-evaluators.js";
import type { EvaluatorsInput, NamedEvaluator } from "../evaluators/types.js";
import type { EvaluationRecord, JsonObject, RunRecord } from "../record/types.js";
import { openStore, resolveStoreDir } from "../store/index.js";
import type { ExperimentStore, StoredExperiment, StoreEvent } from "../store/types.js";
import type { PhoenixDatasetExample, PhoenixRun } from "./api-types.js";
import { PhoenixClient } from "./client.js";
import { resolvePhoenixConfig, type PhoenixConfigOptions } from "./config.js";
import { fromGlobalId } from "./ids.js";
import { ledgerFrom } from "./ledger.js";
import { evaluationBody } from "./payloads.js";

/**
 * Phoenix's `evaluate_experiment`: new evaluators over the runs of an experiment that already ran,
 * from the local store (by id or name) or from Phoenix (by its experiment id). The evaluations are
 * recorded where the experiment lives: an `evaluations` event in the local store, and upserts on
 * Phoenix when the experiment is there (an evaluation of the same name is replaced).
 */

export interface EvaluateExperimentOptions {
  /** A local experiment id or name (the latest of that name), or a Phoenix experiment id. */
  experiment: string;
  evaluators: EvaluatorsInput;
  /**
   * The dataset, for evaluators that read `input`, `expected` or `metadata` of a local experiment
   * whose examples were not recorded (they are when it was uploaded, and always on Phoenix).
   */
  dataset?: DatasetSource;
  /** Evaluations in flight at once. Default 3. */
  concurrency?: number;
  /** Per evaluation, in milliseconds. Default 60000. */
  timeout?: number;
  /** Local store directory; `false` for none. Default: `VITEST_EXPERIMENTS_DIR`, else `<root>/.vitest-experiments`. */
  storeDir?: string | false;
  root?: string;
  /** Phoenix server; `false` to use the local store only. Default: Phoenix's environment variables. */
  phoenix?: PhoenixConfigOptions | false;
  env?: NodeJS.ProcessEnv;
}

/** One new evaluation, addressed by its run. */
export type EvaluatedRun = EvaluationRecord & {
  /** The local run id (local experiments) or the Phoenix run id. */
  runId: string;
  exampleId: string;
  repetition: number;
  /** The Phoenix run id, when the evaluation was upserted there. */
  phoenixRunId?: string;
};

export interface EvaluatedExperiment {
  source: "local" | "phoenix";
  /** The experiment as `experiment` resolved it: a local id, or a Phoenix id. */
  experimentId: string;
  evaluationRuns: EvaluatedRun[];
  /** Evaluations upserted on Phoenix. */
  uploaded: number;
  /** Runs skipped because their task failed (there is no output to evaluate). */
  skippedRuns: number;
}

/** The store event that records evaluations added after an experiment ran. */
export interface EvaluationsEvent {
  type: "evaluations";
  /** Local run id → the evaluations added to it. */
  runs: { [runId: string]: EvaluationRecord[] };
}

export class EvaluateExperimentError extends Error {
  override readonly name = "EvaluateExperimentError";
}

export async function evaluateExperiment(options: EvaluateExperimentOptions): Promise<EvaluatedExperiment> {
  const env = options.env ?? process.env;
  const evaluators = normalizeEvaluators(options.evaluators, { experiment: options.experiment });
  if (evaluators.length === 0) throw new EvaluateExperimentError(`evaluateExperiment(${JSON.stringify(options.experiment)}): give at least one evaluator`);
  const store = options.storeDir === false ? undefined : openStore(resolveStoreDir({ root: options.root ?? process.cwd(), dir: options.storeDir, env }));
  const config = options.phoenix === false ? undefined : resolvePhoenixConfig(options.phoenix || {}, env);
  const client = config ? new PhoenixClient(config) : undefined;
  try {
    const stored = store ? await store.readExperiment(options.experiment) : undefined;
    if (stored) return await evaluateLocal(stored, store!, client, evaluators, options);
    if (client && fromGlobalId(options.experiment)?.type === "Experiment") return await evaluateOnPhoenix(options.experiment, client, evaluators, options);
    const where = [store ? `the local store at ${store.dir}` : undefined, client ? `Phoenix (${client.host}; give its Experiment id)` : undefined].filter(Boolean).join(" or ");
    throw new EvaluateExperimentError(`No experiment ${JSON.stringify(options.experiment)} in ${where || "the local store (it is off) nor Phoenix (PHOENIX_HOST is not set)"}`);
  } finally {
    await client?.close();
    await store?.close();
  }
}

async function evaluateLocal(
  stored: StoredExperiment,
  store: ExperimentStore,
  client: PhoenixClient | undefined,
  evaluators: NamedEvaluator[],
  options: EvaluateExperimentOptions,
): Promise<EvaluatedExperiment> {
  const { experiment } = stored;
  const examples = await localExamples(stored, options.dataset);
  const ledger = ledgerFrom(stored.events);
  const evaluate = evaluatorRunner(evaluators, options);
  const evaluationRuns: EvaluatedRun[] = [];
  const byRun: EvaluationsEvent["runs"] = {};
  const ok = stored.runs.filter((r) => r.status === "ok");
  await Promise.all(
    ok.map(async (run) => {
      const example = examples.get(run.exampleId) ?? { id: run.exampleId, input: null, expected: null, metadata: {}, splits: [] };
      const evaluations = await evaluate(run, example);
      byRun[run.runId] = evaluations;
      for (const evaluation of evaluations) evaluationRuns.push({ ...evaluation, runId: run.runId, exampleId: run.exampleId, repetition: run.repetition });
    }),
  );
  const event: EvaluationsEvent = { type: "evaluations", runs: byRun };
  await store.appendEvent(experiment.id, event as unknown as StoreEvent);

  let uploaded = 0;
  if (client && ledger.experimentId) {
    const limit = pLimit(8);
    await Promise.all(
      evaluationRuns.map((evaluation) => {
        const serverRunId = ledger.runIds.get(evaluation.runId);
        if (!serverRunId) return undefined;
        evaluation.phoenixRunId = serverRunId;
        return limit(async () => {
          await client.upsertEvaluation(evaluationBody(evaluation, serverRunId));
          uploaded++;
        });
      }),
    );
  }
  return { source: "local", experimentId: experiment.id, evaluationRuns: inRunOrder(evaluationRuns, stored.runs), uploaded, skippedRuns: stored.runs.length - ok.length };
}

async function localExamples(stored: StoredExperiment, dataset: DatasetSource | undefined): Promise<Map<string, Example>> {
  if (dataset) return new Map((await resolveDataset(dataset)).examples.map((e) => [e.id, e]));
  // An uploaded experiment kept its examples for the upload.
  const snapshots = ledgerFrom(stored.events).examples ?? [];
  return new Map(snapshots.map((s) => [s.id, { id: s.id, input: s.input, expected: s.expected, metadata: s.metadata, splits: s.splits }]));
}

async function evaluateOnPhoenix(experimentId: string, client: PhoenixClient, evaluators: NamedEvaluator[], options: EvaluateExperimentOptions): Promise<EvaluatedExperiment> {
  const experiment = await client.getExperiment(experimentId);
  const [runs, { examples }] = await Promise.all([
    client.listRuns(experimentId),
    client.getDatasetExamples(experiment.dataset_id, { versionId: experiment.dataset_version_id }),
  ]);
  const byNode = new Map(examples.map((e) => [e.node_id, e]));
  const evaluate = evaluatorRunner(evaluators, options);
  const limit = pLimit(8);
  const evaluationRuns: EvaluatedRun[] = [];
  const ok = runs.filter((r) => r.error === null || r.error === undefined).sort((a, b) => a.id.localeCompare(b.id));
  await Promise.all(
    ok.map(async (serverRun) => {
      const example = exampleOf(serverRun, byNode.get(serverRun.dataset_example_id));
      const run = runRecordOf(serverRun, experiment.name, example.id);
      const evaluations = await evaluate(run, example);
      await Promise.all(evaluations.map((e) => limit(() => client.upsertEvaluation(evaluationBody(e, serverRun.id)))));
      for (const evaluation of evaluations) {
        evaluationRuns.push({ ...evaluation, runId: serverRun.id, exampleId: example.id, repetition: serverRun.repetition_number, phoenixRunId: serverRun.id });
      }
    }),
  );
  const order = new Map(runs.map((r, i) => [r.id, -i]));
  evaluationRuns.sort((a, b) => order.get(a.runId)! - order.get(b.runId)! || a.name.localeCompare(b.name));
  return { source: "phoenix", experimentId, evaluationRuns, uploaded: evaluationRuns.length, skippedRuns: runs.length - ok.length };
}

function exampleOf(run: PhoenixRun, example: PhoenixDatasetExample | undefined): Example {
  if (!example) return { id: run.dataset_example_id, input: null, expected: null, metadata: {}, splits: [] };
  return { id: example.id, nodeId: example.node_id, input: example.input as JsonObject, expected: example.output as JsonObject, metadata: example.metadata as JsonObject, splits: [] };
}

/** A server run in the shape evaluators receive as `run`. */
function runRecordOf(run: PhoenixRun, experimentName: string, exampleId: string): Omit<RunRecord, "evaluations"> {
  return {
    experimentId: run.experiment_id,
    experimentName,
    runId: run.id,
    exampleId,
    repetition: run.repetition_number,
    startTime: run.start_time,
    endTime: run.end_time,
    latencyMs: Math.max(0, Date.parse(run.end_time) - Date.parse(run.start_time)),
    attempts: [{ startTime: run.start_time, endTime: run.end_time, error: null, rateLimited: false, timedOut: false }],
    traceId: run.trace_id ?? null,
    status: "ok",
    output: (run.output ?? null) as RunRecord["output"],
    error: null,
  } as Omit<RunRecord, "evaluations">;
}

function evaluatorRunner(evaluators: NamedEvaluator[], options: EvaluateExperimentOptions) {
  const limit = pLimit(options.concurrency ?? 3);
  const limiter = new AdaptiveRateLimiter();
  return (run: Omit<RunRecord, "evaluations">, example: Example) =>
    limit(() => runEvaluators(evaluators, run, example, { timeout: options.timeout ?? 60_000, retries: 3, retryDelay: 1_000, limiter, rateLimitErrors: [] }));
}

function inRunOrder(evaluations: EvaluatedRun[], runs: readonly RunRecord[]): EvaluatedRun[] {
  const order = new Map(runs.map((r, i) => [r.runId, i]));
  return evaluations.sort((a, b) => order.get(a.runId)! - order.get(b.runId)! || a.name.localeCompare(b.name));
}

/** The runs of a stored experiment with the evaluations `evaluateExperiment` added later (the latest of each name wins). */
export function runsWithAddedEvaluations(stored: Pick<StoredExperiment, "runs" | "events">): RunRecord[] {
  const added = new Map<string, EvaluationRecord[]>();
  for (const event of stored.events) {
    if (event.type !== "evaluations") continue;
    for (const [runId, evaluations] of Object.entries((event as unknown as EvaluationsEvent).runs)) added.set(runId, [...(added.get(runId) ?? []), ...evaluations]);
  }
  if (added.size === 0) return stored.runs;
  return stored.runs.map((run) => {
    const extra = added.get(run.runId);
    if (!extra) return run;
    const byName = new Map(run.evaluations.map((e) => [e.name, e]));
    for (const evaluation of extra) byName.set(evaluation.name, evaluation);
    return { ...run, evaluations: [...byName.values()] };
  });
}
