import { randomBytes } from "node:crypto";
import type { DatasetSource, Example } from "../datasets/types.js";
import { datasetContentHash } from "../datasets/normalize.js";
import { resolveDataset } from "../datasets/resolve.js";
import { createDefaultSinks, type SinkOptions } from "../reporter/default-sinks.js";
import { buildResult } from "../record/stats.js";
import type { EvaluationRecord, EvaluatorKind, ExperimentDescriptor, ExperimentResult, JsonObject, JsonValue, RunRecord } from "../record/types.js";
import { runIdOf } from "../record/naming.js";
import { composeSinks } from "../sinks/compose.js";
import { findPhoenixSink, type PhoenixServerIds } from "../sinks/phoenix-sink.js";
import { findArizeSink, type ArizeServerIds } from "../sinks/arize-sink.js";
import type { ExperimentSink, SinkOutput } from "../sinks/types.js";
import { LogExperimentError, rowsOf, type RunRow } from "./runs-file.js";

/**
 * Arize's "log an experiment": results computed elsewhere (a notebook, another harness, a batch
 * job) recorded as an experiment, into the local store and, when configured, Phoenix, exactly as
 * if `runExperiment()` had produced them.
 */

/** Which column holds what for the task. Only `exampleId` and `output` are needed. */
export interface TaskFields {
  /** Default `example_id`. */
  exampleId?: string;
  /** Default `output`. */
  output?: string;
  /** 1-based; default: the n-th row of an example is its repetition n. */
  repetition?: string;
  /** A non-empty value makes the run a failed run with this message. */
  error?: string;
  /** ISO-8601; default: when the experiment is logged. */
  startTime?: string;
  endTime?: string;
}

/** Which columns hold one evaluator's result; at least one of score and label. */
export interface EvaluatorColumns {
  score?: string;
  label?: string;
  explanation?: string;
  /** Default "CODE". */
  kind?: EvaluatorKind;
}

export interface LogExperimentOptions extends Omit<SinkOptions, "junit" | "stepSummary"> {
  /** Phoenix's `experiment_name`. */
  name: string;
  /** The dataset the runs were computed on (inline, `datasets.fromFile(…)`, `phoenix.dataset(…)`). */
  dataset: DatasetSource;
  /** One object per run: column → value. Rows read by `readRunsFile` keep their file and line. */
  runs: readonly Record<string, unknown>[] | readonly RunRow[];
  taskFields?: TaskFields;
  /** Evaluator name → the columns holding its result. */
  evaluatorColumns?: Record<string, EvaluatorColumns>;
  description?: string;
  metadata?: JsonObject;
  /** Print the experiment summary. Default true. */
  printSummary?: boolean;
  /** Project root for the local store. Default: the working directory. */
  root?: string;
  /** More destinations for the records. */
  sinks?: ExperimentSink[];
  /** Where messages go. Default: the console. */
  output?: SinkOutput;
  /** Environment for the store and Phoenix settings. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface LoggedExperiment {
  /** Phoenix's experiment id when it reached Phoenix, else the local id. */
  experimentId: string;
  localExperimentId: string;
  runs: RunRecord[];
  result: ExperimentResult;
  phoenix?: PhoenixServerIds;
  /** Set when the experiment reached Arize AX. */
  arize?: ArizeServerIds;
}

