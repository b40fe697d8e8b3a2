import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Option } from "commander";
import { LOG_FORMAT_VERSION, serializeLine } from "../../store/log-format.js";
import type { CliCommand } from "../command.js";
import { CliError, storeFor } from "../context.js";
import { runsCsv } from "../format/runs.js";
import { resolveExperiment } from "../resolve-experiment.js";

export const exportCommand: CliCommand = {
  register(program, context) {
    program
      .command("export")
      .description("export one experiment: jsonl (the experiment, its runs, events and result, one record per line; the store's own format) or csv (one row per run)")
      .argument("<experiment>", "experiment id (or a unique prefix), or name for the latest of that name")
      .addOption(new Option("--format <format>", "output format").choices(["jsonl", "csv"]).default("jsonl"))
      .option("-o, --output <file>", "write to this file instead of standard output")
      .action(async (ref: string, options: { format: "jsonl" | "csv"; output?: string }, command) => {
        const { experiment, runs, events, result } = await resolveExperiment(storeFor(context, command), ref);
        const text =
          options.format === "csv"
            ? runsCsv(experiment, runs)
            : [
                serializeLine({ type: "experiment", format: LOG_FORMAT_VERSION, experiment }),
                ...runs.map((run) => serializeLine({ type: "run", run })),
                ...events.map((event) => serializeLine({ type: "event", event })),
                ...(result ? [serializeLine({ type: "end", result })] : []),
              ].join("");
        if (options.output === undefined) {
          context.io.stdout.write(text);
          return;
        }
        const target = resolve(context.cwd, options.output);
        try {
          await writeFile(target, text);
        } catch (error) {
          throw new CliError(`Cannot write ${target}: ${(error as Error).message}`);
        }
        context.io.stderr.write(`Exported ${experiment.name} (${experiment.id}), ${runs.length} runs, to ${target}.\n`);
      });
  },
};
