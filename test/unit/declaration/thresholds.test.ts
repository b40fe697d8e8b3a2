import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExperimentDeclarationError } from "../../../src/declaration/errors.js";
import { normalizeEvaluators } from "../../../src/declaration/evaluators.js";
import { parseThresholds } from "../../../src/declaration/thresholds.js";

const where = { experiment: "qa-baseline", file: join("evals", "qa.eval.ts") };
const evaluators = normalizeEvaluators(
  { exact_match: () => 1, latency_ms: { name: "latency_ms", optimizationDirection: "MINIMIZE", evaluate: () => 1 } } as never,
  where,
);
const parse = (thresholds: unknown) => parseThresholds(thresholds as never, evaluators, where);

function declarationError(thresholds: unknown): string {
  try {
    parse(thresholds);
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentDeclarationError);
    const message = (error as Error).message;
    expect(message).toContain('experiment "qa-baseline"');
    expect(message).toContain(join("evals", "qa.eval.ts"));
    return message;
  }
  throw new Error(`expected a declaration error for ${JSON.stringify(thresholds)}`);
}

describe("thresholds", () => {
  it("reads a bare number as the bar for the mean", () => {
    expect(parse({ exact_match: 0.8 })).toEqual([{ evaluator: "exact_match", direction: "maximize", mean: 0.8 }]);
  });

  it("reads the full form", () => {
    expect(parse({ exact_match: { mean: 0.7, perRun: 1, passRate: 0.9, maxDrop: 0.05 } })).toEqual([
      { evaluator: "exact_match", direction: "maximize", mean: 0.7, perRun: 1, passRate: 0.9, maxDrop: 0.05 },
    ]);
  });

  it("takes the direction from the evaluator's optimizationDirection unless set", () => {
    expect(parse({ latency_ms: 500 })).toEqual([{ evaluator: "latency_ms", direction: "minimize", mean: 500 }]);
    expect(parse({ latency_ms: { mean: 500, direction: "maximize" } })[0]!.direction).toBe("maximize");
    expect(parse({ exact_match: { perRun: 0.2, direction: "minimize" } })[0]!.direction).toBe("minimize");
  });

  it("keeps the declaration order", () => {
    expect(parse({ latency_ms: 1, exact_match: 1 }).map((g) => g.evaluator)).toEqual(["latency_ms", "exact_match"]);
  });

  it("rejects a threshold naming no evaluator, suggesting the near miss", () => {
    const message = declarationError({ exact_mach: 0.8 });
    expect(message).toContain('threshold "exact_mach" names no evaluator (did you mean "exact_match"?); evaluators: exact_match, latency_ms');
  });

  it("rejects a threshold when there are no evaluators", () => {
    expect(() => parseThresholds({ x: 1 }, [], where)).toThrow(/threshold "x" names no evaluator; evaluators: none/);
  });

  it.each([
    [{ exact_match: { passRate: 1.5, perRun: 1 } }, "thresholds.exact_match.passRate must be between 0 and 1, got 1.5"],
    [{ exact_match: { passRate: -0.1, perRun: 1 } }, "thresholds.exact_match.passRate must be between 0 and 1, got -0.1"],
    [{ exact_match: { mean: "0.8" } }, 'thresholds.exact_match.mean must be a finite number, got "0.8"'],
    [{ exact_match: { perRun: null } }, "thresholds.exact_match.perRun must be a finite number, got null"],
    [{ exact_match: Number.NaN }, "thresholds.exact_match must be a finite number, got NaN"],
    [{ exact_match: { mean: Number.POSITIVE_INFINITY } }, "thresholds.exact_match.mean must be a finite number, got Infinity"],
    [{ exact_match: "high" }, 'thresholds.exact_match must be a number (the bar for the mean) or { mean, perRun, passRate, direction, maxDrop }, got "high"'],
    [{ exact_match: { maxDrop: -0.1 } }, "thresholds.exact_match.maxDrop must be ≥ 0, got -0.1"],
    [{ exact_match: { mean: 1, direction: "up" } }, 'thresholds.exact_match.direction must be "maximize" or "minimize", got "up"'],
    [{ exact_match: { passRate: 0.9 } }, "thresholds.exact_match.passRate needs a perRun bar"],
    [{ exact_match: {} }, "thresholds.exact_match sets no bar: give mean, perRun or maxDrop"],
    [{ exact_match: { perrun: 1 } }, 'thresholds.exact_match.perrun is not a threshold option (did you mean "perRun"?)'],
  ])("rejects %j naming the field", (thresholds, expected) => {
    expect(declarationError(thresholds)).toContain(expected);
  });

  it("rejects thresholds that are not a record", () => {
    expect(declarationError([0.8])).toContain("thresholds must be a record of evaluator name → threshold, got an array");
    expect(declarationError(0.8)).toContain("got number");
  });
});
