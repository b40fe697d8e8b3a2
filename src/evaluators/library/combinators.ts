import type { Direction } from "../../record/types.js";
import type { Evaluator, EvaluatorArgs, EvaluatorObject } from "../types.js";
import { EvaluatorConfigError, resolveName, type LibraryEvaluator, type LibraryResult, type NameOption } from "./define.js";
import { show } from "./values.js";

/** A child with its own pass bar: `{ evaluator: tokenF1(), threshold: 0.8 }`. */
export interface ThresholdedEvaluator {
  evaluator: Evaluator;
  /** The child passes when its score reaches this (at most this, for minimizing evaluators). */
  threshold: number;
}

export type CombinatorChild = Evaluator | ThresholdedEvaluator;

interface Child {
  name: string;
  kind: "CODE" | "LLM" | "HUMAN";
  direction: Direction;
  threshold: number;
  evaluate(args: EvaluatorArgs): unknown;
}

function directionOf(value: unknown): Direction {
  return typeof value === "string" && value.toLowerCase() === "minimize" ? "minimize" : "maximize";
}

function prepare(name: string, child: CombinatorChild, index: number): Child {
  const spec = isThresholded(child) ? child : { evaluator: child, threshold: undefined };
  const evaluator = spec.evaluator;
  if (typeof evaluator === "function") {
    return { name: evaluator.name || `#${index + 1}`, kind: "CODE", direction: "maximize", threshold: spec.threshold ?? 1, evaluate: evaluator };
  }
  if (!evaluator || typeof evaluator !== "object" || typeof (evaluator as EvaluatorObject).evaluate !== "function") {
    throw new EvaluatorConfigError(name, `child #${index + 1} must be an evaluator (a function or an object with evaluate()), got ${show(evaluator)}`);
  }
  const object = evaluator as EvaluatorObject;
  const direction = directionOf(object.optimizationDirection);
  if (direction === "minimize" && spec.threshold === undefined) {
    throw new EvaluatorConfigError(name, `child "${object.name}" is minimized (lower is better): give it a bar, { evaluator, threshold }`);
  }
  if (spec.threshold !== undefined && (typeof spec.threshold !== "number" || !Number.isFinite(spec.threshold))) {
    throw new EvaluatorConfigError(name, `child "${object.name}": threshold must be a finite number, got ${show(spec.threshold)}`);
  }
  return {
    name: object.name || `#${index + 1}`,
    kind: object.kind ?? "CODE",
    direction,
    threshold: spec.threshold ?? 1,
    evaluate: (args) => object.evaluate(args),
  };
}

function isThresholded(child: CombinatorChild): child is ThresholdedEvaluator {
  return child !== null && typeof child === "object" && "evaluator" in child && "threshold" in child && !("evaluate" in child);
}

/** A child's result as a score: numbers and booleans count, null is no opinion, anything else is an error. */
function scoreOf(combinator: string, child: Child, result: unknown): number | null {
  const value = result !== null && typeof result === "object" && !Array.isArray(result) ? (result as { score?: unknown }).score : result;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === null || value === undefined) {
    if (result === null || result === undefined) return null;
    if (typeof result === "object" && (result as { label?: unknown }).label == null) return null;
  }
  throw new Error(`${combinator}: child "${child.name}" returned ${show(result)}, which has no numeric score to compare with its threshold`);
}

function explanationOf(result: unknown): string | null {
  if (result !== null && typeof result === "object") {
    const explanation = (result as { explanation?: unknown }).explanation;
    if (typeof explanation === "string") return explanation;
  }
  return null;
}

function combine(mode: "all" | "any", children: readonly CombinatorChild[], options: NameOption): LibraryEvaluator {
  const name = resolveName(mode, options);
  if (!Array.isArray(children) || children.length === 0) {
    throw new EvaluatorConfigError(name, `expected a non-empty list of evaluators, got ${show(children)}`);
  }
  const prepared = children.map((child, index) => prepare(name, child, index));
  const kind = prepared.some((child) => child.kind === "LLM") ? "LLM" : "CODE";

  return {
    name,
    kind,
    optimizationDirection: "maximize",
    async evaluate(args): Promise<LibraryResult | null> {
      // Every child runs, even when the verdict is known early, so the explanation is complete.
      const verdicts = await Promise.all(
        prepared.map(async (child) => {
          const result = await child.evaluate(args);
          const score = scoreOf(name, child, result);
          const passed = score === null ? null : child.direction === "minimize" ? score <= child.threshold : score >= child.threshold;
          return { child, score, passed, explanation: explanationOf(result) };
        }),
      );
      const opinions = verdicts.filter((verdict) => verdict.passed !== null);
      if (opinions.length === 0) return null;
      const passed = mode === "all" ? opinions.every((verdict) => verdict.passed) : opinions.some((verdict) => verdict.passed);
      const relevant = opinions.filter((verdict) => verdict.passed === (mode === "all" ? false : true));
      const describe = (verdict: (typeof verdicts)[number]) =>
        `${verdict.child.name} ${verdict.passed ? "passed" : "failed"} (${verdict.score}${verdict.child.threshold !== 1 || verdict.child.direction === "minimize" ? `, bar ${verdict.child.direction === "minimize" ? "≤" : "≥"} ${verdict.child.threshold}` : ""})${verdict.explanation ? `: ${verdict.explanation}` : ""}`;
      const shown = (relevant.length > 0 ? relevant : opinions).map(describe);
      const headline = mode === "all"
        ? passed ? `all ${opinions.length} checks passed` : `${relevant.length} of ${opinions.length} checks failed`
        : passed ? `${relevant.length} of ${opinions.length} checks passed` : `none of ${opinions.length} checks passed`;
      return {
        score: passed ? 1 : 0,
        label: passed ? "pass" : "fail",
        explanation: `${headline}: ${shown.join("; ")}`,
        metadata: Object.fromEntries(verdicts.map((verdict) => [verdict.child.name, verdict.score])),
      };
    },
  };
}

/** 1 when every child passes (score 1, or its own threshold). Children run concurrently. */
export function all(children: readonly CombinatorChild[], options: NameOption = {}): LibraryEvaluator {
  return combine("all", children, options);
}

/** 1 when at least one child passes. */
export function any(children: readonly CombinatorChild[], options: NameOption = {}): LibraryEvaluator {
  return combine("any", children, options);
}
