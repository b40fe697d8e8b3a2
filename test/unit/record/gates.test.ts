import { describe, expect, it } from "vitest";
import { describeVerdict, evaluateGates, formatNumber, gatesFailed, judgeRun, meetsBar, scoreForAggregate } from "../../../src/record/gates.js";
import type { GateSpec, GateVerdict, RunRecord } from "../../../src/record/types.js";
import { failedRun, okRun } from "./runs.js";

const full = { partial: false, allowedErrorRate: 0 };
const gatesOver = (gates: GateSpec[], runs: RunRecord[], extra: Partial<Parameters<typeof evaluateGates>[1]> = {}) =>
  evaluateGates(gates, { runs, ...full, ...extra });
const summary = (verdicts: GateVerdict[]) => verdicts.map(({ evaluator, kind, observed, bar, samples, status }) => ({ evaluator, kind, observed, bar, samples, status }));

describe("meetsBar", () => {
  it("maximize needs ≥, minimize needs ≤", () => {
    expect(meetsBar(0.8, 0.8, "maximize")).toBe(true);
    expect(meetsBar(0.79, 0.8, "maximize")).toBe(false);
    expect(meetsBar(0.8, 0.8, "minimize")).toBe(true);
    expect(meetsBar(0.81, 0.8, "minimize")).toBe(false);
  });
});

describe("mean gates", () => {
  const gate: GateSpec = { evaluator: "acc", direction: "maximize", mean: 0.8 };

  it("pass when the mean over all runs reaches the bar", () => {
    const verdicts = gatesOver([gate], [okRun({ acc: 1 }), okRun({ acc: 1 }), okRun({ acc: 0.5 })]);
    expect(summary(verdicts)).toEqual([{ evaluator: "acc", kind: "mean", observed: 2.5 / 3, bar: 0.8, samples: 3, status: "pass" }]);
    expect(gatesFailed(verdicts)).toBe(false);
  });

  it("fail when it does not", () => {
    const verdicts = gatesOver([gate], [okRun({ acc: 1 }), okRun({ acc: 0.5 }), okRun({ acc: 0.5 })]);
    expect(verdicts[0]!.status).toBe("fail");
    expect(gatesFailed(verdicts)).toBe(true);
  });

  it("count a task that failed for good as 0", () => {
    const verdicts = gatesOver([gate], [okRun({ acc: 1 }), okRun({ acc: 1 }), okRun({ acc: 1 }), failedRun()]);
    expect(summary(verdicts)[0]).toMatchObject({ observed: 0.75, samples: 4, status: "fail" });
  });

  it("count an evaluator error as 0 and a label-only evaluation as no sample", () => {
    const runs = [okRun({ acc: 1 }), okRun({ acc: new Error("judge down") }), okRun({ acc: { label: "n/a" } })];
    expect(summary(gatesOver([gate], runs))[0]).toMatchObject({ observed: 0.5, samples: 2, status: "fail" });
  });

  it("fail (never pass) with no samples", () => {
    expect(summary(gatesOver([gate], []))[0]).toMatchObject({ observed: null, samples: 0, status: "fail" });
  });

  it("minimize flips the comparison", () => {
    const latency: GateSpec = { evaluator: "latency", direction: "minimize", mean: 200 };
    expect(gatesOver([latency], [okRun({ latency: 100 }), okRun({ latency: 250 })])[0]!.status).toBe("pass");
    expect(gatesOver([latency], [okRun({ latency: 300 }), okRun({ latency: 250 })])[0]!.status).toBe("fail");
  });
});

