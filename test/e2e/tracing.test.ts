import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createFixtureProject, REPO_ROOT, type FixtureProject } from "../support/fixture-project.js";
import { decodeTraceExport, startFakePhoenix, type DecodedSpan, type FakePhoenix } from "../support/fake-phoenix/index.js";

/**
 * Tracing under the real vitest binary: the spans are recorded in the workers and exported by the
 * main process once Phoenix named the experiment's project. What arrives at the fake server's
 * /v1/traces is decoded and counted.
 */

const API_KEY = "px-trace-e2e-secret-0123456789";

const EVAL = `import { experiment } from "vitest-experiments";
import { trace } from "@opentelemetry/api";

const examples = [
  { id: "capital-fr", input: { question: "capital of France?" }, output: "Paris" },
  { id: "capital-it", input: { question: "capital of Italy?" }, output: "Rome" },
  { id: "capital-es", input: { question: "capital of Spain?" }, output: "Madrid" },
];
const answers = { "capital of France?": "Paris", "capital of Italy?": "Rome", "capital of Spain?": "Barcelona" };

experiment("qa", {
  dataset: { name: "capitals", examples },
  task: async ({ input, example, attempt }) => {
    // What an instrumented LLM client does: a span on the global tracer, under the active one.
    await trace.getTracer("fake-llm").startActiveSpan("llm call", async (span) => span.end());
    // Italy's first attempt fails (in each repetition): its run keeps the second attempt.
    if (example.id === "capital-it" && attempt === 1) throw new Error("flaky model");
    return answers[input.question];
  },
  evaluators: {
    exact_match: ({ output, expected }) => output === expected,
    has_content: ({ output }) => Boolean(output),
  },
  retryDelay: 0,
  repetitions: 2,
});
`;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(): Promise<FakePhoenix> {
  const server = await startFakePhoenix({ apiKey: API_KEY });
  cleanups.push(() => server.close());
  return server;
}

/** A fixture project where the OpenTelemetry API resolves as in a user's project that installed it. */
async function tracedProject(): Promise<FixtureProject> {
  const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL });
  await project.write("node_modules/@opentelemetry/.keep", "");
  await symlink(join(REPO_ROOT, "node_modules/@opentelemetry/api"), join(project.dir, "node_modules/@opentelemetry/api"), "dir");
  return project;
}

const kind = (span: DecodedSpan) => span.attributes["openinference.span.kind"];

describe("tracing under the vitest binary", () => {
  test("each run's spans reach Phoenix under the experiment's project; runs carry their task span's trace id", async () => {
    const server = await fake();
    const project = await tracedProject();
    const run = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: server.url, PHOENIX_API_KEY: API_KEY } });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).not.toContain(API_KEY);
    expect(run.output).not.toContain("tracing:");

    const { state } = server;
    expect(state.violations).toEqual([]);
    expect(state.experiments).toHaveLength(1);
    const experiment = state.experimentJson(state.experiments[0]!);
    expect(experiment.project_name).toBeTruthy();
    const exported = state.traces.flatMap((body) => decodeTraceExport(body));
    expect(exported.length).toBeGreaterThan(0);
    expect(new Set(exported.map((r) => r.resource["openinference.project.name"]))).toEqual(new Set([experiment.project_name]));
    const spans = exported.flatMap((r) => r.spans);
    // Each span exported once.
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);

    // One CHAIN span per task attempt: 3 examples × 2 repetitions, plus Italy's failed first attempts.
    const chains = spans.filter((s) => kind(s) === "CHAIN");
    expect(chains).toHaveLength(8);
    expect(chains.every((s) => s.name === "Task: qa")).toBe(true);
    const italy = chains.filter((s) => s.attributes["example.id"] === "capital-it");
    expect(italy.map((s) => s.statusCode).sort()).toEqual([1, 1, 2, 2]);

    // One EVALUATOR span per evaluation: 6 runs × 2 evaluators.
    const evaluators = spans.filter((s) => kind(s) === "EVALUATOR");
    expect(evaluators).toHaveLength(12);
    expect(evaluators.map((s) => s.name).sort()).toEqual([...Array(6).fill("Evaluation: exact_match"), ...Array(6).fill("Evaluation: has_content")]);

    // The instrumented call inside each attempt is that attempt's child.
    const llm = spans.filter((s) => s.name === "llm call");
    expect(llm).toHaveLength(8);
    for (const child of llm) expect(chains.some((c) => c.spanId === child.parentSpanId && c.traceId === child.traceId)).toBe(true);

    // Each run on the server references the trace of the attempt it kept (the successful one).
    const runs = state.runsOf(experiment.id);
    expect(runs).toHaveLength(6);
    const succeeded = chains.filter((s) => s.statusCode === 1);
    for (const serverRun of runs) {
      const taskSpan = succeeded.find((s) => s.traceId === serverRun.traceId);
      expect(taskSpan, `run ${serverRun.exampleRowId}#${serverRun.repetition}`).toBeDefined();
      expect(taskSpan!.attributes["experiment.repetition"]).toBe(serverRun.repetition);
    }
    expect(new Set(runs.map((r) => r.traceId)).size).toBe(6);
    // And each evaluation its evaluator span's.
    const evaluations = state.evaluationsOf(experiment.id);
    expect(evaluations.map((e) => e.traceId).sort()).toEqual(evaluators.map((s) => s.traceId).sort());
  });

  test("VITEST_EXPERIMENTS_TRACING=false exports nothing and records no trace ids", async () => {
    const server = await fake();
    const project = await tracedProject();
    const run = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: server.url, PHOENIX_API_KEY: API_KEY, VITEST_EXPERIMENTS_TRACING: "false" } });
    expect(run.exitCode, run.output).toBe(0);
    const { state } = server;
    expect(state.violations).toEqual([]);
    expect(state.traces).toEqual([]);
    expect(state.requests.filter((r) => r.path === "/v1/traces")).toEqual([]);
    const experiment = state.experimentJson(state.experiments[0]!);
    const runs = state.runsOf(experiment.id);
    expect(runs).toHaveLength(6);
    expect(runs.every((r) => r.traceId === null)).toBe(true);
  });

  test("a host given only to experimentsProject() traces too; phoenix: false traces nothing", async () => {
    const server = await fake();
    const project = await tracedProject();
    const config = (phoenix: string) => `import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";
export default defineConfig({ test: { projects: [experimentsProject({ phoenix: ${phoenix} })] } });
`;
    await project.write("vitest.config.mjs", config(JSON.stringify({ host: server.url, apiKey: API_KEY })));
    const traced = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: undefined, PHOENIX_API_KEY: undefined } });
    expect(traced.exitCode, traced.output).toBe(0);
    const experiment = server.state.experimentJson(server.state.experiments[0]!);
    expect(server.state.runsOf(experiment.id).every((r) => r.traceId !== null)).toBe(true);
    expect(server.state.traces.length).toBeGreaterThan(0);

    await project.write("vitest.config.mjs", config("false"));
    const before = server.state.requests.length;
    const off = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: server.url, PHOENIX_API_KEY: API_KEY } });
    expect(off.exitCode, off.output).toBe(0);
    expect(server.state.requests.length).toBe(before);
  });
});
