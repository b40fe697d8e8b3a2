import { defineCodeEvaluator, EvaluatorConfigError, passFail, resolveName, type LibraryEvaluator, type NameOption } from "./define.js";
import { asText, parseKeyPath, readOutput, show } from "./values.js";

export interface RegexOptions extends NameOption {
  /** Flags for a pattern given as a string, e.g. `"i"`. */
  flags?: string;
  /** Dotted path into the output to test. */
  outputKey?: string;
  /** The whole output must match, not just a part of it. Default false. */
  fullMatch?: boolean;
}

/** 1 when the output matches `pattern`. An invalid pattern throws at declaration. */
export function regex(pattern: RegExp | string, options: RegexOptions = {}): LibraryEvaluator {
  const name = resolveName("regex", options);
  const outputPath = parseKeyPath(name, "outputKey", options.outputKey);
  const compiled = compile(name, pattern, options);
  const shown = `/${compiled.source}/${compiled.flags}`;

  return defineCodeEvaluator(name, (args) => {
    const output = readOutput(args.output, outputPath);
    if (!output.ok) return passFail(false, output.explanation);
    const text = asText(output.value);
    compiled.lastIndex = 0; // global and sticky patterns carry state between calls
    const match = compiled.exec(text);
    const matched = match !== null && (!options.fullMatch || (match.index === 0 && match[0].length === text.length));
    if (matched) return passFail(true, `output matches ${shown}: ${show(match[0], 80)}`, { match: match[0] });
    return passFail(false, `output does not ${options.fullMatch ? "fully " : ""}match ${shown}: got ${show(output.value)}`);
  });
}

function compile(name: string, pattern: RegExp | string, options: RegexOptions): RegExp {
  if (pattern instanceof RegExp) {
    if (options.flags !== undefined) return new RegExp(pattern.source, options.flags);
    return new RegExp(pattern.source, pattern.flags);
  }
  if (typeof pattern !== "string" || pattern === "") {
    throw new EvaluatorConfigError(name, `expected a RegExp or a non-empty pattern string, got ${show(pattern)}`);
  }
  try {
    return new RegExp(pattern, options.flags);
  } catch (error) {
    throw new EvaluatorConfigError(
      name,
      `invalid regular expression ${JSON.stringify(pattern)}${options.flags ? ` with flags "${options.flags}"` : ""}: ${(error as Error).message}`,
    );
  }
}
