import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createFixtureProject, PACKAGE_CLI as CLI, runNode, type FixtureProject } from "../support/fixture-project.js";
import { startFakePhoenix, type FakePhoenix, type FakePhoenixOptions } from "../support/fake-phoenix/index.js";

/**
 * The real vitest binary on a fixture project, uploading to the fake Phoenix server: what arrives
 * on the server is counted, not what the client says it sent.
 */

const API_KEY = "px-secret-key-0123456789";

const EVAL = (options = "") => `import { experiment } from "vitest-experiments";

const examples = [
  { id: "capital-fr", input: { question: "capital of France?" }, output: "Paris" },
  { id: "capital-it", input: { question: "capital of Italy?" }, output: "Rome" },
  { id: "capital-es", input: { question: "capital of Spain?" }, output: "Madrid" },
];
const answers = { "capital of France?": "Paris", "capital of Italy?": "Rome", "capital of Spain?": "Barcelona" };

experiment("qa", {
  dataset: { name: "capitals", examples },
  task: async ({ input }) => answers[input.question],
  evaluators: {
    exact_match: ({ output, expected }) => ({ score: output === expected ? 1 : 0, explanation: "compared", metadata: { checker: "strict" } }),
    has_content: ({ output }) => Boolean(output),
  },
  thresholds: { exact_match: 0.6 },
  repetitions: 2,
  ${options}
});
`;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(options: FakePhoenixOptions = {}): Promise<FakePhoenix> {
  const server = await startFakePhoenix(options);
  cleanups.push(() => server.close());
  return server;
}

function phoenixEnv(server: FakePhoenix, apiKey = API_KEY): Record<string, string> {
  return { PHOENIX_HOST: server.url, PHOENIX_API_KEY: apiKey };
}

/** Everything the fixture project wrote to its local store, as one string. */
async function storeText(project: FixtureProject): Promise<string> {
  const dir = join(project.dir, ".vitest-experiments/experiments");
  const files = await readdir(dir).catch(() => [] as string[]);
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), "utf8")));
  return texts.join("\n");
}

function expectExperimentComplete(server: FakePhoenix, experimentCount = 1): void {
  const { state } = server;
  expect(state.violations).toEqual([]);
  expect(state.datasets.map((d) => d.name)).toEqual(["capitals"]);
  expect(state.experiments).toHaveLength(experimentCount);
  for (const experiment of state.experiments) {
    expect(experiment.name).toBe("qa");
    expect(experiment.repetitions).toBe(2);
    expect(experiment.exampleRowIds).toHaveLength(3);
    const id = state.experimentJson(experiment).id;
    const runs = state.runsOf(id);
    expect(runs).toHaveLength(6);
    expect(new Set(runs.map((r) => `${r.exampleRowId}#${r.repetition}`)).size).toBe(6);
    expect(runs.every((r) => r.error === null)).toBe(true);
    const evaluations = state.evaluationsOf(id);
    expect(evaluations).toHaveLength(12);
    expect(new Set(evaluations.map((e) => `${e.runRowId}#${e.name}`)).size).toBe(12);
  }
}

