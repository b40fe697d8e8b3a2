import { join } from "node:path";
import type { Example } from "../datasets/types.js";
import { buildResult } from "../record/stats.js";
import { resolveGateBaseline } from "../store/gate-baseline.js";
import type { ExperimentStore } from "../store/types.js";
import { runIdOf } from "../record/naming.js";
import { formatShard } from "../record/shard.js";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";

/** What one shard's report holds of one experiment: its descriptor (with `shard`), the whole dataset's examples, its runs. */
export interface ShardReport {
  descriptor: ExperimentDescriptor;
  examples: readonly Example[];
  runs: readonly RunRecord[];
}

/** One experiment put back together from its shards' reports, as if it had run on one machine. */
export interface MergedExperiment {
  descriptor: ExperimentDescriptor;
  examples: readonly Example[];
  /** Every run any shard reported, once, re-addressed to the merged experiment. */
  runs: RunRecord[];
  /** Shards (1-based) with no report: their runs are missing and the gates can only be partial. */
  missingShards: number[];
  /** Runs the dataset declares that no shard reported (the missing shards', or runs a shard did not finish). */
  missingRuns: number;
  /** Reports that do not belong together (another dataset, another shard count, another CI run), for a warning. */
  problems: string[];
}

/**
 * The experiments of a shard's report are grouped by Vitest project, eval file, experiment name
 * and shard count: one group is one experiment of the whole run.
 */
export function shardGroupKey(project: string, descriptor: ExperimentDescriptor): string {
  return JSON.stringify([project, descriptor.file ?? "", descriptor.name, descriptor.shard?.count ?? 1]);
}

/**
 * Merges the reports of one experiment's shards. The merged experiment gets its own local id
 * (`id`), the earliest shard's start, every shard's runs (a run reported twice, by a report
 * included twice, counts once), and `merged` saying which shards reported.
 */
export function mergeShardReports(reports: readonly ShardReport[], id: string): MergedExperiment {
  if (reports.length === 0) throw new Error("mergeShardReports needs at least one shard report");
  const first = reports[0]!.descriptor;
  const count = first.shard?.count ?? 1;
  const problems: string[] = [];
  for (const { descriptor } of reports.slice(1)) {
    const where = descriptor.shard ? `shard ${formatShard(descriptor.shard)}` : "a report";
    if (descriptor.dataset.contentHash !== first.dataset.contentHash) problems.push(`${where} ran another version of dataset "${descriptor.dataset.name}" than shard ${shardLabel(first)}`);
    if (descriptor.repetitions !== first.repetitions) problems.push(`${where} ran ${descriptor.repetitions} repetitions, shard ${shardLabel(first)} ${first.repetitions}`);
    if (descriptor.runId !== first.runId) problems.push(`${where} belongs to CI run ${descriptor.runId ?? "(none)"}, shard ${shardLabel(first)} to ${first.runId ?? "(none)"}`);
  }

  const present = [...new Set(reports.map((r) => r.descriptor.shard?.index ?? 1))].sort((a, b) => a - b);
  const missingShards: number[] = [];
  for (let index = 1; index <= count; index++) if (!present.includes(index)) missingShards.push(index);

  const byKey = new Map<string, RunRecord>();
  for (const report of reports) {
    for (const run of report.runs) {
      const key = `${run.exampleId}\u0000${run.repetition}`;
      if (!byKey.has(key)) byKey.set(key, { ...run, experimentId: id, runId: runIdOf(id, run.exampleId, run.repetition) });
    }
  }
  // Dataset order, as an unsharded run lists them.
  const order = new Map(first.dataset.exampleIds.map((exampleId, i) => [exampleId, i] as const));
  const runs = [...byKey.values()].sort(
    (a, b) => (order.get(a.exampleId) ?? Number.MAX_SAFE_INTEGER) - (order.get(b.exampleId) ?? Number.MAX_SAFE_INTEGER) || a.repetition - b.repetition,
  );

  const { shard: _shard, ...rest } = first;
  const startTime = reports.map((r) => r.descriptor.startTime).sort()[0]!;
  const descriptor: ExperimentDescriptor = { ...rest, id, startTime, merged: { shards: count, present } };
  const missingRuns = Math.max(0, first.dataset.exampleIds.length * first.repetitions - runs.length);
  return { descriptor, examples: reports[0]!.examples, runs, missingShards, missingRuns, problems };
}

function shardLabel(descriptor: ExperimentDescriptor): string {
  return descriptor.shard ? formatShard(descriptor.shard) : "1/1";
}

/**
 * The verdict the shards could not give alone: every gate over every run, with the baseline (for
 * `maxDrop` and the deltas) from the committed baseline file next to the eval file under `root`, or
 * from `store`. Runs missing (a shard's report, or runs a shard did not finish) make it partial.
 */
export async function judgeMergedExperiment(merged: MergedExperiment, context: { root: string; store: ExperimentStore | undefined }): Promise<ExperimentResult> {
  const { descriptor, runs } = merged;
  const evalFile = descriptor.file ? join(context.root, descriptor.file) : undefined;
  const baseline = descriptor.dryRun === null ? await resolveGateBaseline(descriptor, evalFile, context.store) : undefined;
  const result = buildResult(descriptor, runs, { partial: merged.missingRuns > 0, ...(baseline ? { baseline } : {}) });
  if (baseline) result.baseline = baseline.summarize(runs);
  // The experiment ended with its last run on any shard, not when its reports were merged.
  const lastRunEnd = runs.reduce((latest, run) => (run.endTime > latest ? run.endTime : latest), "");
  if (lastRunEnd) result.endTime = lastRunEnd;
  return result;
}

/** What the person merging must know about a merged experiment: missing shards or runs. Undefined when complete. */
export function describeMissing(merged: MergedExperiment): string | undefined {
  const { descriptor, missingShards, missingRuns } = merged;
  if (missingRuns === 0) return undefined;
  const total = descriptor.dataset.exampleIds.length * descriptor.repetitions;
  const shards = descriptor.merged?.shards ?? 1;
  if (missingShards.length > 0) {
    const which = missingShards.map((i) => `${i}/${shards}`).join(", ");
    return `experiment "${descriptor.name}": no report from shard${missingShards.length === 1 ? "" : "s"} ${which}: ${missingRuns} of ${total} runs are missing, so its gates are partial and not judged. Merge every shard's report.`;
  }
  return `experiment "${descriptor.name}": ${missingRuns} of ${total} runs are missing from the shards' reports (a shard did not finish), so its gates are partial and not judged.`;
}
