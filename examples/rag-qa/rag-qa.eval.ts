import { datasets, experiment } from "vitest-experiments";
import { tokenF1 } from "vitest-experiments/evaluators";
import { HttpError } from "../shared/llm.js";
import { answer, documentText } from "./pipeline.js";

experiment("rag-qa", {
  description: "Retrieval-augmented answers about the shop's policies",
  metadata: { retriever: "token-overlap", generator: process.env.OPENAI_API_KEY ? "gpt-4o-mini" : "extractive" },
  dataset: datasets.fromFile("examples/rag-qa/qa.jsonl"),
  task: ({ input, signal }) => answer(input.question, { signal }),
  evaluators: {
    // The right document was retrieved.
    retrieval_hit: ({ output, expected }) => ({
      score: output.source === expected.source ? 1 : 0,
      explanation: `retrieved "${output.source}", expected "${expected.source}"`,
    }),
    // SQuAD-style overlap between the answer and the reference answer.
    token_f1: tokenF1({ outputKey: "answer", expectedKey: "answer" }),
    // The answer is supported by the retrieved document (a code-level faithfulness check).
    grounded: ({ output }) => documentText(output.source).includes(output.answer.replace(/\.$/, "")),
  },
  thresholds: {
    retrieval_hit: { perRun: 1, passRate: 0.9 },
    token_f1: 0.3,
    grounded: { perRun: 1 },
  },
  repetitions: 2,
  concurrency: 4,
  rateLimitErrors: [(error) => error instanceof HttpError && error.status === 429],
});
