import type { Direction, GateSpec } from "../record/types.js";
import type { NamedEvaluator } from "../evaluators/types.js";
import type { Threshold } from "./options.js";
import { ExperimentDeclarationError, shown, suggestion } from "./errors.js";

const KEYS = ["mean", "perRun", "passRate", "direction", "maxDrop"] as const;

interface Where {
  experiment: string;
  file?: string;
}

/**
 * Parses `thresholds` into gate specs. A bare number is the bar for the mean. Every threshold
 * must name a declared evaluator; the direction defaults to the evaluator's own (phoenix-evals'
 * `optimizationDirection`), else maximize.
 */
export function parseThresholds(
  thresholds: Record<string, Threshold> | undefined,
  evaluators: readonly NamedEvaluator[],
  where: Where,
): GateSpec[] {
  if (thresholds === undefined) return [];
  const fail = (problem: string): never => {
    throw new ExperimentDeclarationError(where.experiment, problem, where.file);
  };
  if (typeof thresholds !== "object" || thresholds === null || Array.isArray(thresholds)) {
    fail(`thresholds must be a record of evaluator name → threshold, got ${Array.isArray(thresholds) ? "an array" : typeof thresholds}`);
  }
  const names = evaluators.map((e) => e.name);
  return Object.entries(thresholds).map(([name, threshold]) => {
    const evaluator = evaluators.find((e) => e.name === name);
    if (!evaluator) {
      fail(`threshold "${name}" names no evaluator${suggestion(name, names)}; evaluators: ${names.join(", ") || "none"}`);
    }
    const field = (key: string) => `thresholds.${name}${key ? `.${key}` : ""}`;
    const number = (key: string, value: unknown, { unit }: { unit?: boolean } = {}): number | undefined => {
      if (value === undefined) return undefined;
      if (typeof value !== "number" || !Number.isFinite(value)) fail(`${field(key)} must be a finite number, got ${shown(value)}`);
      if (unit && ((value as number) < 0 || (value as number) > 1)) fail(`${field(key)} must be between 0 and 1, got ${value}`);
      if (key === "maxDrop" && (value as number) < 0) fail(`${field(key)} must be ≥ 0, got ${value}`);
      return value as number;
    };
    if (typeof threshold === "number") {
      return { evaluator: name, direction: evaluator!.direction, mean: number("", threshold) };
    }
    if (typeof threshold !== "object" || threshold === null) {
      fail(`${field("")} must be a number (the bar for the mean) or { mean, perRun, passRate, direction, maxDrop }, got ${shown(threshold)}`);
    }
    for (const key of Object.keys(threshold)) {
      if (!(KEYS as readonly string[]).includes(key)) fail(`${field(key)} is not a threshold option${suggestion(key, KEYS)}; expected ${KEYS.join(", ")}`);
    }
    const direction = threshold.direction ?? evaluator!.direction;
    if (direction !== "maximize" && direction !== "minimize") {
      fail(`${field("direction")} must be "maximize" or "minimize", got ${shown(direction)}`);
    }
    const spec: GateSpec = { evaluator: name, direction: direction as Direction };
    const mean = number("mean", threshold.mean);
    const perRun = number("perRun", threshold.perRun);
    const passRate = number("passRate", threshold.passRate, { unit: true });
    const maxDrop = number("maxDrop", threshold.maxDrop);
    if (passRate !== undefined && perRun === undefined) fail(`${field("passRate")} needs a perRun bar: the pass rate is the share of runs reaching perRun`);
    if (mean === undefined && perRun === undefined && maxDrop === undefined) fail(`${field("")} sets no bar: give mean, perRun or maxDrop`);
    if (mean !== undefined) spec.mean = mean;
    if (perRun !== undefined) spec.perRun = perRun;
    if (passRate !== undefined) spec.passRate = passRate;
    if (maxDrop !== undefined) spec.maxDrop = maxDrop;
    return spec;
  });
}
