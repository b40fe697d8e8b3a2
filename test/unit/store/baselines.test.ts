import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { evaluateGates } from "../../../src/record/gates.js";
import type { ExperimentDescriptor, ExperimentStatus, RunRecord } from "../../../src/record/types.js";
import { baselineFilePath, readBaselineFile, writeBaselineFile } from "../../../src/store/baseline-file.js";
import { compareToBaseline, formatMovement, previousExperiment, resolveBaseline, type Baseline } from "../../../src/store/baselines.js";
import { openStore, type JsonlExperimentStore } from "../../../src/store/jsonl-store.js";
import { descriptor, gates, result, run, tempDir } from "./fixtures.js";

let dir: { path: string; remove: () => Promise<void> };
let store: JsonlExperimentStore;
let evalFile: string;
beforeEach(async () => {
  dir = await tempDir("vx-baselines-");
  store = openStore(join(dir.path, "store"));
  evalFile = join(dir.path, "evals", "qa.eval.ts");
  await mkdir(join(dir.path, "evals"));
});
afterEach(async () => {
  await store.close();
  await dir.remove();
});

/** Stores a finished experiment whose runs score `scores` (q1, q2, q3 in order). */
async function stored(id: string, day: number, scores: number[], status: ExperimentStatus, overrides: Partial<ExperimentDescriptor> = {}): Promise<{ experiment: ExperimentDescriptor; runs: RunRecord[] }> {
  const experiment = descriptor({ id, startTime: `2026-01-${String(day).padStart(2, "0")}T00:00:00.000Z`, ...overrides });
  const runs = scores.map((score, i) => run(experiment, `q${i + 1}`, { accuracy: score }));
  await store.startExperiment(experiment);
  for (const r of runs) await store.appendRun(r);
  await store.finishExperiment(result(experiment, runs, status));
  return { experiment, runs };
}

const current = descriptor({ id: "now", startTime: "2026-02-01T00:00:00.000Z" });

describe("resolveBaseline", () => {
  it("takes the most recent passing experiment of the same name and dataset from the store", async () => {
    await stored("old-pass", 1, [1, 0, 0], "passed");
    await stored("new-pass", 2, [1, 1, 0], "passed");
    const baseline = await resolveBaseline({ store, experiment: current, evalFile });
    expect(baseline).toMatchObject({ source: "history", experimentId: "new-pass", perExample: { q1: { accuracy: 1 }, q2: { accuracy: 1 }, q3: { accuracy: 0 } } });
    expect(baseline?.means.accuracy).toBeCloseTo(2 / 3);
  });

  it("never takes a failing, partial, interrupted or unfinished experiment", async () => {
    await stored("passing", 1, [1, 1, 1], "passed");
    await stored("failing", 2, [0, 0, 0], "failed");
    await stored("partial", 3, [0, 0, 0], "partial");
    await stored("interrupted", 4, [0, 0, 0], "interrupted");
    await store.startExperiment(descriptor({ id: "unfinished", startTime: "2026-01-05T00:00:00.000Z" }));
    expect((await resolveBaseline({ store, experiment: current }))?.experimentId).toBe("passing");
  });

  it("never takes another dataset, another name, or the experiment itself", async () => {
    await stored("other-dataset", 1, [1, 1, 1], "passed", { dataset: { name: "qa-set", exampleIds: ["x"], totalExamples: 1, contentHash: "other" } });
    await stored("other-name", 2, [1, 1, 1], "passed", { name: "summaries" });
    await stored("now", 3, [1, 1, 1], "passed", { startTime: current.startTime });
    expect(await resolveBaseline({ store, experiment: current, evalFile })).toBeUndefined();
  });

  it("accepts the same examples under a changed content hash as the same dataset", async () => {
    await stored("same-ids", 1, [1, 1, 1], "passed", { dataset: { ...current.dataset, contentHash: "edited" } });
    expect((await resolveBaseline({ store, experiment: current }))?.experimentId).toBe("same-ids");
  });

  it("prefers a committed baseline file over the store", async () => {
    const { experiment, runs } = await stored("committed", 1, [1, 0, 1], "passed");
    await stored("later", 2, [1, 1, 1], "passed");
    await writeBaselineFile(evalFile, result(experiment, runs), runs);
    const baseline = await resolveBaseline({ store, experiment: current, evalFile });
    expect(baseline).toMatchObject({ source: "file", file: baselineFilePath(evalFile), perExample: { q2: { accuracy: 0 } } });
  });

  it("prefers an explicit baseline over the file, even a failing one, and fails clearly when it is missing", async () => {
    const { experiment, runs } = await stored("committed", 1, [1, 1, 1], "passed");
    await writeBaselineFile(evalFile, result(experiment, runs), runs);
    await stored("chosen", 2, [0, 0, 1], "failed");
    expect(await resolveBaseline({ store, experiment: { ...current, baseline: "chosen" }, evalFile })).toMatchObject({ source: "option", experimentId: "chosen" });
    await expect(resolveBaseline({ store, experiment: current, explicitId: "missing" })).rejects.toThrow(/Baseline experiment "missing" of experiment "qa" is not in the store at .*store/);
    await expect(resolveBaseline({ experiment: current, explicitId: "chosen" })).rejects.toThrow(/is not in the store \(it is disabled\)/);
  });

  it("works with no store at all from a committed file, so a pull-request gate needs no server", async () => {
    const { experiment, runs } = await stored("committed", 1, [1, 1, 0], "passed");
    await writeBaselineFile(evalFile, result(experiment, runs), runs);
    const baseline = await resolveBaseline({ experiment: current, evalFile });
    expect(baseline?.source).toBe("file");
    // The gate's maxDrop sees the baseline mean (2/3, rounded in the file); a mean of 0 drops too far.
    const verdicts = evaluateGates([{ evaluator: "accuracy", direction: "maximize", maxDrop: 0.1 }], {
      runs: [run(current, "q1", { accuracy: 0 })],
      partial: false,
      allowedErrorRate: 0,
      baseline: baseline!,
    });
    expect(verdicts[0]).toMatchObject({ kind: "maxDrop", status: "fail", baseline: 0.666667 });
  });
});

