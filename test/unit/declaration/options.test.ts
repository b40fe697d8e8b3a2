import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExperimentDeclarationError } from "../../../src/declaration/errors.js";
import type { ExperimentOptions } from "../../../src/declaration/options.js";
import { prepareExperiment } from "../../../src/engine/prepare.js";

const FILE = join(process.cwd(), "evals", "qa.eval.ts");
const valid: ExperimentOptions = { dataset: { name: "ds", examples: [{ id: "a", input: 1 }] }, task: () => "ok" };

/** Declares `options` and returns the declaration error's message. */
async function declarationError(options: Record<string, unknown>, name = "qa-baseline"): Promise<string> {
  try {
    await prepareExperiment(name, { ...valid, ...options } as ExperimentOptions, { file: FILE });
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentDeclarationError);
    return (error as Error).message;
  }
  throw new Error(`expected a declaration error for ${JSON.stringify(options)}`);
}

/** Every declaration error names the experiment and the file relative to the project root. */
function expectNamesExperimentAndFile(message: string) {
  expect(message).toContain('experiment "qa-baseline"');
  expect(message).toContain(join("evals", "qa.eval.ts"));
  expect(message).not.toContain(process.cwd());
}

describe("option validation", () => {
  it.each([
    ["concurrency", 0, /option concurrency must be an integer ≥ 1, got 0/],
    ["concurrency", 2.5, /option concurrency must be an integer ≥ 1, got 2.5/],
    ["concurrency", "3", /option concurrency must be an integer ≥ 1, got "3"/],
    ["retries", -1, /option retries must be an integer ≥ 0, got -1/],
    ["timeout", 0, /option timeout must be a number of milliseconds > 0, got 0/],
    ["timeout", -5, /option timeout must be a number of milliseconds > 0, got -5/],
    ["timeout", Number.POSITIVE_INFINITY, /option timeout must be a number of milliseconds > 0, got Infinity/],
    ["timeout", Number.NaN, /option timeout must be a number of milliseconds > 0, got NaN/],
    ["concurrency", Number.NaN, /option concurrency must be an integer ≥ 1, got NaN/],
    ["evaluatorTimeout", 0, /option evaluatorTimeout must be a number of milliseconds > 0/],
    ["repetitions", 0, /option repetitions must be an integer ≥ 1, got 0/],
    ["dryRun", 1.5, /option dryRun must be true, false or a whole number of examples ≥ 1, got 1.5/],
    ["dryRun", 0, /option dryRun must be true, false or a whole number of examples ≥ 1, got 0/],
    ["dryRun", "yes", /option dryRun must be true, false or a whole number/],
    ["seed", 1.5, /option seed must be an integer, got 1.5/],
    ["allowedErrorRate", 1.5, /option allowedErrorRate must be a number between 0 and 1, got 1.5/],
    ["allowedErrorRate", -0.1, /option allowedErrorRate must be a number between 0 and 1/],
    ["exitOnError", "yes", /option exitOnError must be true or false, got "yes"/],
    ["printSummary", 1, /option printSummary must be true or false, got 1/],
    ["splits", "train", /option splits must be a list of split names, got "train"/],
    ["splits", ["train", 3], /option splits must be a list of split names/],
    ["retryDelay", -1, /option retryDelay must be a number of milliseconds > 0, got -1/],
    ["description", 3, /option description must be a string/],
    ["baseline", 3, /option baseline must be an experiment id/],
    ["metadata", [1, 2], /option metadata must be a plain object/],
    ["rateLimitErrors", ["429"], /option rateLimitErrors must list error classes or predicates/],
    ["task", "not a function", /option task must be a function/],
    ["dataset", undefined, /option dataset is required/],
  ])("rejects %s = %j naming the experiment, the file and the option", async (key, value, pattern) => {
    const message = await declarationError({ [key]: value });
    expectNamesExperimentAndFile(message);
    expect(message).toMatch(pattern);
  });

  it("shows a BigInt as written", async () => {
    expect(await declarationError({ seed: 10n })).toMatch(/option seed must be an integer, got 10n/);
  });

  it("rejects metadata that is not JSON, naming the path", async () => {
    const message = await declarationError({ metadata: { big: 1n } });
    expectNamesExperimentAndFile(message);
    expect(message).toMatch(/option metadata\.big is not JSON-serializable/);
  });

  it.each([
    ["evaluator", "evaluators"],
    ["threshold", "thresholds"],
    ["repetition", "repetitions"],
    ["concurency", "concurrency"],
    ["timout", "timeout"],
    ["dry_run", "dryRun"],
  ])('rejects the unknown option "%s" and suggests "%s"', async (unknown, known) => {
    const message = await declarationError({ [unknown]: 1 });
    expectNamesExperimentAndFile(message);
    expect(message).toContain(`unknown option "${unknown}" (did you mean "${known}"?)`);
  });

  it("rejects an unknown option unlike any known one without a suggestion", async () => {
    const message = await declarationError({ frobnicate: true });
    expect(message).toMatch(/unknown option "frobnicate"$/);
  });

  it("rejects an empty experiment name", async () => {
    await expect(prepareExperiment("  ", valid, { file: FILE })).rejects.toThrow(/non-empty name/);
  });

  it("applies Phoenix's defaults", async () => {
    const { options, descriptor } = await prepareExperiment("defaults", valid);
    expect(options).toMatchObject({
      repetitions: 1,
      retries: 3,
      timeout: 60_000,
      evaluatorTimeout: 60_000,
      concurrency: 3,
      exitOnError: false,
      allowedErrorRate: 0,
      printSummary: true,
      dryRun: false,
      rateLimitErrors: [],
    });
    expect(descriptor.config).toEqual({ concurrency: 3, retries: 3, timeout: 60_000, exitOnError: false, allowedErrorRate: 0, printSummary: true });
  });

  it("accepts every valid option and records description and metadata", async () => {
    class RateLimitError extends Error {}
    const { options, descriptor } = await prepareExperiment("all-options", {
      ...valid,
      dataset: { name: "ds", examples: [{ id: "a", input: 1, splits: ["train"] }] },
      description: "what it tests",
      metadata: { model: "gpt-x", temperature: 0 },
      splits: ["train"],
      repetitions: 2,
      retries: 0,
      timeout: 10,
      evaluatorTimeout: 5,
      concurrency: 7,
      rateLimitErrors: RateLimitError,
      exitOnError: true,
      allowedErrorRate: 0.1,
      retryDelay: 0,
      printSummary: false,
      baseline: "20260101T000000-abcd",
    });
    expect(options).toMatchObject({ repetitions: 2, retries: 0, timeout: 10, evaluatorTimeout: 5, concurrency: 7, exitOnError: true, allowedErrorRate: 0.1, retryDelay: 0, printSummary: false });
    expect(options.rateLimitErrors).toEqual([RateLimitError]);
    expect(descriptor).toMatchObject({ description: "what it tests", metadata: { model: "gpt-x", temperature: 0 }, baseline: "20260101T000000-abcd", repetitions: 2 });
    expect(descriptor.dataset.splits).toEqual(["train"]);
  });

  it("reports a dataset problem as a declaration error naming the experiment and the file", async () => {
    const message = await declarationError({ dataset: { name: "ds", examples: [] } });
    expectNamesExperimentAndFile(message);
    expect(message).toContain('dataset "ds" has no examples');
  });

  it("reports a split that matches no example with the splits the dataset has", async () => {
    const message = await declarationError({ dataset: { name: "ds", examples: [{ id: "a", input: 1, splits: ["train"] }] }, splits: ["test"] });
    expectNamesExperimentAndFile(message);
    expect(message).toContain("no example is in split test (splits in this dataset: train)");
  });
});
