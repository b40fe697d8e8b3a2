import { truncate } from "../openai/errors.js";

/** The judge answered, but not with one of the allowed labels: an evaluation error, never a score. */
export class JudgeReplyError extends Error {
  override readonly name = "JudgeReplyError";
  constructor(
    evaluator: string,
    problem: string,
    readonly reply: string,
  ) {
    super(`${evaluator}: ${problem}; the judge replied: ${JSON.stringify(truncate(reply))}`);
  }
}

export interface ParsedReply {
  label: string;
  explanation: string | null;
}

/** Case, quotes, Markdown emphasis, underscores vs spaces and trailing punctuation do not matter. */
export function canonical(text: string): string {
  return text
    .toLowerCase()
    .replace(/[`*"'“”‘’]/g, "")
    .replace(/[_\s-]+/g, " ")
    .replace(/^[\s.:;,!?()[\]{}]+|[\s.:;,!?()[\]{}]+$/g, "");
}

/** The label a text is, once case, quotes and punctuation are set aside; no search inside sentences. */
export function exactLabel(text: string, labels: readonly string[]): string | undefined {
  const target = canonical(text);
  return labels.find((label) => canonical(label) === target);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The one label a text names. Exact (canonical) equality first; otherwise the labels that occur as
 * whole words, where an occurrence inside a longer label's occurrence ("relevant" inside
 * "not relevant") does not count. Two different labels named is ambiguous: undefined.
 */
export function findLabel(text: string, labels: readonly string[]): string | undefined {
  const exact = exactLabel(text, labels);
  if (exact !== undefined) return exact;
  const target = canonical(text);
  const spans: { label: string; start: number; end: number }[] = [];
  for (const label of labels) {
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(canonical(label))}(?![\\p{L}\\p{N}])`, "gu");
    for (const match of target.matchAll(pattern)) spans.push({ label, start: match.index, end: match.index + match[0].length });
  }
  const outermost = spans.filter((span) => !spans.some((other) => other !== span && other.start <= span.start && other.end >= span.end && other.end - other.start > span.end - span.start));
  // "not correct" names "correct" but means the opposite, and "partly correct" is no verdict: both are ambiguous.
  if (outermost.some((span) => NEGATED.test(target.slice(0, span.start)))) return undefined;
  const named = new Set(outermost.map((span) => span.label));
  return named.size === 1 ? [...named][0] : undefined;
}

// Apostrophes are gone by now ("isn't" reads "isnt").
const NEGATED = /\b(?:not|never|no|partly|partially|mostly|somewhat|largely|half|almost|isnt|arent|wasnt|werent|doesnt|dont|didnt|cannot|cant|wont|hasnt|havent)\s+(?:[\p{L}\p{N}]+\s+)?$/u;

const FENCE = /```(?:json)?\s*([\s\S]*?)```/i;

function tryJson(reply: string): Record<string, unknown> | undefined {
  const candidates = [reply.trim(), FENCE.exec(reply)?.[1]?.trim(), reply.slice(reply.indexOf("{"), reply.lastIndexOf("}") + 1)];
  for (const candidate of candidates) {
    if (!candidate || !candidate.startsWith("{")) continue;
    try {
      const value = JSON.parse(candidate) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not this candidate
    }
  }
  return undefined;
}

const LABEL_LINE = /^\W*label\W*:\s*(.+)$/im;
const EXPLANATION_BLOCK = /^\W*explanation\W*:\s*([\s\S]+?)(?=^\W*label\W*:|$(?![\s\S]))/im;

/**
 * Reads a judge's reply: a bare label, a sentence naming exactly one label, a JSON object
 * `{ "label", "explanation" }`, or the `LABEL: …` / `EXPLANATION: …` form (in either order).
 * Anything else throws a {@link JudgeReplyError} quoting the reply.
 */
export function parseReply(evaluator: string, reply: string, labels: readonly string[]): ParsedReply {
  const allowed = labels.map((label) => JSON.stringify(label)).join(", ");
  if (reply.trim() === "") throw new JudgeReplyError(evaluator, `the reply is empty; expected one of ${allowed}`, reply);

  const json = tryJson(reply);
  if (json && typeof json.label === "string") {
    const label = exactLabel(json.label, labels);
    if (label === undefined) throw new JudgeReplyError(evaluator, `the reply's "label" ${JSON.stringify(json.label)} is none of ${allowed}`, reply);
    return { label, explanation: typeof json.explanation === "string" && json.explanation.trim() ? json.explanation.trim() : null };
  }

  const labelLine = LABEL_LINE.exec(reply);
  if (labelLine) {
    const label = exactLabel(labelLine[1]!, labels);
    if (label === undefined) throw new JudgeReplyError(evaluator, `the reply's LABEL ${JSON.stringify(labelLine[1]!.trim())} is none of ${allowed}`, reply);
    const explanation = EXPLANATION_BLOCK.exec(reply)?.[1]?.trim();
    return { label, explanation: explanation ? explanation : null };
  }

  const label = findLabel(reply, labels);
  if (label !== undefined) return { label, explanation: null };
  throw new JudgeReplyError(evaluator, `the reply names none or more than one of ${allowed}`, reply);
}
