import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { evaluateExperiment } from "../../../src/index.js";
import { createFixtureProject, REPO_ROOT, runNode, type FixtureProject } from "../../support/fixture-project.js";
import {
  experimentsOfDataset,
  getJson,
  projectTraceIds,
  serverExperiment,
  serverJsonRuns,
  serverRuns,
  type ServerExperiment,
  type ServerJsonRun,
  type ServerRun,
} from "../../support/phoenix-rest.js";
import { PHOENIX_VENV, realPhoenixMissing, startRealPhoenix, type RealPhoenix } from "../../support/real-phoenix.js";

/**
 * Parity with Phoenix's own client, the system the seeds describe: the Python client's
 * `run_experiment` (arize-phoenix-client, test/support/python/parity_experiment.py) and our upload
 * through the real vitest binary run the same deterministic task and evaluators on the same
 * dataset of the same real server; what the server then holds for both experiments must agree.
 * Where they differ on purpose, the README says why ("Differences from Phoenix's Python client").
 */

const CLI = join(REPO_ROOT, "dist/cli.js");
const METADATA = { model: "stub", temperature: 0 };

// The same task and evaluators as parity_experiment.py: outputs, scores, labels, explanations,
// metadata and annotator kinds all match.
const EVAL = `import { experiment } from "vitest-experiments";
class ValueError extends Error { name = "ValueError"; }
const examples = [
  { id: "fr", input: { question: "capital of France?" }, output: { answer: "Paris" } },
  { id: "it", input: { question: "capital of Italy?" }, output: { answer: "Rome" } },
  { id: "es", input: { question: "capital of Spain?" }, output: { answer: "Madrid" } },
  { id: "atlantis", input: { question: "capital of Atlantis?" }, output: { answer: "Poseidonia" } },
];
const ANSWERS = { "capital of France?": "Paris", "capital of Italy?": "Rome", "capital of Spain?": "Barcelona" };
experiment("parity-ts", {
  dataset: { name: "parity-capitals", examples },
  task: ({ input }) => {
    if (input.question === "capital of Atlantis?") throw new ValueError("no such country");
    return { answer: ANSWERS[input.question] };
  },
  evaluators: [
    function exact_match({ output, expected }) {
      const same = output.answer === expected.answer;
      return { score: same ? 1 : 0, label: same ? "match" : "mismatch", explanation: "expected " + expected.answer + ", got " + output.answer, metadata: { checker: "strict" } };
    },
    { name: "judge", kind: "LLM", evaluate: () => ({ score: 0.5, label: "plausible", explanation: "a stand-in for a model's verdict" }) },
    function has_content({ output }) { return Boolean(output.answer); },
  ],
  repetitions: 2,
  retryDelay: 0,
  metadata: ${JSON.stringify(METADATA)},
});
`;

interface Side {
  experiment: ServerExperiment;
  runs: ServerRun[];
  json: ServerJsonRun[];
}

let phoenix: RealPhoenix;
let project: FixtureProject;
let ours: Side;
let theirs: Side;
let exampleIds: Map<string, string>;

