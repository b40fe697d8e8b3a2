import { createHash } from "node:crypto";
import type { ExperimentDescriptor } from "./types.js";

/** One machine's share of every experiment: shard `index` of `count` (1-based, as in `2/4`). */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * The shard (1-based) that runs one example × repetition. A hash of the example id and the
 * repetition, not of positions: the same run lands on the same shard on every machine and every
 * rerun, whatever order the dataset was loaded in, and adding an example moves no other run.
 */
export function shardOfRun(exampleId: string, repetition: number, count: number): number {
  if (count <= 1) return 1;
  const digest = createHash("sha1").update(`${exampleId}\u0000${repetition}`).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

export function inShard(exampleId: string, repetition: number, shard: ShardSpec | undefined): boolean {
  return !shard || shardOfRun(exampleId, repetition, shard.count) === shard.index;
}

/** `2/4`, as people write it. */
export function formatShard(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * The runs this descriptor declares: every example × repetition, or only the shard's share of
 * them on a shard (the descriptor of a shard keeps the whole dataset, so that uploads version the
 * whole dataset and a merge knows what every shard should have run).
 */
export function declaredRunCount(experiment: ExperimentDescriptor): number {
  return experiment.shard ? experiment.shard.runs : experiment.dataset.exampleIds.length * experiment.repetitions;
}

/** Calls `visit` for every run the descriptor declares, in dataset order. */
export function forEachDeclaredRun(experiment: ExperimentDescriptor, visit: (exampleId: string, repetition: number) => void): void {
  for (const exampleId of experiment.dataset.exampleIds) {
    for (let repetition = 1; repetition <= experiment.repetitions; repetition++) {
      if (inShard(exampleId, repetition, experiment.shard)) visit(exampleId, repetition);
    }
  }
}
