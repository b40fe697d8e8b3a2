import { Option } from "commander";
import type { CliCommand } from "../command.js";
import { CliError } from "../context.js";
import { phoenixRuns } from "./phoenix.js";
import { arizeRuns } from "./arize.js";
import { storeFor } from "../context.js";
import { jsonLines, runsCsv, runsTable } from "../format/runs.js";
import { resolveExperiment } from "../resolve-experiment.js";

export const runsCommand: CliCommand = {
  register(program, context) {
    program
      .command("runs")
      .description("list the runs of one experiment with their scores")
      .argument("<experiment>", "experiment id (or a unique prefix), or name for the latest of that name")
      .addOption(new Option("--format <format>", "output format").choices(["table", "json", "jsonl", "csv"]).default("table"))
      .option("--phoenix", "the experiment on the Phoenix server (PHOENIX_HOST) instead of the local store")
      .option("--arize", "the experiment on Arize AX (ARIZE_API_KEY, ARIZE_SPACE_ID) instead of the local store")
      .action(async (ref: string, options: { format: "table" | "json" | "jsonl" | "csv"; phoenix?: boolean; arize?: boolean }, command) => {
        if (options.arize) {
          if (options.format === "csv") throw new CliError("--format csv is not available with --arize; use table, json or jsonl");
          return arizeRuns(context, command, ref, { format: options.format });
        }
        if (options.phoenix) {
          if (options.format === "csv") throw new CliError("--format csv is not available with --phoenix; use table, json or jsonl");
          return phoenixRuns(context, command, ref, { format: options.format });
        }
        const { experiment, runs } = await resolveExperiment(storeFor(context, command), ref);
        const out = context.io.stdout;
        switch (options.format) {
          case "table":
            out.write(runs.length === 0 ? `Experiment ${experiment.name} (${experiment.id}) has no stored runs.\n` : runsTable(experiment, runs));
            return;
          case "json":
            out.write(`${JSON.stringify(runs, null, 2)}\n`);
            return;
          case "jsonl":
            out.write(jsonLines(runs));
            return;
          case "csv":
            out.write(runsCsv(experiment, runs));
            return;
        }
      });
  },
};
