import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createFixtureProject, readJsonReport, testStates } from "../support/fixture-project.js";
import { startFakePhoenix, type FakePhoenix } from "../support/fake-phoenix/index.js";
import { exists, readStoreLogs } from "../unit/reliability/support/processes.js";
import { parseReport, schemaErrors } from "../unit/sinks/junit-xml.js";

/** Faults: whatever breaks, nothing already computed is lost and the run still ends. */

const json = ["--reporter=default", "--reporter=json", "--outputFile.json=report.json"];

describe("code that never answers", () => {
  test("a task that ignores its signal fails at its timeout and a hanging evaluator at evaluatorTimeout; the experiment finishes", async () => {
    const project = await createFixtureProject({
      "evals/hang.eval.ts": `import { experiment } from "vitest-experiments";
experiment("hang", {
  dataset: { name: "d", examples: [{ id: "fine", input: 1 }, { id: "stuck-task", input: 2 }, { id: "stuck-judge", input: 3 }] },
  // Never settles and ignores its signal: only the engine's timeout can end it.
  task: ({ input }) => (input === 2 ? new Promise(() => setInterval(() => {}, 60_000)) : input),
  evaluators: {
    judge: ({ output }) => (output === 3 ? new Promise(() => setInterval(() => {}, 60_000)) : 1),
    other: () => 1,
  },
  timeout: 300,
  evaluatorTimeout: 300,
  retries: 1,
  retryDelay: 0,
});
`,
    });
    const run = await project.vitest(["run", "--project", "evals", ...json]);
    expect(run.exitCode, run.output).toBe(1);
    const report = await readJsonReport(project);
    const states = testStates(report);
    expect(states).toMatchObject({ "hang fine": "passed", "hang stuck-task": "failed", "hang stuck-judge": "failed" });
    const failure = (name: string) => report.testResults.flatMap((f) => f.assertionResults).find((a) => a.fullName === name)!.failureMessages.join("\n");
    expect(failure("hang stuck-task")).toMatch(/task failed after 2 attempts: .*timed out after 300 ?ms/);
    expect(failure("hang stuck-judge")).toMatch(/evaluator judge failed: .*timed out after 300 ?ms/);
    // The experiment closed: summary printed, end record stored, the other evaluator scored.
    expect(run.output).toContain("EXPERIMENT  hang");
    const [log] = await readStoreLogs(join(project.dir, ".vitest-experiments"));
    expect(log!.lines.at(-1)!.type).toBe("end");
    const judged = log!.lines.find((l) => l.type === "run" && l.run.exampleId === "stuck-judge")!.run;
    expect(judged.evaluations.find((e: { name: string }) => e.name === "other").score).toBe(1);
  });
});

describe("a store that cannot be written", () => {
  test("VITEST_EXPERIMENTS_DIR through a regular file: one clear error naming the path, the summary and JUnit still written, the tests still judged", async () => {
    const project = await createFixtureProject({
      "evals/qa.eval.ts": `import { experiment } from "vitest-experiments";
experiment("qa", {
  dataset: { name: "d", examples: Array.from({ length: 6 }, (_, i) => ({ id: "q" + i, input: i })) },
  task: ({ input }) => input,
  evaluators: { same: ({ output, input }) => output === input },
  thresholds: { same: 1 },
});
`,
    });
    await writeFile(join(project.dir, "not-a-dir"), "a regular file");
    const run = await project.vitest(["run", "--project", "evals", ...json], {
      env: { VITEST_EXPERIMENTS_DIR: "not-a-dir/store", VITEST_EXPERIMENTS_JUNIT: "reports/junit.xml" },
    });
    // The store is a side effect: the gates decide the exit code.
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain("Cannot write to the experiment store at");
    expect(run.output).toMatch(/not-a-dir\/store.*a part of the path is a file, not a directory, ENOTDIR/);
    expect(run.output).toContain("point VITEST_EXPERIMENTS_DIR at one that is");
    // Reported once, not once per run.
    expect(run.output.match(/Cannot write to the experiment store/g)).toHaveLength(1);
    expect(run.output).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
    // Everything else still happened.
    expect(run.output).toContain("EXPERIMENT  qa ✓ passed");
    const xml = await readFile(join(project.dir, "reports/junit.xml"), "utf8");
    expect(await schemaErrors(xml)).toEqual([]);
    expect(parseReport(xml).testsuites.testsuite![0]!.testcase).toHaveLength(7);
    expect(Object.values(testStates(await readJsonReport(project))).every((s) => s === "passed")).toBe(true);
  });

  test("an unwritable JUnit path is reported and does not stop the store", async () => {
    const project = await createFixtureProject({
      "evals/qa.eval.ts": `import { experiment } from "vitest-experiments";
experiment("qa", { dataset: { name: "d", examples: [{ id: "a", input: 1 }] }, task: ({ input }) => input });
`,
    });
    await writeFile(join(project.dir, "reports"), "a regular file");
    const run = await project.vitest(["run", "--project", "evals"], { env: { VITEST_EXPERIMENTS_JUNIT: "reports/junit.xml" } });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/junit.*reports\/junit\.xml/i);
    const [log] = await readStoreLogs(join(project.dir, ".vitest-experiments"));
    expect(log!.lines.at(-1)!.type).toBe("end");
  });
});

