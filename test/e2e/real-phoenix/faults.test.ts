import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fromGlobalId } from "../../../src/phoenix/ids.js";
import { startFaultProxy, type FaultProxy, type FaultProxyOptions, type ProxyRequest } from "../../support/fault-proxy.js";
import { createFixtureProject, REPO_ROOT, runNode } from "../../support/fixture-project.js";
import { experimentsOfDataset, getJson, serverJsonRuns, serverRuns } from "../../support/phoenix-rest.js";
import { postgresMissing, realPhoenixMissing, startRealPhoenix, type RealPhoenix } from "../../support/real-phoenix.js";

/**
 * Faults between the product and the real Phoenix server, injected by a proxy
 * (test/support/fault-proxy.ts): 1,000 runs × 3 evaluators through the real vitest binary end on
 * the server exactly once each, counted through Phoenix's REST API, not through the product.
 */

const CLI = join(REPO_ROOT, "dist/cli.js");
const EXAMPLES = 500;
const REPETITIONS = 2;
const RUNS = EXAMPLES * REPETITIONS;
const EVALUATORS = ["exact", "parity", "size"];

const EVAL = `import { experiment } from "vitest-experiments";
experiment("faults", {
  dataset: { name: "faults", examples: Array.from({ length: ${EXAMPLES} }, (_, i) => ({ id: "ex" + i, input: { n: i }, output: { n: i } })) },
  task: ({ input }) => ({ n: input.n }),
  evaluators: {
    exact: ({ output, expected }) => output.n === expected.n,
    parity: ({ output }) => ({ score: output.n % 2, label: output.n % 2 ? "odd" : "even" }),
    size: ({ output }) => ({ score: output.n < 250 ? 1 : 0, explanation: "n = " + output.n }),
  },
  repetitions: ${REPETITIONS},
  concurrency: 20,
});
`;

// Random faults on every REST request (the OTLP span exports pass untouched).
const RANDOM: Omit<FaultProxyOptions, "target"> = {
  seed: 7,
  unavailableRate: 0.04,
  rateLimitRate: 0.02,
  retryAfterSeconds: 1,
  resetBeforeRate: 0.03,
  resetAfterRate: 0.03,
  latencyMs: 10,
};

/** Runs whose every upload attempt is applied by the server but answered with a reset. */
const stuckRun = (body: { output?: { n?: number }; repetition_number?: number }) => body.output?.n !== undefined && body.output.n % 100 === 42 && body.repetition_number === 2;
/** Evaluations whose every attempt is reset before it reaches the server. */
const stuckEvaluation = (body: { name?: string; experiment_run_id?: string }) =>
  body.name === "size" && Number(fromGlobalId(body.experiment_run_id ?? "")?.rowId) % 200 === 0;

