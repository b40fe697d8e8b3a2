import { join } from "node:path";
import { runMeasured, type MeasuredRun } from "../lib/measured-run.js";
import { createBenchProject, REPO_ROOT, type BenchProject } from "../lib/vitest-project.js";
import { count, ms } from "../lib/format.js";
import type { Mode, WorkloadReport } from "../lib/report.js";
import { postgresMissing, realPhoenixMissing, startRealPhoenix } from "../../test/support/real-phoenix.js";
import type { WorkloadContext } from "./context.js";

const VITEST_BIN = join(REPO_ROOT, "node_modules/vitest/vitest.mjs");
const SHARDS = 4;
const EVALUATORS = 2;

function evalFile(examples: number): string {
  return `import { experiment } from "vitest-experiments";
const examples = Array.from({ length: ${examples} }, (_, i) => ({ id: "ex" + i, input: { n: i }, expected: { n: i } }));
experiment("s2-upload", {
  dataset: { name: "s2-" + process.env.BENCH_ROUND, examples },
  task: ({ input }) => ({ n: input.n }),
  evaluators: { same_n: ({ output, expected }) => output.n === expected.n, non_negative: ({ output }) => output.n >= 0 },
  concurrency: 20,
});
`;
}

/** The shards of one CI run, started together as a CI matrix would, each its own `vitest` process. */
async function runShards(project: BenchProject, env: Record<string, string>): Promise<{ wallMs: number; runs: MeasuredRun[] }> {
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: SHARDS }, (_, i) =>
      runMeasured([VITEST_BIN, "run", "--project", "evals", "--reporter=dot"], {
        cwd: project.dir,
        env: { ...env, VITEST_EXPERIMENTS_SHARD: `${i + 1}/${SHARDS}`, VITEST_EXPERIMENTS_DIR: `.store-${env.BENCH_ROUND}-${i + 1}` },
      }),
    ),
  );
  const wallMs = performance.now() - started;
  for (const run of runs) if (run.exitCode !== 0) throw new Error(`a shard exited ${run.exitCode}:\n${(run.stdout + run.stderr).slice(-3000)}`);
  return { wallMs, runs };
}

/**
 * S2: four shards of one experiment, started together, streaming into one experiment on the real
 * Phoenix server (SQLite, from the test prerequisites), against the same shards with uploads off:
 * the difference is what the upload costs, and the records it carried over that time are the write
 * rate the shards got out of Phoenix.
 */
export async function runS2(mode: Mode, context: WorkloadContext): Promise<WorkloadReport> {
  const runs = mode === "quick" ? 1_000 : 6_000;
  const records = runs * (1 + EVALUATORS);
  const base = {
    id: "S2",
    title: "shards uploading into one Phoenix experiment",
    parameters: `${SHARDS} \`vitest\` processes started together (VITEST_EXPERIMENTS_SHARD=i/${SHARDS}), one experiment of ${count(runs)} runs with ${EVALUATORS} code evaluators (${count(records)} records: one POST per run and per evaluation), uploading into the real Phoenix server (arize-phoenix from the test prerequisites, on SQLite and on PostgreSQL) on this machine; the peer is the same shards with uploads off${mode === "quick" ? " (quick mode: 1,000 runs instead of 6,000)" : ""}`,
    repetitions: 1,
  };
  if (realPhoenixMissing) {
    return { ...base, tables: [], targets: [], notes: [`Not run: ${realPhoenixMissing}.`], figures: {} };
  }
  const project = createBenchProject("s2-upload", "experiments", { "evals/upload.eval.mjs": evalFile(runs) });
  context.log("  S2 shards, uploads off");
  const off = await runShards(project, { BENCH_ROUND: "off", VITEST_EXPERIMENTS_UPLOAD: "false" });
  const databases = (["sqlite", "postgres"] as const).filter((database) => database === "sqlite" || !postgresMissing);
  const measured: { database: string; wallMs: number; uploadMs: number; rate: number; perShard: string }[] = [];
  for (const database of databases) {
    const server = await startRealPhoenix({ database });
    let on: { wallMs: number; runs: MeasuredRun[] };
    try {
      context.log(`  S2 shards, uploading into the real Phoenix (${database})`);
      on = await runShards(project, { BENCH_ROUND: database, PHOENIX_HOST: server.url, VITEST_EXPERIMENTS_RUN_ID: `bench-s2-${database}-${Date.now()}`, VITEST_EXPERIMENTS_TRACING: "false" });
    } finally {
      await server.close();
    }
    const uploadMs = Math.max(1, on.wallMs - off.wallMs);
    const uploaded = on.runs.map((r) => /Phoenix: experiment "s2-upload" uploaded \((\d+) runs\)/.exec(r.stdout + r.stderr)?.[1]).map(Number);
    measured.push({ database, wallMs: on.wallMs, uploadMs, rate: records / (uploadMs / 1000), perShard: uploaded.map((n) => (Number.isNaN(n) ? "?" : count(n))).join(" / ") });
  }
  return {
    ...base,
    tables: [
      {
        header: ["Phoenix database", "wall (all 4 shards done)", "time the upload added", "records (runs + evaluations) written per second", "runs uploaded per shard"],
        rows: [
          ["uploads off", ms(off.wallMs), "–", "–", "–"],
          ...measured.map((m) => [m.database === "sqlite" ? "SQLite" : "PostgreSQL", ms(m.wallMs), ms(m.uploadMs), `${m.rate.toFixed(0)}/s`, m.perShard]),
        ],
      },
    ],
    targets: [],
    notes: [
      "Phoenix has no batch endpoint for runs or evaluations, so every record is one POST; each shard keeps 8 in flight. The server and the four shards share this machine's cores, so the rates are floors for a dedicated Phoenix; docs/scale-out.md uses them to size the upload of 100,000 examples over 50 machines.",
      ...(postgresMissing ? [`PostgreSQL not measured: ${postgresMissing}.`] : []),
    ],
    figures: {
      runs,
      records,
      offWallMs: off.wallMs,
      ...Object.fromEntries(measured.flatMap((m) => [[`${m.database}WallMs`, m.wallMs], [`${m.database}UploadMs`, m.uploadMs], [`${m.database}RecordsPerSecond`, m.rate]])),
    },
  };
}
