import { isDeepStrictEqual } from "node:util";
import { defineCodeEvaluator, passFail, resolveName, type LibraryEvaluator, type NameOption } from "./define.js";
import { asText, collapseWhitespace, expectedKeyHint, parseKeyPath, readExpected, readOutput, show } from "./values.js";

export interface TextComparisonOptions {
  /** Default true. */
  caseSensitive?: boolean;
  /** Collapse runs of whitespace and trim both sides before comparing. Default false. */
  normalizeWhitespace?: boolean;
}

export interface ExactMatchOptions extends NameOption, TextComparisonOptions {
  /** Dotted path into the output, e.g. `"answer"` or `"result.city"`. */
  outputKey?: string;
  /** Dotted path into the example's expected output. */
  expectedKey?: string;
  /** Compare against this fixed value instead of the expected output. */
  value?: unknown;
}

export function textModes(options: TextComparisonOptions): string {
  const modes = [options.caseSensitive === false ? "case-insensitive" : "case-sensitive"];
  if (options.normalizeWhitespace) modes.push("whitespace normalised");
  return `(${modes.join(", ")})`;
}

export function normalizeText(text: string, options: TextComparisonOptions): string {
  let result = options.normalizeWhitespace ? collapseWhitespace(text) : text;
  if (options.caseSensitive === false) result = result.toLowerCase();
  return result;
}

/**
 * 1 when the output equals the expected output. Strings (and a string against a number) compare as
 * text with the case and whitespace options; objects and arrays compare structurally.
 */
export function exactMatch(options: ExactMatchOptions = {}): LibraryEvaluator {
  const name = resolveName("exact_match", options);
  const outputPath = parseKeyPath(name, "outputKey", options.outputKey);
  const expectedPath = parseKeyPath(name, "expectedKey", options.expectedKey);
  const hasValue = Object.hasOwn(options, "value");
  const modes = textModes(options);

  return defineCodeEvaluator(name, (args) => {
    const expected = hasValue ? options.value : readExpected(name, args, expectedPath);
    const output = readOutput(args.output, outputPath);
    if (!output.ok) return passFail(false, output.explanation);

    const comparesAsText = typeof expected === "string" || typeof output.value === "string";
    const matched = comparesAsText
      ? normalizeText(asText(output.value), options) === normalizeText(asText(expected), options)
      : isDeepStrictEqual(output.value, expected);
    const suffix = comparesAsText ? ` ${modes}` : "";
    return matched
      ? passFail(true, `output matches ${show(expected)}${suffix}`)
      : passFail(false, `expected ${show(expected)} but got ${show(output.value)}${suffix}${expectedKeyHint(expected, output.value)}`);
  });
}
