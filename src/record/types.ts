/**
 * The records that flow one way through the product:
 * declaration → engine → evaluators → RunRecord → reporter → sinks.
 *
 * Everything here is plain JSON (no classes, no functions, no Dates) because records cross
 * the worker → main process boundary through Vitest's `task.meta`, are appended to the local
 * store as JSON lines, and are uploaded to Phoenix.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who produced an evaluation; the same three kinds Phoenix's `annotator_kind` accepts. */
export type EvaluatorKind = "CODE" | "LLM" | "HUMAN";

/** `maximize`: higher scores are better (accuracy). `minimize`: lower is better (latency, cost). */
export type Direction = "maximize" | "minimize";

/** One evaluator's verdict on one run. Either a result or an error, never both. */
export type EvaluationRecord = EvaluationBase & (EvaluationResult | EvaluationFailure);

interface EvaluationBase {
  name: string;
  kind: EvaluatorKind;
  startTime: string;
  endTime: string;
  /** Evaluation metadata (kept top-level: Phoenix drops metadata nested in `result`). */
  metadata: JsonObject;
  traceId: string | null;
}
interface EvaluationResult {
  /** A number, or null when the evaluator returned only a label (or null). */
  score: number | null;
  label: string | null;
  explanation: string | null;
  error: null;
}
interface EvaluationFailure {
  score: null;
  label: null;
  explanation: null;
  /** The evaluator threw, timed out or returned something that is not a result. */
  error: string;
}

/** One attempt of the task. A run has one or more. */
export interface AttemptRecord {
  startTime: string;
  endTime: string;
  /** Null when the attempt succeeded. */
  error: string | null;
  /** The attempt was refused by a rate limit; it did not spend one of the task's `retries`. */
  rateLimited: boolean;
  timedOut: boolean;
}

/** An error, reduced to what can cross a process boundary and be shown to a person. */
export interface RecordedError {
  name: string;
  message: string;
  stack?: string;
}

interface RunBase {
  /** Local id of the experiment this run belongs to. */
  experimentId: string;
  experimentName: string;
  /** Stable across processes: `<experimentId>/<exampleId>/<repetition>`. */
  runId: string;
  exampleId: string;
  /** 1-based. */
  repetition: number;
  /** Start of the first attempt and end of the last one (ISO-8601). */
  startTime: string;
  endTime: string;
  /** Wall time of the successful (or last) attempt, in milliseconds. */
  latencyMs: number;
  attempts: AttemptRecord[];
  traceId: string | null;
  evaluations: EvaluationRecord[];
  /** LLM requests answered from (hits) or added to (misses) the local request cache during this run. */
  cache?: { hits: number; misses: number };
}

/** The unit every sink consumes: one example × repetition, after its task and evaluators ran. */
export type RunRecord = RunBase & (
  | { status: "ok"; output: JsonValue; error: null }
  | { status: "error"; output: null; error: RecordedError }
);

/** How a dataset that ran is identified, so runs can be compared across experiments. */
export interface DatasetDescriptor {
  name: string;
  /** Ids of the examples that ran (after splits and dry-run sampling), in order. */
  exampleIds: string[];
  /** Number of examples in the dataset before sampling. */
  totalExamples: number;
  /** A hash over every example's id, input, expected output and metadata. */
  contentHash: string;
  /** Set when the dataset came from Phoenix. */
  phoenix?: { datasetId: string; versionId: string; splits?: string[] };
  splits?: string[];
}

/** A gate bar as declared (after parsing shorthand forms). */
export interface GateSpec {
  evaluator: string;
  direction: Direction;
  mean?: number;
  perRun?: number;
  passRate?: number;
  maxDrop?: number;
}

export type GateKind = "mean" | "perRun" | "passRate" | "maxDrop" | "errorRate";

/**
 * One checked gate. `partial`: the run was filtered (`-t`, `.only`, dry run) or interrupted, so the
 * verdict is over data that is not the whole dataset and must not be read as a pass.
 */
export interface GateVerdict {
  evaluator: string;
  kind: GateKind;
  direction: Direction;
  bar: number;
  observed: number | null;
  samples: number;
  status: "pass" | "fail" | "partial" | "no-baseline";
  /** Baseline mean, for maxDrop. */
  baseline?: number;
  detail?: string;
}

