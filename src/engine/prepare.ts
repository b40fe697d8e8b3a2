import { randomBytes } from "node:crypto";
import { relative } from "node:path";
import type { Example } from "../datasets/types.js";
import { datasetContentHash, filterSplits } from "../datasets/normalize.js";
import { resolveDataset } from "../datasets/resolve.js";
import { projectRoot } from "../datasets/project-root.js";
import { normalizeEvaluators } from "../declaration/evaluators.js";
import type { ExperimentOptions, ResolvedOptions, Task } from "../declaration/options.js";
import { parseThresholds } from "../declaration/thresholds.js";
import { resolveOptions, type OptionOverrides } from "../declaration/validate-options.js";
import { ExperimentDeclarationError } from "../declaration/errors.js";
import type { NamedEvaluator } from "../evaluators/types.js";
import type { ExperimentDescriptor } from "../record/types.js";
import { gitInfo } from "./git-info.js";
import { randomSeed, sample } from "./sampling.js";

/** An experiment ready to run: options checked, dataset loaded and sampled, evaluators named. */
export interface PreparedExperiment {
  descriptor: ExperimentDescriptor;
  /** The examples that will run, in dataset order. */
  examples: Example[];
  task: Task;
  evaluators: NamedEvaluator[];
  options: ResolvedOptions;
}

export interface PrepareContext {
  /** Absolute path of the eval file, for error messages and baselines. */
  file?: string;
  /** Relative dataset paths resolve from here. Default: the Vitest project root, else the working directory. */
  root?: string;
  overrides?: OptionOverrides;
  /**
   * A missing or blank name is generated from the dataset's (Phoenix's `run_experiment`, where the
   * name is optional) instead of being an error (`experiment()` always needs one).
   */
  nameOptional?: boolean;
}

/**
 * The name Phoenix's server gives an experiment created without one: the dataset name's first 8
 * characters (spaces as dashes) and 8 random hex digits, e.g. `capitals-3f9c2a1b`.
 */
export function generatedExperimentName(datasetName: string): string {
  return `${datasetName.slice(0, 8).replace(/ /g, "-")}-${randomBytes(4).toString("hex")}`;
}

/**
 * Declaration → engine: everything that can be wrong with an experiment is found here, before
 * any task runs, and reported with the experiment's name and file.
 */
export async function prepareExperiment(name: string | undefined, options: ExperimentOptions, context: PrepareContext = {}): Promise<PreparedExperiment> {
  const shownFile = context.file ? relative(projectRoot(), context.file) || context.file : undefined;
  const given = typeof name === "string" && name.trim() !== "";
  if (!given && !(context.nameOptional && (name === undefined || typeof name === "string"))) {
    throw new ExperimentDeclarationError(String(name), "the experiment needs a non-empty name as its first argument", shownFile);
  }
  // Until the dataset is loaded, an unnamed experiment is named in messages by what it is.
  const shownName = given ? name : "(unnamed experiment)";
  const where = { experiment: shownName, ...(shownFile ? { file: shownFile } : {}) };
  const resolved = resolveOptions(options, where, context.overrides);
  const evaluators = normalizeEvaluators(options.evaluators, where);
  const gates = parseThresholds(options.thresholds, evaluators, where);

  let dataset;
  try {
    dataset = filterSplits(await resolveDataset(options.dataset, { root: context.root ?? projectRoot() }), resolved.splits);
  } catch (error) {
    throw new ExperimentDeclarationError(shownName, (error as Error).message, shownFile);
  }
  const experimentName = given ? name : generatedExperimentName(dataset.name);
  let examples = dataset.examples;
  let dryRun: ExperimentDescriptor["dryRun"] = null;
  if (resolved.dryRun !== false) {
    const seed = resolved.seed ?? randomSeed();
    examples = sample(examples, resolved.dryRun, seed);
    dryRun = { sampled: examples.length, seed };
  }

  const descriptor: ExperimentDescriptor = {
    id: newExperimentId(),
    name: experimentName,
    ...(shownFile ? { file: shownFile } : {}),
    ...(resolved.description !== undefined ? { description: resolved.description } : {}),
    metadata: resolved.metadata,
    dataset: {
      name: dataset.name,
      exampleIds: examples.map((e) => e.id),
      totalExamples: dataset.examples.length,
      contentHash: datasetContentHash(dataset.examples),
      ...(dataset.phoenix ? { phoenix: dataset.phoenix } : {}),
      ...(resolved.splits ? { splits: resolved.splits } : {}),
    },
    repetitions: resolved.repetitions,
    evaluators: evaluators.map(({ name, kind, direction }) => ({ name, kind, direction })),
    gates,
    dryRun,
    config: {
      concurrency: resolved.concurrency,
      retries: resolved.retries,
      timeout: resolved.timeout,
      exitOnError: resolved.exitOnError,
      allowedErrorRate: resolved.allowedErrorRate,
      printSummary: resolved.printSummary,
    },
    ...(resolved.baseline ? { baseline: resolved.baseline } : {}),
    startTime: new Date().toISOString(),
  };
  const git = gitInfo(projectRoot());
  if (git) descriptor.git = git;
  return { descriptor, examples, task: options.task, evaluators, options: resolved };
}

/** Sortable by time, unique across processes: `20261122T043512-4f9c2a1b`. */
export function newExperimentId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "");
  return `${stamp}-${randomBytes(4).toString("hex")}`;
}
