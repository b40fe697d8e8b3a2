import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createFixtureProject, readJsonReport, REPO_ROOT, testStates } from "../support/fixture-project.js";
import { describeShape, SHAPES, shapeAt } from "../support/provider-limits.js";
import { startRateLimitedServer, type RateLimitedServer } from "../support/rate-limited-server.js";
import { readStoreLogs } from "../unit/reliability/support/processes.js";

/**
 * The adaptive limiter under the real `vitest` binary, against a local provider enforcing each
 * common limit. Correctness only (every run passes, refusals bounded and reported); how fast is
 * measured in bench/ (W4).
 */

const RUNS = 160;
const json = ["--reporter=default", "--reporter=json", "--outputFile.json=report.json"];

/** An eval file whose task calls the provider at PROVIDER_URL the way an SDK does: 429 throws an error with status and headers. */
const evalFile = (name: string) => `import { experiment } from "vitest-experiments";
class ProviderError extends Error {
  constructor(status, headers) {
    super("provider answered " + status);
    this.status = status;
    this.headers = headers;
  }
}
experiment(${JSON.stringify(name)}, {
  dataset: { name: "numbers", examples: Array.from({ length: ${RUNS} }, (_, i) => ({ id: "n" + i, input: i })) },
  task: async ({ input, signal }) => {
    const response = await fetch(process.env.PROVIDER_URL + "/v1/complete?i=" + input, { signal });
    if (!response.ok) {
      await response.body?.cancel();
      throw new ProviderError(response.status, response.headers);
    }
    return (await response.json()).ok;
  },
  evaluators: { answered: ({ output }) => output === true },
  thresholds: { answered: 1 },
  concurrency: 24,
});
`;

describe("rate limits under the vitest binary", () => {
  const servers: RateLimitedServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  for (const name of SHAPES) {
    const latency = name === "concurrency" ? 100 : 50;
    const limit = shapeAt(name, 40, latency);
    test(`${describeShape(limit)}: every run passes, refusals bounded, the summary and the stored result report the throttling`, async () => {
      const server = await startRateLimitedServer({ limit, latencyMs: { mean: latency } });
      servers.push(server);
      const project = await createFixtureProject({ "evals/limited.eval.ts": evalFile("limited") });
      const run = await project.vitest(["run", "--project", "evals", ...json], { env: { PROVIDER_URL: server.url } });
      expect(run.exitCode, run.output).toBe(0);
      const states = Object.values(testStates(await readJsonReport(project)));
      expect(states).toHaveLength(RUNS + 1);
      expect(states.every((s) => s === "passed")).toBe(true);
      const stats = server.stats();
      expect(stats.accepted).toBe(RUNS);
      expect(stats.refused).toBeLessThanOrEqual(0.5 * RUNS);
      const [log] = await readStoreLogs(join(project.dir, ".vitest-experiments"));
      const end = log!.lines.at(-1)!;
      expect(end.type).toBe("end");
      const { result } = end as unknown as { result: { stats: { rateLimited: number }; throttle: { accepted: number; refused: number; rate: number | null; concurrency: number | null } } };
      expect(result.stats.rateLimited).toBe(stats.refused);
      expect(result.throttle).toMatchObject({ accepted: RUNS, refused: stats.refused });
      if (stats.refused > 0) {
        expect(run.output).toContain(`provider rate limit: ${stats.refused} refused for ${RUNS} accepted attempts`);
      }
    }, 120_000);
  }

  test("the official openai SDK with its default retries: every refusal it retried by itself is counted, paced and reported", async () => {
    const limit = shapeAt("token-bucket", 40, 50);
    const server = await startRateLimitedServer({ limit, latencyMs: { mean: 50 } });
    servers.push(server);
    const project = await createFixtureProject({
      "evals/sdk.eval.ts": `import OpenAI from "openai";
import { experiment } from "vitest-experiments";
const client = new OpenAI({ baseURL: process.env.PROVIDER_URL + "/v1", apiKey: "sk-local" }); // maxRetries: 2, the default
experiment("sdk", {
  dataset: { name: "numbers", examples: Array.from({ length: ${RUNS} }, (_, i) => ({ id: "n" + i, input: i })) },
  task: async ({ signal }) => (await client.chat.completions.create({ model: "local", messages: [{ role: "user", content: "hi" }] }, { signal })).choices[0].message.content,
  evaluators: { answered: ({ output }) => output === "ok" },
  thresholds: { answered: 1 },
  concurrency: 24,
});
`,
    });
    await symlink(join(REPO_ROOT, "node_modules/openai"), join(project.dir, "node_modules/openai"), "dir");
    const run = await project.vitest(["run", "--project", "evals", ...json], { env: { PROVIDER_URL: server.url } });
    expect(run.exitCode, run.output).toBe(0);
    const states = Object.values(testStates(await readJsonReport(project)));
    expect(states.every((s) => s === "passed")).toBe(true);
    const stats = server.stats();
    expect(stats.accepted).toBe(RUNS);
    const [log] = await readStoreLogs(join(project.dir, ".vitest-experiments"));
    const { result } = log!.lines.at(-1)! as unknown as { result: { stats: { rateLimited: number }; throttle: { accepted: number; refused: number; retriedByClient?: number } } };
    // Every refusal the provider made is in the limiter's count, the SDK's own retries included,
    // and the SDK's are told apart: the engine itself saw only the ones the SDK gave up on.
    expect(result.throttle.refused).toBe(stats.refused);
    expect(result.throttle.retriedByClient).toBeGreaterThan(0);
    expect(result.throttle.refused - result.throttle.retriedByClient!).toBe(result.stats.rateLimited);
    expect(run.output).toContain(`provider rate limit: ${stats.refused} refused (${result.throttle.retriedByClient} of them retried by the task's own client: set its maxRetries to 0)`);
  }, 120_000);

  test("two eval files in parallel workers share one token bucket: both finish, every run passes", async () => {
    const limit = shapeAt("token-bucket", 40, 50);
    const server = await startRateLimitedServer({ limit, latencyMs: { mean: 50 } });
    servers.push(server);
    const project = await createFixtureProject({ "evals/a.eval.ts": evalFile("a"), "evals/b.eval.ts": evalFile("b") });
    const run = await project.vitest(["run", "--project", "evals", ...json], { env: { PROVIDER_URL: server.url } });
    expect(run.exitCode, run.output).toBe(0);
    const states = Object.values(testStates(await readJsonReport(project)));
    expect(states).toHaveLength(2 * (RUNS + 1));
    expect(states.every((s) => s === "passed")).toBe(true);
    expect(server.stats().accepted).toBe(2 * RUNS);
    expect(server.stats().refused).toBeLessThanOrEqual(2 * RUNS);
  }, 180_000);
});
