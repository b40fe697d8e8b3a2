import { describe, expect, it } from "vitest";
import { mergeShardReports, type ShardReport } from "../../../src/reporter/shard-merge.js";
import { inShard } from "../../../src/record/shard.js";
import { descriptor, examples, run } from "../phoenix/records.js";

function reports(count: number, only?: number[], overrides: (index: number) => object = () => ({})): ShardReport[] {
  const list = examples(20);
  const out: ShardReport[] = [];
  for (let index = 1; index <= count; index++) {
    if (only && !only.includes(index)) continue;
    const mine = list.filter((e) => inShard(e.id, 1, { index, count }));
    const d = descriptor(`shard-${index}`, list, { shard: { index, count, runs: mine.length }, runId: "ci-1", startTime: `2026-01-01T00:00:0${index}.000Z`, ...overrides(index) });
    out.push({ descriptor: d, examples: list, runs: mine.map((e) => run(d, e)) });
  }
  return out;
}

describe("merging shards' reports", () => {
  it("gives one experiment with every run once, in dataset order, re-addressed to the merged id", () => {
    const parts = reports(3);
    const merged = mergeShardReports([...parts, parts[1]!], "merged-1");
    expect(merged.runs.map((r) => r.exampleId)).toEqual(examples(20).map((e) => e.id));
    expect(merged.runs.every((r) => r.experimentId === "merged-1" && r.runId === `merged-1/${r.exampleId}/1`)).toBe(true);
    expect(merged.descriptor).toMatchObject({ id: "merged-1", startTime: "2026-01-01T00:00:01.000Z", merged: { shards: 3, present: [1, 2, 3] }, runId: "ci-1" });
    expect(merged.descriptor.shard).toBeUndefined();
    expect(merged.missingShards).toEqual([]);
    expect(merged.missingRuns).toBe(0);
    expect(merged.problems).toEqual([]);
  });

  it("names missing shards and counts their runs as missing", () => {
    const all = reports(4);
    const merged = mergeShardReports(reports(4, [1, 2, 4]), "m");
    expect(merged.missingShards).toEqual([3]);
    expect(merged.missingRuns).toBe(all[2]!.runs.length);
    expect(merged.descriptor.merged).toEqual({ shards: 4, present: [1, 2, 4] });
  });

  it("reports shards that do not belong together", () => {
    const merged = mergeShardReports(
      reports(2, undefined, (index) => (index === 2 ? { runId: "ci-2", dataset: { ...descriptor("x", examples(20)).dataset, contentHash: "other" } } : {})),
      "m",
    );
    expect(merged.problems.join("\n")).toContain('shard 2/2 ran another version of dataset "qa"');
    expect(merged.problems.join("\n")).toContain("shard 2/2 belongs to CI run ci-2, shard 1/2 to ci-1");
  });
});
