import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { openStore } from "../../../src/store/jsonl-store.js";
import { descriptor, result, run, tempDir } from "../store/fixtures.js";

/**
 * A project with a store holding three experiments of `qa` (one passing, one failing, one killed
 * mid-run) and one of `summaries` on another dataset. Built with the store's own API.
 */
export async function fixtureProject(): Promise<{ root: string; storeDir: string; remove: () => Promise<void> }> {
  const dir = await tempDir("vx-cli-");
  const storeDir = join(dir.path, ".vitest-experiments");
  await mkdir(join(dir.path, "evals"));
  const store = openStore(storeDir);

  const passing = descriptor({ id: "exp-aaa111", startTime: "2026-01-01T00:00:00.000Z", git: { commit: "abc123", branch: "main" } });
  const passingRuns = [run(passing, "q1", { accuracy: 1 }), run(passing, "q2", { accuracy: 0 }), run(passing, "q3", { accuracy: 1 })];
  const failing = descriptor({ id: "exp-bbb222", startTime: "2026-01-02T00:00:00.000Z" });
  const failingRuns = [
    run(failing, "q1", { accuracy: 0 }),
    run(failing, "q2", { accuracy: 1 }, { output: { text: "\u001b[2J\u001b[31mred\u001b[0m,\n\"quoted\"" } }),
    run(failing, "q3", {}, { failed: true }),
  ];
  const killed = descriptor({ id: "exp-ccc333", startTime: "2026-01-03T00:00:00.000Z" });
  const other = descriptor({
    id: "exp-ddd444",
    name: "summaries",
    file: "evals/summaries.eval.ts",
    startTime: "2025-12-31T00:00:00.000Z",
    dataset: { name: "docs", exampleIds: ["d1"], totalExamples: 1, contentHash: "docs-1" },
  });

  for (const [experiment, runs, status] of [
    [passing, passingRuns, "passed"],
    [failing, failingRuns, "failed"],
    [other, [run(other, "d1", { accuracy: 1 })], "passed"],
  ] as const) {
    await store.startExperiment(experiment);
    for (const r of runs) await store.appendRun(r);
    await store.finishExperiment(result(experiment, [...runs], status));
  }
  await store.startExperiment(killed);
  await store.appendRun(run(killed, "q1", { accuracy: 1 }));
  await store.close();
  return { root: dir.path, storeDir, remove: dir.remove };
}
