/**
 * The judge leaves retries to the engine: these run it through the engine's own evaluator runner
 * (shared rate limiter, retries for LLM evaluators) against the fake server.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configureCache } from "../../../src/cache/index.js";
import { normalizeEvaluators } from "../../../src/declaration/evaluators.js";
import { AdaptiveRateLimiter } from "../../../src/engine/rate-limiter.js";
import { correctnessJudge } from "../../../src/evaluators/judge/index.js";
import { runEvaluators } from "../../../src/evaluators/run-evaluators.js";
import { startFakeOpenAI, type FakeOpenAI } from "../../support/fake-openai/server.js";
import { evaluatorArgs } from "./args.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  configureCache({ enabled: false });
});
afterEach(() => configureCache({}));

async function evaluateOnce(retries: number) {
  const evaluators = normalizeEvaluators([correctnessJudge({ model: "judge-model", baseURL: server.baseURL, apiKey: "sk-engine" })], { experiment: "qa" });
  const args = evaluatorArgs({ input: "Capital of France?", output: "Paris", expected: "Paris" });
  const limiter = new AdaptiveRateLimiter();
  const [evaluation] = await runEvaluators(evaluators, args.run, args.example, { timeout: 10_000, retries, retryDelay: 1, limiter, rateLimitErrors: [] });
  return { evaluation: evaluation!, limiter };
}

const verdict = (label: string) => ({ content: JSON.stringify({ explanation: `It is ${label}.`, label }) });

describe("judge under the engine's evaluator runner", () => {
  it("a 429 throttles the shared limiter and is retried without spending a retry", async () => {
    server.reply({ status: 429, headers: { "retry-after-ms": "1" }, body: { error: { message: "Rate limit" } } }, verdict("correct"));
    const { evaluation, limiter } = await evaluateOnce(0);
    expect(evaluation).toMatchObject({ name: "correctness", kind: "LLM", score: 1, label: "correct", explanation: "It is correct.", error: null });
    expect(limiter.summary()).toMatchObject({ accepted: 1, refused: 1 });
    expect(server.requests).toHaveLength(2);
  });

  it("a 500 is retried within the experiment's retries", async () => {
    server.reply({ status: 500, body: "boom" }, verdict("incorrect"));
    const { evaluation } = await evaluateOnce(1);
    expect(evaluation).toMatchObject({ score: 0, label: "incorrect", error: null });
  });

  it("an off-rail reply that persists becomes the evaluation's error, quoting the reply", async () => {
    server.reply({ content: "Hmm, hard to say." }, { content: "Hmm, hard to say." });
    const { evaluation } = await evaluateOnce(1);
    expect(evaluation.score).toBeNull();
    expect(evaluation.error).toContain('the judge replied: "Hmm, hard to say."');
    expect(server.requests).toHaveLength(2);
  });
});
