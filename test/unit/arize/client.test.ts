import { describe, expect, test } from "vitest";
import { ArizeClient } from "../../../src/arize/client.js";
import { resolveArizeConfig } from "../../../src/arize/config.js";
import { ArizeError } from "../../../src/arize/errors.js";
import { client, fake, KEY } from "./helpers.js";

describe("Arize AX configuration", () => {
  test("from Arize's variables; the base URL defaults to Arize's API and loses a trailing /v2", () => {
    expect(resolveArizeConfig({}, { ARIZE_API_KEY: "k-1234", ARIZE_SPACE_ID: "team" })).toEqual({ apiKey: "k-1234", space: "team", baseUrl: "https://api.arize.com" });
    expect(resolveArizeConfig({}, { ARIZE_API_KEY: "k-1234", ARIZE_SPACE_ID: "team", ARIZE_BASE_URL: "http://127.0.0.1:9/v2/" })?.baseUrl).toBe("http://127.0.0.1:9");
    expect(resolveArizeConfig({ apiKey: "opt-key", space: "s" }, { ARIZE_API_KEY: "env-key", ARIZE_SPACE_ID: "t" })).toMatchObject({ apiKey: "opt-key", space: "s" });
    expect(resolveArizeConfig({}, {})).toBeUndefined();
  });

  test("a key without a space, or a bad URL, is one clear error that never shows the key", () => {
    expect(() => resolveArizeConfig({}, { ARIZE_API_KEY: "secret-key-xyz" })).toThrow(/ARIZE_SPACE_ID is not/);
    try {
      resolveArizeConfig({}, { ARIZE_API_KEY: "secret-key-xyz", ARIZE_SPACE_ID: "s", ARIZE_BASE_URL: "ftp://x" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/ARIZE_BASE_URL must be an http\(s\) URL/);
      expect((error as Error).message).not.toContain("secret-key-xyz");
    }
  });
});

describe("the Arize AX client", () => {
  test("ARIZE_SPACE_ID as an id or a name; a name matching none or several spaces is a clear error", async () => {
    const server = await fake({ spaces: ["research", "research-old", "prod"] });
    const [research, , prod] = server.state.spaces;
    expect((await client(server, { space: prod!.id }).space()).name).toBe("prod");
    // The list filter is a substring match: the exact name wins.
    expect((await client(server, { space: "research" }).space()).id).toBe(research!.id);
    await expect(client(server, { space: "staging" }).space()).rejects.toThrow(/ARIZE_SPACE_ID "staging" matches no Arize AX space/);
    server.state.addSpace("prod");
    await expect(client(server, { space: "prod" }).space()).rejects.toThrow(/ARIZE_SPACE_ID "prod" names 2 Arize AX spaces \(.+, .+\): set ARIZE_SPACE_ID to the id/);
  });

  test("429 waits what Retry-After says, 5xx and resets back off; reads are retried to success", async () => {
    const server = await fake({ faults: { retryAfterSeconds: 2 } });
    const delays: number[] = [];
    const c = client(server, { sleep: async (ms) => void delays.push(ms), retry: { minDelayMs: 1, maxDelayMs: 8, maxRetryAfterMs: 60_000 } });
    server.failNext("rate-limited", "unavailable", "reset-before");
    expect((await c.space()).id).toBe(server.spaceId);
    expect(delays[0]).toBe(2000);
    expect(delays).toHaveLength(3);
    expect(server.state.requests.map((r) => r.status)).toEqual([429, 503, "reset", 200]);
  });

  test("a request that spends its retries on a 5xx makes the next ones fail at once, retryable and unsent; a 429 never does; a success clears it", async () => {
    const server = await fake({ faults: { unavailableRate: 1 } });
    const c = client(server, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 } });
    await expect(c.request("GET", "/v2/spaces")).rejects.toThrow("Arize AX GET /v2/spaces failed: 503 Service Unavailable");
    expect(server.state.requests).toHaveLength(3);
    const fast = await c.request("POST", "/v2/experiments", { body: {} }).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(ArizeError);
    expect(fast).toMatchObject({ status: 503, retryable: true, ambiguous: false });
    expect((fast as ArizeError).message).toBe("Arize AX POST /v2/experiments not sent: the server looks down (Arize AX GET /v2/spaces failed: 503 Service Unavailable)");
    expect(server.state.requests).toHaveLength(3);

    // A single attempt proves nothing; nor does rate limiting (the server is up); once the
    // window has passed, requests are sent again and a success clears the outage.
    server.setFaults({ unavailableRate: 1 });
    const once = client(server, { retry: { retries: 0 } });
    await expect(once.request("GET", "/v2/spaces")).rejects.toThrow(/failed: 503/);
    await expect(once.request("GET", "/v2/spaces")).rejects.toThrow(/failed: 503/);
    server.setFaults({ rateLimitRate: 1 });
    const limited = client(server, { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 1 } });
    await expect(limited.request("GET", "/v2/spaces")).rejects.toThrow(/failed: 429/);
    await expect(limited.request("GET", "/v2/spaces")).rejects.toThrow(/failed: 429/);
    server.setFaults({ unavailableRate: 1 });
    const brief = client(server, { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 }, outageMs: 0 });
    await expect(brief.request("GET", "/v2/spaces")).rejects.toThrow(/failed: 503/);
    server.setFaults(undefined);
    expect((await brief.request("GET", "/v2/spaces")).status).toBe(200);
    expect(server.state.requests.map((r) => r.status)).toEqual([503, 503, 503, 503, 503, 429, 429, 429, 429, 503, 503, 200]);
  });

  test("a refused key costs one request: later calls fail at once with the same error, which never holds the key", async () => {
    const server = await fake();
    const wrong = "ax-wrong-key-987654";
    const c = client(server, { apiKey: wrong });
    const first = await c.space().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ArizeError);
    expect((first as ArizeError).message).toMatch(/Arize AX refused GET \/v2\/spaces\/.+: 401 missing or invalid API key — check ARIZE_API_KEY/);
    await expect(c.listExperiments({ spaceId: server.spaceId })).rejects.toBe(first);
    await expect(c.listRuns("x")).rejects.toBe(first);
    expect(server.state.requests).toHaveLength(1);
    expect(c.refusedKey).toBe(true);
    expect(JSON.stringify(first, Object.getOwnPropertyNames(first))).not.toContain(wrong);
  });

  test("lists follow the cursor across pages within AX's limits", async () => {
    const server = await fake();
    const c = client(server);
    const created = await c.createDataset({ name: "d", space_id: server.spaceId, examples: Array.from({ length: 1234 }, (_, i) => ({ n: i })) });
    expect("id" in created).toBe(true);
    const examples = await c.listExamples((created as { id: string }).id);
    expect(examples.map((e) => e.n)).toEqual(Array.from({ length: 1234 }, (_, i) => i));
    expect(server.state.requests.filter((r) => r.path.endsWith("/examples")).map((r) => new URLSearchParams(r.query).get("limit"))).toEqual(["500", "500", "500"]);
    expect(server.state.violations).toEqual([]);
  });

  test("fromEnv: no key, no client", () => {
    expect(ArizeClient.fromEnv({}, {})).toBeUndefined();
    const c = ArizeClient.fromEnv({}, { ARIZE_API_KEY: KEY, ARIZE_SPACE_ID: "s", ARIZE_BASE_URL: "http://127.0.0.1:1" });
    expect(c?.baseUrl).toBe("http://127.0.0.1:1");
    return c?.close();
  });
});

describe("ARIZE_API_KEY among the configured secrets", () => {
  test("a task or evaluator that echoes the key has it redacted like Phoenix's", async () => {
    const { configuredSecrets, redactSecrets } = await import("../../../src/record/redact.js");
    expect(configuredSecrets({ ARIZE_API_KEY: " ax-key-123456 " })).toEqual(["ax-key-123456"]);
    expect(redactSecrets({ error: "invalid key ax-key-123456" }, configuredSecrets({ ARIZE_API_KEY: "ax-key-123456" }))).toEqual({ error: "invalid key [REDACTED]" });
  });
});