describe("perRun bars (judgeRun)", () => {
  const gate: GateSpec = { evaluator: "acc", direction: "maximize", perRun: 1 };

  it("a run that reaches every bar passes", () => {
    expect(judgeRun(okRun({ acc: 1 }), [gate])).toEqual({ failed: false, reasons: [], misses: [] });
  });

  it("a run that misses fails its test with the evaluator's explanation", () => {
    const verdict = judgeRun(okRun({ acc: { score: 0, explanation: "answered Paris, expected Rome" } }), [gate]);
    expect(verdict.failed).toBe(true);
    expect(verdict.reasons).toEqual(["acc = 0, needs ≥ 1: answered Paris, expected Rome"]);
    expect(verdict.misses).toEqual([{ evaluator: "acc", bar: 1, score: 0, explanation: "answered Paris, expected Rome" }]);
  });

  it("a run whose evaluation has no score misses the bar", () => {
    const verdict = judgeRun(okRun({ acc: { label: "unsure" } }), [gate]);
    expect(verdict.failed).toBe(true);
    expect(verdict.reasons[0]).toBe("acc = no score, needs ≥ 1");
  });

  it("minimize flips the comparison", () => {
    const latency: GateSpec = { evaluator: "latency", direction: "minimize", perRun: 200 };
    expect(judgeRun(okRun({ latency: 150 }), [latency]).failed).toBe(false);
    const slow = judgeRun(okRun({ latency: 250 }), [latency]);
    expect(slow.failed).toBe(true);
    expect(slow.reasons[0]).toBe("latency = 250, needs ≤ 200");
  });

  it("passRate tolerates a miss: reported, not failing the run", () => {
    const verdict = judgeRun(okRun({ acc: 0 }), [{ ...gate, passRate: 0.5 }]);
    expect(verdict.failed).toBe(false);
    expect(verdict.misses).toHaveLength(1);
    expect(verdict.reasons[0]).toContain("(tolerated by passRate)");
  });

  it("a failed task fails its run with the attempts and the error", () => {
    const verdict = judgeRun(failedRun("provider down", [{ startTime: "", endTime: "", error: "x", rateLimited: false, timedOut: false }, { startTime: "", endTime: "", error: "x", rateLimited: false, timedOut: false }]), [gate]);
    expect(verdict).toEqual({ failed: true, reasons: ["task failed after 2 attempts: provider down"], misses: [] });
  });

  it("an evaluator that errored fails the run", () => {
    const verdict = judgeRun(okRun({ acc: 1, judge: new Error("timeout") }), [gate]);
    expect(verdict.failed).toBe(true);
    expect(verdict.reasons).toEqual(["evaluator judge failed: timeout"]);
  });

  it("gates without perRun do not judge runs", () => {
    expect(judgeRun(okRun({ acc: 0 }), [{ evaluator: "acc", direction: "maximize", mean: 1 }]).failed).toBe(false);
  });
});

describe("passRate gates", () => {
  const gate: GateSpec = { evaluator: "acc", direction: "maximize", perRun: 1, passRate: 0.75 };

  it("pass when the share of runs reaching perRun reaches passRate", () => {
    const runs = [okRun({ acc: 1 }), okRun({ acc: 1 }), okRun({ acc: 1 }), okRun({ acc: 0 })];
    expect(summary(gatesOver([gate], runs))).toEqual([{ evaluator: "acc", kind: "passRate", observed: 0.75, bar: 0.75, samples: 4, status: "pass" }]);
  });

  it("fail when too many runs miss; a failed task is a miss", () => {
    const runs = [okRun({ acc: 1 }), okRun({ acc: 1 }), okRun({ acc: 0 }), failedRun()];
    expect(summary(gatesOver([gate], runs))[0]).toMatchObject({ observed: 0.5, status: "fail" });
  });

  it("with minimize, reaching perRun means staying below it; the pass rate itself is higher-is-better", () => {
    const latency: GateSpec = { evaluator: "latency", direction: "minimize", perRun: 200, passRate: 0.5 };
    const verdict = gatesOver([latency], [okRun({ latency: 100 }), okRun({ latency: 300 })])[0]!;
    expect(verdict).toMatchObject({ kind: "passRate", direction: "maximize", observed: 0.5, status: "pass" });
  });

  it("one verdict per bar, in declaration order", () => {
    const verdicts = gatesOver(
      [
        { evaluator: "acc", direction: "maximize", mean: 0.5, perRun: 1, passRate: 0.5 },
        { evaluator: "latency", direction: "minimize", mean: 500 },
      ],
      [okRun({ acc: 1, latency: 100 })],
    );
    expect(verdicts.map((v) => `${v.evaluator}:${v.kind}`)).toEqual(["acc:mean", "acc:passRate", "latency:mean"]);
  });
});

