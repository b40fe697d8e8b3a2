import { afterEach, describe, expect, it } from "vitest";
import { runExperiment } from "../../../src/programmatic/run-experiment.js";
import { describeShape, SHAPES, shapeAt } from "../../support/provider-limits.js";
import { startRateLimitedServer, type RateLimitedServer, type RateLimitedServerOptions } from "../../support/rate-limited-server.js";

/** What a provider SDK throws on 429: an error carrying the HTTP status and the response headers. */
class ProviderError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {
    super(`provider answered ${status}`);
  }
}

const RATE = 40;
const EXAMPLES = 240;
const CONCURRENCY = 24;
const LATENCY_MS = 50;

/**
 * runExperiment() against a local provider enforcing each common limit. Correctness only: every
 * run passes, the refusals are bounded and reported. How much of the provider's capacity is
 * reached is printed here and measured in bench/ (W4), never asserted.
 */
describe("adaptive rate limiting against local providers", () => {
  let server: RateLimitedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function runAgainst(provider: RateLimitedServerOptions, label: string) {
    server = await startRateLimitedServer(provider);
    const url = server.url;
    const ran = await runExperiment({
      experimentName: "rate-limited",
      dataset: { name: "numbers", examples: Array.from({ length: EXAMPLES }, (_, i) => ({ id: `n${i}`, input: { i } })) },
      task: async ({ input, signal }) => {
        const response = await fetch(`${url}/v1/complete?i=${input.i}`, { signal });
        if (!response.ok) {
          await response.body?.cancel();
          throw new ProviderError(response.status, response.headers);
        }
        return (await response.json()) as { ok: boolean };
      },
      concurrency: CONCURRENCY,
      printSummary: false,
      storeDir: false,
      junit: false,
    });
    const stats = server.stats();
    console.info(
      `${label}: accepted ${stats.accepted}, refused ${stats.refused} (${(stats.refused / stats.accepted).toFixed(2)} per accepted), ` +
        `throughput ${stats.throughput?.toFixed(1)}/s = ${(((stats.throughput ?? 0) / stats.capacity) * 100).toFixed(0)}% of capacity; limiter ${JSON.stringify(ran.result.throttle)}`,
    );
    return { ran, stats };
  }

  for (const name of SHAPES) {
    const limit = shapeAt(name, RATE, LATENCY_MS);
    it(`${describeShape(limit)}: all ${EXAMPLES} runs pass, refusals bounded and reported`, async () => {
      const { ran, stats } = await runAgainst({ limit, latencyMs: { mean: LATENCY_MS } }, describeShape(limit));
      expect(ran.taskRuns.filter((r) => r.status !== "ok").map((r) => r.error?.message)).toEqual([]);
      expect(stats.accepted).toBe(EXAMPLES);
      // Rate-limited attempts are recorded as such, never spend a retry, and the result says how
      // much the provider throttled and where the limiter settled.
      expect(ran.result.stats.rateLimited).toBe(stats.refused);
      expect(ran.result.stats.retries).toBe(0);
      expect(ran.result.throttle).toMatchObject({ accepted: EXAMPLES, refused: stats.refused });
      if (stats.refused > 0) expect(ran.result.throttle!.rate ?? ran.result.throttle!.concurrency).not.toBeNull();
      // A cold start costs one burst of refusals (at most the concurrency) and a window's worth of
      // probing; beyond that the limiter holds refusals to a small share.
      expect(stats.refused).toBeLessThanOrEqual(0.5 * EXAMPLES);
    }, 60_000);
  }

  it("does the same when another client has spent the provider's allowance just before the experiment starts", async () => {
    // Nothing is accepted in the first second, so there is nothing to measure at the first 429.
    const { ran, stats } = await runAgainst({ ratePerSecond: RATE, startSaturated: true }, "sliding window, saturated at start");
    expect(ran.taskRuns.filter((r) => r.status === "ok")).toHaveLength(EXAMPLES);
    expect(stats.accepted).toBe(EXAMPLES);
    expect(ran.result.stats.retries).toBe(0);
    expect(stats.refused).toBeLessThanOrEqual(0.5 * EXAMPLES);
  }, 60_000);
});
