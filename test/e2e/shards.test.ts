import { copyFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { defaultBlobFolder } from "../../src/vitest/blob-folder.js";
import { createFixtureProject, E2E_VITEST_VERSION, REPO_ROOT, runNode, type FixtureProject, type VitestRun } from "../support/fixture-project.js";
import { startFakePhoenix, type FakePhoenix } from "../support/fake-phoenix/index.js";
import { startFakeArize } from "../support/fake-arize/index.js";

/**
 * One experiment split over four shards with the real vitest binary, each shard with its own store
 * and report folder as on separate CI machines, then `vitest run --merge-reports` on a fifth
 * "machine": the merged run must say what the unsharded run says.
 */

const SHARDS = 4;
const CLI = join(REPO_ROOT, "dist/cli.js");
const EXAMPLES = 40;
/** Where the fixture's Vitest writes blob reports and a bare --merge-reports reads them. */
const BLOB_DIR = defaultBlobFolder(E2E_VITEST_VERSION);

// 40 examples; every fourth answer is wrong, so accuracy is 0.75: a bar of 0.7 passes, 0.8 fails.
const EVAL = `import { experiment } from "vitest-experiments";
const examples = Array.from({ length: ${EXAMPLES} }, (_, i) => ({ id: "q" + String(i).padStart(2, "0"), input: { n: i }, output: i }));
experiment("numbers", {
  dataset: { name: "numbers", examples },
  task: ({ input }) => (input.n % 4 === 3 ? -1 : input.n),
  evaluators: { accuracy: ({ output, expected }) => output === expected, has_content: ({ output }) => output !== null },
  thresholds: { accuracy: { mean: Number(process.env.BAR), maxDrop: 0.05 }, has_content: { perRun: 1 } },
  concurrency: 8,
});
`;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Outcome {
  run: VitestRun;
  junitXml: string;
  junitCases: string[];
  gatesFailure: string | undefined;
  store: StoredLog;
}

interface StoredLog {
  header: Record<string, any>;
  runs: Record<string, any>[];
  end: Record<string, any> | undefined;
}

async function storeLogs(project: FixtureProject, dir: string): Promise<StoredLog[]> {
  const folder = join(project.dir, dir, "experiments");
  const files = (await readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith(".jsonl"));
  return Promise.all(
    files.map(async (file) => {
      const lines = (await readFile(join(folder, file), "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l));
      return {
        header: lines.find((l) => l.type === "experiment").experiment,
        runs: lines.filter((l) => l.type === "run").map((l) => l.run),
        end: lines.find((l) => l.type === "end")?.result,
      };
    }),
  );
}

async function junitOf(project: FixtureProject, path: string): Promise<{ cases: string[]; gatesFailure: string | undefined; xml: string }> {
  const xml = await project.read(path);
  const cases = [...xml.matchAll(/<testcase [^>]*name="([^"]*)"/g)].map((m) => m[1]!);
  const gates = /<testcase [^>]*name="\[gates\]"[\s\S]*?<\/testcase>/.exec(xml)?.[0];
  const gatesFailure = gates ? /<failure[\s\S]*?<!\[CDATA\[([\s\S]*?)\]\]>/.exec(gates)?.[1] : undefined;
  return { cases, gatesFailure, xml };
}

async function unsharded(project: FixtureProject, bar: string): Promise<Outcome> {
  const store = `store-single-${bar}`;
  const run = await project.vitest(["run", "--project", "evals"], {
    env: { BAR: bar, VITEST_EXPERIMENTS_DIR: store, VITEST_EXPERIMENTS_JUNIT: `single-${bar}.xml`, GITHUB_STEP_SUMMARY: join(project.dir, `summary-single-${bar}.md`) },
  });
  const junit = await junitOf(project, `single-${bar}.xml`);
  const [log] = await storeLogs(project, store);
  return { run, junitXml: junit.xml, junitCases: junit.cases, gatesFailure: junit.gatesFailure, store: log! };
}

/** Runs the shards (each with its own store and report folder), then merges the reports present. */
async function sharded(
  project: FixtureProject,
  bar: string,
  { only, env = {}, beforeMerge }: { only?: number[]; env?: Record<string, string>; beforeMerge?: () => void } = {},
): Promise<{ shards: VitestRun[]; shardLogs: StoredLog[]; merged: Outcome }> {
  const tag = `${bar}-${only?.join("") ?? "all"}`;
  const collected = join(project.dir, `reports-${tag}`);
  await mkdir(collected, { recursive: true });
  const shards: VitestRun[] = [];
  const shardLogs: StoredLog[] = [];
  for (let index = 1; index <= SHARDS; index++) {
    if (only && !only.includes(index)) continue;
    // A machine of its own: its own store, its own report folder.
    const machine = `machine-${tag}-${index}`;
    const run = await project.vitest(["run", "--project", "evals", "--reporter=blob", "--reporter=default"], {
      env: { ...env, BAR: bar, VITEST_EXPERIMENTS_SHARD: `${index}/${SHARDS}`, VITEST_EXPERIMENTS_DIR: `${machine}/store`, VITEST_EXPERIMENTS_JUNIT: `${machine}/junit.xml` },
    });
    shards.push(run);
    shardLogs.push(...(await storeLogs(project, `${machine}/store`)));
    // What the CI's artifact upload and download do: the shard's blob reaches the merge job's folder.
    const blobs = await readdir(join(project.dir, BLOB_DIR));
    expect(blobs).toEqual([`blob-experiments-${index}-${SHARDS}.json`]);
    await copyFile(join(project.dir, BLOB_DIR, blobs[0]!), join(collected, blobs[0]!));
    await rm(join(project.dir, BLOB_DIR), { recursive: true });
  }
  const store = `store-merged-${tag}`;
  beforeMerge?.();
  const run = await project.vitest(["run", "--project", "evals", `--merge-reports=reports-${tag}`], {
    env: { ...env, VITEST_EXPERIMENTS_DIR: store, VITEST_EXPERIMENTS_JUNIT: `merged-${tag}.xml`, GITHUB_STEP_SUMMARY: join(project.dir, `summary-merged-${tag}.md`) },
  });
  const junit = await junitOf(project, `merged-${tag}.xml`);
  const [log] = await storeLogs(project, store);
  return { shards, shardLogs, merged: { run, junitXml: junit.xml, junitCases: junit.cases, gatesFailure: junit.gatesFailure, store: log! } };
}

function expectSameRecord(merged: StoredLog, single: StoredLog): void {
  expect(merged.runs).toHaveLength(EXAMPLES);
  const key = (r: Record<string, any>) => `${r.exampleId}#${r.repetition}`;
  expect(merged.runs.map(key)).toEqual(single.runs.map(key).sort());
  const scores = (runs: Record<string, any>[]) => Object.fromEntries(runs.map((r) => [key(r), r.evaluations.map((e: any) => `${e.name}=${e.score}`)]));
  expect(scores(merged.runs)).toEqual(scores(single.runs));
  // Every run belongs to the merged experiment.
  expect(new Set(merged.runs.map((r) => r.experimentId))).toEqual(new Set([merged.header.id]));
  expect(merged.header.dataset).toEqual(single.header.dataset);
  expect(merged.header.shard).toBeUndefined();
  expect(merged.header.merged).toEqual({ shards: SHARDS, present: [1, 2, 3, 4] });
  expect(merged.end!.status).toBe(single.end!.status);
  expect(merged.end!.gates).toEqual(single.end!.gates);
  expect(merged.end!.stats.evaluators).toEqual(single.end!.stats.evaluators);
  expect(merged.end!.stats.runs).toBe(single.end!.stats.runs);
  expect(merged.end!.baseline).toEqual(single.end!.baseline);
}

describe("one experiment split across shards", () => {
  test("four shards merged with --merge-reports give the unsharded run's exit code, JUnit cases, store record and gate verdict", async () => {
    const project = await createFixtureProject({ "evals/numbers.eval.ts": EVAL });
    // A committed baseline file, as a team keeps one: both the unsharded and the merged run compare with it.
    const update = await project.vitest(["run", "--project", "evals", "-u"], { env: { BAR: "0.7", VITEST_EXPERIMENTS_DIR: "store-update" } });
    expect(update.exitCode, update.output).toBe(0);
    expect(JSON.parse(await project.read("evals/__baselines__/numbers.eval.ts.json")).numbers.means.accuracy).toBe(0.75);

    for (const [bar, exitCode] of [
      ["0.8", 1],
      ["0.7", 0],
    ] as const) {
      const single = await unsharded(project, bar);
      expect(single.run.exitCode, single.run.output).toBe(exitCode);
      const { shards, shardLogs, merged } = await sharded(project, bar);

      // Each shard ran about a quarter of the runs, every run ran on exactly one shard, and no shard judged the gates.
      expect(shardLogs).toHaveLength(SHARDS);
      const perShard = shardLogs.map((log) => log.runs.length);
      expect(perShard.reduce((a, b) => a + b, 0)).toBe(EXAMPLES);
      for (const count of perShard) expect(count).toBeGreaterThanOrEqual(5), expect(count).toBeLessThanOrEqual(16);
      expect(new Set(shardLogs.flatMap((log) => log.runs.map((r) => r.exampleId))).size).toBe(EXAMPLES);
      shards.forEach((run, i) => {
        expect(run.exitCode, run.output).toBe(0);
        expect(run.output).toContain(`shard ${i + 1}/${SHARDS}: ${perShard[i]} of ${EXAMPLES} runs; gates not judged here`);
        expect(shardLogs[i]!.header.shard).toEqual({ index: i + 1, count: SHARDS, runs: perShard[i] });
        expect(shardLogs[i]!.end!.gates.every((g: { status: string }) => g.status === "partial")).toBe(true);
      });

      // The merge says what the unsharded run said.
      expect(merged.run.exitCode, merged.run.output).toBe(exitCode);
      expect(merged.junitCases).toEqual(single.junitCases);
      expect(merged.junitCases.filter((name) => name === "[gates]")).toHaveLength(1);
      expect(merged.junitCases).toHaveLength(EXAMPLES + 1);
      expect(merged.gatesFailure).toBe(single.gatesFailure);
      expect(merged.junitXml).toContain('<property name="shards.merged" value="1,2,3,4 of 4"/>');
      expectSameRecord(merged.store, single.store);
      const verdict = `accuracy mean = 0.75 (needs ≥ ${bar}, n=${EXAMPLES})`;
      expect(single.run.output).toContain(verdict);
      expect(merged.run.output).toContain(verdict);
      // The step summary says the same, but for where the record is (the store's path names the experiment's id).
      const summary = async (path: string) => (await project.read(path)).replace(/ · record: \S*\.jsonl/g, "");
      expect(await summary(`summary-merged-${bar}-all.md`)).toBe(await summary(`summary-single-${bar}.md`));
      expect(await summary(`summary-merged-${bar}-all.md`)).toContain("accuracy");
      expect(merged.store.end!.baseline.source).toContain("__baselines__/numbers.eval.ts.json");
      expect(merged.run.output).toContain("✓ accuracy drop from baseline 0.75 = 0 (needs ≤ 0.05, n=40)");

      // The shards' stores, merged by the command line instead of the blob reports: the same record.
      const machines = (await readdir(project.dir)).filter((d) => d.startsWith(`machine-${bar}-all-`)).map((d) => `${d}/store`);
      expect(machines).toHaveLength(SHARDS);
      const cli = await runNode([CLI, "merge", ...machines], project.dir, { VITEST_EXPERIMENTS_DIR: `store-cli-${bar}` });
      expect(cli.exitCode, cli.output).toBe(exitCode);
      expect(cli.stdout).toContain(`from ${SHARDS} of ${SHARDS} shards: ${EXAMPLES} runs`);
      expect(cli.stdout).toContain(verdict);
      const [fromStores] = await storeLogs(project, `store-cli-${bar}`);
      expectSameRecord(fromStores!, single.store);

      if (exitCode === 1) {
        expect(single.gatesFailure).toContain(`✗ ${verdict}`);
        expect(merged.run.output).toContain(`GatesFailedError: gates failed for experiment "numbers":\n✗ ${verdict}`);
      }
    }
  });

  test("a missing shard shows as missing runs and partial gates, and fails the merge instead of passing", async () => {
    const project = await createFixtureProject({ "evals/numbers.eval.ts": EVAL });
    const { shards, merged } = await sharded(project, "0.7", { only: [1, 2, 4] });
    expect(shards.every((s) => s.exitCode === 0)).toBe(true);
    const missing = EXAMPLES - merged.store.runs.length;
    expect(missing).toBeGreaterThan(0);
    expect(merged.run.exitCode, merged.run.output).toBe(1);
    expect(merged.run.output).toContain(`experiment "numbers": no report from shard 3/4: ${missing} of ${EXAMPLES} runs are missing, so its gates are partial and not judged`);
    expect(merged.store.header.merged).toEqual({ shards: SHARDS, present: [1, 2, 4] });
    expect(merged.store.end!.status).toBe("partial");
    // No committed baseline in this project: maxDrop says so, the mean gate is partial.
    expect(merged.store.end!.gates.map((g: { status: string }) => g.status)).toEqual(["partial", "no-baseline"]);
    expect(merged.run.output).toContain("~ partial accuracy mean");
    expect(merged.run.output).toContain("merged from 3 of 4 shards; missing: 3/4");
    expect(merged.gatesFailure).toBeUndefined();
  });

  test("composes with Vitest's --shard: files split by Vitest, each file's runs by VITEST_EXPERIMENTS_SHARD, all merged", async () => {
    const small = (name: string) => EVAL.replace('experiment("numbers"', `experiment("${name}"`).replace("length: 40", "length: 12");
    const project = await createFixtureProject({ "evals/a.eval.ts": small("alpha"), "evals/b.eval.ts": small("beta") });
    for (const files of [1, 2]) {
      for (const runs of [1, 2]) {
        const run = await project.vitest(["run", "--project", "evals", `--shard=${files}/2`, "--reporter=blob", "--reporter=default"], {
          env: { BAR: "0.7", VITEST_EXPERIMENTS_SHARD: `${runs}/2`, VITEST_EXPERIMENTS_DIR: `machine-${files}-${runs}` },
        });
        expect(run.exitCode, run.output).toBe(0);
      }
    }
    expect((await readdir(join(project.dir, BLOB_DIR))).sort()).toEqual([
      "blob-experiments-1-2-files-1-2.json",
      "blob-experiments-1-2-files-2-2.json",
      "blob-experiments-2-2-files-1-2.json",
      "blob-experiments-2-2-files-2-2.json",
    ]);
    const merged = await project.vitest(["run", "--project", "evals", "--merge-reports"], { env: { VITEST_EXPERIMENTS_DIR: "store-merged", VITEST_EXPERIMENTS_JUNIT: "merged.xml" } });
    expect(merged.exitCode, merged.output).toBe(0);
    const logs = await storeLogs(project, "store-merged");
    expect(logs.map((log) => [log.header.name, log.runs.length, log.header.merged]).sort()).toEqual([
      ["alpha", 12, { shards: 2, present: [1, 2] }],
      ["beta", 12, { shards: 2, present: [1, 2] }],
    ]);
    const { cases } = await junitOf(project, "merged.xml");
    expect(cases.filter((name) => name === "[gates]")).toHaveLength(2);
    expect(cases).toHaveLength(2 * 13);
  });

  test("a shard value that is not i/N is an error naming the variable", async () => {
    const project = await createFixtureProject({ "evals/numbers.eval.ts": EVAL });
    for (const value of ["0/4", "5/4", "x"]) {
      const run = await project.vitest(["run", "--project", "evals"], { env: { BAR: "0.7", VITEST_EXPERIMENTS_SHARD: value } });
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toContain(`VITEST_EXPERIMENTS_SHARD is "${value}": expected "i/N"`);
    }
  });

  test("all shards of one CI run stream into one Phoenix experiment, and the merge uploads nothing", async () => {
    const phoenix: FakePhoenix = await startFakePhoenix();
    cleanups.push(() => phoenix.close());
    const project = await createFixtureProject({ "evals/numbers.eval.ts": EVAL });
    const env = { PHOENIX_HOST: phoenix.url, GITHUB_RUN_ID: "4242", GITHUB_RUN_ATTEMPT: "1" };
    let requestsBeforeMerge = -1;
    const { merged } = await sharded(project, "0.7", { env, beforeMerge: () => (requestsBeforeMerge = phoenix.state.requests.length) });
    expect(merged.run.exitCode, merged.run.output).toBe(0);
    // The merge job has Phoenix configured too, and sends it nothing: the shards uploaded every run.
    expect(phoenix.state.requests.length).toBe(requestsBeforeMerge);

    const { state } = phoenix;
    expect(state.violations).toEqual([]);
    expect(state.experiments).toHaveLength(1);
    const experiment = state.experiments[0]!;
    expect(experiment.metadata).toMatchObject({ vitest_experiments_run_id: "github-4242-1" });
    // The dataset version is the whole dataset, not one shard's share.
    expect(experiment.exampleRowIds).toHaveLength(EXAMPLES);
    const id = state.experimentJson(experiment).id;
    const runs = state.runsOf(id);
    expect(runs).toHaveLength(EXAMPLES);
    expect(new Set(runs.map((r) => `${r.exampleRowId}#${r.repetition}`)).size).toBe(EXAMPLES);
    const evaluations = state.evaluationsOf(id);
    expect(evaluations).toHaveLength(EXAMPLES * 2);
    expect(new Set(evaluations.map((e) => `${e.runRowId}#${e.name}`)).size).toBe(EXAMPLES * 2);
  });

  test("with Arize AX configured, all shards of one CI run write one AX experiment, and the merge sends AX nothing", async () => {
    const ax = await startFakeArize({ apiKey: "ax-e2e-secret-key", spaces: ["evals-space"] });
    cleanups.push(() => ax.close());
    const project = await createFixtureProject({ "evals/numbers.eval.ts": EVAL });
    const env = { ARIZE_API_KEY: "ax-e2e-secret-key", ARIZE_SPACE_ID: "evals-space", ARIZE_BASE_URL: ax.url, GITHUB_RUN_ID: "4242", GITHUB_RUN_ATTEMPT: "1" };
    let requestsBeforeMerge = -1;
    const { shards, merged } = await sharded(project, "0.7", { env, beforeMerge: () => (requestsBeforeMerge = ax.state.requests.length) });
    for (const shard of shards) expect(shard.output).not.toContain("Arize AX upload of experiment");
    expect(merged.run.exitCode, merged.run.output).toBe(0);
    // The merge job has AX configured too, and sends it nothing: the shards uploaded every run.
    expect(ax.state.requests.length).toBe(requestsBeforeMerge);

    const { state } = ax;
    expect(state.violations).toEqual([]);
    expect(state.datasets).toHaveLength(1);
    // The dataset holds the whole dataset once, not one shard's share, nor a copy per shard.
    const examples = state.examplesOf(state.datasets[0]!.id);
    expect(examples).toHaveLength(EXAMPLES);
    expect(new Set(examples.map((e) => e.vitest_experiments_example_id)).size).toBe(EXAMPLES);
    expect(state.experiments).toHaveLength(1);
    expect(state.experiments[0]!.name).toMatch(/^numbers github-4242-1\.[0-9a-f]{8}$/);
    const runs = state.runsOf(state.experiments[0]!.id);
    expect(runs).toHaveLength(EXAMPLES);
    expect(new Set(runs.map((r) => r.example_id)).size).toBe(EXAMPLES);
    // Every shard's runs, each with its evaluations' columns.
    expect(new Set(runs.map((r) => String(r.vitest_experiments_run_id).split("/")[0])).size).toBe(SHARDS);
    for (const run of runs) {
      expect(run).toHaveProperty(["eval.accuracy.score"]);
      expect(run).toHaveProperty(["eval.has_content.score"]);
    }
  });
});