export async function logExperiment(options: LogExperimentOptions): Promise<LoggedExperiment> {
  const dataset = await resolveDataset(options.dataset);
  const rows = isRunRows(options.runs) ? options.runs : rowsOf(options.runs as readonly Record<string, unknown>[]);
  if (rows.length === 0) throw new LogExperimentError("runs", "there are no runs to log");
  const descriptor = describeExperiment(options, dataset.examples, dataset);
  const runs = recordsOf(rows, descriptor, new Map(dataset.examples.map((e) => [e.id, e])), options);
  descriptor.repetitions = Math.max(...runs.map((r) => r.repetition));

  const output = options.output ?? { log: (t: string) => console.log(t), warn: (t: string) => console.warn(t) };
  const sinkOptions: SinkOptions = {
    junit: false,
    stepSummary: false,
    ...(options.storeDir !== undefined ? { storeDir: options.storeDir } : {}),
    ...(options.phoenix !== undefined ? { phoenix: options.phoenix } : {}),
    ...(options.arize !== undefined ? { arize: options.arize } : {}),
    ...(options.colors !== undefined ? { colors: options.colors } : {}),
  };
  const defaults = createDefaultSinks(sinkOptions, { output, root: options.root ?? process.cwd(), ...(options.env ? { env: options.env } : {}) });
  const sinks = composeSinks([...defaults, ...(options.sinks ?? [])], output);
  await sinks.experimentStarted(descriptor, dataset.examples);
  for (const run of runs) await sinks.runCompleted(run, descriptor);
  const result = buildResult(descriptor, runs, { partial: false });
  await sinks.experimentFinished(result);
  await sinks.close();
  const server = findPhoenixSink(defaults)?.serverIdsFor(descriptor);
  const arize = findArizeSink(defaults)?.serverIdsFor(descriptor);
  return { experimentId: server?.experimentId ?? descriptor.id, localExperimentId: descriptor.id, runs, result, ...(server ? { phoenix: server } : {}), ...(arize ? { arize } : {}) };
}

function isRunRows(runs: LogExperimentOptions["runs"]): runs is readonly RunRow[] {
  return runs.length > 0 && runs.every((r) => typeof (r as RunRow).where === "string" && typeof (r as RunRow).values === "object");
}

function describeExperiment(options: LogExperimentOptions, examples: readonly Example[], dataset: { name: string; phoenix?: { datasetId: string; versionId: string } }): ExperimentDescriptor {
  const evaluators = Object.entries(options.evaluatorColumns ?? {}).map(([name, columns]) => {
    if (!columns.score && !columns.label) throw new LogExperimentError("evaluatorColumns", `evaluator "${name}" needs a score column, a label column or both`);
    return { name, kind: columns.kind ?? "CODE", direction: "maximize" as const };
  });
  return {
    id: newExperimentId(),
    name: options.name,
    ...(options.description !== undefined ? { description: options.description } : {}),
    metadata: options.metadata ?? {},
    dataset: {
      name: dataset.name,
      exampleIds: examples.map((e) => e.id),
      totalExamples: examples.length,
      contentHash: datasetContentHash(examples),
      ...(dataset.phoenix ? { phoenix: dataset.phoenix } : {}),
    },
    repetitions: 1,
    evaluators,
    gates: [],
    dryRun: null,
    config: { concurrency: 1, retries: 0, timeout: 0, exitOnError: false, allowedErrorRate: 0, printSummary: options.printSummary ?? true },
    startTime: new Date().toISOString(),
  };
}

