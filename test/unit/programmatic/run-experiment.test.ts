import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runExperiment } from "../../../src/programmatic/run-experiment.js";
import type { ExperimentSink } from "../../../src/sinks/types.js";

const dataset = {
  name: "arithmetic",
  examples: [
    { id: "add", input: { a: 2, b: 2 }, output: 4 },
    { id: "mul", input: { a: 3, b: 3 }, output: 9 },
    { id: "sub", input: { a: 5, b: 1 }, output: 4 },
  ],
};
const task = ({ input }: { input: { a: number; b: number } }) => input.a + input.b;
const evaluators = {
  correct: ({ output, expected }: { output: unknown; expected: unknown }) => output === expected,
  positive: ({ output }: { output: number }) => ({ score: output > 0 ? 1 : 0, explanation: "sign" }),
};

/** Captures everything written to the console while `fn` runs. */
async function captureConsole<T>(fn: () => Promise<T>): Promise<{ value: T; written: string[] }> {
  const written: string[] = [];
  const spies = (["log", "info", "warn", "error"] as const).map((method) => vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void written.push(args.join(" "))));
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => (written.push(String(chunk)), true));
  try {
    return { value: await fn(), written };
  } finally {
    for (const spy of spies) spy.mockRestore();
    stdout.mockRestore();
  }
}

