import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createFixtureProject } from "../support/fixture-project.js";
import { startFakePhoenix, type FakePhoenix } from "../support/fake-phoenix/index.js";
import { readStoreLogs } from "../unit/reliability/support/processes.js";
import { parseReport } from "../unit/sinks/junit-xml.js";

/**
 * One experiment of 5,000 runs under everything at once: seeded random task failures (some
 * recovered by a retry, some for good), random evaluator errors, 10% of attempts answered with a
 * rate-limit error (HTTP 429), and a Phoenix that answers 503 and drops connections. The local
 * store, the JUnit file and the server must each hold exactly the runs and evaluations that ran.
 */
const RUNS = Number(process.env.SOAK_RUNS ?? 5000);
/**
 * Share of task attempts answered 429, at random whatever the request rate (10%, as the issue
 * asks). The adaptive limiter never cuts below half the throughput it recently saw accepted, and
 * holds refusals that a cut did not reduce as background, so such refusals slow the soak down
 * but cannot drive it into a crawl.
 */
const RATE_LIMITED = Number(process.env.SOAK_RATE_LIMITED ?? 0.1);

const SOAK = `import { experiment } from "vitest-experiments";
/** mulberry32: a seeded, reproducible stream. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(20260101);
class RateLimited extends Error { status = 429; retryAfterMs = 0; }
experiment("soak", {
  dataset: { name: "soak", examples: Array.from({ length: ${RUNS} }, (_, i) => ({ id: "s" + i, input: i })) },
  task: ({ input }) => {
    const roll = random();
    if (roll < ${RATE_LIMITED}) throw new RateLimited("429 slow down");
    if (roll < ${RATE_LIMITED} + 0.06) throw new Error("model unavailable");
    return { n: input, text: "answer " + input };
  },
  evaluators: {
    exact: ({ output, input }) => output.n === input,
    flaky: ({ output }) => { if (random() < 0.03) throw new Error("judge crashed"); return output.n % 3 === 0 ? 0 : 1; },
  },
  retries: 1,
  retryDelay: 0,
  concurrency: 64,
});
`;

let fake: FakePhoenix;
beforeAll(async () => {
  fake = await startFakePhoenix({ faults: { seed: 11, unavailableRate: 0.05, resetRate: 0.03, retryAfterSeconds: 0 } });
});
afterAll(() => fake.close());

test(`${RUNS} runs with task failures, evaluator errors, 429s and a flaky Phoenix: store, JUnit and server agree exactly`, async () => {
  const project = await createFixtureProject({ "evals/soak.eval.ts": SOAK });
  const run = await project.vitest(["run", "--project", "evals", "--reporter=dot"], {
    env: { PHOENIX_HOST: fake.url, VITEST_EXPERIMENTS_JUNIT: "reports/junit.xml" },
    timeoutMs: 480_000,
  });
  // Some tasks fail for good (both attempts), so the run fails; everything must still be there.
  expect(run.exitCode, run.output.slice(-3000)).toBe(1);

  // The store: every run once, then the end record.
  const [log, ...others] = await readStoreLogs(join(project.dir, ".vitest-experiments"));
  expect(others).toEqual([]);
  const runs = log!.lines.filter((l) => l.type === "run").map((l) => l.run);
  expect(runs).toHaveLength(RUNS);
  expect(new Set(runs.map((r) => r.exampleId)).size).toBe(RUNS);
  expect(log!.lines.filter((l) => l.type === "end")).toHaveLength(1);
  const failed = runs.filter((r) => r.status === "error");
  const ok = runs.filter((r) => r.status === "ok");
  const evaluations = ok.flatMap((r) => r.evaluations);
  const evaluatorErrors = evaluations.filter((e) => e.error !== null);
  // The faults happened, at about their rates.
  expect(failed.length).toBeGreaterThan(RUNS * 0.002);
  expect(evaluatorErrors.length).toBeGreaterThan(RUNS * 0.01);
  if (RATE_LIMITED > 0) expect(runs.some((r) => r.attempts.some((a: { rateLimited: boolean }) => a.rateLimited))).toBe(true);
  expect(failed.every((r) => r.evaluations.length === 0)).toBe(true);
  expect(evaluations).toHaveLength(ok.length * 2);

  // JUnit: one test case per run plus the gates, failures exactly where the store says.
  const suite = parseReport(await readFile(join(project.dir, "reports/junit.xml"), "utf8")).testsuites.testsuite![0]!;
  expect(suite.testcase).toHaveLength(RUNS + 1);
  const failedCases = new Set(suite.testcase.filter((c) => c.failure !== undefined).map((c) => c.name));
  const expectedFailures = new Set(runs.filter((r) => r.status === "error" || r.evaluations.some((e: { error: string | null }) => e.error !== null)).map((r) => r.exampleId));
  expect(failedCases).toEqual(expectedFailures);

  // Phoenix: one experiment holding every run and every evaluation exactly once.
  expect(run.output).toMatch(new RegExp(`Phoenix: experiment "soak" uploaded \\(${RUNS} runs\\)`));
  expect(fake.state.requests.filter((r) => r.fault).length).toBeGreaterThan(50);
  expect(fake.state.experiments).toHaveLength(1);
  const id = fake.state.experimentJson(fake.state.experiments[0]!).id;
  const serverRuns = fake.state.runsOf(id);
  expect(serverRuns).toHaveLength(RUNS);
  expect(serverRuns.filter((r) => r.error !== null)).toHaveLength(failed.length);
  expect(fake.state.evaluationsOf(id)).toHaveLength(evaluations.length);
  expect(fake.state.violations).toEqual([]);
}, 500_000);
