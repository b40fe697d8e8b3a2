/**
 * A local store holding experiments worth looking at in the HTML report: a support assistant's
 * answers scored by an LLM judge (pass/fail with a label and an explanation), a relevance score
 * and a label-only tone evaluator, with gates, retries, failed tasks and repetitions. Built with
 * the store's own API and the product's own stats and gates (`buildResult`), seeded so that every
 * build is the same.
 *
 * `xss` adds one example whose input, output, label and explanation carry script payloads that
 * set `window.__xss` if they ever run.
 */
import { seededRandom } from "../../src/engine/sampling.js";
import { runIdOf } from "../../src/record/naming.js";
import { buildResult } from "../../src/record/stats.js";
import type { EvaluationRecord, ExperimentDescriptor, GateSpec, RunRecord } from "../../src/record/types.js";
import { examplesEvent } from "../../src/sinks/store-sink.js";
import { openStore } from "../../src/store/jsonl-store.js";
import type { Example } from "../../src/datasets/types.js";

export const XSS_OUTPUT = `<img src=x onerror="window.__xss='output'"><script>window.__xss='output-script'</script>`;
export const XSS_EXPLANATION = `</script><script>window.__xss='explanation'</script><svg onload="window.__xss='svg'">`;
export const XSS_INPUT = `<iframe src="javascript:window.__xss='input'"></iframe>`;
export const XSS_EXAMPLE = "xss-attempt";

const TOPICS = ["refund", "shipping", "password reset", "invoice", "warranty", "cancellation", "address change", "discount code", "delivery delay", "account deletion"];
const GATES: GateSpec[] = [
  { evaluator: "correctness", direction: "maximize", perRun: 1, passRate: 0.75 },
  { evaluator: "relevance", direction: "maximize", mean: 0.7 },
];

export interface ReportExperimentShape {
  id: string;
  examples: number;
  repetitions?: number;
  /** 0..1: how good the answers are (the candidate of a regression is worse than its baseline). */
  quality: number;
  seed: number;
  startTime: string;
  xss?: boolean;
  name?: string;
}

export function reportExamples(count: number, xss = false): Example[] {
  const examples: Example[] = [];
  for (let i = 1; i <= count; i++) {
    const topic = TOPICS[i % TOPICS.length]!;
    examples.push({
      id: `q-${String(i).padStart(4, "0")}`,
      input: { question: `How do I handle a ${topic} for order #${1000 + i}?`, locale: i % 3 === 0 ? "de-DE" : "en-US" },
      expected: `Explain the ${topic} policy and link the help page for order #${1000 + i}.`,
      metadata: { topic },
      splits: [],
    });
  }
  if (xss) examples.push({ id: XSS_EXAMPLE, input: { question: XSS_INPUT }, expected: "A refusal that quotes nothing.", metadata: {}, splits: [] });
  return examples;
}

function evaluation(name: string, score: number | null, label: string | null, explanation: string | null, kind: EvaluationRecord["kind"] = "LLM"): EvaluationRecord {
  return { name, kind, startTime: "2026-03-02T09:00:01.000Z", endTime: "2026-03-02T09:00:01.400Z", metadata: {}, traceId: null, score, label, explanation, error: null };
}

