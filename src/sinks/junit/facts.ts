/**
 * What the JUnit report keeps of each run between the run finishing and its experiment finishing:
 * the few fields its `<testcase>` needs, already cleaned and truncated. Never the output, never
 * the input: a sink may see 100,000 runs.
 */
import { judgeRun } from "../../record/gates.js";
import type { ExperimentDescriptor, RunRecord } from "../../record/types.js";
import { oneLine, sanitizeText } from "../text-safety.js";

export interface EvaluationFacts {
  name: string;
  score: number | null;
  label: string | null;
  explanation: string | null;
  error: string | null;
}

/** Why a run's test case fails, shaped like JUnit's `<failure type message>body</failure>`. */
export interface FailureFacts {
  /** The task error's class name, `EvaluatorError`, or `ThresholdMissed`. */
  type: string;
  /** One line, short: what CI viewers show in a list. */
  message: string;
  /** Every reason on its own line, then the task's stack when there is one. */
  details: string;
}

export interface RunFacts {
  exampleId: string;
  repetition: number;
  attempts: number;
  latencyMs: number;
  traceId: string | null;
  evaluations: EvaluationFacts[];
  failure: FailureFacts | null;
  /** perRun misses that a passRate tolerates: reported, not failing. */
  toleratedMisses: string | null;
}

export interface FactLimits {
  /** Cap for each free-text field (explanations, errors, failure details). */
  maxFieldLength: number;
}

/** Headlines (the failure `message` attribute) stay short whatever the field cap is. */
const HEADLINE_LIMIT = 512;

export function factsOfRun(run: RunRecord, experiment: ExperimentDescriptor, limits: FactLimits): RunFacts {
  const clean = (text: string) => sanitizeText(text, limits.maxFieldLength);
  const verdict = judgeRun(run, experiment.gates);
  return {
    exampleId: run.exampleId,
    repetition: run.repetition,
    attempts: run.attempts.length,
    latencyMs: run.latencyMs,
    traceId: run.traceId,
    evaluations: run.evaluations.map((e) => ({
      name: e.name,
      score: e.score,
      label: e.label === null ? null : clean(e.label),
      explanation: e.explanation === null ? null : clean(e.explanation),
      error: e.error === null ? null : clean(e.error),
    })),
    failure: verdict.failed ? failureOf(run, verdict.reasons, limits) : null,
    toleratedMisses: !verdict.failed && verdict.reasons.length > 0 ? clean(verdict.reasons.join("\n")) : null,
  };
}

function failureOf(run: RunRecord, reasons: readonly string[], limits: FactLimits): FailureFacts {
  // Each reason is capped on its own first, so one 10 MB explanation cannot crowd out the others.
  const lines = reasons.map((r) => sanitizeText(r, limits.maxFieldLength));
  const headline = sanitizeText(oneLine(lines.join("; ")), Math.min(HEADLINE_LIMIT, limits.maxFieldLength));
  if (run.status === "error") {
    const stack = run.error.stack ? `\n\n${run.error.stack}` : "";
    return {
      type: sanitizeText(oneLine(run.error.name), 200) || "Error",
      message: headline,
      details: sanitizeText(lines.join("\n") + stack, limits.maxFieldLength),
    };
  }
  const evaluatorFailed = run.evaluations.some((e) => e.error !== null);
  return {
    type: evaluatorFailed ? "EvaluatorError" : "ThresholdMissed",
    message: headline,
    details: sanitizeText(lines.join("\n"), limits.maxFieldLength),
  };
}

/** The key under which a run is expected and stored: one per example × repetition. */
export function runKey(exampleId: string, repetition: number): string {
  return `${repetition}\u0000${exampleId}`;
}
