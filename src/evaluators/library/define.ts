import type { Direction, JsonObject } from "../../record/types.js";
import type { EvaluatorArgs, EvaluatorObject } from "../types.js";

/** What every library evaluator returns: a score a gate can read and a sentence a person can act on. */
export interface LibraryResult {
  score: number;
  label: string | null;
  explanation: string;
  metadata?: JsonObject;
}

/**
 * An evaluator object as the library builds it: always named, kind and direction known, so the
 * declaration layer never has to guess and gates get the right default direction.
 */
export interface LibraryEvaluator<I = any, O = any, E = any> extends EvaluatorObject<I, O, E> {
  readonly name: string;
  readonly kind: "CODE" | "LLM";
  readonly optimizationDirection: Direction;
  evaluate(args: EvaluatorArgs<I, O, E>): Promise<LibraryResult | null>;
}

/** Options every library evaluator accepts. */
export interface NameOption {
  /** Overrides the snake_case default name (the name gates and reports use). */
  name?: string;
}

/** A mistake in how an evaluator was declared: thrown at declaration, never at run time. */
export class EvaluatorConfigError extends Error {
  override readonly name = "EvaluatorConfigError";
  constructor(evaluator: string, problem: string) {
    super(`${evaluator}: ${problem}`);
  }
}

/** The dataset does not hold what the evaluator was told to read: a data bug, not a low score. */
export class EvaluatorInputError extends Error {
  override readonly name = "EvaluatorInputError";
  constructor(evaluator: string, problem: string, exampleId?: string) {
    super(`${evaluator}${exampleId ? ` (example ${exampleId})` : ""}: ${problem}`);
  }
}

export function resolveName(defaultName: string, options: NameOption | undefined): string {
  const name = options?.name ?? defaultName;
  if (typeof name !== "string" || name.trim() === "") {
    throw new EvaluatorConfigError(defaultName, `"name" must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  return name;
}

export function defineCodeEvaluator<I = any, O = any, E = any>(
  name: string,
  evaluate: (args: EvaluatorArgs<I, O, E>) => LibraryResult | null | Promise<LibraryResult | null>,
  optimizationDirection: Direction = "maximize",
): LibraryEvaluator<I, O, E> {
  return {
    name,
    kind: "CODE",
    optimizationDirection,
    async evaluate(args) {
      return evaluate(args);
    },
  };
}

export function passFail(
  passed: boolean,
  explanation: string,
  metadata?: JsonObject,
): LibraryResult {
  return { score: passed ? 1 : 0, label: passed ? "pass" : "fail", explanation, ...(metadata ? { metadata } : {}) };
}