describe("baseline files", () => {
  it("are deterministic: sorted keys, rounded scores, no ids or times; other experiments kept", async () => {
    const a = descriptor({ id: "a1", name: "zeta", evaluators: [{ name: "b_score", kind: "CODE", direction: "maximize" }, { name: "a_score", kind: "CODE", direction: "maximize" }] });
    const aRuns = [run(a, "q10", { b_score: 1 / 3, a_score: 1 }), run(a, "q2", { b_score: 0, a_score: 0 })];
    await writeBaselineFile(evalFile, result(a, aRuns), aRuns);
    const b = descriptor({ id: "b1", name: "alpha" });
    const bRuns = [run(b, "q1", { accuracy: 1 })];
    const path = await writeBaselineFile(evalFile, result(b, bRuns), bRuns);
    expect(path).toBe(join(dir.path, "evals", "__baselines__", "qa.eval.ts.json"));
    const first = await readFile(path, "utf8");
    expect(first).toMatchInlineSnapshot(`
      "{
        "alpha": {
          "dataset": {
            "contentHash": "hash-1",
            "examples": 3,
            "name": "qa-set"
          },
          "examples": {
            "q1": {
              "accuracy": 1
            }
          },
          "means": {
            "accuracy": 1
          }
        },
        "zeta": {
          "dataset": {
            "contentHash": "hash-1",
            "examples": 3,
            "name": "qa-set"
          },
          "examples": {
            "q10": {
              "a_score": 1,
              "b_score": 0.333333
            },
            "q2": {
              "a_score": 0,
              "b_score": 0
            }
          },
          "means": {
            "a_score": 0.5,
            "b_score": 0.166667
          }
        }
      }
      "
    `);
    // Rewriting the same scores under a new experiment id and time changes nothing.
    const again = descriptor({ id: "b2", name: "alpha", startTime: "2026-03-01T00:00:00.000Z" });
    const againRuns = [run(again, "q1", { accuracy: 1 })];
    await writeBaselineFile(evalFile, result(again, againRuns), againRuns);
    expect(await readFile(path, "utf8")).toBe(first);
  });

  it("key repeated runs by example and repetition", async () => {
    const experiment = descriptor({ id: "r", repetitions: 2 });
    const runs = [run(experiment, "q1", { accuracy: 1 }, { repetition: 1 }), run(experiment, "q1", { accuracy: 0 }, { repetition: 2 })];
    await writeBaselineFile(evalFile, result(experiment, runs), runs);
    expect((await readBaselineFile(evalFile))?.entries.qa?.examples).toEqual({ "q1 [rep 1]": { accuracy: 1 }, "q1 [rep 2]": { accuracy: 0 } });
  });

  it("that are damaged fail with the file and the field", async () => {
    await mkdir(join(dir.path, "evals", "__baselines__"));
    await writeFile(baselineFilePath(evalFile), '{"qa": {"dataset": {}, "means": {"accuracy": "high"}, "examples": {}}}');
    await expect(readBaselineFile(evalFile)).rejects.toThrow(/qa\.eval\.ts\.json: "qa"\.means\.accuracy must be a finite number, got "high"/);
    await writeFile(baselineFilePath(evalFile), "{ nope");
    await expect(resolveBaseline({ experiment: current, evalFile })).rejects.toThrow(/qa\.eval\.ts\.json is not valid JSON/);
  });
});

