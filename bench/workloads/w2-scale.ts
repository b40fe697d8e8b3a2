import { createBenchProject, type BenchProject, type VitestRun } from "../lib/vitest-project.js";
import { count, mib, ms, ratio, us } from "../lib/format.js";
import type { Mode, WorkloadReport } from "../lib/report.js";
import { median, repeat } from "../lib/stats.js";
import type { WorkloadContext } from "./context.js";
import { TRIVIAL_TEST_FILE } from "./w1-orchestration.js";

const REPETITIONS_PER_EXAMPLE = 4;
/** The output-size variant runs at this many runs in both modes (100,000 × 10 KB would be 1 GB of outputs). */
const OUTPUT_VARIANT_RUNS = 10_000;

function scaleEvalFile(examples: number, outputBytes: number): string {
  return `import { experiment } from "vitest-experiments";
const examples = Array.from({ length: ${examples} }, (_, i) => ({ id: "ex" + i, input: { n: i }, expected: { n: i } }));
const padding = ${outputBytes > 0 ? `"x".repeat(${outputBytes})` : `""`};
experiment("w2-scale", {
  dataset: { name: "w2", examples },
  task: ({ input }) => ({ n: input.n, text: padding }),
  evaluators: {
    same_n: ({ output, expected }) => output.n === expected.n,
    non_negative: ({ output }) => output.n >= 0,
    text_length: ({ output }) => ({ score: output.text.length === ${outputBytes} ? 1 : 0, label: "len" }),
  },
  repetitions: ${REPETITIONS_PER_EXAMPLE},
  concurrency: 10,
});
`;
}

function plainTestFile(tests: number): string {
  return `import { test } from "vitest";
for (let i = 0; i < ${tests}; i++) test("t" + i, () => {});
`;
}

interface Sample {
  wallMs: number;
  testsMs: number;
  mainKiB: number;
  workerKiB: number;
}

function sampleOf(run: VitestRun): Sample {
  return {
    wallMs: run.wallMs,
    testsMs: run.phases.testsMs,
    mainKiB: run.main?.peakKiB ?? Number.NaN,
    workerKiB: Math.max(0, ...run.workers.map((w) => w.peakKiB)),
  };
}

function medianSample(samples: readonly Sample[]): Sample {
  return {
    wallMs: median(samples.map((s) => s.wallMs)),
    testsMs: median(samples.map((s) => s.testsMs)),
    mainKiB: median(samples.map((s) => s.mainKiB)),
    workerKiB: median(samples.map((s) => s.workerKiB)),
  };
}

/**
 * W2: a trivial synchronous task with 3 code evaluators at scale, next to raw Vitest running the
 * same number of plain tests, and a variant with 10 KB outputs to see whether the main process's
 * memory grows with output size. Per-run cost subtracts a one-test project's start-up and memory.
 */
