import { distance } from "fastest-levenshtein";
import { defineCodeEvaluator, resolveName, type LibraryEvaluator, type NameOption } from "./define.js";
import { normalizeText, textModes, type TextComparisonOptions } from "./exact-match.js";
import { asText, parseKeyPath, readExpected, readOutput, show } from "./values.js";

export interface LevenshteinOptions extends NameOption, TextComparisonOptions {
  outputKey?: string;
  expectedKey?: string;
  /** Compare against this fixed text instead of the expected output. */
  value?: string;
}

/**
 * Normalised similarity `1 - distance / max(length)`: 1 for identical texts, 0 for texts with
 * nothing in common. No threshold of its own: set one with a gate.
 */
export function levenshtein(options: LevenshteinOptions = {}): LibraryEvaluator {
  const name = resolveName("levenshtein", options);
  const outputPath = parseKeyPath(name, "outputKey", options.outputKey);
  const expectedPath = parseKeyPath(name, "expectedKey", options.expectedKey);
  const modes = textModes(options);

  return defineCodeEvaluator(name, (args) => {
    const expected = options.value ?? readExpected(name, args, expectedPath);
    const output = readOutput(args.output, outputPath);
    if (!output.ok) return { score: 0, label: "different", explanation: output.explanation };
    const a = normalizeText(asText(output.value), options);
    const b = normalizeText(asText(expected), options);
    const longest = Math.max(a.length, b.length);
    const edits = distance(a, b);
    const score = longest === 0 ? 1 : 1 - edits / longest;
    const label = score === 1 ? "identical" : score === 0 ? "different" : "similar";
    const explanation =
      score === 1
        ? `output is identical to ${show(expected)} ${modes}`
        : `${edits} edit${edits === 1 ? "" : "s"} from ${show(expected)} to ${show(output.value)} over ${longest} characters ${modes}`;
    return { score, label, explanation, metadata: { distance: edits } };
  });
}
