import { resolve } from "node:path";
import { newExperimentId } from "../../engine/prepare.js";
import { describeVerdict, gatesFailed } from "../../record/gates.js";
import { describeMissing, judgeMergedExperiment, mergeShardReports, shardGroupKey, type ShardReport } from "../../reporter/shard-merge.js";
import { openStore } from "../../store/jsonl-store.js";
import type { CliCommand } from "../command.js";
import { CliError, projectRoot, storeFor } from "../context.js";

/**
 * `vitest-experiments merge <stores…>`: the shards' local stores (each machine's
 * `.vitest-experiments/`) into this project's store, one experiment per sharded experiment with
 * every run and its gates judged over all of them, so that history, `compare` and store baselines
 * work after a sharded run. `vitest run --merge-reports` writes the same record from the blob
 * reports; this is for when the stores, not the reports, were kept.
 */
export const mergeCommand: CliCommand = {
  register(program, context) {
    program
      .command("merge")
      .description("merge sharded experiments (VITEST_EXPERIMENTS_SHARD) from the shards' stores into this store: one experiment with every run, gates judged over all of them")
      .argument("<stores...>", "the shards' store directories (each machine's .vitest-experiments folder)")
      .action(async (dirs: string[], _options, command) => {
        const target = storeFor(context, command);
        const root = projectRoot(context, command);
        const groups = new Map<string, ShardReport[]>();
        for (const dir of dirs) {
          const source = openStore(resolve(context.cwd, dir));
          for (const { experiment } of await source.listExperiments()) {
            if (!experiment.shard) continue;
            const stored = await source.readExperiment(experiment.id);
            if (!stored) continue;
            // Shards of one CI run only: the run identity is part of the key.
            const key = shardGroupKey(experiment.runId ?? "", experiment);
            const reports = groups.get(key) ?? [];
            reports.push({ descriptor: experiment, examples: [], runs: stored.runs });
            groups.set(key, reports);
          }
        }
        if (groups.size === 0) throw new CliError(`No sharded experiment (run with VITEST_EXPERIMENTS_SHARD) in ${dirs.join(", ")}.`);

        let failed = false;
        for (const reports of groups.values()) {
          const merged = mergeShardReports(reports, newExperimentId());
          const { descriptor, runs } = merged;
          for (const problem of merged.problems) context.io.stderr.write(`warning: experiment "${descriptor.name}": the shards' records do not match: ${problem}.\n`);
          const result = await judgeMergedExperiment(merged, { root, store: target });
          await target.startExperiment(descriptor);
          for (const run of runs) await target.appendRun(run);
          await target.finishExperiment(result);
          const { shards, present } = descriptor.merged!;
          context.io.stdout.write(
            `Merged experiment ${descriptor.name} (${descriptor.id}) from ${present.length} of ${shards} shards: ${runs.length} runs, ${result.status}.\n${result.gates.map((g) => `  ${describeVerdict(g)}\n`).join("")}`,
          );
          const missing = describeMissing(merged);
          if (missing) context.io.stderr.write(`${missing}\n`);
          failed ||= Boolean(missing) || gatesFailed(result.gates);
        }
        await target.close();
        if (failed) throw new CliError("A merged experiment failed its gates or is missing runs (see above).");
      });
  },
};
