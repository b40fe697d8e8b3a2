import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { runMeasured, type MeasuredRun } from "../lib/measured-run.js";
import { createBenchProject, REPO_ROOT, type BenchProject } from "../lib/vitest-project.js";
import { count, mib, ms, ratio } from "../lib/format.js";
import type { Mode, WorkloadReport } from "../lib/report.js";
import { median, repeat } from "../lib/stats.js";
import type { WorkloadContext } from "./context.js";

const VITEST_BIN = join(REPO_ROOT, "node_modules/vitest/vitest.mjs");
const SHARDS = 4;

/** One experiment whose runs the shards split (`VITEST_EXPERIMENTS_SHARD`); outputs of about 200 bytes, 2 evaluators. */
function shardedEvalFile(examples: number): string {
  return `import { experiment } from "vitest-experiments";
const examples = Array.from({ length: ${examples} }, (_, i) => ({ id: "ex" + i, input: { n: i }, expected: { n: i } }));
const text = "y".repeat(180);
experiment("s1-merge", {
  dataset: { name: "s1", examples },
  task: ({ input }) => ({ n: input.n, text }),
  evaluators: { same_n: ({ output, expected }) => output.n === expected.n, non_negative: ({ output }) => output.n >= 0 },
  thresholds: { same_n: 0.9 },
  concurrency: 50,
});
`;
}

/** The peer: as many plain tests, split the same way (every fourth test per shard), in one file. */
function plainShardedFile(tests: number): string {
  return `import { test } from "vitest";
const [index, count] = (process.env.BENCH_SHARD ?? "1/1").split("/").map(Number);
for (let i = 0; i < ${tests}; i++) if (i % count === index - 1) test("t" + i, () => {});
`;
}

interface MergeSample {
  wallMs: number;
  peakKiB: number;
}

function sampleOf(run: MeasuredRun, what: string): MergeSample {
  if (run.exitCode !== 0) throw new Error(`${what} exited ${run.exitCode}:\n${(run.stdout + run.stderr).slice(-3000)}`);
  return { wallMs: run.wallMs, peakKiB: run.main?.peakKiB ?? Number.NaN };
}

function blobsOf(project: BenchProject): { files: number; totalKiB: number } {
  const dir = join(project.dir, ".vitest-reports");
  const files = readdirSync(dir);
  return { files: files.length, totalKiB: files.reduce((sum, f) => sum + statSync(join(dir, f)).size / 1024, 0) };
}

/**
 * S1: `vitest run --merge-reports` of 4 shards' blob reports of one experiment (4 × 25,000 runs in
 * full mode), which replays every run into one summary, JUnit file, store record and verdict,
 * against Vitest's own merge of as many plain tests split the same way: the merge machine's time
 * and peak memory, which bound how large one sharded experiment can be.
 */
export async function runS1(mode: Mode, context: WorkloadContext): Promise<WorkloadReport> {
  const runs = mode === "quick" ? 4_000 : 100_000;
  const repetitions = mode === "quick" ? 1 : 3;
  const ours = createBenchProject("s1-evals", "experiments", { "evals/merge.eval.mjs": shardedEvalFile(runs) });
  const plain = createBenchProject("s1-plain", "plain", { "plain.test.mjs": plainShardedFile(runs) });

  for (let index = 1; index <= SHARDS; index++) {
    context.log(`  S1 shard ${index}/${SHARDS} (experiments)`);
    await ours.run({ env: { VITEST_EXPERIMENTS_SHARD: `${index}/${SHARDS}` }, extraArgs: ["--reporter=blob", "--reporter=dot"] });
    context.log(`  S1 shard ${index}/${SHARDS} (plain)`);
    await plain.run({ env: { BENCH_SHARD: `${index}/${SHARDS}` }, extraArgs: ["--reporter=blob", "--reporter=dot", `--outputFile.blob=.vitest-reports/blob-${index}-${SHARDS}.json`] });
  }
  const oursBlobs = blobsOf(ours);
  const plainBlobs = blobsOf(plain);

  const merge = async (project: BenchProject, label: string, round: number): Promise<MergeSample> => {
    context.log(`  S1 merge (${label})`);
    const store = `.store-merge-${round}`;
    const run = await runMeasured([VITEST_BIN, "run", "--project", "evals", "--merge-reports=.vitest-reports", "--reporter=dot"], {
      cwd: project.dir,
      env: { VITEST_EXPERIMENTS_DIR: store, VITEST_EXPERIMENTS_JUNIT: `merged-${round}.xml` },
    });
    rmSync(join(project.dir, store), { recursive: true, force: true });
    rmSync(join(project.dir, `merged-${round}.xml`), { force: true });
    return sampleOf(run, `the ${label} merge`);
  };
  const rounds = await repeat(repetitions, async (round) => ({ plain: await merge(plain, "plain Vitest", round), ours: await merge(ours, "experiments", round) }));
  const oursWall = median(rounds.map((r) => r.ours.wallMs));
  const plainWall = median(rounds.map((r) => r.plain.wallMs));
  const oursPeak = median(rounds.map((r) => r.ours.peakKiB));
  const plainPeak = median(rounds.map((r) => r.plain.peakKiB));
  const perRunUs = ((oursWall - plainWall) / runs) * 1000;
  const perRunKiB = (oursPeak - plainPeak) / runs;

  return {
    id: "S1",
    title: "merge of sharded reports",
    parameters: `${SHARDS} shards × ${count(runs / SHARDS)} runs of one experiment (${count(runs)} examples, ~200-byte outputs, 2 code evaluators, one gate), merged by \`vitest run --merge-reports\` into the summary, JUnit, store record and verdict; the peer is Vitest's own merge of ${SHARDS} blob reports of ${count(runs)} plain tests split the same way${mode === "quick" ? " (quick mode: 4,000 runs instead of 100,000)" : ""}`,
    repetitions,
    tables: [
      {
        header: ["merge of", "runs/tests", "blob reports", "wall", "peak RSS (merge process)"],
        rows: [
          ["plain Vitest tests", count(runs), `${plainBlobs.files} files, ${mib(plainBlobs.totalKiB)}`, ms(plainWall), mib(plainPeak)],
          ["one sharded experiment", count(runs), `${oursBlobs.files} files, ${mib(oursBlobs.totalKiB)}`, ms(oursWall), mib(oursPeak)],
        ],
      },
      {
        header: ["experiments ÷ plain Vitest", "ratio", "per run above plain Vitest"],
        rows: [
          ["wall", ratio(oursWall / plainWall), `${perRunUs.toFixed(0)} µs`],
          ["peak RSS", ratio(oursPeak / plainPeak), `${perRunKiB.toFixed(1)} KiB`],
        ],
      },
    ],
    targets: [],
    notes: [
      "The merge replays every blob report in one process: Vitest parses each blob whole (its size is the shards' task trees with every run record on `task.meta`), and the experiments reporter holds the merged experiment's runs until every report is replayed, then writes the store record, JUnit and summary. Memory therefore grows with the total number of runs, not with the shard count; docs/scale-out.md extrapolates to 100,000 × 50 machines.",
      "The shards themselves are not timed here (W2 measures runs through `vitest run`); each shard loads the whole dataset and registers its quarter of the runs.",
    ],
    figures: {
      runs,
      oursWallMs: oursWall,
      plainWallMs: plainWall,
      oursPeakKiB: oursPeak,
      plainPeakKiB: plainPeak,
      oursBlobKiB: oursBlobs.totalKiB,
      plainBlobKiB: plainBlobs.totalKiB,
    },
  };
}
