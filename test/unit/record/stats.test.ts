import { describe, expect, it } from "vitest";
import { buildResult, computeStats } from "../../../src/record/stats.js";
import { attempt, descriptorOf, failedRun, okRun } from "./runs.js";

describe("computeStats", () => {
  const experiment = descriptorOf([{ evaluator: "acc", direction: "maximize", perRun: 1 }]);

  it("counts runs, errors and skipped runs (declared but not run)", () => {
    const stats = computeStats(experiment, [okRun({ acc: 1 }), failedRun()]);
    expect(stats).toMatchObject({ runs: 2, errors: 1, skipped: 2 });
  });

  it("computes mean, min, max, pass rate, errors and labels per evaluator; a failed task counts 0", () => {
    const stats = computeStats(experiment, [
      okRun({ acc: { score: 1, label: "right" } }),
      okRun({ acc: { score: 0.5, label: "partly" } }),
      okRun({ acc: new Error("judge down") }),
      failedRun(),
    ]);
    expect(stats.evaluators).toEqual([
      { name: "acc", direction: "maximize", count: 4, mean: 1.5 / 4, min: 0, max: 1, passRate: 0.25, errors: 1, labels: { right: 1, partly: 1 } },
    ]);
  });

  it("leaves failed tasks out of the scores when errors are allowed", () => {
    const allowing = descriptorOf([{ evaluator: "acc", direction: "maximize", mean: 0.5 }], {
      config: { concurrency: 3, retries: 3, timeout: 60_000, exitOnError: false, allowedErrorRate: 0.5, printSummary: false },
    });
    const [acc] = computeStats(allowing, [okRun({ acc: 1 }), failedRun()]).evaluators;
    expect(acc).toMatchObject({ count: 1, mean: 1, passRate: null });
  });

  it("has no statistics without scores", () => {
    const [acc] = computeStats(experiment, []).evaluators;
    expect(acc).toMatchObject({ count: 0, mean: null, min: null, max: null, passRate: null });
  });

  it("counts rate-limited attempts apart from retries", () => {
    const stats = computeStats(experiment, [
      okRun({ acc: 1 }, { attempts: [attempt("rate-limited"), attempt("rate-limited"), attempt("ok")] }),
      okRun({ acc: 1 }, { attempts: [attempt("fail"), attempt("timeout"), attempt("ok")] }),
    ]);
    expect(stats).toMatchObject({ rateLimited: 2, retries: 2 });
  });

  it("counts a retry that was itself rate limited as a retry spent", () => {
    // fail → retry (refused by the rate limit) → attempt again without spending a retry → ok:
    // one retry was spent, one attempt was rate limited.
    const stats = computeStats(experiment, [okRun({ acc: 1 }, { attempts: [attempt("fail"), attempt("rate-limited"), attempt("ok")] })]);
    expect(stats).toMatchObject({ rateLimited: 1, retries: 1 });
  });

  it("does not count the attempt after a rate-limited one as a retry", () => {
    const stats = computeStats(experiment, [okRun({ acc: 1 }, { attempts: [attempt("rate-limited"), attempt("fail"), attempt("ok")] })]);
    expect(stats).toMatchObject({ rateLimited: 1, retries: 1 });
  });
});

describe("buildResult", () => {
  const gates = [{ evaluator: "acc", direction: "maximize" as const, mean: 0.5 }];
  const allRuns = () => ["a", "b", "c", "d"].map((id) => okRun({ acc: 1 }, { exampleId: id }));

  it("passes when every run passed and every gate passed", () => {
    const result = buildResult(descriptorOf(gates), allRuns(), { partial: false });
    expect(result.status).toBe("passed");
    expect(result.gates.map((g) => g.status)).toEqual(["pass"]);
    expect(result.stats.runs).toBe(4);
  });

  it("fails when a gate fails", () => {
    const runs = ["a", "b", "c", "d"].map((id) => okRun({ acc: 0 }, { exampleId: id }));
    expect(buildResult(descriptorOf(gates), runs, { partial: false }).status).toBe("failed");
  });

  it("fails when a task failed, even with every gate passing", () => {
    const runs = [...allRuns().slice(0, 3), failedRun()];
    expect(buildResult(descriptorOf([{ evaluator: "acc", direction: "maximize", mean: 0.1 }]), runs, { partial: false }).status).toBe("failed");
  });

  it("passes with failed tasks inside the error-rate allowance", () => {
    const experiment = descriptorOf(gates, { config: { concurrency: 3, retries: 3, timeout: 60_000, exitOnError: false, allowedErrorRate: 0.25, printSummary: false } });
    const result = buildResult(experiment, [...allRuns().slice(0, 3), failedRun()], { partial: false });
    expect(result.status).toBe("passed");
    expect(result.gates.map((g) => `${g.kind}:${g.status}`)).toEqual(["errorRate:pass", "mean:pass"]);
  });

  it("fails when a run misses a perRun bar that no passRate tolerates", () => {
    const experiment = descriptorOf([{ evaluator: "acc", direction: "maximize", perRun: 1 }]);
    const runs = [...allRuns().slice(0, 3), okRun({ acc: 0 }, { exampleId: "d" })];
    expect(buildResult(experiment, runs, { partial: false }).status).toBe("failed");
  });

  it("is partial (not passed) over a filtered run, a dry run or fewer runs than declared", () => {
    expect(buildResult(descriptorOf(gates), allRuns().slice(0, 2), { partial: true }).status).toBe("partial");
    expect(buildResult(descriptorOf(gates, { dryRun: { sampled: 2, seed: 1 } }), allRuns().slice(0, 2), { partial: false }).status).toBe("partial");
  });

  it("is interrupted when interrupted", () => {
    expect(buildResult(descriptorOf(gates), allRuns(), { partial: false, interrupted: true }).status).toBe("interrupted");
  });

  it("still fails a partial run whose completed runs failed", () => {
    expect(buildResult(descriptorOf(gates), [failedRun()], { partial: true }).status).toBe("failed");
  });
});
