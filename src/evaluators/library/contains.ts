import { defineCodeEvaluator, EvaluatorConfigError, EvaluatorInputError, passFail, resolveName, type LibraryEvaluator, type NameOption } from "./define.js";
import { normalizeText, textModes, type TextComparisonOptions } from "./exact-match.js";
import { asText, parseKeyPath, readExpected, readOutput, show } from "./values.js";

export interface ContainsOptions extends NameOption, TextComparisonOptions {
  /** Dotted path into the output to search in. */
  outputKey?: string;
  /** Read the text(s) to look for from the expected output (a string or a list of strings). */
  expectedKey?: string;
}

type Needles = string | readonly string[] | undefined;
type Mode = "one" | "all" | "any";

function checkNeedles(name: string, needles: Needles): readonly string[] | undefined {
  if (needles === undefined) return undefined;
  const list = typeof needles === "string" ? [needles] : needles;
  if (!Array.isArray(list) || list.length === 0 || list.some((needle) => typeof needle !== "string" || needle === "")) {
    throw new EvaluatorConfigError(name, `expected a non-empty string or a non-empty list of non-empty strings to look for, got ${show(needles)}`);
  }
  return list;
}

function needlesFromExpected(name: string, value: unknown, exampleId: string | undefined): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (Array.isArray(list) && list.length > 0 && list.every((item) => typeof item === "string" && item !== "")) return list;
  throw new EvaluatorInputError(
    name,
    `expected the expected output to be a non-empty string or list of strings to look for, got ${show(value)}; set expectedKey or pass the text to look for`,
    exampleId,
  );
}

function buildContains(mode: Mode, defaultName: string, needles: Needles, options: ContainsOptions): LibraryEvaluator {
  const name = resolveName(defaultName, options);
  const fixed = checkNeedles(name, needles);
  const outputPath = parseKeyPath(name, "outputKey", options.outputKey);
  const expectedPath = parseKeyPath(name, "expectedKey", options.expectedKey);
  const modes = textModes(options);

  return defineCodeEvaluator(name, (args) => {
    const targets = fixed ?? needlesFromExpected(name, readExpected(name, args, expectedPath), args.example?.id);
    const output = readOutput(args.output, outputPath);
    if (!output.ok) return passFail(false, output.explanation);
    const haystack = normalizeText(asText(output.value), options);
    const found = targets.filter((needle) => haystack.includes(normalizeText(needle, options)));
    const missing = targets.filter((needle) => !found.includes(needle));
    const metadata = { found, missing };
    const list = (items: readonly string[]) => items.map((item) => show(item, 60)).join(", ");

    if (mode === "any") {
      return found.length > 0
        ? passFail(true, `output contains ${list(found)} ${modes}`, metadata)
        : passFail(false, `output contains none of ${list(targets)} ${modes}: got ${show(output.value)}`, metadata);
    }
    return missing.length === 0
      ? passFail(true, `output contains ${list(found)} ${modes}`, metadata)
      : passFail(false, `output is missing ${list(missing)}${found.length ? ` (found ${list(found)})` : ""} ${modes}: got ${show(output.value)}`, metadata);
  });
}

/** 1 when the output contains `text` (or the expected output, when no text is given). */
export function contains(text?: string | ContainsOptions, options: ContainsOptions = {}): LibraryEvaluator {
  return typeof text === "object" ? buildContains("one", "contains", undefined, text) : buildContains("one", "contains", text, options);
}

/** 1 when the output contains every one of `texts` (or of the expected output's strings). */
export function containsAll(texts?: readonly string[] | ContainsOptions, options: ContainsOptions = {}): LibraryEvaluator {
  return isOptions(texts) ? buildContains("all", "contains_all", undefined, texts) : buildContains("all", "contains_all", texts, options);
}

/** 1 when the output contains at least one of `texts` (or of the expected output's strings). */
export function containsAny(texts?: readonly string[] | ContainsOptions, options: ContainsOptions = {}): LibraryEvaluator {
  return isOptions(texts) ? buildContains("any", "contains_any", undefined, texts) : buildContains("any", "contains_any", texts, options);
}

function isOptions(value: unknown): value is ContainsOptions {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
