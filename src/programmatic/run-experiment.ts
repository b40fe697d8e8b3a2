import type { ExperimentOptions } from "../declaration/options.js";
import { ExperimentExecutor } from "../engine/executor.js";
import { prepareExperiment } from "../engine/prepare.js";
import { createDefaultSinks, type SinkOptions } from "../reporter/default-sinks.js";
import { buildResult } from "../record/stats.js";
import type { EvaluationRecord, ExperimentResult, JsonObject, RunRecord } from "../record/types.js";
import { composeSinks } from "../sinks/compose.js";
import type { ExperimentSink } from "../sinks/types.js";
import { findPhoenixSink, type PhoenixServerIds } from "../sinks/phoenix-sink.js";
import { findArizeSink, type ArizeServerIds } from "../sinks/arize-sink.js";
import { startRunTracing } from "../tracing/run-tracing.js";

export interface RunExperimentOptions<I = any, O = any, E = any> extends ExperimentOptions<I, O, E>, SinkOptions {
  /**
   * Phoenix's `experiment_name`. Optional as in Phoenix: without one the experiment is named after
   * its dataset the way Phoenix's server names it (`<first 8 characters of the dataset name>-<8 hex digits>`).
   */
  experimentName?: string;
  /** More destinations for the records, after the built-in ones. */
  sinks?: ExperimentSink[];
  /** Project root for the local store and relative dataset paths. Default: the working directory. */
  root?: string;
  /**
   * Spans for each task attempt and evaluator, exported to Phoenix (needs the OpenTelemetry
   * packages). Default: on when uploading to Phoenix, unless `VITEST_EXPERIMENTS_TRACING=false`.
   */
  tracing?: boolean;
}

/** One evaluation, addressed by its run (Phoenix's `ExperimentEvaluationRun`). */
export interface EvaluationRun extends Omit<EvaluationRecord, never> {
  runId: string;
  exampleId: string;
  repetition: number;
}

/** Phoenix's `RanExperiment`, with the product's records. */
export interface RanExperiment {
  experimentId: string;
  datasetId: string;
  datasetVersionId: string;
  /** One per example × repetition that ran. */
  taskRuns: RunRecord[];
  /** One per run × evaluator. */
  evaluationRuns: EvaluationRun[];
  experimentMetadata: JsonObject;
  projectName: string | null;
  /** Statistics, gate verdicts and overall status. */
  result: ExperimentResult;
  /**
   * Set when the experiment reached Phoenix: `experimentId`, `datasetId`, `datasetVersionId` and
   * `projectName` above are then the server's, and this is the local store's id (also
   * `result.experiment.id` and every task run's `experimentId`).
   */
  localExperimentId?: string;
  /** Set when the experiment reached Phoenix: its page, and the server id of each uploaded run by local run id. */
  phoenix?: PhoenixServerIds;
  /** Set when the experiment reached Arize AX: its AX ids and name, and the AX id of each uploaded run by local run id. */
  arize?: ArizeServerIds;
}

/**
 * Phoenix's `run_experiment` without Vitest: the same engine, evaluators, gates and sinks as the
 * `experiment()` test cases. Resolves when every run is recorded; never throws for a failing task
 * or gate (read `result.status`), only for a declaration error.
 */
export async function runExperiment<I = any, O = any, E = any>(options: RunExperimentOptions<I, O, E>): Promise<RanExperiment> {
  const { experimentName, sinks: extraSinks = [], root = process.cwd(), junit = false, storeDir, colors, stepSummary = false, phoenix, arize, tracing, report, ...experimentOptions } = options;
  const prepared = await prepareExperiment(experimentName, experimentOptions, { root, nameOptional: true });
  const { descriptor, examples } = prepared;
  const output = { log: (t: string) => console.log(t), warn: (t: string) => console.warn(t) };
  const defaultSinks = createDefaultSinks({ junit, stepSummary, ...(storeDir !== undefined ? { storeDir } : {}), ...(colors !== undefined ? { colors } : {}), ...(phoenix !== undefined ? { phoenix } : {}), ...(arize !== undefined ? { arize } : {}), ...(report !== undefined ? { report } : {}) }, { output, root });
  const sinks = composeSinks([...defaultSinks, ...extraSinks], output);
  const traces = await startRunTracing({ prepared, phoenixSink: findPhoenixSink(defaultSinks), phoenix, tracing, output });
  await sinks.experimentStarted(descriptor, examples);

  const executor = new ExperimentExecutor(prepared);
  const taskRuns: RunRecord[] = [];
  // Sinks see runs in completion order, one at a time, while the next runs are in flight.
  let delivered = Promise.resolve();
  await Promise.all(
    examples.flatMap((example) =>
      Array.from({ length: descriptor.repetitions }, async (_, i) => {
        const outcome = await executor.run(example, i + 1);
        if (outcome.kind !== "run") return;
        traces?.applyTraceIds(outcome.record);
        taskRuns.push(outcome.record);
        delivered = delivered.then(() => sinks.runCompleted(outcome.record, descriptor));
      }),
    ),
  );
  await delivered;
  const expected = examples.length * descriptor.repetitions;
  const result = buildResult(descriptor, taskRuns, { partial: taskRuns.length < expected, throttle: executor.limiter.summary() });
  await sinks.experimentFinished(result);
  await sinks.close();
  await traces?.finish();

  const order = new Map(examples.map((e, i) => [e.id, i]));
  taskRuns.sort((a, b) => order.get(a.exampleId)! - order.get(b.exampleId)! || a.repetition - b.repetition);
  const server = findPhoenixSink(defaultSinks)?.serverIdsFor(descriptor);
  const arizeIds = findArizeSink(defaultSinks)?.serverIdsFor(descriptor);
  return {
    experimentId: descriptor.id,
    datasetId: descriptor.dataset.phoenix?.datasetId ?? descriptor.dataset.name,
    datasetVersionId: descriptor.dataset.phoenix?.versionId ?? descriptor.dataset.contentHash,
    taskRuns,
    evaluationRuns: taskRuns.flatMap((run) =>
      run.evaluations.map((evaluation) => ({ ...evaluation, runId: run.runId, exampleId: run.exampleId, repetition: run.repetition })),
    ),
    experimentMetadata: descriptor.metadata,
    projectName: null,
    result,
    ...(arizeIds ? { arize: arizeIds } : {}),
    ...(server
      ? {
          experimentId: server.experimentId,
          datasetId: server.datasetId,
          datasetVersionId: server.datasetVersionId,
          projectName: server.projectName,
          localExperimentId: descriptor.id,
          phoenix: server,
        }
      : {}),
  };
}
