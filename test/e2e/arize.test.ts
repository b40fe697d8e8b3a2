import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createFixtureProject, REPO_ROOT, runNode, type FixtureProject } from "../support/fixture-project.js";
import { startFakeArize, type FakeArize, type FakeArizeOptions } from "../support/fake-arize/index.js";
import { startFakePhoenix } from "../support/fake-phoenix/index.js";

/**
 * The real vitest binary on fixture projects, uploading to the fake Arize AX server: what arrives
 * on the server is counted, not what the client says it sent.
 */

const API_KEY = "ax-e2e-secret-key-0123456789";
const CLI = join(REPO_ROOT, "dist/cli.js");
const RUN_ID = "vitest_experiments_run_id";
const EXAMPLE_ID = "vitest_experiments_example_id";

const EVAL = (options = "") => `import { experiment } from "vitest-experiments";

const examples = [
  { id: "capital-fr", input: { question: "capital of France?" }, output: "Paris" },
  { id: "capital-it", input: { question: "capital of Italy?" }, output: "Rome" },
  { id: "capital-es", input: { question: "capital of Spain?" }, output: "Madrid" },
];
const answers = { "capital of France?": "Paris", "capital of Italy?": "Rome", "capital of Spain?": "Barcelona" };

experiment("qa", {
  dataset: { name: "capitals", examples },
  task: async ({ input }) => ({ answer: answers[input.question] }),
  evaluators: {
    exact_match: ({ output, expected }) => ({ score: output.answer === expected ? 1 : 0, label: output.answer === expected ? "match" : "miss", explanation: "compared" }),
    has_content: ({ output }) => Boolean(output.answer),
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

async function fake(options: Partial<FakeArizeOptions> = {}): Promise<FakeArize> {
  const server = await startFakeArize({ apiKey: API_KEY, spaces: ["evals-space"], ...options });
  cleanups.push(() => server.close());
  return server;
}

function arizeEnv(server: FakeArize, overrides: Record<string, string> = {}): Record<string, string> {
  return { ARIZE_API_KEY: API_KEY, ARIZE_SPACE_ID: "evals-space", ARIZE_BASE_URL: server.url, ...overrides };
}

/** Every file the fixture project holds (store, JUnit, reports), as one string. */
async function allFiles(dir: string): Promise<string> {
  const texts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || path.includes("node_modules")) continue;
    if ((await stat(path)).size < 50_000_000) texts.push(await readFile(path, "utf8"));
  }
  return texts.join("\n");
}

function cli(project: FixtureProject, env: Record<string, string>, ...args: string[]) {
  return runNode([CLI, ...args], project.dir, env);
}

function axExperiment(server: FakeArize, name: string) {
  const found = server.state.experiments.filter((e) => e.name.startsWith(`${name} `));
  expect(found).toHaveLength(1);
  return { experiment: found[0]!, runs: server.state.runsOf(found[0]!.id) };
}

describe("uploads to Arize AX from the real vitest binary", () => {
  test("a repeated experiment with evaluators: the dataset, one experiment, every run with its eval columns; Phoenix gets it too", async () => {
    const server = await fake();
    const phoenix = await startFakePhoenix();
    cleanups.push(() => phoenix.close());
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL() });
    const run = await project.vitest(["run", "--project", "evals"], { env: { ...arizeEnv(server), PHOENIX_HOST: phoenix.url } });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/Arize AX: experiment "qa" uploaded \(6 runs\)/);
    expect(server.state.violations).toEqual([]);

    expect(server.state.datasets.map((d) => d.name)).toEqual(["capitals"]);
    const examples = server.state.examplesOf(server.state.datasets[0]!.id);
    expect(examples.map((e) => e[EXAMPLE_ID])).toEqual(["capital-fr", "capital-it", "capital-es"]);
    const { experiment, runs } = axExperiment(server, "qa");
    expect(experiment.dataset_id).toBe(server.state.datasets[0]!.id);
    expect(runs).toHaveLength(6);
    expect(new Set(runs.map((r) => r[RUN_ID])).size).toBe(6);
    const spain = runs.filter((r) => r.example_id === examples[2]!.id);
    expect(spain.map((r) => r.repetition).sort()).toEqual([1, 2]);
    expect(spain[0]).toMatchObject({ output: '{"answer":"Barcelona"}', "eval.exact_match.score": 0, "eval.exact_match.label": "miss", "eval.exact_match.explanation": "compared", "eval.has_content.score": 1, attempts: 1 });
    expect(typeof spain[0]!.latency_ms).toBe("number");
    // Phoenix got the same experiment.
    expect(phoenix.state.experiments).toHaveLength(1);

    // A second run reuses the dataset's examples: a second experiment, no new example.
    const again = await project.vitest(["run", "--project", "evals"], { env: arizeEnv(server) });
    expect(again.exitCode, again.output).toBe(0);
    expect(server.state.examplesOf(server.state.datasets[0]!.id)).toHaveLength(3);
    expect(server.state.experiments).toHaveLength(2);

    // The key is in no output and no file of the project.
    expect(run.output + again.output).not.toContain(API_KEY);
    expect(await allFiles(project.dir)).not.toContain(API_KEY);
  });

  test("1,000 runs × 3 evaluators against 30% injected faults: exactly 1,000 runs, every evaluation column", async () => {
    const server = await fake({ faults: { seed: 30, resetRate: 0.1, unavailableRate: 0.08, rateLimitRate: 0.06, errorAfterRate: 0.06, retryAfterSeconds: 0 } });
    // Besides the random faults, writes land but lose their answers: the dataset's create (its
    // resend meets a 409), the experiment's create, the first append.
    server.failNextWrites("reset-after", "pass", "reset-after", "error-after");
    const project = await createFixtureProject({
      "evals/big.eval.ts": `import { experiment } from "vitest-experiments";
