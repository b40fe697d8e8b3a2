import { existsSync } from "node:fs";
import { basename, extname, relative, resolve } from "node:path";
import type { Command } from "commander";
import { fromFile } from "../../datasets/from-file.js";
import type { DatasetSource } from "../../datasets/types.js";
import { loadPhoenixDataset } from "../../phoenix/dataset.js";
import { resolvePhoenixConfig, uploadDisabledByEnv } from "../../phoenix/config.js";
import { logExperiment, type EvaluatorColumns } from "../../phoenix/log-experiment.js";
import { readRunsFile } from "../../phoenix/runs-file.js";
import type { EvaluatorKind, JsonObject } from "../../record/types.js";
import { resolveStoreDir } from "../../store/paths.js";
import type { CliCommand } from "../command.js";
import { CliError, projectRoot, type CliContext, type GlobalOptions } from "../context.js";
import { logArizeExperiment } from "../../arize/log-experiment.js";
import { withArize } from "./arize.js";

interface LogOptions {
  dataset: string;
  file: string;
  name?: string;
  exampleIdColumn: string;
  outputColumn: string;
  repetitionColumn?: string;
  errorColumn?: string;
  startTimeColumn?: string;
  endTimeColumn?: string;
  evaluator: string[];
  description?: string;
  metadata?: string;
  arize?: boolean;
}

/**
 * `vitest-experiments log --dataset D --file runs.jsonl …`: records pre-computed results as an
 * experiment (Arize's "log an experiment"), into the local store and Phoenix when configured.
 */
export const logCommand: CliCommand = {
  register(program, context) {
    program
      .command("log")
      .description("record pre-computed runs (a .jsonl, .csv or .json file) as an experiment, in the store and on Phoenix")
      .requiredOption("--dataset <dataset>", "a dataset file (.jsonl, .csv, .json), else the name of a Phoenix dataset")
      .requiredOption("--file <runs>", "the runs: one row per example × repetition")
      .option("--name <name>", "experiment name (default: the runs file's name)")
      .option("--example-id-column <column>", "column holding the example id", "example_id")
      .option("--output-column <column>", "column holding the task output", "output")
      .option("--repetition-column <column>", "column holding the 1-based repetition (default: the n-th row of an example is repetition n)")
      .option("--error-column <column>", "column whose non-empty value marks a failed run")
      .option("--start-time-column <column>", "column holding the run's ISO-8601 start time")
      .option("--end-time-column <column>", "column holding the run's ISO-8601 end time")
      .option("--evaluator <spec>", "name:score=<column>,label=<column>,explanation=<column>,kind=CODE|LLM|HUMAN (repeatable)", collect, [])
      .option("--description <text>", "experiment description")
      .option("--metadata <json>", "experiment metadata, a JSON object")
      .option("--arize", "log to Arize AX (ARIZE_API_KEY, ARIZE_SPACE_ID): --dataset names a dataset in the AX space, and the example id column holds AX example ids (or the ids this package uploaded with)")
      .action(async (options: LogOptions, command: Command) => {
        const root = projectRoot(context, command);
        const runsPath = resolve(context.cwd, options.file);
        const rows = await readRunsFile(runsPath, relative(context.cwd, runsPath) || runsPath);
        const evaluatorColumns = Object.fromEntries(options.evaluator.map(parseEvaluatorSpec));
        const { dir } = command.optsWithGlobals<GlobalOptions>();
        const storeDir = resolveStoreDir({ root, dir: dir === undefined ? undefined : resolve(context.cwd, dir), env: context.env });
        const common = {
          name: options.name ?? basename(runsPath, extname(runsPath)),
          runs: rows,
          taskFields: {
            exampleId: options.exampleIdColumn,
            output: options.outputColumn,
            ...(options.repetitionColumn ? { repetition: options.repetitionColumn } : {}),
            ...(options.errorColumn ? { error: options.errorColumn } : {}),
            ...(options.startTimeColumn ? { startTime: options.startTimeColumn } : {}),
            ...(options.endTimeColumn ? { endTime: options.endTimeColumn } : {}),
          },
          evaluatorColumns,
          ...(options.description ? { description: options.description } : {}),
          ...(options.metadata ? { metadata: parseMetadata(options.metadata) } : {}),
          root,
          storeDir,
          colors: false,
          env: context.env as NodeJS.ProcessEnv,
          output: { log: (t: string) => void context.io.stdout.write(`${t}\n`), warn: (t: string) => void context.io.stderr.write(`${t}\n`) },
        };
        // `--arize`: the dataset is on Arize AX and the runs go there only (not to Phoenix).
        const logged = options.arize
          ? await withArize(context, () => logArizeExperiment({ ...common, dataset: options.dataset }))
          : await logExperiment({ ...common, dataset: datasetFor(options.dataset, context) });
        context.io.stdout.write(
          `Logged experiment ${logged.result.experiment.name} (${logged.localExperimentId}): ${logged.runs.length} runs` +
            `${logged.phoenix ? ` → ${logged.phoenix.url}` : ""}${logged.arize ? ` → Arize AX experiment ${logged.arize.experimentId}` : ""}\n`,
        );
        if (options.arize && !logged.arize) {
          if (uploadDisabledByEnv(context.env as NodeJS.ProcessEnv)) throw new CliError("VITEST_EXPERIMENTS_UPLOAD=false: the runs were recorded in the local store only, not on Arize AX");
          throw new CliError("the runs were recorded locally but did not reach Arize AX (see the warning above); finish with `npx vitest-experiments upload`");
        }
      });
  },
};

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A dataset file when one exists at that path, else a Phoenix dataset of that name. */
function datasetFor(ref: string, context: CliContext): DatasetSource {
  const path = resolve(context.cwd, ref);
  if (existsSync(path)) return fromFile(path);
  const config = resolvePhoenixConfig({}, context.env as NodeJS.ProcessEnv);
  if (!config) throw new CliError(`--dataset ${JSON.stringify(ref)}: no such file, and PHOENIX_HOST is not set to look it up as a Phoenix dataset`);
  return () => loadPhoenixDataset({ name: ref }, { client: config });
}

