import { createBenchProject } from "../lib/vitest-project.js";
import { ms, ratio } from "../lib/format.js";
import type { Mode, WorkloadReport } from "../lib/report.js";
import { median, repeat } from "../lib/stats.js";
import type { WorkloadContext } from "./context.js";

export const W1 = { examples: 2_000, taskMs: 20, concurrency: 50 } as const;

/** The eval file of W1 (and, through the same parameters, W3): an async task that waits, two code evaluators. */
export function orchestrationEvalFile(): string {
  return `import { experiment } from "vitest-experiments";
const examples = Array.from({ length: ${W1.examples} }, (_, i) => ({ id: "ex" + i, input: { n: i }, expected: { n: i } }));
experiment("w1-orchestration", {
  dataset: { name: "w1", examples },
  task: async ({ input }) => { await new Promise((resolve) => setTimeout(resolve, ${W1.taskMs})); return { n: input.n }; },
  evaluators: {
    same_n: ({ output, expected }) => output.n === expected.n,
    non_negative: ({ output }) => output.n >= 0,
  },
  concurrency: ${W1.concurrency},
});
`;
}

export const TRIVIAL_TEST_FILE = `import { test } from "vitest";
test("trivial", () => {});
`;

/**
 * W1: 2,000 examples × 1 repetition through the real \`vitest run --project evals\`. The tests
 * phase is Vitest's own figure (its Duration line); the ideal is ceil(N / c) × task time.
 */
export async function runW1(mode: Mode, context: WorkloadContext): Promise<WorkloadReport> {
  const repetitions = mode === "quick" ? 1 : 3;
  const evals = createBenchProject("w1-evals", "experiments", { "evals/orchestration.eval.mjs": orchestrationEvalFile() });
  const trivial = createBenchProject("w1-trivial", "plain", { "trivial.test.mjs": TRIVIAL_TEST_FILE });
  const idealMs = Math.ceil(W1.examples / W1.concurrency) * W1.taskMs;

  // Interleaved, so a noisy moment on the machine hits both sides of the ratio.
  const samples = await repeat(repetitions, async () => {
    const start = await trivial.run();
    const run = await evals.run(context.profileDir ? { profileDir: context.profileDir("w1") } : {});
    return { startWall: start.wallMs, wall: run.wallMs, tests: run.phases.testsMs, import: run.phases.importMs };
  });
  const startup = median(samples.map((s) => s.startWall));
  const wall = median(samples.map((s) => s.wall));
  const tests = median(samples.map((s) => s.tests));
  const testsRatio = median(samples.map((s) => s.tests / idealMs));

  return {
    id: "W1",
    title: "orchestration through `vitest run --project evals`",
    parameters: `${W1.examples} examples × 1 repetition, async task waiting ${W1.taskMs} ms, 2 code evaluators, concurrency ${W1.concurrency}; ideal = ceil(N / c) × ${W1.taskMs} ms = ${idealMs} ms`,
    repetitions,
    tables: [
      {
        header: ["figure", "median", "per repetition"],
        rows: [
          ["wall time (spawn to exit)", ms(wall), samples.map((s) => ms(s.wall)).join(", ")],
          ["Vitest tests phase", ms(tests), samples.map((s) => ms(s.tests)).join(", ")],
          ["ideal", ms(idealMs), ""],
          ["tests phase ÷ ideal", ratio(testsRatio), samples.map((s) => ratio(s.tests / idealMs)).join(", ")],
          ["Vitest start-up (one trivial test, wall)", ms(startup), samples.map((s) => ms(s.startWall)).join(", ")],
          ["wall − start-up − tests phase (collection, dataset, reporter, sinks)", ms(wall - startup - tests), ""],
        ],
      },
    ],
    targets: [{ what: "tests phase ÷ ideal", observed: ratio(testsRatio), bar: "≤ 1.10×", met: testsRatio <= 1.1 }],
    notes: [
      "The tests phase is the `tests` figure of Vitest's own `Duration` line; wall time includes Vitest's start-up, collection (the eval file builds the dataset and registers 2,001 tests), the reporter and the sinks (terminal summary and local store; no JUnit, no Phoenix).",
    ],
    figures: { idealMs, wallMs: wall, testsMs: tests, testsRatio, startupMs: startup },
  };
}
