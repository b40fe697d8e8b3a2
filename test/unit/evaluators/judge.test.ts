import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { configureCache } from "../../../src/cache/index.js";
import {
  correctnessJudge,
  faithfulnessJudge,
  JudgeReplyError,
  llmJudge,
  refusalJudge,
  relevanceJudge,
} from "../../../src/evaluators/judge/index.js";
import { ChatCompletionHttpError, ChatCompletionNetworkError } from "../../../src/evaluators/openai/index.js";
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
afterEach(() => {
  configureCache({});
  vi.unstubAllEnvs();
});

const SECRET = "sk-test-very-secret-key-1234";

function judge(overrides: Partial<Parameters<typeof llmJudge>[0]> = {}) {
  return llmJudge({
    name: "correct",
    model: "judge-model",
    template: "Question: {input}\nAnswer: {output}\nReference: {expected}",
    choices: { correct: 1, incorrect: 0 },
    baseURL: server.baseURL,
    apiKey: SECRET,
    ...overrides,
  });
}

const qa = () => evaluatorArgs({ input: { question: "Capital of France?" }, output: "Paris", expected: "Paris" });

describe("llmJudge", () => {
  it("posts the rendered prompt to {baseURL}/chat/completions and records the label's score", async () => {
    server.reply({ content: "correct" });
    const evaluator = judge();
    expect(evaluator).toMatchObject({ name: "correct", kind: "LLM", optimizationDirection: "maximize" });
    const result = await evaluator.evaluate(qa());
    expect(result).toEqual({ score: 1, label: "correct", explanation: 'the judge answered "correct"', metadata: { model: "judge-model", cache: "off" } });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.path).toBe("/v1/chat/completions");
    expect(request!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(request!.body).toMatchObject({ model: "judge-model", temperature: 0 });
    expect(request!.body.messages).toHaveLength(1);
    expect(request!.body.messages[0].content).toBe(
      'Question: {\n  "question": "Capital of France?"\n}\nAnswer: Paris\nReference: Paris\n\nAnswer with exactly one of these labels and nothing else: "correct", "incorrect".',
    );
  });

  it.each([
    ["Incorrect", "incorrect"],
    ['"correct".', "correct"],
    ["**INCORRECT**", "incorrect"],
    ["The answer is correct.", "correct"],
    ["Label: incorrect", "incorrect"],
  ])("reads the reply %j as %s", async (reply, label) => {
    server.reply({ content: reply });
    expect((await judge().evaluate(qa()))?.label).toBe(label);
  });

  it("tells apart labels that contain one another", async () => {
    const evaluator = judge({ choices: { relevant: 1, "not relevant": 0 } });
    server.reply({ content: "This is not relevant." }, { content: "NOT_RELEVANT" }, { content: "relevant" });
    expect((await evaluator.evaluate(qa()))?.label).toBe("not relevant");
    expect((await evaluator.evaluate(qa()))?.label).toBe("not relevant");
    expect((await evaluator.evaluate(qa()))?.label).toBe("relevant");
  });

  it("refuses an off-rail reply with the raw reply in the error, never a score", async () => {
    server.reply({ content: "I think it is mostly right but I am not sure." });
    const error = await judge().evaluate(qa()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JudgeReplyError);
    expect((error as Error).message).toBe(
      'correct: the reply names none or more than one of "correct", "incorrect"; the judge replied: "I think it is mostly right but I am not sure."',
    );
  });

  it("treats a negated or two-label reply as ambiguous", async () => {
    server.reply({ content: "The answer is not correct." }, { content: "Partly correct, partly incorrect." }, { content: "It isn't correct" }, { content: "mostly correct" });
    for (let index = 0; index < 4; index++) await expect(judge().evaluate(qa())).rejects.toThrow(JudgeReplyError);
  });

  it("truncates a long raw reply in the error", async () => {
    server.reply({ content: "x".repeat(2000) });
    const error = (await judge().evaluate(qa()).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain("… (1500 more characters)");
    expect(error.message.length).toBeLessThan(700);
  });

  describe("with explain", () => {
    it("asks for JSON and records the explanation", async () => {
      server.reply({ content: '```json\n{"explanation": "Paris is the capital.", "label": "correct"}\n```' });
      const result = await judge({ explain: true }).evaluate(qa());
      expect(result).toMatchObject({ score: 1, label: "correct", explanation: "Paris is the capital." });
      expect(server.requests[0]!.body.messages[0].content).toContain('{"explanation": "<one or two sentences>", "label": <one of "correct", "incorrect">}');
    });

    it("reads the LABEL / EXPLANATION form in either order", async () => {
      server.reply({ content: "EXPLANATION: It names Lyon.\nLABEL: incorrect" }, { content: "LABEL: correct\nEXPLANATION: Same city.\nSecond line." });
      expect(await judge({ explain: true }).evaluate(qa())).toMatchObject({ label: "incorrect", score: 0, explanation: "It names Lyon." });
      expect(await judge({ explain: true }).evaluate(qa())).toMatchObject({ label: "correct", explanation: "Same city.\nSecond line." });
    });

    it("rejects a JSON label that is not a choice", async () => {
      server.reply({ content: '{"explanation": "meh", "label": "partially correct"}' });
      await expect(judge({ explain: true }).evaluate(qa())).rejects.toThrow('correct: the reply\'s "label" "partially correct" is none of "correct", "incorrect"');
    });
  });

  describe("HTTP failures are thrown for the engine to throttle or retry", () => {
    it("429 carries status 429 and Retry-After in milliseconds, after exactly one request", async () => {
      server.reply({ status: 429, headers: { "retry-after": "2" }, body: { error: { message: "Rate limit reached" } } });
      const error = (await judge().evaluate(qa()).catch((caught: unknown) => caught)) as ChatCompletionHttpError;
      expect(error).toBeInstanceOf(ChatCompletionHttpError);
      expect(error.status).toBe(429);
      expect(error.retryAfterMs).toBe(2000);
      expect(error.message).toContain("answered 429 (retry after 2000 ms)");
      expect(server.requests).toHaveLength(1);
    });

    it("prefers retry-after-ms when the server sends it", async () => {
      server.reply({ status: 429, headers: { "retry-after-ms": "250", "retry-after": "1" } });
      expect(((await judge().evaluate(qa()).catch((caught: unknown) => caught)) as ChatCompletionHttpError).retryAfterMs).toBe(250);
    });

    it("5xx carries its status and the body", async () => {
      server.reply({ status: 503, body: "upstream overloaded" });
      const error = (await judge().evaluate(qa()).catch((caught: unknown) => caught)) as ChatCompletionHttpError;
      expect(error.status).toBe(503);
      expect(error.message).toBe(`POST ${server.baseURL}/chat/completions answered 503: upstream overloaded`);
    });

    it("a dropped connection is a network error", async () => {
      server.reply({ destroy: true });
      await expect(judge().evaluate(qa())).rejects.toBeInstanceOf(ChatCompletionNetworkError);
    });

    it("a 200 that is not a chat completion is an error quoting the body", async () => {
      server.reply({ status: 200, body: "<html>gateway</html>" }, { status: 200, body: { choices: [] } });
      await expect(judge().evaluate(qa())).rejects.toThrow("with a body that is not JSON: <html>gateway</html>");
      await expect(judge().evaluate(qa())).rejects.toThrow('without choices[0].message.content as text: {"choices":[]}');
    });

    it("never shows the API key, even when the server echoes it", async () => {
      server.reply((request) => ({ status: 401, body: `bad credentials: ${String(request.headers.authorization)}` }));
      const error = (await judge().evaluate(qa()).catch((caught: unknown) => caught)) as Error;
      expect(error.message).toContain("bad credentials: Bearer [REDACTED]");
      expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(SECRET);
    });

    it("passes the evaluator's signal to the request", async () => {
      const controller = new AbortController();
      controller.abort(new Error("evaluator timed out"));
      await expect(judge().evaluate({ ...qa(), signal: controller.signal })).rejects.toThrow("evaluator timed out");
    });
  });

  it("sends a system message, extra body fields, and no temperature when it is null", async () => {
    server.reply({ content: "correct" });
    await judge({ system: "You are strict.", temperature: null, body: { seed: 7, max_tokens: 5 } }).evaluate(qa());
    const body = server.requests[0]!.body;
    expect(body.messages[0]).toEqual({ role: "system", content: "You are strict." });
    expect(body).toMatchObject({ seed: 7, max_tokens: 5 });
    expect(body).not.toHaveProperty("temperature");
  });

  it("defaults to OPENAI_BASE_URL and OPENAI_API_KEY, read at call time", async () => {
    const evaluator = llmJudge({ name: "env", model: "m", template: "{output}", choices: { yes: 1, no: 0 } });
    vi.stubEnv("OPENAI_BASE_URL", server.baseURL);
    vi.stubEnv("OPENAI_API_KEY", "sk-from-env");
    server.reply({ content: "yes" });
    expect((await evaluator.evaluate(qa()))?.score).toBe(1);
    expect(server.requests[0]!.headers.authorization).toBe("Bearer sk-from-env");
  });

  it("sends no Authorization header to a local server without a key, and custom headers as given", async () => {
    vi.stubEnv("OPENAI_API_KEY", "");
    server.reply({ content: "yes" });
    await llmJudge({ name: "local", model: "m", template: "{output}", choices: { yes: 1, no: 0 }, baseURL: server.baseURL, headers: { "x-team": "evals" } }).evaluate(qa());
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    expect(server.requests[0]!.headers["x-team"]).toBe("evals");
  });

  it("refuses to call OpenAI itself without a key", async () => {
    vi.stubEnv("OPENAI_API_KEY", "");
    vi.stubEnv("OPENAI_BASE_URL", "");
    await expect(llmJudge({ name: "j", model: "m", template: "{output}", choices: { yes: 1, no: 0 } }).evaluate(qa())).rejects.toThrow("OPENAI_API_KEY is not set");
  });

  describe("templates", () => {
    it("leaves JSON braces alone and renders paths and custom variables", async () => {
      server.reply({ content: "yes" });
      await judge({
        template: 'Reply like {"label": "..."}. Context: {metadata.context}. Topic: {topic}. Output: {output}',
        choices: { yes: 1, no: 0 },
        variables: { topic: ({ input }) => (input as { question: string }).question },
      }).evaluate({ ...qa(), metadata: { context: "France facts" } });
      expect(server.requests[0]!.body.messages[0].content).toMatch(/^Reply like \{"label": "\.\.\."\}\. Context: France facts\. Topic: Capital of France\?\. Output: Paris/);
    });

    it("fails a missing path with the placeholder and the example", async () => {
      await expect(judge({ template: "{metadata.context} {output}" }).evaluate(qa())).rejects.toThrow(
        'correct (example ex-1): the template\'s {metadata.context} has no value: metadata has no "context"',
      );
      expect(server.requests).toHaveLength(0);
    });

    it("rejects bad declarations up front", () => {
      expect(() => judge({ template: "Is {input} fine?" })).toThrow("correct: \"template\" never mentions {output}");
      expect(() => judge({ choices: { yes: 1 } })).toThrow('correct: "choices" must map at least two labels to scores');
      expect(() => judge({ choices: { yes: 1, no: "0" as never } })).toThrow('correct: "choices.no" must be a finite number');
      expect(() => judge({ choices: { Not_Relevant: 0, "not relevant": 1 } })).toThrow("read the same once case and punctuation are ignored");
      expect(() => judge({ model: "" })).toThrow('correct: "model" must be the model id');
      expect(() => llmJudge({} as never)).toThrow('llmJudge: "name" must be a non-empty string');
    });
  });
});

describe("ready-made judges", () => {
  const endpoint = () => ({ model: "judge-model", baseURL: server.baseURL, apiKey: SECRET });

  it("correctnessJudge shows question, reference and answer, and explains", async () => {
    server.reply({ content: '{"explanation": "Same city.", "label": "correct"}' });
    const evaluator = correctnessJudge(endpoint());
    expect(evaluator).toMatchObject({ name: "correctness", kind: "LLM", optimizationDirection: "maximize" });
    expect(await evaluator.evaluate(qa())).toMatchObject({ score: 1, label: "correct", explanation: "Same city." });
    const prompt: string = server.requests[0]!.body.messages[0].content;
    expect(prompt).toContain("[Reference answer]\nParis");
    expect(prompt).toContain("[Answer to grade]\nParis");
  });

  it("relevanceJudge scores relevant 1 / unrelated 0", async () => {
    server.reply({ content: '{"explanation": "Off topic.", "label": "unrelated"}' });
    expect(await relevanceJudge({ ...endpoint(), name: "on_topic" }).evaluate(qa())).toMatchObject({ score: 0, label: "unrelated" });
  });

  it("faithfulnessJudge checks against metadata.context, then input.context, or contextKey", async () => {
    server.reply({ content: '{"explanation": "Supported.", "label": "faithful"}' }, { content: '{"explanation": "Invented.", "label": "hallucinated"}' });
    const evaluator = faithfulnessJudge(endpoint());
    expect(await evaluator.evaluate({ ...qa(), metadata: { context: "Paris is the capital of France." } })).toMatchObject({ score: 1 });
    expect(server.requests[0]!.body.messages[0].content).toContain("[Context]\nParis is the capital of France.");
    const fromInput = evaluatorArgs({ input: { question: "q", context: ["doc A", "doc B"] }, output: "x" });
    expect(await evaluator.evaluate(fromInput)).toMatchObject({ score: 0, label: "hallucinated" });
    expect(server.requests[1]!.body.messages[0].content).toContain('[Context]\n[\n  "doc A",\n  "doc B"\n]');
    await expect(evaluator.evaluate(qa())).rejects.toThrow("faithfulness (example ex-1): no context to check against at metadata.context or input.context");
    expect(() => faithfulnessJudge({ ...endpoint(), contextKey: "metadata..docs" })).toThrow('faithfulness: "contextKey" must be a dotted key path');
  });

  it("refusalJudge records refused as 1 and minimizes by default", async () => {
    server.reply({ content: '{"explanation": "It declined.", "label": "refused"}' });
    const evaluator = refusalJudge(endpoint());
    expect(evaluator.optimizationDirection).toBe("minimize");
    expect(await evaluator.evaluate(qa())).toMatchObject({ score: 1, label: "refused" });
    expect(refusalJudge({ ...endpoint(), optimizationDirection: "maximize" }).optimizationDirection).toBe("maximize");
  });
});

describe("judge and the request cache", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "vx-judge-cache-"));
    configureCache({ enabled: true, dir });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("answers an identical evaluation from the cache, and keeps repetitions apart", async () => {
    server.reply({ content: "correct" }, { content: "incorrect" });
    const evaluator = judge();
    expect(await evaluator.evaluate(qa())).toMatchObject({ label: "correct", metadata: { cache: "miss" } });
    expect(await evaluator.evaluate(qa())).toMatchObject({ label: "correct", metadata: { cache: "hit" } });
    expect(server.requests).toHaveLength(1);
    const second = evaluatorArgs({ input: { question: "Capital of France?" }, output: "Paris", expected: "Paris", repetition: 2 });
    expect(await evaluator.evaluate(second)).toMatchObject({ label: "incorrect", metadata: { cache: "miss" } });
    expect(server.requests).toHaveLength(2);
  });

  it("shares across repetitions when asked", async () => {
    server.reply({ content: "correct" });
    const evaluator = judge({ shareCacheAcrossRepetitions: true });
    await evaluator.evaluate(qa());
    const second = evaluatorArgs({ input: { question: "Capital of France?" }, output: "Paris", expected: "Paris", repetition: 2 });
    expect(await evaluator.evaluate(second)).toMatchObject({ metadata: { cache: "hit" } });
    expect(server.requests).toHaveLength(1);
  });

  it("never stores an off-rail reply or an error, so a retry asks again", async () => {
    server.reply({ content: "dunno" }, { status: 500, body: "oops" }, { content: "correct" });
    const evaluator = judge();
    await expect(evaluator.evaluate(qa())).rejects.toThrow(JudgeReplyError);
    await expect(evaluator.evaluate(qa())).rejects.toThrow("answered 500");
    expect(await evaluator.evaluate(qa())).toMatchObject({ label: "correct", metadata: { cache: "miss" } });
    expect(server.requests).toHaveLength(3);
  });

  it("writes no credential to disk", async () => {
    server.reply({ content: "correct" });
    await judge().evaluate(qa());
    const files = (await readdir(dir, { recursive: true })).filter((file) => file.endsWith(".json"));
    expect(files).toHaveLength(1);
    const text = await readFile(join(dir, files[0]!), "utf8");
    expect(text).not.toContain(SECRET);
    expect(text.toLowerCase()).not.toContain("authorization");
    expect(JSON.parse(text)).toMatchObject({ version: 1, request: { method: "POST", url: `${server.baseURL}/chat/completions` }, response: { status: 200 } });
  });
});