describe("runExperiment()", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("returns Phoenix's RanExperiment shape: one task run per example × repetition, one evaluation run per run × evaluator", async () => {
    const ran = await runExperiment({ experimentName: "arith", dataset, task, evaluators, repetitions: 2, printSummary: false, storeDir: false, metadata: { model: "adder" } });
    expect(Object.keys(ran).sort()).toEqual(["datasetId", "datasetVersionId", "evaluationRuns", "experimentId", "experimentMetadata", "projectName", "result", "taskRuns"]);
    expect(ran.experimentId).toMatch(/^\d{8}T\d{6}-[0-9a-f]{8}$/);
    expect(ran.datasetId).toBe("arithmetic");
    expect(ran.datasetVersionId).toMatch(/^[0-9a-f]{64}$/);
    expect(ran.experimentMetadata).toEqual({ model: "adder" });
    expect(ran.projectName).toBeNull();
    // In dataset order, repetitions in order.
    expect(ran.taskRuns.map((r) => `${r.exampleId}#${r.repetition}`)).toEqual(["add#1", "add#2", "mul#1", "mul#2", "sub#1", "sub#2"]);
    expect(ran.taskRuns.map((r) => r.output)).toEqual([4, 4, 6, 6, 6, 6]);
    expect(ran.taskRuns.every((r) => r.experimentId === ran.experimentId && r.runId === `${ran.experimentId}/${r.exampleId}/${r.repetition}`)).toBe(true);
    expect(ran.evaluationRuns).toHaveLength(6 * 2);
    expect(ran.evaluationRuns.filter((e) => e.name === "correct").map((e) => [e.exampleId, e.repetition, e.score])).toEqual([
      ["add", 1, 1],
      ["add", 2, 1],
      ["mul", 1, 0],
      ["mul", 2, 0],
      ["sub", 1, 0],
      ["sub", 2, 0],
    ]);
    expect(ran.evaluationRuns.find((e) => e.name === "positive")).toMatchObject({ score: 1, explanation: "sign", runId: ran.taskRuns[0]!.runId });
  });

  it("reports statistics and gate verdicts in result, and does not throw for failing gates", async () => {
    const ran = await runExperiment({ experimentName: "arith", dataset, task, evaluators, thresholds: { correct: 0.9 }, printSummary: false, storeDir: false });
    expect(ran.result.status).toBe("failed");
    expect(ran.result.gates).toMatchObject([{ evaluator: "correct", kind: "mean", status: "fail", samples: 3 }]);
    expect(ran.result.stats.evaluators.find((e) => e.name === "correct")!.mean).toBeCloseTo(1 / 3, 10);
  });

  it("includes failed runs as task runs without evaluation runs", async () => {
    const ran = await runExperiment({
      experimentName: "failing",
      dataset,
      task: ({ input }: { input: { a: number } }) => {
        if (input.a === 3) throw new Error("cannot multiply");
        return 4;
      },
      evaluators,
      retries: 0,
      printSummary: false,
      storeDir: false,
    });
    expect(ran.taskRuns.map((r) => r.status)).toEqual(["ok", "error", "ok"]);
    expect(ran.taskRuns[1]!.error).toMatchObject({ message: "cannot multiply" });
    expect(ran.evaluationRuns).toHaveLength(2 * 2);
    expect(ran.result.status).toBe("failed");
  });

  it("printSummary: false prints nothing", async () => {
    const { value, written } = await captureConsole(() => runExperiment({ experimentName: "quiet", dataset, task, evaluators, thresholds: { correct: 0.9 }, printSummary: false, storeDir: false }));
    expect(value.taskRuns).toHaveLength(3);
    expect(written).toEqual([]);
  });

  it("prints the summary by default", async () => {
    const { written } = await captureConsole(() => runExperiment({ experimentName: "loud-experiment", dataset, task, evaluators, storeDir: false, colors: false }));
    expect(written.join("\n")).toContain("loud-experiment");
  });

  it("delivers every run to extra sinks, then the result", async () => {
    const events: string[] = [];
    const sink: ExperimentSink = {
      name: "recorder",
      experimentStarted: (experiment, examples) => void events.push(`started ${experiment.name} ${examples.length}`),
      runCompleted: (run) => void events.push(`run ${run.exampleId}`),
      experimentFinished: (result) => void events.push(`finished ${result.status}`),
    };
    await runExperiment({ experimentName: "sinks", dataset, task, printSummary: false, storeDir: false, sinks: [sink] });
    expect(events[0]).toBe("started sinks 3");
    expect(events.slice(1, 4).sort()).toEqual(["run add", "run mul", "run sub"]);
    expect(events[4]).toBe("finished passed");
  });

  it("with exitOnError, returns the runs that ran and a partial result", async () => {
    const ran = await runExperiment({
      experimentName: "stop-early",
      dataset,
      task: () => {
        throw new Error("always");
      },
      concurrency: 1,
      retries: 0,
      exitOnError: true,
      printSummary: false,
      storeDir: false,
    });
    expect(ran.taskRuns.map((r) => r.exampleId)).toEqual(["add"]);
    expect(ran.result.stats.skipped).toBe(2);
    expect(ran.result.status).toBe("failed");
  });

  it("a dry run runs a sample and stores nothing", async () => {
    const storeDir = await mkdtemp(join(tmpdir(), "vx-run-"));
    try {
      const ran = await runExperiment({ experimentName: "dry", dataset, task, dryRun: 2, seed: 3, printSummary: false, storeDir });
      expect(ran.taskRuns).toHaveLength(2);
      expect(ran.result.experiment.dryRun).toEqual({ sampled: 2, seed: 3 });
      expect(ran.result.status).toBe("partial");
      expect(await readdir(storeDir)).toEqual([]);
    } finally {
      await rm(storeDir, { recursive: true, force: true });
    }
  });

  it("records a non-dry run in the local store when one is given", async () => {
    const storeDir = await mkdtemp(join(tmpdir(), "vx-run-"));
    try {
      await runExperiment({ experimentName: "stored", dataset, task, printSummary: false, storeDir });
      expect((await readdir(storeDir, { recursive: true })).length).toBeGreaterThan(0);
    } finally {
      await rm(storeDir, { recursive: true, force: true });
    }
  });

  it("throws a declaration error before running anything", async () => {
    const spy = vi.fn();
    await expect(runExperiment({ experimentName: "bad", dataset, task: spy, concurrency: 0, printSummary: false, storeDir: false })).rejects.toThrow(
      'experiment "bad": option concurrency must be an integer ≥ 1, got 0',
    );
    expect(spy).not.toHaveBeenCalled();
  });
});
