import type { DatasetSource, Example } from "../datasets/types.js";
import type { EvaluatorsInput } from "../evaluators/types.js";
import type { Direction, JsonObject } from "../record/types.js";

/** What the task receives. Values are deep copies: mutating them changes nothing elsewhere. */
export interface TaskContext<Input = any, Expected = any> {
  input: Input;
  expected: Expected;
  /** Alias of `expected`. */
  reference: Expected;
  metadata: JsonObject;
  example: Example;
  /** 1-based. */
  repetition: number;
  /** Aborts when the attempt times out or the run is cancelled. Pass it to your HTTP client. */
  signal: AbortSignal;
  /** 1-based attempt number (retries and rate-limited attempts count). */
  attempt: number;
}

export type Task<Input = any, Output = any, Expected = any> = (
  context: TaskContext<Input, Expected>,
) => Output | Promise<Output>;

/** An error class (matched with `instanceof`) or a predicate. */
export type RateLimitErrorMatcher = (abstract new (...args: any[]) => unknown) | ((error: unknown) => boolean);

/** A gate: a number is the bar for the mean; the object form sets each bar explicitly. */
export type Threshold =
  | number
  | {
      /** The mean score over all runs must reach this. */
      mean?: number;
      /** Each run's score must reach this; a run that misses fails its own test case. */
      perRun?: number;
      /** With `perRun`: misses do not fail alone; the share of runs reaching `perRun` must reach this. */
      passRate?: number;
      /** Default `maximize`, or the evaluator's own optimization direction. */
      direction?: Direction;
      /** The mean may not fall more than this below the baseline experiment's mean. */
      maxDrop?: number;
    };

export interface ExperimentOptions<Input = any, Output = any, Expected = any> {
  dataset: DatasetSource;
  task: Task<Input, Output, Expected>;
  evaluators?: EvaluatorsInput<Input, Output, Expected>;
  description?: string;
  metadata?: JsonObject;
  /** Keep only examples in any of these splits. */
  splits?: string[];
  /** Gates by evaluator name. */
  thresholds?: Record<string, Threshold>;
  /** Runs each example this many times; each repetition is its own test case. Default 1. */
  repetitions?: number;
  /** Extra attempts for a failing task. Default 3 (4 attempts in all). */
  retries?: number;
  /** Per attempt, in milliseconds, from when the attempt starts. Default 60000. */
  timeout?: number;
  /** Per evaluator call, in milliseconds. Default: `timeout`. */
  evaluatorTimeout?: number;
  /** Task executions in flight at once for this experiment. Default 3. */
  concurrency?: number;
  /** Errors that throttle the experiment instead of failing the attempt. HTTP 429 always does. */
  rateLimitErrors?: RateLimitErrorMatcher | RateLimitErrorMatcher[];
  /** `true`: one random example; `n`: n random examples. Nothing is persisted or uploaded. */
  dryRun?: boolean | number;
  /** Seed for dry-run sampling; printed with every dry run so a sample can be reproduced. */
  seed?: number;
  /** Stop scheduling new runs after the first run that fails for good. Default false. */
  exitOnError?: boolean;
  /**
   * Share of runs (0..1) whose task may fail for good without failing the experiment. Runs within
   * the allowance still fail their own test case, but are left out of score aggregates instead of
   * counting as 0. Default 0.
   */
  allowedErrorRate?: number;
  /** Base delay of the exponential backoff between retries, in milliseconds. Default 250. */
  retryDelay?: number;
  printSummary?: boolean;
  /** Explicit baseline experiment id for `maxDrop` gates. */
  baseline?: string;
}

/** Options with every default applied and every value checked. */
export interface ResolvedOptions {
  repetitions: number;
  retries: number;
  timeout: number;
  evaluatorTimeout: number;
  concurrency: number;
  exitOnError: boolean;
  allowedErrorRate: number;
  retryDelay: number;
  printSummary: boolean;
  dryRun: false | number;
  seed: number | undefined;
  splits: string[] | undefined;
  description: string | undefined;
  metadata: JsonObject;
  baseline: string | undefined;
  rateLimitErrors: RateLimitErrorMatcher[];
}

export const DEFAULTS = {
  repetitions: 1,
  retries: 3,
  timeout: 60_000,
  concurrency: 3,
  exitOnError: false,
  allowedErrorRate: 0,
  retryDelay: 250,
  printSummary: true,
} as const;