experiment("big", {
  dataset: { name: "numbers", examples: Array.from({ length: 1000 }, (_, i) => ({ id: "n" + i, input: i, output: i * 2 })) },
  // Slow enough that runs finish over a few seconds: batches stream while the experiment runs.
  task: async ({ input }) => { await new Promise((r) => setTimeout(r, 40)); return input * 2; },
  evaluators: {
    exact: ({ output, expected }) => output === expected,
    parity: ({ output }) => ({ score: (output / 2) % 2, label: (output / 2) % 2 ? "odd" : "even" }),
    size: ({ output }) => ({ score: output / 2000, explanation: "scaled" }),
  },
  concurrency: 16,
});
`,
    });
    const run = await project.vitest(["run", "--project", "evals"], { env: arizeEnv(server), timeoutMs: 170_000 });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/Arize AX: experiment "big" uploaded \(1000 runs\)/);
    expect(server.state.requests.filter((r) => r.fault).length).toBeGreaterThan(4);
    // Streamed: the runs take at least 2.5 s (1,000 × 40 ms over 16 at a time) and a batch waits
    // at most 2 s, so the experiment was created with a first batch and appended to after it.
    const runWrites = server.state.requests.filter((r) => r.method === "POST" && /^\/v2\/experiments(\/[^/]+\/runs)?$/.test(r.path) && r.status !== 429 && r.status !== 503 && !(r.fault === "reset-before"));
    expect(runWrites.some((r) => r.path.endsWith("/runs"))).toBe(true);
    const { runs } = axExperiment(server, "big");
    expect(runs).toHaveLength(1000);
    expect(new Set(runs.map((r) => r[RUN_ID])).size).toBe(1000);
    expect(runs.every((r) => r["eval.exact.score"] === 1 && typeof r["eval.parity.score"] === "number" && typeof r["eval.parity.label"] === "string" && typeof r["eval.size.score"] === "number" && r["eval.size.explanation"] === "scaled")).toBe(true);
    expect(server.state.examplesOf(server.state.datasets[0]!.id)).toHaveLength(1000);
    expect(server.state.violations).toEqual([]);
  });

  test("a dry run, VITEST_EXPERIMENTS_UPLOAD=false and `arize: false` send nothing to AX; the `arize` option of experimentsProject() configures it", async () => {
    const server = await fake();
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL("dryRun: 2,") });
    const dry = await project.vitest(["run", "--project", "evals"], { env: arizeEnv(server) });
    expect(dry.exitCode, dry.output).toBe(0);
    await project.write("evals/qa.eval.ts", EVAL());
    const off = await project.vitest(["run", "--project", "evals"], { env: { ...arizeEnv(server), VITEST_EXPERIMENTS_UPLOAD: "false" } });
    expect(off.exitCode, off.output).toBe(0);
    // `arize: false` in the config wins over the environment.
    await project.write("vitest.config.mjs", `import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";
export default defineConfig({ test: { projects: [experimentsProject({ arize: false })] } });
`);
    const disabled = await project.vitest(["run", "--project", "evals"], { env: arizeEnv(server) });
    expect(disabled.exitCode, disabled.output).toBe(0);
    expect(server.state.requests).toEqual([]);

    // The `arize` option of experimentsProject() configures AX without the environment.
    await project.write("vitest.config.mjs", `import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";
