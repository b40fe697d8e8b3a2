import type { ExperimentOptions, RateLimitErrorMatcher, ResolvedOptions } from "./options.js";
import { DEFAULTS } from "./options.js";
import { ExperimentDeclarationError, shown, suggestion } from "./errors.js";
import type { JsonObject } from "../record/types.js";
import { toJsonValue } from "../engine/json.js";

const KNOWN_OPTIONS = [
  "dataset", "task", "evaluators", "description", "metadata", "splits", "thresholds", "repetitions",
  "retries", "timeout", "evaluatorTimeout", "concurrency", "rateLimitErrors", "dryRun", "seed",
  "exitOnError", "allowedErrorRate", "retryDelay", "printSummary", "baseline",
] as const satisfies readonly (keyof ExperimentOptions)[];

interface Where {
  experiment: string;
  file?: string;
}

/** Environment overrides that let a developer sample any experiment without editing it. */
export interface OptionOverrides {
  dryRun?: number | boolean;
  seed?: number;
}

/**
 * Checks every option and applies Phoenix's defaults. Each mistake is reported with the option's
 * name and what was expected; an unknown option suggests the near miss (`evaluator` →
 * `evaluators`), since a misspelt option would otherwise be silently ignored.
 */
export function resolveOptions(options: ExperimentOptions, where: Where, overrides: OptionOverrides = {}): ResolvedOptions {
  const fail = (problem: string): never => {
    throw new ExperimentDeclarationError(where.experiment, problem, where.file);
  };
  if (typeof options !== "object" || options === null) fail(`options must be an object with at least dataset and task, got ${typeof options}`);
  for (const key of Object.keys(options)) {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) fail(`unknown option "${key}"${suggestion(key, KNOWN_OPTIONS)}`);
  }
  if (options.dataset === undefined) fail("option dataset is required: a dataset { name, examples }, a promise of one, or a function returning one");
  if (typeof options.task !== "function") fail(`option task must be a function (the system under test), got ${typeof options.task}`);

  const integer = (key: string, value: unknown, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) fail(`option ${key} must be an integer ≥ ${min}, got ${shown(value)}`);
    return value as number;
  };
  const positive = (key: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) fail(`option ${key} must be a number of milliseconds > 0, got ${shown(value)}`);
    return value as number;
  };
  const boolean = (key: string, value: unknown, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") fail(`option ${key} must be true or false, got ${shown(value)}`);
    return value as boolean;
  };

  const timeout = positive("timeout", options.timeout, DEFAULTS.timeout);
  const dryRunValue = overrides.dryRun ?? options.dryRun;
  let dryRun: false | number = false;
  if (dryRunValue === true) dryRun = 1;
  else if (dryRunValue !== undefined && dryRunValue !== false) {
    if (typeof dryRunValue !== "number" || !Number.isInteger(dryRunValue) || dryRunValue < 1) {
      fail(`option dryRun must be true, false or a whole number of examples ≥ 1, got ${shown(dryRunValue)}`);
    }
    dryRun = dryRunValue as number;
  }
  const seed = overrides.seed ?? options.seed;
  if (seed !== undefined && (typeof seed !== "number" || !Number.isInteger(seed))) fail(`option seed must be an integer, got ${shown(seed)}`);

  const allowedErrorRate = options.allowedErrorRate ?? DEFAULTS.allowedErrorRate;
  if (typeof allowedErrorRate !== "number" || !(allowedErrorRate >= 0 && allowedErrorRate <= 1)) {
    fail(`option allowedErrorRate must be a number between 0 and 1, got ${shown(allowedErrorRate)}`);
  }
  const splits = options.splits;
  if (splits !== undefined && (!Array.isArray(splits) || splits.some((s) => typeof s !== "string"))) {
    fail(`option splits must be a list of split names, got ${shown(splits)}`);
  }
  if (options.description !== undefined && typeof options.description !== "string") fail(`option description must be a string`);
  if (options.baseline !== undefined && typeof options.baseline !== "string") fail(`option baseline must be an experiment id (a string)`);
  let metadata: JsonObject = {};
  if (options.metadata !== undefined) {
    try {
      const json = toJsonValue(options.metadata, "metadata");
      if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("metadata must be a plain object");
      metadata = json as JsonObject;
    } catch (error) {
      fail(`option ${(error as Error).message}`);
    }
  }
  const rateLimitErrors = ([] as RateLimitErrorMatcher[]).concat(options.rateLimitErrors ?? []);
  for (const matcher of rateLimitErrors) {
    if (typeof matcher !== "function") fail(`option rateLimitErrors must list error classes or predicates (error) => boolean, got ${typeof matcher}`);
  }

  return {
    repetitions: integer("repetitions", options.repetitions, DEFAULTS.repetitions, 1),
    retries: integer("retries", options.retries, DEFAULTS.retries, 0),
    concurrency: integer("concurrency", options.concurrency, DEFAULTS.concurrency, 1),
    timeout,
    evaluatorTimeout: positive("evaluatorTimeout", options.evaluatorTimeout, timeout),
    retryDelay: options.retryDelay === 0 ? 0 : positive("retryDelay", options.retryDelay, DEFAULTS.retryDelay),
    exitOnError: boolean("exitOnError", options.exitOnError, DEFAULTS.exitOnError),
    printSummary: boolean("printSummary", options.printSummary, DEFAULTS.printSummary),
    allowedErrorRate,
    dryRun,
    seed: seed as number | undefined,
    splits,
    description: options.description,
    metadata,
    baseline: options.baseline,
    rateLimitErrors,
  };
}