const KINDS: readonly EvaluatorKind[] = ["CODE", "LLM", "HUMAN"];

/** `correctness:score=correctness_score,label=correctness_label` → ["correctness", { score, label }]. */
export function parseEvaluatorSpec(spec: string): [string, EvaluatorColumns] {
  const colon = spec.indexOf(":");
  const name = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  if (!name) throw new CliError(`--evaluator ${JSON.stringify(spec)}: expected name:score=<column>,label=<column>`);
  // `--evaluator correctness` alone: the score is in a column of the same name.
  if (colon < 0) return [name, { score: name }];
  const columns: EvaluatorColumns = {};
  for (const part of spec.slice(colon + 1).split(",")) {
    const [key, value] = part.split("=").map((s) => s.trim());
    if (!value) throw new CliError(`--evaluator ${JSON.stringify(spec)}: "${part}" should be key=column (keys: score, label, explanation, kind)`);
    if (key === "score" || key === "label" || key === "explanation") columns[key] = value;
    else if (key === "kind" && (KINDS as string[]).includes(value.toUpperCase())) columns.kind = value.toUpperCase() as EvaluatorKind;
    else throw new CliError(`--evaluator ${JSON.stringify(spec)}: unknown key "${key}"${key === "kind" ? ` value "${value}" (expected CODE, LLM or HUMAN)` : " (keys: score, label, explanation, kind)"}`);
  }
  if (!columns.score && !columns.label) throw new CliError(`--evaluator ${JSON.stringify(spec)}: give a score column, a label column or both`);
  return [name, columns];
}

function parseMetadata(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--metadata is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CliError("--metadata must be a JSON object");
  return value as JsonObject;
}
