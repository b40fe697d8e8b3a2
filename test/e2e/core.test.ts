import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createFixtureProject, readJsonReport, testStates } from "../support/fixture-project.js";

const QA = `import { experiment } from "vitest-experiments";

const examples = [
  { id: "capital-fr", input: { question: "capital of France?" }, output: "Paris" },
  { id: "capital-it", input: { question: "capital of Italy?" }, output: "Rome" },
  { id: "capital-de", input: { question: "capital of Germany?" }, output: "Berlin" },
  { id: "capital-es", input: { question: "capital of Spain?" }, output: "Madrid" },
];
const answers: Record<string, string> = { "capital of France?": "Paris", "capital of Italy?": "Rome", "capital of Germany?": "Berlin", "capital of Spain?": "Barcelona" };
`;

const json = ["--reporter=json", "--outputFile=report.json"];

describe("experiment() under the real vitest binary", () => {
  test("one test case per example × repetition plus a gates test; passing gates exit 0", async () => {
    const project = await createFixtureProject({
      "evals/qa.eval.ts":
        QA +
        `experiment("qa", {
  dataset: { name: "capitals", examples },
  task: async ({ input }) => answers[input.question],
  evaluators: [function exact_match({ output, expected }) { return output === expected; }],
  thresholds: { exact_match: 0.7 },
  repetitions: 2,
});
`,
    });
    const run = await project.vitest(["run", "--project", "evals", ...json]);
    expect(run.exitCode, run.output).toBe(0);
    const states = testStates(await readJsonReport(project));
    expect(Object.keys(states).sort()).toEqual(
      [
        "qa [gates]",
        ...["capital-de", "capital-es", "capital-fr", "capital-it"].flatMap((id) => [`qa ${id} [rep 1/2]`, `qa ${id} [rep 2/2]`]),
      ].sort(),
    );
    expect(Object.values(states).every((s) => s === "passed")).toBe(true);
    // The reporter was registered by experimentsProject() even though --reporter replaced the defaults.
    expect(run.output).toContain("EXPERIMENT");
    expect(run.output).toContain("exact_match mean = 0.75 (needs ≥ 0.7, n=8)");
  });

  test("a missed mean fails only the gates test, with every gate listed", async () => {
    const project = await createFixtureProject({
      "evals/qa.eval.ts":
        QA +
        `experiment("qa", {
  dataset: { name: "capitals", examples },
  task: ({ input }) => answers[input.question],
  evaluators: { exact_match: ({ output, expected }) => output === expected, has_content: ({ output }) => Boolean(output) },
  thresholds: { exact_match: 0.9, has_content: 1 },
});
`,
    });
    const run = await project.vitest(["run", "--project", "evals", ...json]);
    expect(run.exitCode).toBe(1);
    const report = await readJsonReport(project);
    const states = testStates(report);
    expect(states["qa [gates]"]).toBe("failed");
    expect(states["qa capital-es"]).toBe("passed");
    const gates = report.testResults[0]!.assertionResults.find((a) => a.title === "[gates]")!;
    expect(gates.failureMessages.join("\n")).toContain("✗ exact_match mean = 0.75 (needs ≥ 0.9, n=4)");
    expect(gates.failureMessages.join("\n")).toContain("✓ has_content mean = 1 (needs ≥ 1, n=4)");
  });

  test("perRun fails the run's own test case with the evaluator's explanation; passRate tolerates misses", async () => {
    const evaluator = `function exact_match({ output, expected }) {
  return { score: output === expected ? 1 : 0, explanation: \`expected \${expected}, got \${output}\` };
}`;
    const project = await createFixtureProject({
      "evals/strict.eval.ts": QA + evaluator + `\nexperiment("strict", { dataset: { name: "capitals", examples }, task: ({ input }) => answers[input.question], evaluators: [exact_match], thresholds: { exact_match: { perRun: 1 } } });\n`,
      "evals/tolerant.eval.ts":
        QA + evaluator + `\nexperiment("tolerant", { dataset: { name: "capitals", examples }, task: ({ input }) => answers[input.question], evaluators: [exact_match], thresholds: { exact_match: { perRun: 1, passRate: 0.75 } } });\n`,
    });
    const run = await project.vitest(["run", "--project", "evals", ...json]);
    const report = await readJsonReport(project);
    const states = testStates(report);
    expect(states["strict capital-es"]).toBe("failed");
    expect(states["strict capital-fr"]).toBe("passed");
    const failure = report.testResults.flatMap((f) => f.assertionResults).find((a) => a.fullName === "strict capital-es")!;
    expect(failure.failureMessages.join("\n")).toContain("expected Madrid, got Barcelona");
    expect(states["tolerant capital-es"]).toBe("passed");
    expect(states["tolerant [gates]"]).toBe("passed");
    expect(run.exitCode).toBe(1);
  });

  test("a task that keeps failing is retried, fails its run, and counts as 0 in the aggregates", async () => {
    const project = await createFixtureProject({
      "evals/flaky.eval.ts": `import { experiment } from "vitest-experiments";
let calls = 0;
experiment("flaky", {
  dataset: { name: "d", examples: [{ id: "ok", input: 1 }, { id: "broken", input: 2 }] },
  task: ({ input }) => { calls++; if (input === 2) throw new Error("model unavailable"); return "fine"; },
  evaluators: { has_content: ({ output }) => Boolean(output) },
  thresholds: { has_content: 0.5 },
  retries: 2,
  retryDelay: 0,
});
`,
    });
    const run = await project.vitest(["run", "--project", "evals", ...json]);
    expect(run.exitCode).toBe(1);
    const report = await readJsonReport(project);
    const broken = report.testResults.flatMap((f) => f.assertionResults).find((a) => a.fullName === "flaky broken")!;
    expect(broken.status).toBe("failed");
    expect(broken.failureMessages.join("\n")).toContain("task failed after 3 attempts: model unavailable");
    expect(testStates(report)["flaky [gates]"]).toBe("passed");
    expect(run.output).toMatch(/has_content\s+0\.500/);
  });

  test("declaration errors name the experiment, the file and the field", async () => {
    const project = await createFixtureProject({
      "evals/bad.eval.ts": `import { experiment } from "vitest-experiments";
experiment("bad", {
  dataset: { name: "d", examples: [{ input: 1 }] },
  task: () => 1,
  evaluator: [() => 1],
} as any);
`,
    });
    const run = await project.vitest(["run", "--project", "evals"]);
    expect(run.exitCode).toBe(1);
    expect(run.output).toContain('experiment "bad" (evals/bad.eval.ts): unknown option "evaluator" (did you mean "evaluators"?)');
  });

  test("a filtered run (-t) reports the gates as partial instead of passing them", async () => {
    const project = await createFixtureProject({
      "evals/qa.eval.ts": QA + `experiment("qa", { dataset: { name: "capitals", examples }, task: ({ input }) => answers[input.question], evaluators: [function exact_match({ output, expected }) { return output === expected; }], thresholds: { exact_match: 0.5 } });\n`,
    });
    const run = await project.vitest(["run", "--project", "evals", "-t", "capital-fr|gates", ...json]);
    expect(run.exitCode, run.output).toBe(0);
    const states = testStates(await readJsonReport(project));
    expect(states["qa capital-fr"]).toBe("passed");
    expect(states["qa capital-it"]).toBe("skipped");
    expect(states["qa [gates]"]).toBe("skipped");
    expect(run.output).toContain("~ partial");
  });

  test("a dry run samples reproducibly, prints its seed and persists nothing", async () => {
    const eval_ = QA + `experiment("qa", { dataset: { name: "capitals", examples }, task: ({ input }) => answers[input.question], evaluators: [function exact_match({ output, expected }) { return output === expected; }], dryRun: 2 });\n`;
    const project = await createFixtureProject({ "evals/qa.eval.ts": eval_ });
    const first = await project.vitest(["run", "--project", "evals", ...json], { env: { VITEST_EXPERIMENTS_SEED: "7" } });
    expect(first.exitCode, first.output).toBe(0);
    const sampled = Object.keys(testStates(await readJsonReport(project))).filter((n) => n !== "qa [gates]");
    expect(sampled).toHaveLength(2);
    expect(first.output).toContain("seed 7");
    const second = await project.vitest(["run", "--project", "evals", ...json], { env: { VITEST_EXPERIMENTS_SEED: "7" } });
    expect(second.exitCode).toBe(0);
    expect(Object.keys(testStates(await readJsonReport(project))).filter((n) => n !== "qa [gates]")).toEqual(sampled);
    const stored = await readdir(join(project.dir, ".vitest-experiments/experiments")).catch(() => []);
    expect(stored).toEqual([]);
  });

  test("every completed run reaches the local store, and the experiment is closed", async () => {
    const project = await createFixtureProject({
      "evals/qa.eval.ts": QA + `experiment("qa", { dataset: { name: "capitals", examples }, task: ({ input }) => answers[input.question], evaluators: [function exact_match({ output, expected }) { return output === expected; }] });\n`,
    });
    const run = await project.vitest(["run", "--project", "evals"]);
    expect(run.exitCode, run.output).toBe(0);
    const dir = join(project.dir, ".vitest-experiments/experiments");
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const lines = (await readFile(join(dir, files[0]!), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    const text = JSON.stringify(lines);
    for (const id of ["capital-fr", "capital-it", "capital-de", "capital-es"]) expect(text).toContain(`"exampleId":"${id}"`);
    expect(text).toContain('"status":"passed"');
  });

  test("Vitest starts at most twice the experiment's concurrency of run tests at once; the engine runs only the concurrency", async () => {
    // Twice: a run waiting out a provider's Retry-After lends its engine slot to a run that must
    // already be started to take it (src/engine/run-slots.ts).
    const project = await createFixtureProject({
      "evals/paced.eval.ts": `import { beforeEach, afterEach } from "vitest";
import { experiment } from "vitest-experiments";
let started = 0;
let finished = 0;
let most = 0;
let working = 0;
let mostWorking = 0;
beforeEach(() => { started++; most = Math.max(most, started - finished); });
afterEach(() => { finished++; });
experiment("paced", {
  dataset: { name: "d", examples: Array.from({ length: 16 }, (_, i) => ({ id: "e" + i, input: i })) },
  task: async ({ input }) => {
    mostWorking = Math.max(mostWorking, ++working);
    await new Promise((r) => setTimeout(r, 20));
    working--;
    return input;
  },
  evaluators: {
    in_flight: () => ({ score: most, explanation: "most run tests started and not finished: " + most }),
    working: () => ({ score: mostWorking, explanation: "most tasks working at once: " + mostWorking }),
  },
  thresholds: { in_flight: { perRun: 4, direction: "minimize" }, working: { perRun: 2, direction: "minimize" } },
  concurrency: 2,
});
`,
    });
    const run = await project.vitest(["run", "--project", "evals"]);
    expect(run.exitCode, run.output).toBe(0);
  });
});
