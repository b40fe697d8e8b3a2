import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ExperimentResult, RunRecord } from "../record/types.js";
import { errorCode } from "./errors.js";
import { meansOfExperiment, perRunScores } from "./run-scores.js";

/**
 * Committed baseline files, kept next to the eval file like Vitest snapshots:
 * `<dir>/__baselines__/<eval file name>.json`, one entry per experiment name.
 */
export interface BaselineFileEntry {
  dataset: { name: string; contentHash: string; examples: number };
  /** Mean score per evaluator. */
  means: Record<string, number>;
  /** Per run key (`exampleId`, or `exampleId [rep i]`), each evaluator's score. */
  examples: Record<string, Record<string, number>>;
}
export type BaselineFile = Record<string, BaselineFileEntry>;

/** Scores are rounded to this many decimals so that files stay readable in diffs. */
const DECIMALS = 6;

export class BaselineFileError extends Error {
  override readonly name = "BaselineFileError";
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

export function baselineFilePath(evalFile: string): string {
  return join(dirname(evalFile), "__baselines__", `${basename(evalFile)}.json`);
}

/** Reads the baseline file of `evalFile`; undefined when there is none. Throws on a damaged file, naming the field. */
export async function readBaselineFile(evalFile: string): Promise<{ file: string; entries: BaselineFile } | undefined> {
  const file = baselineFilePath(evalFile);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BaselineFileError(`${file} is not valid JSON (${(error as Error).message}). Fix it, or delete it and run \`vitest -u\` to write it again.`, file);
  }
  return { file, entries: validate(value, file) };
}

/**
 * Writes (or updates) the entry of `result`'s experiment in the baseline file next to `evalFile`,
 * keeping the other experiments' entries. Deterministic: same scores, same bytes (sorted keys,
 * rounded numbers, no ids or times), so a pull request's diff shows only what moved.
 * Returns the file's path.
 */
export async function writeBaselineFile(evalFile: string, result: ExperimentResult, runs: readonly RunRecord[]): Promise<string> {
  const existing = await readBaselineFile(evalFile);
  const file = baselineFilePath(evalFile);
  const { experiment } = result;
  const entries: BaselineFile = { ...existing?.entries };
  entries[experiment.name] = {
    dataset: { name: experiment.dataset.name, contentHash: experiment.dataset.contentHash, examples: experiment.dataset.exampleIds.length },
    means: roundAll(meansOfExperiment(experiment, result, runs)),
    examples: Object.fromEntries(Object.entries(perRunScores(experiment, runs)).map(([key, scores]) => [key, roundAll(scores)])),
  };
  await mkdir(dirname(file), { recursive: true });
  // Write then rename: an interrupted update never leaves a half file to be committed.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(sortKeys(entries), null, 2)}\n`);
  await rename(temporary, file);
  return file;
}

function roundAll(scores: Record<string, number>): Record<string, number> {
  const factor = 10 ** DECIMALS;
  // `+ 0` turns -0 into 0.
  return Object.fromEntries(Object.entries(scores).map(([name, score]) => [name, Math.round(score * factor) / factor + 0]));
}

/** Code-point order: the same on every machine and locale. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

function validate(value: unknown, file: string): BaselineFile {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new BaselineFileError(`${file}: ${field} must be ${expected}, got ${JSON.stringify(got) ?? String(got)}.`, file);
  };
  if (!isObject(value)) return fail("the top level", "an object keyed by experiment name", value);
  for (const [name, entry] of Object.entries(value)) {
    const at = JSON.stringify(name);
    if (!isObject(entry)) fail(at, "an object with means and examples", entry);
    const { means, examples, dataset } = entry as Record<string, unknown>;
    if (!isObject(dataset)) fail(`${at}.dataset`, "an object", dataset);
    if (!isObject(means)) fail(`${at}.means`, "an object of evaluator name → number", means);
    for (const [evaluator, score] of Object.entries(means as object)) {
      if (typeof score !== "number" || !Number.isFinite(score)) fail(`${at}.means.${evaluator}`, "a finite number", score);
    }
    if (!isObject(examples)) fail(`${at}.examples`, "an object of run key → scores", examples);
    for (const [key, scores] of Object.entries(examples as object)) {
      if (!isObject(scores)) fail(`${at}.examples[${JSON.stringify(key)}]`, "an object of evaluator name → number", scores);
      for (const [evaluator, score] of Object.entries(scores as object)) {
        if (typeof score !== "number" || !Number.isFinite(score)) fail(`${at}.examples[${JSON.stringify(key)}].${evaluator}`, "a finite number", score);
      }
    }
  }
  return value as BaselineFile;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
