/**
 * Evaluators from the real `@arizeai/phoenix-evals` package must work unchanged: declared through
 * the same normaliser as any evaluator, called with our evaluator arguments, their results read by
 * the same result normaliser. The classification evaluators talk to the fake OpenAI server through
 * the AI SDK's OpenAI-compatible provider, so the whole path is real.
 */
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { createClassificationEvaluator, createCorrectnessEvaluator, createEvaluator } from "@arizeai/phoenix-evals";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { normalizeEvaluators } from "../../../src/declaration/evaluators.js";
import { normalizeResult } from "../../../src/evaluators/normalize-result.js";
import type { Evaluator } from "../../../src/evaluators/types.js";
import { startFakeOpenAI, type FakeOpenAI } from "../../support/fake-openai/server.js";
import { evaluatorArgs } from "./args.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
});

/**
 * At run time these objects need no adapter. At the type level, `EvaluatorArgs` is an interface,
 * which TypeScript will not assign to phoenix-evals' `Record<string, unknown>` parameter; declaring
 * it as a type alias fixes that. Until then this cast stands where users would need none.
 */
const phoenix = (evaluator: unknown) => evaluator as Evaluator;

const where = { experiment: "phoenix-compat", file: "evals/compat.eval.ts" };
const model = () => createOpenAICompatible({ name: "fake", baseURL: server.baseURL, apiKey: "sk-fake", supportsStructuredOutputs: true })("judge-model");

describe("phoenix-evals createEvaluator()", () => {
  it("keeps its name and kind, and its optimizationDirection becomes the gate direction", async () => {
    const latencyPenalty = createEvaluator(({ output }: { output: string }) => ({ score: output.length, label: "chars", explanation: `${output.length} characters` }), {
      name: "length",
      kind: "CODE",
      optimizationDirection: "MINIMIZE",
      telemetry: { isEnabled: false },
    });
    const [declared] = normalizeEvaluators([phoenix(latencyPenalty)], where);
    expect(declared).toMatchObject({ name: "length", kind: "CODE", direction: "minimize" });
    const raw = await declared!.evaluate(evaluatorArgs({ output: "Paris", expected: "Paris" }));
    expect(raw).toEqual({ score: 5, label: "chars", explanation: "5 characters" });
    expect(normalizeResult(raw)).toEqual({ score: 5, label: "chars", explanation: "5 characters", metadata: {} });
  });

  it("defaults to MAXIMIZE, reads output and expected by name, and works with telemetry on", async () => {
    const match = createEvaluator(({ output, expected }: { output: string; expected: string }) => (output === expected ? 1 : 0), { name: "match" });
    expect(match.optimizationDirection).toBe("MAXIMIZE");
    const [declared] = normalizeEvaluators({ renamed: phoenix(match) }, where);
    expect(declared).toMatchObject({ name: "renamed", kind: "CODE", direction: "maximize" });
    expect(normalizeResult(await declared!.evaluate(evaluatorArgs({ output: "a", expected: "a" })))).toMatchObject({ score: 1, label: null });
  });
});

describe("phoenix-evals classification evaluators", () => {
  it("createClassificationEvaluator renders {{input}}/{{output}} from our arguments and maps the label to its score", async () => {
    server.reply({ content: JSON.stringify({ explanation: "It answers the question.", label: "relevant" }) });
    const evaluator = createClassificationEvaluator({
      name: "relevance",
      model: model(),
      choices: { relevant: 1, unrelated: 0 },
      promptTemplate: "Question: {{input}}\nAnswer: {{output}}\nIs the answer relevant?",
      telemetry: { isEnabled: false },
    });
    const [declared] = normalizeEvaluators([phoenix(evaluator)], where);
    expect(declared).toMatchObject({ name: "relevance", kind: "LLM", direction: "maximize" });
    const raw = await declared!.evaluate(evaluatorArgs({ input: "Capital of France?", output: "Paris" }));
    expect(normalizeResult(raw)).toEqual({ score: 1, label: "relevant", explanation: "It answers the question.", metadata: {} });
    expect(server.requests).toHaveLength(1);
    expect(JSON.stringify(server.requests[0]!.body.messages)).toContain("Question: Capital of France?\\nAnswer: Paris");
  });

  it("createCorrectnessEvaluator works unchanged", async () => {
    server.reply({ content: JSON.stringify({ explanation: "Wrong city.", label: "incorrect" }) });
    const evaluator = createCorrectnessEvaluator({ model: model(), telemetry: { isEnabled: false } });
    const [declared] = normalizeEvaluators(phoenix(evaluator), where);
    expect(declared).toMatchObject({ name: evaluator.name, kind: "LLM", direction: "maximize" });
    const result = normalizeResult(await declared!.evaluate(evaluatorArgs({ input: "Capital of France?", output: "Lyon", expected: "Paris" })));
    expect(result).toMatchObject({ score: 0, label: "incorrect", explanation: "Wrong city." });
  });

  it("a 429 surfaces as the AI SDK's RetryError, with the status on lastError, after its own retries", async () => {
    const limited = { status: 429, headers: { "retry-after-ms": "1" }, body: { error: { message: "Rate limit reached" } } };
    server.reply(limited, limited, limited);
    const evaluator = createCorrectnessEvaluator({ model: model(), telemetry: { isEnabled: false } });
    const error = (await evaluator.evaluate({ input: "q", output: "a" }).catch((caught: unknown) => caught)) as {
      name: string;
      status?: number;
      statusCode?: number;
      lastError?: { statusCode?: number };
    };
    // The AI SDK retried twice by itself (3 requests) and wrapped the last APICallError.
    expect(server.requests).toHaveLength(3);
    expect(error.name).toBe("AI_RetryError");
    expect(error.status ?? error.statusCode).toBeUndefined();
    expect(error.lastError?.statusCode).toBe(429);
  });
});
