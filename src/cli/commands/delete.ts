import type { CliCommand } from "../command.js";
import { phoenixDelete } from "./phoenix.js";
import { arizeDelete } from "./arize.js";
import { CliError, storeFor } from "../context.js";
import { resolveExperiment } from "../resolve-experiment.js";

export const deleteCommand: CliCommand = {
  register(program, context) {
    program
      .command("delete")
      .description("delete one experiment and its runs from the store")
      .argument("<experiment>", "experiment id (or a unique prefix), or name for the latest of that name")
      .option("--phoenix", "delete the experiment on the Phoenix server (PHOENIX_HOST) instead of the local store")
      .option("--arize", "delete the experiment on Arize AX (ARIZE_API_KEY, ARIZE_SPACE_ID) instead of the local store")
      .action(async (ref: string, options: { phoenix?: boolean; arize?: boolean }, command) => {
        if (options.arize) return arizeDelete(context, command, ref);
        if (options.phoenix) return phoenixDelete(context, command, ref, {});
        const store = storeFor(context, command);
        const { experiment, runCount } = await resolveExperiment(store, ref);
        if (!(await store.deleteExperiment(experiment.id))) throw new CliError(`Experiment ${experiment.id} was already gone from ${store.dir}.`);
        context.io.stdout.write(`Deleted experiment ${experiment.name} (${experiment.id}) and its ${runCount} run${runCount === 1 ? "" : "s"}.\n`);
      });
  },
};
