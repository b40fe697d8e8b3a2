import { afterEach, describe, expect, it, vi } from "vitest";
import { evaluateExperiment, runsWithAddedEvaluations } from "../../../src/phoenix/index.js";
import { runExperiment } from "../../../src/programmatic/run-experiment.js";
import { openStore } from "../../../src/store/index.js";
import { useCleanups } from "../../support/cleanups.js";

const dataset = {
  name: "arithmetic",
  examples: [
    { id: "add", input: { a: 2, b: 2 }, output: 4, metadata: { op: "+" } },
    { id: "big", input: { a: 30, b: 12 }, output: 42, metadata: { op: "+" } },
    { id: "neg", input: { a: 1, b: -5 }, output: -4, metadata: { op: "+" } },
  ],
};
const task = ({ input }: { input: { a: number; b: number } }) => {
  if (input.b < 0) throw new Error("negative numbers are not supported");
  return input.a + input.b;
};
/** Reads input, expected and metadata: proves evaluators get the examples, not only the outputs. */
const explained = ({ input, output, expected, metadata }: { input: { a: number }; output: number; expected: number; metadata: Record<string, any> }) => ({
  score: output === expected ? 1 : 0,
  label: metadata.op,
  explanation: `${input.a} ${metadata.op} … = ${output}`,
});

const cleanups = useCleanups();
afterEach(() => {
  vi.restoreAllMocks();
});

function quiet(): void {
  for (const method of ["log", "warn"] as const) vi.spyOn(console, method).mockImplementation(() => {});
}

describe("evaluateExperiment()", () => {
  it("evaluates a stored experiment's runs, records them in the store and upserts them on Phoenix", async () => {
    quiet();
    const server = await cleanups.fakePhoenix();
    const storeDir = await cleanups.tempDir("evaluate-experiment-");
    const ran = await runExperiment({ experimentName: "arith", dataset, task, evaluators: { positive: ({ output }: { output: number }) => output > 0 }, retries: 0, storeDir, phoenix: { host: server.url } });
    expect(server.state.evaluationsOf(ran.experimentId)).toHaveLength(2);

    const evaluated = await evaluateExperiment({ experiment: "arith", evaluators: { explained }, storeDir, phoenix: { host: server.url } });
    expect(evaluated.source).toBe("local");
    expect(evaluated.experimentId).toBe(ran.localExperimentId);
    expect(evaluated.skippedRuns).toBe(1);
    expect(evaluated.uploaded).toBe(2);
    expect(evaluated.evaluationRuns.map((e) => [e.exampleId, e.score, e.label, e.explanation])).toEqual([
      ["add", 1, "+", "2 + … = 4"],
      ["big", 1, "+", "30 + … = 42"],
    ]);

    const store = openStore(storeDir);
    cleanups.add(() => store.close());
    const stored = (await store.readExperiment(ran.localExperimentId!))!;
    const merged = runsWithAddedEvaluations(stored);
    expect(merged.find((r) => r.exampleId === "add")!.evaluations.map((e) => e.name)).toEqual(["positive", "explained"]);

    const onServer = server.state.evaluationsOf(ran.experimentId);
    expect(onServer.map((e) => e.name).sort()).toEqual(["explained", "explained", "positive", "positive"]);
    expect(server.state.violations).toEqual([]);
  });

  it("evaluates a Phoenix experiment by its id, with the examples from Phoenix, and replaces an evaluation of the same name", async () => {
    quiet();
    const server = await cleanups.fakePhoenix();
    const ran = await runExperiment({ experimentName: "arith", dataset, task, evaluators: {}, retries: 0, storeDir: false, phoenix: { host: server.url } });
    const first = await evaluateExperiment({ experiment: ran.experimentId, evaluators: { explained }, storeDir: false, phoenix: { host: server.url } });
    expect(first.source).toBe("phoenix");
    expect(first.evaluationRuns.map((e) => [e.exampleId, e.label, e.explanation])).toEqual([
      ["add", "+", "2 + … = 4"],
      ["big", "+", "30 + … = 42"],
    ]);
    await evaluateExperiment({ experiment: ran.experimentId, evaluators: { explained: () => ({ score: 0.5 }) }, storeDir: false, phoenix: { host: server.url } });
    const onServer = server.state.evaluationsOf(ran.experimentId);
    expect(onServer.map((e) => [e.name, e.result?.score])).toEqual([
      ["explained", 0.5],
      ["explained", 0.5],
    ]);
  });

  it("says where it looked when the experiment is nowhere", async () => {
    const storeDir = await cleanups.tempDir("evaluate-experiment-");
    await expect(evaluateExperiment({ experiment: "nope", evaluators: { explained }, storeDir, phoenix: false })).rejects.toThrow(
      `No experiment "nope" in the local store at ${storeDir}`,
    );
    await expect(evaluateExperiment({ experiment: "nope", evaluators: [], storeDir, phoenix: false })).rejects.toThrow("give at least one evaluator");
  });
});
