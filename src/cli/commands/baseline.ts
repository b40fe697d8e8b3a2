import { relative, resolve } from "node:path";
import { writeBaselineFile } from "../../store/baseline-file.js";
import type { CliCommand } from "../command.js";
import { CliError, projectRoot, storeFor } from "../context.js";
import { resolveExperiment } from "../resolve-experiment.js";

export const baselineCommand: CliCommand = {
  register(program, context) {
    const baseline = program.command("baseline").description("manage committed baseline files (__baselines__/<eval file>.json next to each eval file)");
    baseline
      .command("update")
      .description("write an experiment's scores into the baseline file next to its eval file (as `vitest -u` does), to commit with your change")
      .argument("<experiment>", "experiment id (or a unique prefix), or name for the latest of that name")
      .option("--force", "also accept an experiment whose gates failed or that was partial or interrupted")
      .action(async (ref: string, options: { force?: boolean }, command) => {
        const { experiment, result, runs, status } = await resolveExperiment(storeFor(context, command), ref);
        if (experiment.file === undefined) {
          throw new CliError(`Experiment ${experiment.name} (${experiment.id}) has no eval file (it ran through runExperiment()), so there is nowhere to put a baseline file.`);
        }
        if (!result) {
          throw new CliError(`Experiment ${experiment.name} (${experiment.id}) never finished (${runs.length} runs stored), so it cannot become a baseline. Run it again.`);
        }
        if (status !== "passed" && !options.force) {
          throw new CliError(`Experiment ${experiment.name} (${experiment.id}) is ${status}; a baseline is normally a passing experiment. Pass --force to use it anyway.`);
        }
        const root = projectRoot(context, command);
        const written = await writeBaselineFile(resolve(root, experiment.file), result, runs);
        const shown = relative(context.cwd, written);
        context.io.stdout.write(`Wrote the baseline of ${experiment.name} (${experiment.id}) to ${shown.startsWith("..") ? written : shown}. Commit it with your change.\n`);
      });
  },
};
