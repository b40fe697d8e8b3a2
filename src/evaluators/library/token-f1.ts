import { defineCodeEvaluator, EvaluatorInputError, resolveName, type LibraryEvaluator, type NameOption } from "./define.js";
import { asText, parseKeyPath, readExpected, readOutput, show } from "./values.js";

export interface TokenF1Options extends NameOption {
  outputKey?: string;
  /** The expected answer: a string, or a list of acceptable answers (the best one counts). */
  expectedKey?: string;
}

/** SQuAD's answer normalisation: lowercase, drop punctuation and articles, collapse whitespace. */
export function squadTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, "")
    .replace(/\b(a|an|the)\b/g, " ")
    .split(/\s+/)
    .filter(Boolean);
}

function f1(predicted: readonly string[], gold: readonly string[]): { f1: number; precision: number; recall: number } {
  if (predicted.length === 0 || gold.length === 0) {
    const same = predicted.length === gold.length ? 1 : 0;
    return { f1: same, precision: same, recall: same };
  }
  const counts = new Map<string, number>();
  for (const token of gold) counts.set(token, (counts.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      common++;
      counts.set(token, left - 1);
    }
  }
  if (common === 0) return { f1: 0, precision: 0, recall: 0 };
  const precision = common / predicted.length;
  const recall = common / gold.length;
  return { f1: (2 * precision * recall) / (precision + recall), precision, recall };
}

/** Token-overlap F1 between the output and the expected answer, as in SQuAD extractive QA. */
export function tokenF1(options: TokenF1Options = {}): LibraryEvaluator {
  const name = resolveName("token_f1", options);
  const outputPath = parseKeyPath(name, "outputKey", options.outputKey);
  const expectedPath = parseKeyPath(name, "expectedKey", options.expectedKey);

  return defineCodeEvaluator(name, (args) => {
    const expected = readExpected(name, args, expectedPath);
    const answers = Array.isArray(expected) ? expected : [expected];
    if (answers.length === 0 || answers.some((answer) => answer === null || typeof answer === "object")) {
      throw new EvaluatorInputError(name, `the expected answer must be a text or a list of texts, got ${show(expected)}; set expectedKey`, args.example?.id);
    }
    const output = readOutput(args.output, outputPath);
    if (!output.ok) return { score: 0, label: "no_overlap", explanation: output.explanation };
    const predicted = squadTokens(asText(output.value));
    let best = { answer: answers[0], ...f1(predicted, squadTokens(asText(answers[0]))) };
    for (const answer of answers.slice(1)) {
      const scored = f1(predicted, squadTokens(asText(answer)));
      if (scored.f1 > best.f1) best = { answer, ...scored };
    }
    const label = best.f1 === 1 ? "exact" : best.f1 === 0 ? "no_overlap" : "partial";
    const explanation = `F1 ${best.f1.toFixed(3)} against ${show(best.answer)} (precision ${best.precision.toFixed(3)}, recall ${best.recall.toFixed(3)}) for output ${show(output.value)}`;
    return { score: best.f1, label, explanation, metadata: { precision: best.precision, recall: best.recall } };
  });
}
