import type { Direction, EvaluatorKind } from "../record/types.js";
import type { EvaluatorsInput, NamedEvaluator } from "../evaluators/types.js";
import { ExperimentDeclarationError } from "./errors.js";

const KINDS: readonly EvaluatorKind[] = ["CODE", "LLM", "HUMAN"];

interface Where {
  experiment: string;
  file?: string;
}

/**
 * Turns every accepted evaluator form into named evaluators with one call signature: a function
 * (named by its record key, then its `name` property, then its function name) or an object
 * `{ name, kind?, evaluate }` (the shape `@arizeai/phoenix-evals` produces); one, a list, or a
 * record. Names must be present and unique, since gates, JUnit properties and Phoenix
 * evaluations are all keyed by them.
 */
export function normalizeEvaluators(input: EvaluatorsInput | undefined, where: Where): NamedEvaluator[] {
  if (input === undefined || input === null) return [];
  const entries: [key: string | undefined, value: unknown][] = Array.isArray(input)
    ? input.map((e) => [undefined, e])
    : isEvaluator(input)
      ? [[undefined, input]]
      : typeof input === "object"
        ? Object.entries(input)
        : fail(where, `evaluators must be an evaluator, a list or a record of evaluators, got ${typeof input}`);
  const evaluators = entries.map(([key, value], index) => normalizeOne(key, value, index, where));
  const seen = new Set<string>();
  for (const evaluator of evaluators) {
    if (seen.has(evaluator.name)) {
      fail(where, `two evaluators are named "${evaluator.name}"; give one a different name (record key or \`name\`)`);
    }
    seen.add(evaluator.name);
  }
  return evaluators;
}

function normalizeOne(key: string | undefined, value: unknown, index: number, where: Where): NamedEvaluator {
  const position = key !== undefined ? `evaluators.${key}` : `evaluators[${index}]`;
  if (typeof value === "function") {
    const name = key ?? ((value as { evaluatorName?: unknown }).evaluatorName as string | undefined) ?? value.name;
    if (!name) fail(where, `${position} has no name: use a named function, or a record { my_name: fn }`);
    const fn = value as (args: unknown) => unknown;
    return { name, kind: "CODE", direction: "maximize", evaluate: (args) => fn(args) };
  }
  if (isEvaluator(value)) {
    const object = value as { name?: unknown; kind?: unknown; optimizationDirection?: unknown; evaluate: (args: unknown) => unknown };
    const name = key ?? (typeof object.name === "string" ? object.name : undefined);
    if (!name) fail(where, `${position} has no name: give the object a \`name\`, or use a record { my_name: evaluator }`);
    const kind = object.kind === undefined ? "CODE" : String(object.kind).toUpperCase();
    if (!KINDS.includes(kind as EvaluatorKind)) {
      fail(where, `evaluator "${name}" has kind ${JSON.stringify(object.kind)}; expected one of ${KINDS.join(", ")}`);
    }
    return {
      name,
      kind: kind as EvaluatorKind,
      direction: directionOf(object.optimizationDirection),
      evaluate: (args) => object.evaluate(args),
    };
  }
  return fail(where, `${position} is not an evaluator: expected a function or an object with an evaluate() method, got ${value === null ? "null" : typeof value}`);
}

function isEvaluator(value: unknown): boolean {
  return typeof value === "function" || (typeof value === "object" && value !== null && typeof (value as { evaluate?: unknown }).evaluate === "function");
}

/** phoenix-evals says MAXIMIZE / MINIMIZE / NEUTRAL; gates need a direction, and neutral reads as maximize. */
function directionOf(value: unknown): Direction {
  return typeof value === "string" && value.toLowerCase() === "minimize" ? "minimize" : "maximize";
}

function fail(where: Where, problem: string): never {
  throw new ExperimentDeclarationError(where.experiment, problem, where.file);
}