describe("a Phoenix that fails", () => {
  let fake: FakePhoenix | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const EVAL = `import { experiment } from "vitest-experiments";
experiment("qa", {
  dataset: { name: "numbers", examples: Array.from({ length: 40 }, (_, i) => ({ id: "n" + i, input: i, output: i })) },
  task: ({ input }) => input,
  evaluators: { same: ({ output, expected }) => output === expected, half: ({ output }) => ({ score: output % 2, label: output % 2 ? "odd" : "even" }) },
  concurrency: 8,
});
`;

  test("503s, 429s, resets and latency mid-run: every run and evaluation reaches Phoenix exactly once", async () => {
    fake = await startFakePhoenix({ faults: { seed: 7, unavailableRate: 0.15, resetRate: 0.1, rateLimitRate: 0.1, retryAfterSeconds: 0, latencyMs: 5 } });
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL });
    const run = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: fake.url } });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/Phoenix: experiment "qa" uploaded \(40 runs\)/);
    // The faults did happen.
    expect(fake.state.requests.filter((r) => r.fault).length).toBeGreaterThan(10);
    const [experiment] = fake.state.experiments;
    expect(fake.state.experiments).toHaveLength(1);
    const runs = fake.state.runsOf(fake.state.experimentJson(experiment!).id);
    expect(runs).toHaveLength(40);
    expect(new Set(runs.map((r) => `${r.exampleRowId}/${r.repetition}`)).size).toBe(40);
    expect(fake.state.evaluationsOf(fake.state.experimentJson(experiment!).id)).toHaveLength(80);
    expect(fake.state.violations).toEqual([]);
    // And the local store holds every run once, before the end record.
    const [log] = await readStoreLogs(join(project.dir, ".vitest-experiments"));
    const stored = log!.lines.filter((l) => l.type === "run").map((l) => l.run.runId);
    expect(new Set(stored).size).toBe(40);
    expect(stored).toHaveLength(40);
    expect(log!.lines.findIndex((l) => l.type === "end")).toBeGreaterThan(40);
  });

  test("Phoenix down for a whole run: the runs are kept locally and the next run uploads them, without duplicates", async () => {
    fake = await startFakePhoenix();
    await fake.down();
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL });
    const first = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: fake.url } });
    expect(first.exitCode, first.output).toBe(0);
    expect(first.output).toContain('Phoenix upload of experiment "qa" failed');
    expect(first.output).toContain("They are kept in the local store");
    const [log] = await readStoreLogs(join(project.dir, ".vitest-experiments"));
    expect(log!.lines.filter((l) => l.type === "run")).toHaveLength(40);

    await fake.up();
    const second = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: fake.url } });
    expect(second.exitCode, second.output).toBe(0);
    expect(second.output).toMatch(/uploaded the rest of experiment "qa" from an earlier run \(40 runs, 80 evaluations\)/);
    // The second run's own experiment, and the first one's, each exactly once.
    expect(fake.state.experiments).toHaveLength(2);
    for (const experiment of fake.state.experiments) {
      const id = fake.state.experimentJson(experiment).id;
      expect(fake.state.runsOf(id)).toHaveLength(40);
      expect(fake.state.evaluationsOf(id)).toHaveLength(80);
    }
    // A third run finds nothing left to upload from the first two.
    const third = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: fake.url } });
    expect(third.output).not.toContain("from an earlier run");
    expect(fake.state.experiments).toHaveLength(3);
    expect(fake.state.runs).toHaveLength(120);
    expect(await exists(join(project.dir, ".vitest-experiments"))).toBe(true);
  });
});