function runPython(script: string, args: unknown): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.PHOENIX_API_KEY;
    delete env.PHOENIX_CLIENT_HEADERS;
    delete env.PHOENIX_COLLECTOR_ENDPOINT;
    const child = spawn(join(PHOENIX_VENV!, "bin/python"), [join(REPO_ROOT, "test/support/python", script), JSON.stringify(args)], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function side(id: string): Promise<Side> {
  const [experiment, runs, json] = await Promise.all([serverExperiment(phoenix.url, id), serverRuns(phoenix.url, id), serverJsonRuns(phoenix.url, id)]);
  return { experiment, runs, json };
}

/** `{ "fr#1": value, ... }` keyed by local example id and repetition, sorted. */
function byExample<T>(rows: { example: string; repetition: number; value: T }[]): Record<string, T> {
  const local = new Map([...exampleIds].map(([localId, nodeId]) => [nodeId, localId]));
  return Object.fromEntries(
    rows.map((r) => [`${local.get(r.example) ?? r.example}#${r.repetition}`, r.value] as const).sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** What each evaluation says, without the fields that differ by nature (times, trace ids). */
function evaluationsOf(s: Side) {
  return byExample(
    s.json.map((run) => ({
      example: run.example_id,
      repetition: run.repetition_number,
      value: run.annotations
        .map(({ name, annotator_kind, score, label, explanation, metadata, error }) => ({ name, annotator_kind, score, label, explanation, metadata, failed: error !== null }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    })),
  );
}

beforeAll(async () => {
  if (realPhoenixMissing) return;
  phoenix = await startRealPhoenix();
  project = await createFixtureProject({ "evals/parity.eval.ts": EVAL });
  // Ours first: it creates the dataset, which Phoenix's client then reads by name (its latest version).
  const run = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: phoenix.url } });
  // The two Atlantis runs fail (as they do for Phoenix's client); the upload still completes.
  expect(run.exitCode, run.output).toBe(1);
  expect(run.output).toMatch(/Phoenix: experiment "parity-ts" uploaded \(8 runs\)/);
  const py = await runPython("parity_experiment.py", { base_url: phoenix.url, dataset: "parity-capitals", experiment_name: "parity-py", repetitions: 2, metadata: METADATA });
  expect(py.code, py.stderr.slice(-3000)).toBe(0);
  const created = JSON.parse(py.stdout.trim().split("\n").at(-1)!) as { experiment_id: string; dataset_id: string };
  const [mine] = (await experimentsOfDataset(phoenix.url, created.dataset_id)).filter((e) => e.name === "parity-ts");
  expect(mine, "our experiment is on the same dataset").toBeDefined();
  [ours, theirs] = await Promise.all([side(mine!.id), side(created.experiment_id)]);
  const { data } = await getJson<{ data: { examples: { id: string; node_id: string }[] } }>(phoenix.url, `/v1/datasets/${created.dataset_id}/examples`);
  exampleIds = new Map(data.examples.map((e) => [e.id, e.node_id]));
}, 300_000);

afterAll(async () => {
  await phoenix?.close();
});

describe.skipIf(realPhoenixMissing)("parity with Phoenix's own Python client (arize-phoenix-client) on the real server", () => {
  test("both experiments: same dataset version, repetitions and counts, the user's metadata, a project of their own", () => {
    const summary = ({ experiment: e }: Side) => ({
      dataset_id: e.dataset_id,
      dataset_version_id: e.dataset_version_id,
      repetitions: e.repetitions,
      description: e.description,
      example_count: e.example_count,
      successful_run_count: e.successful_run_count,
      failed_run_count: e.failed_run_count,
      missing_run_count: e.missing_run_count,
    });
    expect(summary(ours)).toEqual(summary(theirs));
    expect(summary(ours)).toMatchObject({ example_count: 4, successful_run_count: 6, failed_run_count: 2, missing_run_count: 0 });
    // Ours also carries the key that finds the experiment again after a lost answer (README).
    const { vitest_experiments_id, ...userMetadata } = ours.experiment.metadata;
    expect(vitest_experiments_id).toEqual(expect.any(String));
    expect(userMetadata).toEqual(theirs.experiment.metadata);
    expect(theirs.experiment.metadata).toEqual(METADATA);
    // The server names each experiment's project; the two never share one.
    for (const s of [ours, theirs]) expect(s.experiment.project_name).toMatch(/^Experiment-[0-9a-f]+$/);
    expect(ours.experiment.project_name).not.toBe(theirs.experiment.project_name);
  });

  test("runs: one per example × repetition, the same outputs, a failure for each failed task, times and trace ids", () => {
    const runs = (s: Side) =>
      byExample(s.runs.map((r) => ({ example: r.dataset_example_id, repetition: r.repetition_number, value: { output: r.output, failed: r.error !== null } })));
    expect(runs(ours)).toEqual(runs(theirs));
    expect(Object.keys(runs(ours))).toEqual(["atlantis#1", "atlantis#2", "es#1", "es#2", "fr#1", "fr#2", "it#1", "it#2"]);
    expect(runs(ours)["es#1"]).toEqual({ output: { answer: "Barcelona" }, failed: false });
    expect(runs(ours)["atlantis#1"]).toEqual({ output: null, failed: true });
    // The error text: the JavaScript error's "name: message", where Python writes repr() (README).
    expect(ours.runs.filter((r) => r.error).map((r) => r.error)).toEqual(["ValueError: no such country", "ValueError: no such country"]);
    expect(theirs.runs.filter((r) => r.error).map((r) => r.error)).toEqual(["ValueError('no such country')", "ValueError('no such country')"]);
    for (const s of [ours, theirs]) {
      for (const run of s.runs) {
        expect(Date.parse(run.end_time)).toBeGreaterThanOrEqual(Date.parse(run.start_time));
        expect(run.trace_id).toMatch(/^[0-9a-f]{32}$/);
      }
      expect(new Set(s.runs.map((r) => r.trace_id)).size).toBe(s.runs.length);
    }
  });

  test("evaluations: the same names, annotator kinds, scores, labels, explanations and metadata on every run the task completed", () => {
    const mine = evaluationsOf(ours);
    const python = evaluationsOf(theirs);
    // Phoenix's client also runs evaluators on a failed task's run (with output None); ours
    // records no evaluation there, since there is no output to judge (README).
    for (const key of ["atlantis#1", "atlantis#2"]) {
      expect(mine[key]).toEqual([]);
      expect(python[key]!.map((e) => e.name)).toEqual(["exact_match", "has_content", "judge"]);
      delete mine[key];
      delete python[key];
    }
    expect(mine).toEqual(python);
    expect(mine["es#2"]).toEqual([
      { name: "exact_match", annotator_kind: "CODE", score: 0, label: "mismatch", explanation: "expected Madrid, got Barcelona", metadata: { checker: "strict" }, failed: false },
      { name: "has_content", annotator_kind: "CODE", score: 1, label: "True", explanation: null, metadata: {}, failed: false },
      { name: "judge", annotator_kind: "LLM", score: 0.5, label: "plausible", explanation: "a stand-in for a model's verdict", metadata: {}, failed: false },
    ]);
    for (const s of [ours, theirs]) {
      for (const run of s.json) {
        for (const evaluation of run.annotations) {
          expect(evaluation.trace_id).toMatch(/^[0-9a-f]{32}$/);
          expect(Date.parse(evaluation.end_time)).toBeGreaterThanOrEqual(Date.parse(evaluation.start_time));
          // Evaluated after the task ran.
          expect(Date.parse(evaluation.start_time)).toBeGreaterThanOrEqual(Date.parse(run.end_time) - 1);
        }
      }
    }
  });

  test("tracing: the traces of every run are in its experiment's project, for both clients", async () => {
    for (const s of [ours, theirs]) {
      const traces = await projectTraceIds(phoenix.url, s.experiment.project_name!);
      expect([...new Set(s.runs.map((r) => r.trace_id!))].filter((id) => !traces.has(id))).toEqual([]);
    }
  });

  test("our CLI reads the experiment Phoenix's client made (show, runs --phoenix), and evaluateExperiment() adds evaluations to it", async () => {
    const env = { PHOENIX_HOST: phoenix.url };
    const id = theirs.experiment.id;
    const show = await runNode([CLI, "show", id, "--phoenix"], project.dir, env);
    expect(show.exitCode, show.output).toBe(0);
    expect(show.stdout).toContain(`parity-py (${id})`);
    expect(show.stdout).toContain("runs:        6 ok, 2 failed, 0 missing of 4 examples × 2");
    // Python's client evaluates failed runs too: its evaluators that read the output errored there.
    expect(show.stdout).toMatch(/exact_match\s+0\.667\s+6\s+2\s+match 4, mismatch 2/);
    expect(show.stdout).toMatch(/has_content\s+1\s+6\s+2\s+True 6/);
    expect(show.stdout).toMatch(/judge\s+0\.5\s+8\s+0\s+plausible 8/);
    const runs = await runNode([CLI, "runs", id, "--phoenix", "--format", "json"], project.dir, env);
    expect(runs.exitCode, runs.output).toBe(0);
    const listed = JSON.parse(runs.stdout) as { repetition: number; error: string | null; evaluations?: unknown }[];
    expect(listed).toHaveLength(8);
    expect(listed.filter((r) => r.error).length).toBe(2);

    const evaluated = await evaluateExperiment({
      experiment: id,
      evaluators: { short_answer: ({ output }) => ({ score: String((output as { answer: string }).answer).length <= 5 ? 1 : 0, label: "checked" }) },
      phoenix: { host: phoenix.url },
      storeDir: false,
    });
    expect(evaluated).toMatchObject({ source: "phoenix", experimentId: id, uploaded: 6, skippedRuns: 2 });
    const after = await serverJsonRuns(phoenix.url, id);
    const added = after.flatMap((r) => r.annotations.filter((a) => a.name === "short_answer").map((a) => ({ output: r.output, score: a.score, label: a.label, kind: a.annotator_kind })));
    expect(added).toHaveLength(6);
    for (const a of added) expect(a).toEqual({ output: a.output, score: (a.output as { answer: string }).answer.length <= 5 ? 1 : 0, label: "checked", kind: "CODE" });
    // The Python client's own evaluations are untouched.
    expect(after.flatMap((r) => r.annotations).filter((a) => a.name !== "short_answer")).toHaveLength(24);
  });
});
