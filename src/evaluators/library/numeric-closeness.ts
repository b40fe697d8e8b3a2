import { defineCodeEvaluator, EvaluatorConfigError, EvaluatorInputError, passFail, resolveName, type LibraryEvaluator, type NameOption } from "./define.js";
import { parseKeyPath, readExpected, readOutput, show } from "./values.js";

export interface NumericClosenessOptions extends NameOption {
  /** Largest accepted |output - expected|. Default 0. */
  absolute?: number;
  /** Largest accepted |output - expected| / |expected|. Default 1e-9. */
  relative?: number;
  outputKey?: string;
  expectedKey?: string;
  /** Compare against this fixed number instead of the expected output. */
  value?: number;
}

const NUMBER_TEXT = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** A number, or a text that is exactly one number (thousands separators and spaces allowed). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const cleaned = value.trim().replace(/(\d),(?=\d{3}\b)/g, "$1");
  return NUMBER_TEXT.test(cleaned) ? Number(cleaned) : undefined;
}

/**
 * 1 when the output is within the tolerance of the expected number: `|a - b| <= max(absolute,
 * relative * |b|)` (Python's `math.isclose`, with the relative part taken against the expected value).
 */
export function numericCloseness(options: NumericClosenessOptions = {}): LibraryEvaluator {
  const name = resolveName("numeric_closeness", options);
  const absolute = tolerance(name, "absolute", options.absolute, 0);
  const relative = tolerance(name, "relative", options.relative, 1e-9);
  if (options.value !== undefined && toNumber(options.value) === undefined) {
    throw new EvaluatorConfigError(name, `"value" must be a finite number, got ${show(options.value)}`);
  }
  const outputPath = parseKeyPath(name, "outputKey", options.outputKey);
  const expectedPath = parseKeyPath(name, "expectedKey", options.expectedKey);

  return defineCodeEvaluator(name, (args) => {
    const rawExpected = options.value ?? readExpected(name, args, expectedPath);
    const expected = toNumber(rawExpected);
    if (expected === undefined) {
      throw new EvaluatorInputError(name, `the expected output must be a number, got ${show(rawExpected)}; set expectedKey or value`, args.example?.id);
    }
    const output = readOutput(args.output, outputPath);
    if (!output.ok) return passFail(false, output.explanation);
    const actual = toNumber(output.value);
    if (actual === undefined) return passFail(false, `output is not a number: got ${show(output.value)}`);
    const difference = Math.abs(actual - expected);
    const allowed = Math.max(absolute, relative * Math.abs(expected));
    const metadata = { difference, allowed };
    return difference <= allowed
      ? passFail(true, `${actual} is within ${allowed} of ${expected}`, metadata)
      : passFail(false, `expected ${expected} ± ${allowed} but got ${actual} (off by ${difference})`, metadata);
  });
}

function tolerance(name: string, option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new EvaluatorConfigError(name, `"${option}" must be a finite number ≥ 0, got ${show(value)}`);
  }
  return value;
}
