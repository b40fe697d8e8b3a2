import { relative, resolve } from "node:path";
import type { Command } from "commander";
import { annotateRuns, annotationsFromRows } from "../../phoenix/annotate.js";
import { resolvePhoenixExperiment } from "../../phoenix/experiments.js";
import { readRunsFile } from "../../phoenix/runs-file.js";
import type { CliCommand } from "../command.js";
import { storeFor } from "../context.js";
import { withPhoenix } from "./phoenix-client.js";
import { arizeAnnotate } from "./arize.js";

/**
 * `vitest-experiments annotate <experiment> --file annotations.jsonl`: Arize's annotate_runs.
 * Each row: `run_id`, or `example_id` (+ `repetition`, default 1); `name`; `score` and/or `label`;
 * optional `explanation`, `metadata`, `annotator_kind` (default HUMAN).
 */
export const annotateCommand: CliCommand = {
  register(program, context) {
    program
      .command("annotate")
      .description("upsert evaluations (human labels, scores) on the runs of an experiment on Phoenix")
      .argument("<experiment>", "Phoenix experiment id, an uploaded local experiment (id or name), or a name on Phoenix")
      .requiredOption("--file <annotations>", "a .jsonl, .csv or .json file: run_id or example_id (+ repetition), name, score, label, explanation, metadata, annotator_kind")
      .option("--arize", "annotate the experiment on Arize AX (ARIZE_API_KEY, ARIZE_SPACE_ID); names need an annotation config in the space")
      .action(async (ref: string, options: { file: string; arize?: boolean }, command: Command) => {
        const path = resolve(context.cwd, options.file);
        if (options.arize) return arizeAnnotate(context, command, ref, await readRunsFile(path, relative(context.cwd, path) || path));
        const annotations = annotationsFromRows(await readRunsFile(path, relative(context.cwd, path) || path));
        await withPhoenix(context, async (client) => {
          const store = storeFor(context, command);
          try {
            const experiment = await resolvePhoenixExperiment(client, ref, store);
            const local = await store.readExperiment(ref);
            const report = await annotateRuns(client, experiment, annotations, { store, ...(local ? { localExperimentId: local.experiment.id } : {}) });
            context.io.stdout.write(
              `Annotated ${report.upserted} run${report.upserted === 1 ? "" : "s"} of ${experiment.name} (${experiment.id})` +
                `${report.recordedLocally > 0 ? `; also recorded in the local store` : ""}.\n`,
            );
          } finally {
            await store.close();
          }
        });
      });
  },
};