function recordsOf(rows: readonly RunRow[], experiment: ExperimentDescriptor, examples: ReadonlyMap<string, Example>, options: LogExperimentOptions): RunRecord[] {
  const fields = { exampleId: "example_id", output: "output", ...options.taskFields };
  const loggedAt = experiment.startTime;
  const seen = new Map<string, string>();
  const repetitionsSoFar = new Map<string, number>();
  return rows.map(({ values, where }) => {
    const column = (name: string, required: boolean): unknown => {
      if (!(name in values)) {
        if (!required) return undefined;
        throw new LogExperimentError(where, `missing; the row has ${Object.keys(values).map((k) => JSON.stringify(k)).join(", ") || "no columns"}`, name);
      }
      return values[name];
    };
    const rawId = column(fields.exampleId, true);
    if (typeof rawId !== "string" && typeof rawId !== "number") throw new LogExperimentError(where, `expected an example id (a string), got ${JSON.stringify(rawId)}`, fields.exampleId);
    const exampleId = String(rawId);
    if (!examples.has(exampleId)) {
      const known = [...examples.keys()].slice(0, 5).map((id) => JSON.stringify(id)).join(", ");
      throw new LogExperimentError(where, `dataset "${experiment.dataset.name}" has no example with id ${JSON.stringify(exampleId)} (its ids include ${known})`, fields.exampleId);
    }
    const repetition = fields.repetition && column(fields.repetition, false) !== undefined && column(fields.repetition, false) !== ""
      ? positiveInteger(column(fields.repetition, false), where, fields.repetition)
      : (repetitionsSoFar.get(exampleId) ?? 0) + 1;
    repetitionsSoFar.set(exampleId, Math.max(repetition, repetitionsSoFar.get(exampleId) ?? 0));
    const key = `${exampleId}#${repetition}`;
    const earlier = seen.get(key);
    if (earlier) throw new LogExperimentError(where, `example ${JSON.stringify(exampleId)} repetition ${repetition} was already given at ${earlier}`);
    seen.set(key, where);

    const error = fields.error ? optionalText(column(fields.error, false), where, fields.error) : null;
    const startTime = fields.startTime ? (timestamp(column(fields.startTime, false), where, fields.startTime) ?? loggedAt) : loggedAt;
    const endTime = fields.endTime ? (timestamp(column(fields.endTime, false), where, fields.endTime) ?? startTime) : startTime;
    const base = {
      experimentId: experiment.id,
      experimentName: experiment.name,
      runId: runIdOf(experiment.id, exampleId, repetition),
      exampleId,
      repetition,
      startTime,
      endTime,
      latencyMs: Math.max(0, Date.parse(endTime) - Date.parse(startTime)),
      attempts: [{ startTime, endTime, error, rateLimited: false, timedOut: false }],
      traceId: null,
    };
    if (error) return { ...base, status: "error", output: null, error: { name: "Error", message: error }, evaluations: [] };
    const output = column(fields.output, true);
    const evaluations = Object.entries(options.evaluatorColumns ?? {}).flatMap(([name, columns]) => evaluationOf(name, columns, values, where, startTime, endTime));
    return { ...base, status: "ok", output: jsonOf(output, where, fields.output), error: null, evaluations };
  });
}

function evaluationOf(name: string, columns: EvaluatorColumns, values: Record<string, unknown>, where: string, startTime: string, endTime: string): EvaluationRecord[] {
  const score = columns.score ? scoreOf(values[columns.score], where, columns.score) : null;
  const label = columns.label ? optionalText(values[columns.label], where, columns.label) : null;
  const explanation = columns.explanation ? optionalText(values[columns.explanation], where, columns.explanation) : null;
  // An empty cell means "not evaluated", not "scored nothing".
  if (score === null && label === null) return [];
  return [{ name, kind: columns.kind ?? "CODE", startTime, endTime, metadata: {}, traceId: null, score, label, explanation, error: null }];
}

function scoreOf(value: unknown, where: string, column: string): number | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const text = value.trim().toLowerCase();
    if (text === "true") return 1;
    if (text === "false") return 0;
    const number = Number(text);
    if (text !== "" && Number.isFinite(number)) return number;
  }
  throw new LogExperimentError(where, `expected a score (a finite number or a boolean), got ${JSON.stringify(value)}`, column);
}

function optionalText(value: unknown, where: string, column: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new LogExperimentError(where, `expected text, got ${JSON.stringify(value)}`, column);
}

function positiveInteger(value: unknown, where: string, column: string): number {
  const number = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof number === "number" && Number.isInteger(number) && number >= 1) return number;
  throw new LogExperimentError(where, `expected a repetition number (an integer ≥ 1), got ${JSON.stringify(value)}`, column);
}

function timestamp(value: unknown, where: string, column: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  const time = typeof value === "string" || typeof value === "number" ? Date.parse(String(value)) : Number.NaN;
  if (Number.isNaN(time)) throw new LogExperimentError(where, `expected an ISO-8601 time, got ${JSON.stringify(value)}`, column);
  return new Date(time).toISOString();
}

function jsonOf(value: unknown, where: string, column: string): JsonValue {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch (error) {
    throw new LogExperimentError(where, `the output is not JSON-serializable: ${(error as Error).message}`, column);
  }
}

/** Sortable by time, unique across processes, the same shape as the ids of experiments that ran. */
function newExperimentId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "");
  return `${stamp}-${randomBytes(4).toString("hex")}`;
}