describe("allowedErrorRate", () => {
  const gate: GateSpec = { evaluator: "acc", direction: "maximize", mean: 0.9 };
  const runs = () => [okRun({ acc: 1 }), okRun({ acc: 1 }), okRun({ acc: 1 }), failedRun()];

  it("leaves failed runs out of the aggregates and adds an errorRate gate first", () => {
    const verdicts = gatesOver([gate], runs(), { allowedErrorRate: 0.25 });
    expect(summary(verdicts)).toEqual([
      { evaluator: "(task)", kind: "errorRate", observed: 0.25, bar: 0.25, samples: 4, status: "pass" },
      { evaluator: "acc", kind: "mean", observed: 1, bar: 0.9, samples: 3, status: "pass" },
    ]);
  });

  it("fails the errorRate gate when more runs fail than allowed", () => {
    const verdicts = gatesOver([gate], [...runs(), failedRun()], { allowedErrorRate: 0.25 });
    expect(verdicts[0]).toMatchObject({ kind: "errorRate", observed: 0.4, status: "fail", direction: "minimize" });
    expect(gatesFailed(verdicts)).toBe(true);
  });

  it("without an allowance failed runs count as 0 and there is no errorRate gate", () => {
    const verdicts = gatesOver([gate], runs());
    expect(verdicts.map((v) => v.kind)).toEqual(["mean"]);
    expect(verdicts[0]).toMatchObject({ observed: 0.75, status: "fail" });
  });

  it("scoreForAggregate: 0 or excluded for failed tasks", () => {
    expect(scoreForAggregate(failedRun(), "acc", false)).toBe(0);
    expect(scoreForAggregate(failedRun(), "acc", true)).toBeUndefined();
    expect(scoreForAggregate(okRun({ acc: 0.4 }), "acc", true)).toBe(0.4);
    expect(scoreForAggregate(okRun({ other: 1 }), "acc", false)).toBeUndefined();
  });
});

describe("partial verdicts", () => {
  it("over a filtered run every verdict is partial, never a pass or a failure", () => {
    const verdicts = gatesOver(
      [{ evaluator: "acc", direction: "maximize", mean: 0.9, perRun: 1, passRate: 1 }],
      [okRun({ acc: 0 })],
      { partial: true, allowedErrorRate: 0.1 },
    );
    expect(verdicts.map((v) => v.status)).toEqual(["partial", "partial", "partial"]);
    expect(gatesFailed(verdicts)).toBe(false);
    // The observed values are still reported.
    expect(verdicts[1]).toMatchObject({ kind: "mean", observed: 0 });
  });
});

