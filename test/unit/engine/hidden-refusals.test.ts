import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { AdaptiveRateLimiter } from "../../../src/engine/rate-limiter.js";
import { resilientCall } from "../../../src/engine/resilient-call.js";
import { describeThrottle } from "../../../src/record/throttle.js";

/** A provider that refuses the first `refuse` requests (429, `retry-after-ms: 1`), then answers a chat completion. */
async function startProvider(refuse: number): Promise<{ url: string; requests: () => number; server: Server }> {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      if (++requests <= refuse) {
        response.writeHead(429, { "content-type": "application/json", "retry-after-ms": "1" });
        response.end(JSON.stringify({ error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }));
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ id: "c", object: "chat.completion", created: 0, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests, server };
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

const options = (limiter: AdaptiveRateLimiter) => ({ timeout: 10_000, retries: 0, retryDelay: 0, limiter, rateLimitErrors: [] });

describe("refusals the task's own client retries", () => {
  it("reach the limiter through the official openai SDK's default retries", async () => {
    const provider = await startProvider(2);
    servers.push(provider.server);
    const client = new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: "sk-test" }); // maxRetries: 2, the default
    const limiter = new AdaptiveRateLimiter();
    const result = await resilientCall(async () => (await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] })).choices[0]!.message.content, options(limiter));
    expect(result).toMatchObject({ ok: true, value: "ok" });
    // The engine saw one successful attempt; the provider refused two requests behind it.
    expect(result.attempts).toHaveLength(1);
    expect(provider.requests()).toBe(3);
    expect(limiter.summary()).toMatchObject({ accepted: 1, refused: 2, retriedByClient: 2 });
    // The refusals started the pacing, as refusals the engine sees do.
    expect(limiter.rate).toBeDefined();
    expect(describeThrottle(limiter.summary())).toContain("2 refused (2 of them retried by the task's own client: set its maxRetries to 0) for 1 accepted");
  });

  it("count the final refusal once when the client gives up and throws it", async () => {
    const provider = await startProvider(3);
    servers.push(provider.server);
    const client = new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: "sk-test", maxRetries: 1 });
    const limiter = new AdaptiveRateLimiter();
    const result = await resilientCall(async () => (await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] })).choices[0]!.message.content, options(limiter));
    expect(result).toMatchObject({ ok: true, value: "ok" });
    // Attempt 1: two requests refused (one retried by the SDK, one thrown); attempt 2: the SDK's first request accepted.
    expect(result.attempts.map((a) => a.rateLimited)).toEqual([true, false]);
    expect(provider.requests()).toBe(4);
    expect(limiter.summary()).toMatchObject({ accepted: 1, refused: 3, retriedByClient: 2 });
  });

  it("are not counted for requests made outside an attempt", async () => {
    const provider = await startProvider(1);
    servers.push(provider.server);
    const limiter = new AdaptiveRateLimiter();
    await resilientCall(() => "no request", options(limiter));
    expect((await fetch(provider.url)).status).toBe(429);
    expect(limiter.summary()).toEqual({ accepted: 1, refused: 0, rate: null, concurrency: null });
  });
});