// PostgreSQL and SQLite differ in how concurrent writes and conflicts behave: both are run.
describe.each([
  { database: "sqlite" as const, missing: realPhoenixMissing },
  { database: "postgres" as const, missing: postgresMissing },
])("faults between the product and the real Phoenix server on $database", ({ database, missing }) => {
  let phoenix: RealPhoenix;
  let proxy: FaultProxy;
  beforeAll(async () => {
    if (missing) return;
    phoenix = await startRealPhoenix({ database });
    proxy = await startFaultProxy({ target: phoenix.url });
  });
  afterAll(async () => {
    await proxy?.close();
    await phoenix?.close();
  });

  test.skipIf(missing)(`${RUNS} runs × ${EVALUATORS.length} evaluators through 503s, 429s, resets before and after the server applied a request, and latency: each lands exactly once`, async () => {
    // The first dataset upload and the first experiment creation are applied, then their answers are lost.
    const once = new Set<string>();
    const stuck = { runs: new Set<string>(), evaluations: new Set<string>() };
    const lostAnswer = (key: string) => (once.has(key) ? undefined : (once.add(key), "reset-after" as const));
    proxy.setFaults({
      ...RANDOM,
      decide: ({ method, path, body }: ProxyRequest) => {
        if (method !== "POST") return undefined;
        if (path === "/v1/datasets/upload") return lostAnswer("dataset");
        if (/^\/v1\/datasets\/[^/]+\/experiments$/.test(path)) return lostAnswer("experiment");
        if (/^\/v1\/experiments\/[^/]+\/runs$/.test(path) && stuckRun(body as never)) {
          const { output, repetition_number } = body as { output: { n: number }; repetition_number: number };
          stuck.runs.add(`${output.n}#${repetition_number}`);
          return "reset-after";
        }
        if (path === "/v1/experiment_evaluations" && stuckEvaluation(body as never)) {
          stuck.evaluations.add((body as { experiment_run_id: string }).experiment_run_id);
          return "reset-before";
        }
        return undefined;
      },
    });
    const project = await createFixtureProject({ "evals/faults.eval.ts": EVAL });
    const run = await project.vitest(["run", "--project", "evals", "--reporter=dot"], { env: { PHOENIX_HOST: proxy.url }, timeoutMs: 900_000 });
    expect(run.exitCode, run.output.slice(-3000)).toBe(0);
    // The stuck uploads stay pending, named in one warning.
    expect(stuck.runs.size).toBe(5);
    expect(stuck.evaluations.size).toBeGreaterThan(0);
    expect(once).toEqual(new Set(["dataset", "experiment"]));
    expect(run.output).toMatch(/Phoenix upload of experiment "faults" failed: \d+ of 1000 runs \(or their evaluations\) were not uploaded/);
    expect(run.output).toContain("npx vitest-experiments upload");
    const faulted = { ...proxy.stats.faults };
    for (const fault of ["unavailable", "rate-limited", "reset-before", "reset-after"] as const) expect(faulted[fault], fault).toBeGreaterThan(20);

    // The rest, through the same faults minus the stuck ones.
    proxy.setFaults({ ...RANDOM, seed: 8 });
    const upload = await runNode([CLI, "upload"], project.dir, { PHOENIX_HOST: proxy.url }, 600_000);
    expect(upload.exitCode, upload.output).toBe(0);
    // The stuck runs were on the server already (their answers were lost): only their evaluations,
    // and the evaluations that never arrived, are posted now.
    const posted = /uploaded .*faults.*: (\d+) runs, (\d+) evaluations/.exec(upload.stdout);
    expect(posted, upload.output).not.toBeNull();
    expect(Number(posted![1])).toBe(0);
    expect(Number(posted![2])).toBe(stuck.runs.size * EVALUATORS.length + stuck.evaluations.size);
    const again = await runNode([CLI, "upload"], project.dir, { PHOENIX_HOST: proxy.url }, 600_000);
    expect(again.exitCode, again.output).toBe(0);

    // The server, read directly: one dataset with one version, one experiment, every run and evaluation once.
    const datasets = (await getJson<{ data: { id: string; name: string }[] }>(phoenix.url, "/v1/datasets")).data;
    expect(datasets.map((d) => d.name)).toEqual(["faults"]);
    const versions = (await getJson<{ data: unknown[] }>(phoenix.url, `/v1/datasets/${datasets[0]!.id}/versions`)).data;
    expect(versions).toHaveLength(1);
    const experiments = await experimentsOfDataset(phoenix.url, datasets[0]!.id);
    expect(experiments).toHaveLength(1);
    const experiment = experiments[0]!;
    expect(experiment).toMatchObject({ example_count: EXAMPLES, repetitions: REPETITIONS, successful_run_count: RUNS, failed_run_count: 0, missing_run_count: 0 });
    const runs = await serverRuns(phoenix.url, experiment.id);
    expect(runs).toHaveLength(RUNS);
    expect(new Set(runs.map((r) => `${r.dataset_example_id}#${r.repetition_number}`)).size).toBe(RUNS);
    expect(runs.filter((r) => r.error !== null)).toEqual([]);
    const json = await serverJsonRuns(phoenix.url, experiment.id);
    expect(json).toHaveLength(RUNS);
    const wrong = json.filter((r) => r.annotations.map((a) => a.name).sort().join() !== EVALUATORS.join() || r.annotations.some((a) => a.error !== null));
    expect(wrong.map((r) => ({ example: r.example_id, repetition: r.repetition_number, evaluations: r.annotations.map((a) => a.name) }))).toEqual([]);
    expect(json.flatMap((r) => r.annotations)).toHaveLength(RUNS * EVALUATORS.length);
    // Each evaluation says what its evaluator said about that run.
    for (const r of json) {
      const n = (r.output as { n: number }).n;
      const by = Object.fromEntries(r.annotations.map((a) => [a.name, a]));
      expect([by.exact!.score, by.parity!.score, by.parity!.label, by.size!.score, by.size!.explanation]).toEqual([1, n % 2, n % 2 ? "odd" : "even", n < 250 ? 1 : 0, `n = ${n}`]);
    }
  }, 1_200_000);
});
