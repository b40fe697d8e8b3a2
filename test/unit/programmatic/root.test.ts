import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { datasets } from "../../../src/datasets/index.js";
import { runExperiment } from "../../../src/programmatic/run-experiment.js";

describe("runExperiment({ root })", () => {
  it("resolves relative dataset paths and the local store from the given root, not the working directory", async () => {
    const root = await mkdtemp(join(tmpdir(), "vx-root-"));
    await mkdir(join(root, "evals"));
    await writeFile(join(root, "evals/data.jsonl"), '{"id":"a","input":1,"output":2}\n{"id":"b","input":2,"output":4}\n');
    const ran = await runExperiment({
      experimentName: "doubling",
      root,
      dataset: datasets.fromFile("evals/data.jsonl"),
      task: ({ input }) => input * 2,
      evaluators: { correct: ({ output, expected }) => output === expected },
      printSummary: false,
    });
    expect(ran.taskRuns.map((r) => r.exampleId)).toEqual(["a", "b"]);
    expect(ran.result.status).toBe("passed");
    expect(await readdir(join(root, ".vitest-experiments/experiments"))).toHaveLength(1);
  });

  it("names the root in the error when the dataset file is not there", async () => {
    const root = await mkdtemp(join(tmpdir(), "vx-root-"));
    await expect(
      runExperiment({ experimentName: "missing", root, dataset: datasets.fromFile("evals/none.jsonl"), task: () => 1, printSummary: false, storeDir: false }),
    ).rejects.toThrow(`evals/none.jsonl: dataset file not found (resolved from the project root ${root})`);
  });
});