export default defineConfig({ test: { projects: [experimentsProject({ arize: { apiKey: process.env.AX_KEY_FOR_TEST, space: ${JSON.stringify(server.spaceId)}, baseUrl: ${JSON.stringify(server.url)} } })] } });
`);
    const configured = await project.vitest(["run", "--project", "evals"], { env: { AX_KEY_FOR_TEST: API_KEY } });
    expect(configured.exitCode, configured.output).toBe(0);
    expect(axExperiment(server, "qa").runs).toHaveLength(6);
    expect(server.state.violations).toEqual([]);
  });

  test("AX unreachable: the runs stay pending locally; `upload` finishes them; the CLI lists, shows, prints runs and deletes", async () => {
    const server = await fake();
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL() });
    server.setFaults({ unavailableRate: 1, only: ({ path }) => path.startsWith("/v2/experiments") });
    const first = await project.vitest(["run", "--project", "evals"], { env: arizeEnv(server), timeoutMs: 170_000 });
    expect(first.exitCode, first.output).toBe(0);
    expect(first.output).toMatch(/Arize AX upload of experiment "qa" failed: 6 of 6 runs were not uploaded.*vitest-experiments upload/s);
    expect(server.state.experiments).toHaveLength(0);

    server.setFaults(undefined);
    const upload = await cli(project, arizeEnv(server), "upload");
    expect(upload.exitCode, upload.output).toBe(0);
    expect(upload.stdout).toMatch(/uploaded qa \(\S+\) to Arize AX: 6 runs/);
    expect(axExperiment(server, "qa").runs).toHaveLength(6);
    expect((await cli(project, arizeEnv(server), "upload")).stdout).toContain("Nothing pending for Arize AX.");

    const list = await cli(project, arizeEnv(server), "list", "--arize");
    expect(list.exitCode, list.output).toBe(0);
    expect(list.stdout).toMatch(/qa \S+\s+capitals/);
    const show = await cli(project, arizeEnv(server), "show", "qa", "--arize");
    expect(show.stdout).toMatch(/exact_match\s+0\.667\s+6\s+0\s+match 4, miss 2/);
    const runs = await cli(project, arizeEnv(server), "runs", "qa", "--arize", "--format", "jsonl");
    expect(runs.stdout.trim().split("\n")).toHaveLength(6);
    const deleted = await cli(project, arizeEnv(server), "delete", "qa", "--arize");
    expect(deleted.exitCode, deleted.output).toBe(0);
    expect(server.state.experiments).toHaveLength(0);
    for (const output of [first.output, upload.output, list.output, show.output, runs.output, deleted.output]) expect(output).not.toContain(API_KEY);
    expect(await allFiles(project.dir)).not.toContain(API_KEY);
    expect(server.state.violations).toEqual([]);
  });

  test("`log --arize` of pre-computed runs; a refused key is one request and one warning", async () => {
    const server = await fake();
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL() });
    expect((await project.vitest(["run", "--project", "evals"], { env: arizeEnv(server) })).exitCode).toBe(0);
    const examples = server.state.examplesOf(server.state.datasets[0]!.id);
    await project.write(
      "runs.jsonl",
      [
        { example_id: examples[0]!.id, output: "Paris", correctness_score: 1, correctness_label: "correct" },
        { example_id: "capital-es", output: "Madrid", correctness_score: 1, correctness_label: "correct" },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    const log = await cli(project, arizeEnv(server), "log", "--arize", "--dataset", "capitals", "--file", "runs.jsonl", "--name", "pre-computed", "--evaluator", "Correctness:score=correctness_score,label=correctness_label");
    expect(log.exitCode, log.output).toBe(0);
    const { runs } = axExperiment(server, "pre-computed");
    expect(runs.map((r) => [r.example_id, r.output, r["eval.Correctness.score"], r["eval.Correctness.label"]])).toEqual([
      [examples[0]!.id, "Paris", 1, "correct"],
      [examples[2]!.id, "Madrid", 1, "correct"],
    ]);

    const before = server.state.requests.length;
    const wrong = "ax-wrong-key-000111222";
    const refused = await project.vitest(["run", "--project", "evals"], { env: arizeEnv(server, { ARIZE_API_KEY: wrong }) });
    expect(refused.exitCode, refused.output).toBe(0);
    expect(server.state.requests.length - before).toBe(1);
    expect(refused.output.match(/Arize AX upload of experiment/g)).toHaveLength(1);
    expect(refused.output).toMatch(/401 missing or invalid API key — check ARIZE_API_KEY/);
    expect(refused.output + log.output).not.toContain(wrong);
    expect(await allFiles(project.dir)).not.toContain(wrong);
    expect(server.state.violations).toEqual([]);
  });

  test("a task that echoes ARIZE_API_KEY in its error: the key reaches no output, no file and not AX", async () => {
    const server = await fake();
    const project = await createFixtureProject({
      "evals/leak.eval.ts": `import { experiment } from "vitest-experiments";
experiment("leak", {
  dataset: { name: "leaky", examples: [{ id: "a", input: 1 }, { id: "b", input: 2 }] },
  task: ({ input }) => { if (input === 2) throw new Error("provider refused key " + process.env.ARIZE_API_KEY); return "ok " + process.env.ARIZE_API_KEY; },
  evaluators: { echo: ({ output }) => ({ score: 1, explanation: "saw " + output }) },
  retries: 0,
});
`,
    });
    const run = await project.vitest(["run", "--project", "evals"], { env: { ...arizeEnv(server), VITEST_EXPERIMENTS_JUNIT: "reports/junit.xml" } });
    expect(run.exitCode).toBe(1);
    const { runs } = axExperiment(server, "leak");
    expect(runs).toHaveLength(2);
    expect(runs.find((r) => r.error)?.error).toBe("Error: provider refused key [REDACTED]");
    expect(run.output).not.toContain(API_KEY);
    expect(await allFiles(project.dir)).not.toContain(API_KEY);
    expect(server.state.requests.map((r) => r.rawBody).join("\n")).not.toContain(API_KEY);
    expect(server.state.violations).toEqual([]);
  });
});