describe("uploads to Phoenix from the real vitest binary", () => {
  test("the server holds the dataset, one experiment with its repetitions, every run and evaluation; the summary links to it", async () => {
    const server = await fake({ apiKey: API_KEY });
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL() });
    const run = await project.vitest(["run", "--project", "evals"], { env: phoenixEnv(server) });
    expect(run.exitCode, run.output).toBe(0);
    expectExperimentComplete(server);

    const { state } = server;
    const experiment = state.experimentJson(state.experiments[0]!);
    // The runs reference the examples of exactly the version the experiment was created on.
    const examples = state.examplesAt(state.datasets[0]!, state.experiments[0]!.versionRowId);
    expect(examples.map((e) => e.row.externalId)).toEqual(["capital-fr", "capital-it", "capital-es"]);
    const exactMatch = state.evaluationsOf(experiment.id).filter((e) => e.name === "exact_match");
    expect(exactMatch.map((e) => e.result?.score).sort()).toEqual([0, 0, 1, 1, 1, 1]);
    expect(exactMatch.every((e) => e.metadata.checker === "strict" && e.annotatorKind === "CODE")).toBe(true);

    const url = `${server.url}/datasets/${experiment.dataset_id}/compare?experimentId=${experiment.id}`;
    expect(run.output).toContain(url);
    expect(run.output).not.toContain(API_KEY);
    expect(await storeText(project)).not.toContain(API_KEY);
  });

  test("VITEST_EXPERIMENTS_UPLOAD=false and dry runs upload nothing", async () => {
    const server = await fake();
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL() });
    const off = await project.vitest(["run", "--project", "evals"], { env: { ...phoenixEnv(server), VITEST_EXPERIMENTS_UPLOAD: "false" } });
    expect(off.exitCode, off.output).toBe(0);
    expect(server.state.requests).toEqual([]);

    const dry = await createFixtureProject({ "evals/qa.eval.ts": EVAL("dryRun: 2,") });
    const dryRun = await dry.vitest(["run", "--project", "evals"], { env: phoenixEnv(server) });
    expect(dryRun.exitCode, dryRun.output).toBe(0);
    expect(server.state.requests).toEqual([]);
  });

  test("a server down during the run leaves the experiment pending; `vitest-experiments upload` completes it without duplicates", async () => {
    const server = await fake({ apiKey: API_KEY });
    await server.down();
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL() });
    const run = await project.vitest(["run", "--project", "evals"], { env: phoenixEnv(server) });
    // Phoenix being down never fails the test run.
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain('Phoenix upload of experiment "qa" failed: nothing was uploaded');
    expect(run.output).toContain("ECONNREFUSED");
    expect(run.output).toContain("npx vitest-experiments upload");
    expect(server.state.experiments).toHaveLength(0);

    await server.up();
    const upload = await runNode([CLI, "upload"], project.dir, phoenixEnv(server));
    expect(upload.exitCode, upload.output).toBe(0);
    expect(upload.stdout).toMatch(/uploaded qa \(\S+\): 6 runs, 12 evaluations → http/);
    expectExperimentComplete(server);

    // Once complete, a second upload has nothing to do and sends nothing.
    const before = server.state.requests.length;
    const again = await runNode([CLI, "upload"], project.dir, phoenixEnv(server));
    expect(again.exitCode, again.output).toBe(0);
    expect(again.stdout).toContain("Nothing pending");
    expect(server.state.requests.length).toBe(before);
    expectExperimentComplete(server);
  });

  test("the next run completes an experiment an earlier run left pending, next to its own", async () => {
    const server = await fake();
    // Only the runs fail: the dataset and experiment are created, the runs stay pending.
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL() });
    server.setFaults({ unavailableRate: 1, only: ({ method, path }) => method === "POST" && /\/runs$/.test(path) });
    const first = await project.vitest(["run", "--project", "evals"], { env: { ...phoenixEnv(server) } });
    expect(first.exitCode, first.output).toBe(0);
    expect(first.output).toContain('Phoenix upload of experiment "qa" failed: 6 of 6 runs (or their evaluations) were not uploaded');
    expect(server.state.experiments).toHaveLength(1);
    expect(server.state.runs).toHaveLength(0);

    server.setFaults(undefined);
    const second = await project.vitest(["run", "--project", "evals"], { env: phoenixEnv(server) });
    expect(second.exitCode, second.output).toBe(0);
    expect(second.output).toContain('Phoenix: uploaded the rest of experiment "qa" from an earlier run (6 runs, 12 evaluations)');
    expectExperimentComplete(server, 2);
  });

  test("a wrong API key gives one warning naming the problem, never the key; the exit code comes from the gates only", async () => {
    const server = await fake({ apiKey: API_KEY });
    const wrongKey = "px-wrong-key-9876543210";
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL() });
    const passing = await project.vitest(["run", "--project", "evals"], { env: phoenixEnv(server, wrongKey) });
    expect(passing.exitCode, passing.output).toBe(0);
    const warnings = passing.output.split("\n").filter((line) => line.includes("Phoenix"));
    expect(warnings.filter((line) => line.includes("401"))).toHaveLength(1);
    expect(passing.output).toContain("401 Invalid token — check PHOENIX_API_KEY");
    expect(passing.output).not.toContain(wrongKey);
    expect(passing.output).not.toContain(API_KEY);
    expect(await storeText(project)).not.toContain(wrongKey);
    // A refused key is not retried run after run: one refusal ends the experiment's upload.
    expect(server.state.requests.filter((r) => r.status === 401).length).toBeLessThanOrEqual(2);

    const failing = await createFixtureProject({ "evals/qa.eval.ts": EVAL().replace("exact_match: 0.6", "exact_match: 0.9") });
    const failed = await failing.vitest(["run", "--project", "evals"], { env: phoenixEnv(server, wrongKey) });
    expect(failed.exitCode).toBe(1);
    expect(failed.output).toContain("401 Invalid token");
    expect(server.state.experiments).toHaveLength(0);
  });

  test("the built bin reads the uploaded experiment back from Phoenix, annotates it and logs pre-computed runs", async () => {
    const server = await fake({ apiKey: API_KEY });
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL() });
    const run = await project.vitest(["run", "--project", "evals"], { env: phoenixEnv(server) });
    expect(run.exitCode, run.output).toBe(0);
    const experimentId = server.state.experimentJson(server.state.experiments[0]!).id;

    const show = await runNode([CLI, "phoenix", "show", "qa"], project.dir, phoenixEnv(server));
    expect(show.exitCode, show.output).toBe(0);
    expect(show.stdout).toContain(`qa (${experimentId})`);
    expect(show.stdout).toMatch(/exact_match\s+0\.667\s+6/);

    await project.write("labels.jsonl", `${JSON.stringify({ example_id: "capital-es", repetition: 2, name: "reviewed", label: "wrong city" })}\n`);
    const annotate = await runNode([CLI, "annotate", "qa", "--file", "labels.jsonl"], project.dir, phoenixEnv(server));
    expect(annotate.exitCode, annotate.output).toBe(0);
    const reviewed = server.state.evaluationsOf(experimentId).filter((e) => e.name === "reviewed");
    expect(reviewed.map((e) => [e.result?.label, e.annotatorKind])).toEqual([["wrong city", "HUMAN"]]);

    await project.write("offline-set.jsonl", '{"id":"capital-fr","input":{"question":"capital of France?"},"output":"Paris"}\n');
    await project.write("offline.csv", "example_id,output,score\ncapital-fr,Paris,1\n");
    const log = await runNode([CLI, "log", "--dataset", "offline-set.jsonl", "--file", "offline.csv", "--evaluator", "score"], project.dir, phoenixEnv(server));
    expect(log.exitCode, log.output).toBe(0);
    expect(log.stdout).toMatch(/Logged experiment offline \(\S+\): 1 runs → http/);
    expect(server.state.violations).toEqual([]);
    expect(show.output + annotate.output + log.output).not.toContain(API_KEY);
  });
});