export function reportExperiment(shape: ReportExperimentShape): { experiment: ExperimentDescriptor; examples: Example[]; runs: RunRecord[] } {
  const random = seededRandom(shape.seed);
  const repetitions = shape.repetitions ?? 1;
  const examples = reportExamples(shape.examples, shape.xss);
  const experiment: ExperimentDescriptor = {
    id: shape.id,
    name: shape.name ?? "support-answers",
    file: "evals/support.eval.ts",
    description: "Answers to customer-support questions, judged for correctness and relevance.",
    metadata: { model: "gpt-4o-mini", prompt: "v7" },
    dataset: { name: "support-questions", exampleIds: examples.map((e) => e.id), totalExamples: examples.length, contentHash: `sha256:support-${shape.examples}` },
    repetitions,
    evaluators: [
      { name: "correctness", kind: "LLM", direction: "maximize" },
      { name: "relevance", kind: "CODE", direction: "maximize" },
      { name: "tone", kind: "LLM", direction: "maximize" },
    ],
    gates: GATES,
    dryRun: null,
    config: { concurrency: 8, retries: 3, timeout: 60_000, exitOnError: false, allowedErrorRate: 0, printSummary: true },
    startTime: shape.startTime,
    git: { commit: "4f2c9e1a7b3d5e6f8a9b0c1d2e3f4a5b6c7d8e9f", branch: "prompt-v7" },
  };
  const runs: RunRecord[] = [];
  for (const example of examples) {
    const topic = String((example.metadata as { topic?: string }).topic ?? "request");
    // Per example difficulty, so repetitions of one example agree more often than not.
    const difficulty = random();
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      const attempts = random() < 0.06 ? 2 : 1;
      const latencyMs = Math.round(300 + random() * 2400);
      const t0 = Date.parse(shape.startTime) + runs.length * 40;
      const base = {
        experimentId: experiment.id,
        experimentName: experiment.name,
        runId: runIdOf(experiment.id, example.id, repetition),
        exampleId: example.id,
        repetition,
        startTime: new Date(t0).toISOString(),
        endTime: new Date(t0 + latencyMs).toISOString(),
        latencyMs,
        attempts: Array.from({ length: attempts }, (_, i) => ({ startTime: new Date(t0).toISOString(), endTime: new Date(t0 + latencyMs).toISOString(), error: i < attempts - 1 ? "HTTP 503 from the model" : null, rateLimited: false, timedOut: false })),
        traceId: null,
      };
      if (example.id === XSS_EXAMPLE) {
        runs.push({
          ...base,
          status: "ok",
          output: XSS_OUTPUT,
          error: null,
          evaluations: [evaluation("correctness", 0, `<b onmouseover="window.__xss='label'">incorrect</b>`, XSS_EXPLANATION), evaluation("relevance", 0.1, null, null, "CODE"), evaluation("tone", null, "neutral", null)],
        });
        continue;
      }
      if (random() < 0.02) {
        runs.push({ ...base, attempts: base.attempts.map((a) => ({ ...a, error: "TimeoutError: the task took longer than 60000 ms" })), status: "error", output: null, error: { name: "TimeoutError", message: "the task took longer than 60000 ms" }, evaluations: [] });
        continue;
      }
      const correct = random() * 0.35 + difficulty * 0.65 < shape.quality;
      const relevance = Math.max(0, Math.min(1, (correct ? 0.72 : 0.42) + (random() - 0.5) * 0.5));
      const answer = correct
        ? `You can start a ${topic} from your account page under Orders → #${example.id.slice(2)}. Our help page has the details: https://help.example.com/${topic.replace(/ /g, "-")}.`
        : `I am not sure about ${topic}s. Please contact support.`;
      runs.push({
        ...base,
        status: "ok",
        output: { answer, citations: correct ? [`help/${topic.replace(/ /g, "-")}`] : [] },
        error: null,
        evaluations: [
          evaluation("correctness", correct ? 1 : 0, correct ? "correct" : "incorrect", correct ? `The answer explains the ${topic} policy and links the right page.` : `The answer does not explain the ${topic} policy; it defers to support without a link.`),
          evaluation("relevance", Number(relevance.toFixed(3)), null, null, "CODE"),
          evaluation("tone", null, random() < 0.8 ? "friendly" : "neutral", null),
        ],
      });
    }
  }
  return { experiment, examples, runs };
}

/** Writes experiments into the store at `dir`, as the store sink would have. */
export async function writeReportStore(dir: string, shapes: readonly ReportExperimentShape[]): Promise<void> {
  const store = openStore(dir);
  for (const shape of shapes) {
    const { experiment, examples, runs } = reportExperiment(shape);
    await store.startExperiment(experiment);
    await store.appendEvent(experiment.id, examplesEvent(examples));
    for (const run of runs) await store.appendRun(run);
    const result = buildResult(experiment, runs, { partial: false });
    await store.finishExperiment({ ...result, endTime: new Date(Date.parse(shape.startTime) + runs.length * 40 + 3000).toISOString() });
  }
  await store.close();
}