export interface DryRunInfo {
  /** Number of examples sampled. */
  sampled: number;
  seed: number;
}

/** What an experiment is, known before its first run; the store's experiment header. */
export interface ExperimentDescriptor {
  id: string;
  name: string;
  /** The eval file, relative to the project root (absent for `runExperiment()`). */
  file?: string;
  description?: string;
  metadata: JsonObject;
  dataset: DatasetDescriptor;
  repetitions: number;
  evaluators: { name: string; kind: EvaluatorKind; direction: Direction }[];
  gates: GateSpec[];
  /** Set on dry runs: nothing is persisted or uploaded. */
  dryRun: DryRunInfo | null;
  config: { concurrency: number; retries: number; timeout: number; exitOnError: boolean; allowedErrorRate: number; printSummary: boolean };
  /** Explicit baseline experiment id, when declared. */
  baseline?: string;
  startTime: string;
  git?: { commit?: string; branch?: string };
  /**
   * On a shard (`VITEST_EXPERIMENTS_SHARD=i/N`): the share of the runs this process declared and
   * ran (`runs` of them). The dataset above stays the whole dataset.
   */
  shard?: { index: number; count: number; runs: number };
  /**
   * The CI run all shards of this experiment belong to (`VITEST_EXPERIMENTS_RUN_ID`, or the CI's
   * own run identity); set on sharded experiments. Sinks writing to a shared server key the one
   * remote experiment of every shard on it (with the experiment's name and file).
   */
  runId?: string;
  /** On the experiment merged from shards' reports (`vitest --merge-reports`): the shard count and the shards that reported. */
  merged?: { shards: number; present: number[] };
}

/** Per-evaluator statistics over the runs of one experiment. */
export interface EvaluatorStats {
  name: string;
  direction: Direction;
  /** Runs that contributed a score (failed tasks count as 0 unless allowed). */
  count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Share of runs that met the evaluator's `perRun` bar, when it has one. */
  passRate: number | null;
  errors: number;
  labels: Record<string, number>;
}

export interface ExperimentStats {
  runs: number;
  /** Runs whose task failed for good. */
  errors: number;
  /** Runs not executed (exitOnError, filtered). */
  skipped: number;
  /** Attempts beyond the first that were not rate-limit retries. */
  retries: number;
  /** Attempts refused by a rate limit. */
  rateLimited: number;
  /** LLM requests served from the local request cache, and requests that went out. */
  cacheHits: number;
  cacheMisses: number;
  evaluators: EvaluatorStats[];
}

export type ExperimentStatus = "passed" | "failed" | "partial" | "interrupted";

/** How an experiment moved against its baseline (see `maxDrop`), compact enough for every sink. */
export interface BaselineSummary {
  /** Where the baseline came from, for people: "experiment 2026…", "evals/__baselines__/qa.eval.ts.json". */
  source: string;
  evaluators: { evaluator: string; direction: Direction; baseline: number | null; current: number | null; delta: number | null; worse: boolean }[];
  /** Run keys (`exampleId`, or `exampleId [rep i]`) that passed in the baseline and fail now. */
  regressed: string[];
  /** Run keys that failed in the baseline and pass now. */
  improved: string[];
}

/**
 * How much the provider throttled the experiment, and where the adaptive limiter settled: a rate
 * or an in-flight cap the provider allowed. Counts cover the task and `kind: "LLM"` evaluators,
 * which share the limiter.
 */
export interface ThrottleSummary {
  /** Attempts the provider accepted, and refused with a rate-limit error. */
  accepted: number;
  refused: number;
  /** Of the refused, how many the task's own HTTP client retried by itself (absent when none). */
  retriedByClient?: number;
  /** The pace attempts settled on (requests per second); null when the provider never refused. */
  rate: number | null;
  /** The cap on attempts in flight the limiter learnt; null when the provider showed none. */
  concurrency: number | null;
}

/** The experiment after its last run: what the summary, JUnit and store close it with. */
export interface ExperimentResult {
  experiment: ExperimentDescriptor;
  status: ExperimentStatus;
  stats: ExperimentStats;
  gates: GateVerdict[];
  endTime: string;
  /** Present when the experiment had a baseline to compare with. */
  baseline?: BaselineSummary;
  /** Present when the experiment ran through the engine (not for results rebuilt from stored runs). */
  throttle?: ThrottleSummary;
}
