import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { createClassificationEvaluator } from "@arizeai/phoenix-evals";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configureCache, createCachingFetch, getCacheStats, resetCacheStats, withCacheScope } from "../../../src/cache/index.js";
import { completionBody, startFakeOpenAI, type FakeOpenAI } from "../../support/fake-openai/server.js";

let server: FakeOpenAI;
let dir: string;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  dir = await mkdtemp(join(tmpdir(), "vx-fetch-cache-"));
  configureCache({ enabled: true, dir });
  resetCacheStats();
});
afterEach(async () => {
  configureCache({});
  await rm(dir, { recursive: true, force: true });
});

const post = (fetch: typeof globalThis.fetch, body: object, headers: Record<string, string> = {}) =>
  fetch(`${server.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("createCachingFetch", () => {
  it("replays an identical POST from disk, status, content type and body", async () => {
    server.reply({ content: "first" });
    const fetch = createCachingFetch();
    const one = await post(fetch, { model: "m", messages: [] }, { authorization: "Bearer sk-a" });
    const two = await post(fetch, { model: "m", messages: [] }, { authorization: "Bearer sk-b" });
    expect(server.requests).toHaveLength(1);
    expect(two.status).toBe(200);
    expect(two.headers.get("content-type")).toBe("application/json");
    expect(await two.json()).toEqual(await one.json());
    expect(getCacheStats()).toEqual({ hits: 1, misses: 1, writes: 1 });
  });

  it("sends a request with another body, and keeps repetitions apart", async () => {
    server.reply({ content: "a" }, { content: "b" }, { content: "c" });
    const fetch = createCachingFetch();
    await post(fetch, { model: "m", temperature: 0 });
    await post(fetch, { model: "m", temperature: 1 });
    await withCacheScope({ repetition: 2 }, () => post(fetch, { model: "m", temperature: 0 }));
    expect(server.requests).toHaveLength(3);
  });

  it("passes errors through with their headers and stores none of them", async () => {
    server.reply({ status: 429, headers: { "retry-after": "3" }, body: { error: { message: "slow down" } } }, { content: "ok" });
    const fetch = createCachingFetch();
    const limited = await post(fetch, { model: "m" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(await limited.json()).toEqual({ error: { message: "slow down" } });
    expect((await post(fetch, { model: "m" })).status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it("lets GET requests through uncached", async () => {
    const fetch = createCachingFetch();
    await fetch(`${server.baseURL}/models`);
    await fetch(`${server.baseURL}/models`);
    expect(server.requests).toHaveLength(2);
  });

  it("caches the requests of an AI SDK model, and so phoenix-evals judges", async () => {
    server.reply(() => ({ status: 200, body: completionBody(JSON.stringify({ explanation: "On topic.", label: "relevant" })) }));
    const model = createOpenAICompatible({ name: "fake", baseURL: server.baseURL, apiKey: "sk-x", supportsStructuredOutputs: true, fetch: createCachingFetch() })("m");
    const evaluator = createClassificationEvaluator({
      name: "relevance",
      model,
      choices: { relevant: 1, unrelated: 0 },
      promptTemplate: "Q: {{input}} A: {{output}}",
      telemetry: { isEnabled: false },
    });
    const first = await evaluator.evaluate({ input: "q", output: "a" });
    const second = await evaluator.evaluate({ input: "q", output: "a" });
    expect(second).toEqual(first);
    expect(first).toMatchObject({ score: 1, label: "relevant" });
    expect(server.requests).toHaveLength(1);
  });
});
