import { formatNumber } from "../../record/gates.js";
import type { CliCommand } from "../command.js";
import { phoenixList } from "./phoenix.js";
import { arizeList } from "./arize.js";
import { storeFor } from "../context.js";
import { CliError } from "../context.js";
import { cell, renderTable } from "../format/table.js";
import { emptyStoreError } from "../resolve-experiment.js";

export const listCommand: CliCommand = {
  register(program, context) {
    program
      .command("list")
      .description("list stored experiments, newest first")
      .option("--dataset <name>", "only experiments on this dataset")
      .option("--json", "print JSON (experiment, result, status, runCount per experiment)")
      .option("--phoenix", "read the experiments on the Phoenix server (PHOENIX_HOST) instead of the local store")
      .option("--arize", "read the experiments in the Arize AX space (ARIZE_API_KEY, ARIZE_SPACE_ID) instead of the local store")
      .action(async (options: { dataset?: string; json?: boolean; phoenix?: boolean; arize?: boolean }, command) => {
        if (options.arize) return arizeList(context, options);
        if (options.phoenix) return phoenixList(context, options);
        const store = storeFor(context, command);
        const summaries = await store.listExperiments(options.dataset === undefined ? {} : { dataset: options.dataset });
        if (summaries.length === 0) {
          if (options.dataset === undefined) throw emptyStoreError(store.dir);
          throw new CliError(`No experiments on dataset ${JSON.stringify(options.dataset)} in the store at ${store.dir}.`);
        }
        if (options.json) {
          const plain = summaries.map(({ experiment, result, status, runCount }) => ({ experiment, result, status, runCount }));
          context.io.stdout.write(`${JSON.stringify(plain, null, 2)}\n`);
          return;
        }
        const rows = summaries.map((s) => [
          s.experiment.id,
          cell(s.experiment.name, 40),
          cell(s.experiment.dataset.name, 30),
          s.status,
          String(s.runCount),
          s.experiment.startTime.replace("T", " ").replace(/\.\d+Z$/, "Z"),
          cell((s.result?.stats.evaluators ?? []).filter((e) => e.mean !== null).map((e) => `${e.name} ${formatNumber(e.mean!)}`).join(", "), 60),
        ]);
        context.io.stdout.write(renderTable(["id", "name", "dataset", "status", "runs", "started", "means"], rows));
      });
  },
};