export async function runW2(mode: Mode, context: WorkloadContext): Promise<WorkloadReport> {
  const runs = mode === "quick" ? 8_000 : 100_000;
  const repetitions = 1;
  const examples = runs / REPETITIONS_PER_EXAMPLE;
  const trivial = createBenchProject("w2-trivial", "plain", { "trivial.test.mjs": TRIVIAL_TEST_FILE });
  const raw = createBenchProject("w2-raw", "plain", { "plain.test.mjs": plainTestFile(runs) });
  const ours = createBenchProject("w2-evals", "experiments", { "evals/scale.eval.mjs": scaleEvalFile(examples, 0) });
  const variantRuns = Math.min(runs, OUTPUT_VARIANT_RUNS);
  const variantExamples = variantRuns / REPETITIONS_PER_EXAMPLE;
  const smallVariant = runs === variantRuns ? ours : createBenchProject("w2-evals-small", "experiments", { "evals/scale.eval.mjs": scaleEvalFile(variantExamples, 0) });
  const bigVariant = createBenchProject("w2-evals-10kb", "experiments", { "evals/scale.eval.mjs": scaleEvalFile(variantExamples, 10 * 1024) });

  const measure = async (project: BenchProject, label: string) => {
    context.log(`  W2 ${label}`);
    return sampleOf(await project.run(context.profileDir ? { profileDir: context.profileDir(`w2-${label}`) } : {}));
  };
  const rounds = await repeat(repetitions, async () => {
    const start = await measure(trivial, "trivial");
    const rawSample = await measure(raw, "raw");
    const oursSample = await measure(ours, "experiments");
    const small = smallVariant === ours ? oursSample : await measure(smallVariant, "small-outputs");
    const big = await measure(bigVariant, "10kb-outputs");
    return { start, raw: rawSample, ours: oursSample, small, big };
  });
  const start = medianSample(rounds.map((r) => r.start));
  const rawM = medianSample(rounds.map((r) => r.raw));
  const oursM = medianSample(rounds.map((r) => r.ours));
  const small = medianSample(rounds.map((r) => r.small));
  const big = medianSample(rounds.map((r) => r.big));

  const perRun = (s: Sample) => ({
    timeMs: (s.wallMs - start.wallMs) / runs,
    mainKiB: (s.mainKiB - start.mainKiB) / runs,
    workerKiB: (s.workerKiB - start.workerKiB) / runs,
  });
  const oursPer = perRun(oursM);
  const rawPer = perRun(rawM);
  const timeRatio = oursPer.timeMs / rawPer.timeMs;
  const mainRatio = oursPer.mainKiB / rawPer.mainKiB;
  const workerRatio = oursPer.workerKiB / rawPer.workerKiB;
  const memoryRatio = (oursPer.mainKiB + oursPer.workerKiB) / (rawPer.mainKiB + rawPer.workerKiB);
  const outputGrowth = big.mainKiB / small.mainKiB;
  const outputBytesTotal = variantRuns * 10 * 1024;

  const row = (label: string, s: Sample, n: number) => [label, count(n), ms(s.wallMs), ms(s.testsMs), mib(s.mainKiB), mib(s.workerKiB)];
  return {
    id: "W2",
    title: "scale",
    parameters: `${count(runs)} runs (${count(examples)} examples × ${REPETITIONS_PER_EXAMPLE} repetitions) of a trivial synchronous task with 3 code evaluators, concurrency 10; raw Vitest runs ${count(runs)} empty \`test()\`s; the output variant runs ${count(variantRuns)} runs with 10 KB outputs against the same count with small outputs${mode === "quick" ? " (quick mode: 8,000 runs instead of 100,000)" : ""}`,
    repetitions,
    tables: [
      {
        header: ["project", "runs/tests", "wall", "tests phase", "main peak RSS", "worker peak RSS"],
        rows: [
          row("one trivial test (start-up)", start, 1),
          row("raw Vitest, plain tests", rawM, runs),
          row("experiments", oursM, runs),
          ...(smallVariant === ours ? [] : [row("experiments, small outputs", small, variantRuns)]),
          row("experiments, 10 KB outputs", big, variantRuns),
        ],
      },
      {
        header: ["per run (start-up subtracted)", "experiments", "raw Vitest", "ratio"],
        rows: [
          ["time", us(oursPer.timeMs), us(rawPer.timeMs), ratio(timeRatio)],
          ["main process memory", `${oursPer.mainKiB.toFixed(1)} KiB`, `${rawPer.mainKiB.toFixed(1)} KiB`, ratio(mainRatio)],
          ["worker memory", `${oursPer.workerKiB.toFixed(1)} KiB`, `${rawPer.workerKiB.toFixed(1)} KiB`, ratio(workerRatio)],
          ["main + worker memory", `${(oursPer.mainKiB + oursPer.workerKiB).toFixed(1)} KiB`, `${(rawPer.mainKiB + rawPer.workerKiB).toFixed(1)} KiB`, ratio(memoryRatio)],
        ],
      },
      {
        header: ["output size", "runs", "main peak RSS", "ratio to small outputs", "outputs in total"],
        rows: [
          ["small (~30 B)", count(variantRuns), mib(small.mainKiB), ratio(1), "< 1 MiB"],
          ["10 KB", count(variantRuns), mib(big.mainKiB), ratio(outputGrowth), mib(outputBytesTotal / 1024)],
        ],
      },
    ],
    targets: [
      { what: "time per run ÷ raw Vitest per test", observed: ratio(timeRatio), bar: "≤ 2×", met: timeRatio <= 2 },
      { what: "memory per run (main + worker) ÷ raw Vitest per test", observed: ratio(memoryRatio), bar: "≤ 2×", met: memoryRatio <= 2 },
      {
        what: "main process peak with 10 KB outputs ÷ with small outputs",
        observed: ratio(outputGrowth),
        bar: "no growth (≤ 1.10×, allowing for noise)",
        met: outputGrowth <= 1.1,
      },
    ],
    notes: [
      "Memory is each process's peak resident set size (VmHWM from /proc): the main process is the spawned `vitest`, the worker is the largest of its child processes. Per-run figures subtract the one-trivial-test project's wall time and peaks, so they are what each additional run or test costs.",
      "Both projects use Vitest's default reporter; the experiments project also writes the local store (as users get it by default); JUnit and Phoenix are off.",
    ],
    figures: {
      runs,
      startupWallMs: start.wallMs,
      rawWallMs: rawM.wallMs,
      oursWallMs: oursM.wallMs,
      rawTestsMs: rawM.testsMs,
      oursTestsMs: oursM.testsMs,
      rawMainKiB: rawM.mainKiB,
      rawWorkerKiB: rawM.workerKiB,
      oursMainKiB: oursM.mainKiB,
      oursWorkerKiB: oursM.workerKiB,
      timeRatio,
      memoryRatio,
      smallOutputsMainKiB: small.mainKiB,
      bigOutputsMainKiB: big.mainKiB,
      outputGrowth,
    },
  };
}
