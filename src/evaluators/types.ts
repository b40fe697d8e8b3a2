import type { Direction, EvaluatorKind, JsonObject, RunRecord } from "../record/types.js";
import type { Example } from "../datasets/types.js";

/**
 * What every evaluator receives. `reference` is an alias of `expected`. A type alias rather than an
 * interface, so evaluators typed as taking `Record<string, unknown>` (phoenix-evals) accept it.
 */
export type EvaluatorArgs<Input = any, Output = any, Expected = any> = {
  input: Input;
  output: Output;
  expected: Expected;
  reference: Expected;
  metadata: JsonObject;
  example: Example;
  /** The run being evaluated, without its evaluations (latency, attempts, timing). */
  run: Omit<RunRecord, "evaluations">;
  /** Aborts when the evaluator's timeout passes or the run is cancelled. */
  signal: AbortSignal;
};

/** `{ score?, label?, explanation?, metadata? }`: at least a score or a label. */
export interface EvaluationResultObject {
  score?: number | boolean | null;
  label?: string | null;
  explanation?: string | null;
  metadata?: JsonObject;
}

/** A number, a boolean (1/0), a label, null (no opinion), or a result object. */
export type EvaluatorReturn = number | boolean | string | null | EvaluationResultObject;

export type EvaluatorFunction<I = any, O = any, E = any> = (
  args: EvaluatorArgs<I, O, E>,
) => EvaluatorReturn | Promise<EvaluatorReturn>;

/**
 * The object form. `@arizeai/phoenix-evals` evaluators (`createEvaluator()`, classification
 * evaluators) have this shape and work unchanged; their `optimizationDirection` sets the default
 * direction of this evaluator's gates.
 */
export interface EvaluatorObject<I = any, O = any, E = any> {
  name: string;
  kind?: EvaluatorKind;
  optimizationDirection?: "MAXIMIZE" | "MINIMIZE" | "NEUTRAL" | Direction;
  evaluate(args: EvaluatorArgs<I, O, E>): EvaluatorReturn | Promise<EvaluatorReturn> | unknown;
}

export type Evaluator<I = any, O = any, E = any> = EvaluatorFunction<I, O, E> | EvaluatorObject<I, O, E>;

/** What `evaluators:` accepts: one evaluator, a list, or a record of name → evaluator. */
export type EvaluatorsInput<I = any, O = any, E = any> =
  | Evaluator<I, O, E>
  | Evaluator<I, O, E>[]
  | Record<string, Evaluator<I, O, E>>;

/** An evaluator after declaration: named, kind known, one call signature. */
export interface NamedEvaluator {
  name: string;
  kind: EvaluatorKind;
  direction: Direction;
  evaluate(args: EvaluatorArgs): unknown;
}