describe("compareToBaseline", () => {
  const baseline: Baseline = { source: "file", means: { accuracy: 0.5, latency: 100 }, perExample: { q1: { accuracy: 1, latency: 90 }, q2: { accuracy: 0, latency: 110 }, q3: { accuracy: 1, latency: 100 }, gone: { accuracy: 1 } } };
  const experiment = descriptor({ id: "c" });
  const runs = [
    run(experiment, "q1", { accuracy: 0, latency: 80 }),
    run(experiment, "q2", { accuracy: 1, latency: 120 }),
    run(experiment, "q3", {}, { failed: true }),
    run(experiment, "new", { accuracy: 1, latency: 100 }),
  ];

  it("gives per-evaluator deltas and the runs that regressed or improved against the gates' bars", () => {
    const comparison = compareToBaseline(runs, baseline, gates, { evaluators: [{ name: "accuracy", direction: "maximize" }, { name: "latency", direction: "minimize" }] });
    expect(comparison.evaluators).toEqual([
      { evaluator: "accuracy", direction: "maximize", baseline: 0.5, current: 0.5, delta: 0, worse: false },
      // The failed task (q3) counts as the worst latency seen (120), never as an improvement.
      { evaluator: "latency", direction: "minimize", baseline: 100, current: 105, delta: 5, worse: true },
    ]);
    // accuracy has perRun 1: q1 and q3 (task failed) passed before and fail now; q2 the other way.
    // latency has no bar: any move in the wrong direction (up) is a regression.
    expect(comparison.regressed).toEqual([
      { key: "q1", exampleId: "q1", repetition: 1, changes: [{ evaluator: "accuracy", before: 1, after: 0, bar: 1 }] },
      { key: "q2", exampleId: "q2", repetition: 1, changes: [{ evaluator: "latency", before: 110, after: 120 }] },
      { key: "q3", exampleId: "q3", repetition: 1, changes: [{ evaluator: "accuracy", before: 1, after: null, bar: 1 }, { evaluator: "latency", before: 100, after: null }] },
    ]);
    expect(comparison.improved.map((c) => [c.key, c.changes.map((x) => x.evaluator)])).toEqual([
      ["q1", ["latency"]],
      ["q2", ["accuracy"]],
    ]);
    expect(comparison.onlyInBaseline).toEqual(["gone"]);
    expect(comparison.onlyInCurrent).toEqual(["new"]);
  });
});

describe("previousExperiment", () => {
  it("is the latest finished experiment of the same name before this one, whatever its verdict", async () => {
    await stored("first", 1, [1, 1, 1], "passed");
    await stored("second", 2, [0, 1, 0], "failed");
    await store.startExperiment(descriptor({ id: "killed", startTime: "2026-01-03T00:00:00.000Z" }));
    const previous = await previousExperiment(store, current);
    expect(previous?.summary.experiment.id).toBe("second");
    expect(previous?.means.accuracy).toBeCloseTo(1 / 3);
    expect(await previousExperiment(store, descriptor({ id: "first", startTime: "2026-01-01T00:00:00.000Z" }))).toBeUndefined();
  });

  it("formats movement for watch mode", () => {
    expect(formatMovement("accuracy", 0.82, 0.86)).toBe("accuracy 0.82 → 0.86 (+0.04)");
    expect(formatMovement("accuracy", 0.86, 0.82)).toBe("accuracy 0.86 → 0.82 (-0.04)");
    expect(formatMovement("accuracy", 0.5, 0.5)).toBe("accuracy 0.5 → 0.5 (±0)");
    expect(formatMovement("accuracy", undefined, 0.5)).toBe("accuracy 0.5 (new)");
  });
});