describe("maxDrop", () => {
  const gate: GateSpec = { evaluator: "acc", direction: "maximize", maxDrop: 0.05 };

  it("without a baseline reports no-baseline and does not fail", () => {
    const verdicts = gatesOver([gate], [okRun({ acc: 0 })]);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]).toMatchObject({ kind: "maxDrop", status: "no-baseline" });
    expect(gatesFailed(verdicts)).toBe(false);
    expect(gatesOver([gate], [okRun({ acc: 0 })], { baseline: { means: { other: 1 } } })[0]!.status).toBe("no-baseline");
  });

  it("passes when the mean fell no more than maxDrop below the baseline mean", () => {
    const verdicts = gatesOver([gate], [okRun({ acc: 0.8 }), okRun({ acc: 0.9 })], { baseline: { means: { acc: 0.9 } } });
    expect(verdicts[0]).toMatchObject({ kind: "maxDrop", baseline: 0.9, status: "pass", direction: "minimize" });
    expect(verdicts[0]!.observed).toBeCloseTo(0.05, 10);
  });

  it("fails when the mean fell further", () => {
    const verdicts = gatesOver([gate], [okRun({ acc: 0.7 })], { baseline: { means: { acc: 0.9 } } });
    expect(verdicts[0]!.status).toBe("fail");
    expect(verdicts[0]!.observed).toBeCloseTo(0.2, 10);
  });

  it("an improvement is a negative drop and passes", () => {
    const verdicts = gatesOver([gate], [okRun({ acc: 1 })], { baseline: { means: { acc: 0.5 } } });
    expect(verdicts[0]).toMatchObject({ observed: -0.5, status: "pass" });
  });

  it("with minimize, a rise of the mean is the drop", () => {
    const latency: GateSpec = { evaluator: "latency", direction: "minimize", maxDrop: 50 };
    expect(gatesOver([latency], [okRun({ latency: 240 })], { baseline: { means: { latency: 200 } } })[0]).toMatchObject({ observed: 40, status: "pass" });
    expect(gatesOver([latency], [okRun({ latency: 260 })], { baseline: { means: { latency: 200 } } })[0]).toMatchObject({ observed: 60, status: "fail" });
  });

  it("is partial over a filtered run", () => {
    const verdicts = gatesOver([gate], [okRun({ acc: 0 })], { partial: true, baseline: { means: { acc: 1 } } });
    expect(verdicts[0]!.status).toBe("partial");
  });
});

describe("describeVerdict", () => {
  it("names the gate, observed value, bar and sample count", () => {
    const [pass] = gatesOver([{ evaluator: "acc", direction: "maximize", mean: 0.8 }], [okRun({ acc: 1 }), okRun({ acc: 0.75 })]);
    expect(describeVerdict(pass!)).toBe("✓ acc mean = 0.875 (needs ≥ 0.8, n=2)");
    const [fail] = gatesOver([{ evaluator: "latency", direction: "minimize", mean: 100 }], [okRun({ latency: 150 })]);
    expect(describeVerdict(fail!)).toBe("✗ latency mean = 150 (needs ≤ 100, n=1)");
  });

  it("describes passRate, errorRate, partial, maxDrop and no-baseline verdicts", () => {
    const verdicts = gatesOver(
      [
        { evaluator: "acc", direction: "maximize", perRun: 1, passRate: 0.9 },
        { evaluator: "acc", direction: "maximize", maxDrop: 0.1 },
      ],
      [okRun({ acc: 1 }), okRun({ acc: 0 }), failedRun()],
      { allowedErrorRate: 0.5, baseline: { means: { acc: 0.6 } } },
    );
    expect(verdicts.map(describeVerdict)).toEqual([
      "✓ task error rate = 0.333 (needs ≤ 0.5, n=3)",
      "✗ acc passRate = 0.5 (needs ≥ 0.9, n=2)",
      "✓ acc drop from baseline 0.6 = 0.1 (needs ≤ 0.1, n=2)",
    ]);
    const [partial] = gatesOver([{ evaluator: "acc", direction: "maximize", mean: 1 }], [okRun({ acc: 1 })], { partial: true });
    expect(describeVerdict(partial!)).toBe("~ partial acc mean = 1 (needs ≥ 1, n=1)");
    const [none] = gatesOver([{ evaluator: "acc", direction: "maximize", maxDrop: 0.1 }], [okRun({ acc: 1 })]);
    expect(describeVerdict(none!)).toMatch(/^– acc maxDrop: no baseline/);
    const [empty] = gatesOver([{ evaluator: "acc", direction: "maximize", mean: 1 }], []);
    expect(describeVerdict(empty!)).toBe("✗ acc mean = n/a (needs ≥ 1, n=0)");
  });

  it("formatNumber keeps integers and at most three decimals", () => {
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(0.5)).toBe("0.5");
    expect(formatNumber(2 / 3)).toBe("0.667");
    expect(formatNumber(0.1 + 0.2)).toBe("0.3");
  });
});
