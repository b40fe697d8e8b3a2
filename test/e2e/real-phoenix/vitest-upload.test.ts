import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStore } from "../../../src/store/index.js";
import { createFixtureProject, REPO_ROOT, runNode, type FixtureProject } from "../../support/fixture-project.js";
import { realPhoenixMissing, startRealPhoenix, type RealPhoenix } from "../../support/real-phoenix.js";
import { PhoenixRest, runKeys, type ServerRunJson } from "./read-back.js";

/**
 * The real vitest binary and the built CLI against the real Phoenix server (SQLite): what the
 * server holds is read back through its own REST API and compared with the local records.
 */

const CLI = join(REPO_ROOT, "dist/cli.js");

/** Spain always fails (after its retries); evaluators of three kinds and shapes. */
const EVAL = (name: string, datasetName: string) => `import { experiment } from "vitest-experiments";
import { trace } from "@opentelemetry/api";

const examples = [
  { id: "capital-fr", input: { question: "capital of France?" }, output: "Paris" },
  { id: "capital-it", input: { question: "capital of Italy?" }, output: "Rome" },
  { id: "capital-es", input: { question: "capital of Spain?" }, output: "Madrid" },
];
const answers = { "capital of France?": "Paris", "capital of Italy?": "Roma" };

experiment(${JSON.stringify(name)}, {
  dataset: { name: ${JSON.stringify(datasetName)}, examples },
  task: async ({ input }) => {
    await trace.getTracer("fake-llm").startActiveSpan("llm call", async (span) => span.end());
    const answer = answers[input.question];
    if (!answer) throw new Error("no answer for " + input.question);
    return answer;
  },
  evaluators: [
    function exact_match({ output, expected }) {
      return { score: output === expected ? 1 : 0, label: output === expected ? "match" : "mismatch", explanation: "expected " + expected };
    },
    { name: "judge", kind: "LLM", evaluate: ({ output }) => ({ label: output.length > 4 ? "long" : "short", explanation: "by length" }) },
    { name: "reviewer", kind: "HUMAN", evaluate: () => 0.5 },
  ],
  repetitions: 2,
  retries: 1,
  retryDelay: 0,
});
`;

async function project(files: Record<string, string>): Promise<FixtureProject> {
  const created = await createFixtureProject(files);
  await created.write("node_modules/@opentelemetry/.keep", "");
  await symlink(join(REPO_ROOT, "node_modules/@opentelemetry/api"), join(created.dir, "node_modules/@opentelemetry/api"), "dir");
  return created;
}

describe.skipIf(realPhoenixMissing).sequential("the real Phoenix server, through the vitest binary and the CLI", () => {
  let phoenix: RealPhoenix;
  let rest: PhoenixRest;
  let env: Record<string, string>;
  beforeAll(async () => {
    phoenix = await startRealPhoenix({ database: "sqlite" });
    rest = new PhoenixRest(phoenix.url);
    env = { PHOENIX_HOST: phoenix.url };
  });
  afterAll(async () => {
    await phoenix?.close();
  });

  /** The local store's runs and Phoenix's, matched by example id and repetition. */
  async function compareWithStore(fixture: FixtureProject, experimentId: string) {
    const server = await rest.runs(experimentId);
    const stored = (await openStore(join(fixture.dir, ".vitest-experiments")).listExperiments()).at(0)!;
    const local = (await openStore(join(fixture.dir, ".vitest-experiments")).readExperiment(stored.experiment.id))!;
    const experiment = await rest.experiment(experimentId);
    const examples = await rest.examples(experiment.dataset_id, experiment.dataset_version_id);
    const idOf = new Map(examples.map((e) => [e.node_id, e.id]));
    return { server, local, idOf: (nodeId: string) => idOf.get(nodeId)! };
  }

  test("a repeated experiment with evaluators: counts, repetitions, every evaluation, spans in the experiment's project", async () => {
    const fixture = await project({ "evals/qa.eval.ts": EVAL("qa", "capitals") });
    const run = await fixture.vitest(["run", "--project", "evals"], { env });
    expect(run.output).toContain("no answer for capital of Spain?");
    const dataset = (await rest.dataset("capitals"))!;
    const [experiment] = await rest.experiments(dataset.id);
    expect(experiment).toBeDefined();
    expect(run.output).toContain(`${phoenix.url}/datasets/${dataset.id}/compare?experimentId=${experiment!.id}`);
    expect(experiment).toMatchObject({ name: "qa", repetitions: 2, example_count: 3, successful_run_count: 4, failed_run_count: 2, missing_run_count: 0 });

    const { server, local, idOf } = await compareWithStore(fixture, experiment!.id);
    expect(runKeys(server, idOf)).toEqual(["capital-es#1", "capital-es#2", "capital-fr#1", "capital-fr#2", "capital-it#1", "capital-it#2"]);
    const failed = server.filter((r) => r.error !== null);
    expect(failed.map((r) => idOf(r.example_id))).toEqual(["capital-es", "capital-es"]);
    expect(failed[0]!.error).toContain("no answer for capital of Spain?");
    // Every evaluation the run recorded is on the server, field for field.
    const serverEvaluations = (r: ServerRunJson) =>
      r.annotations.map((a) => ({ name: a.name, kind: a.annotator_kind, label: a.label, score: a.score, explanation: a.explanation, error: a.error })).sort((a, b) => a.name.localeCompare(b.name));
    for (const localRun of local.runs) {
      const held = server.find((r) => idOf(r.example_id) === localRun.exampleId && r.repetition_number === localRun.repetition)!;
      const recorded = localRun.evaluations
        .map((e) => ({ name: e.name, kind: e.kind, label: e.label, score: e.score, explanation: e.explanation, error: e.error }))
        .sort((a, b) => a.name.localeCompare(b.name));
      expect(serverEvaluations(held), `${localRun.exampleId}#${localRun.repetition}`).toEqual(recorded);
      expect(held.trace_id).toBe(localRun.traceId);
    }
    const france = server.find((r) => idOf(r.example_id) === "capital-fr")!;
    expect(serverEvaluations(france)).toEqual([
      { name: "exact_match", kind: "CODE", label: "match", score: 1, explanation: "expected Paris", error: null },
      { name: "judge", kind: "LLM", label: "long", score: null, explanation: "by length", error: null },
      { name: "reviewer", kind: "HUMAN", label: null, score: 0.5, explanation: null, error: null },
    ]);

    // Tracing: each run's trace is in the experiment's project on Phoenix.
    const traceIds = server.map((r) => r.trace_id);
    expect(traceIds.every((id) => typeof id === "string" && /^[0-9a-f]{32}$/.test(id))).toBe(true);
    let spans: Awaited<ReturnType<PhoenixRest["spans"]>> = [];
    for (let i = 0; i < 40; i++) {
      // Phoenix inserts spans in batches, a moment after it accepted them.
      spans = await rest.spans(experiment!.project_name!);
      if (new Set(spans.map((s) => s.context.trace_id)).size >= 6) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const spanTraces = new Set(spans.map((s) => s.context.trace_id));
    for (const id of traceIds) expect(spanTraces.has(id!)).toBe(true);
    expect(spans.some((s) => s.name === "llm call")).toBe(true);
  });

  test("a local dataset uploaded, changed and run again: versions as Phoenix counts them, each experiment on exactly its examples", async () => {
    const examples = (rows: [string, string][]) => JSON.stringify(rows.map(([id, output]) => ({ id, input: { q: id }, output })));
    const file = (rows: [string, string][]) => `import { experiment } from "vitest-experiments";
experiment("versions", { dataset: { name: "versioned", examples: ${examples(rows)} }, task: ({ input }) => input.q, evaluators: { same: ({ output, expected }) => output === expected } });
`;
    const fixture = await createFixtureProject({ "evals/v.eval.ts": file([["a", "a"], ["b", "b"], ["c", "c"]]) });
    const runs = [
      file([["a", "a"], ["b", "b"], ["c", "c"]]),
      file([["a", "a"], ["b", "B"]]), // c removed, b's expected output changed
      file([["a", "a"], ["b", "B"]]), // unchanged
      file([["a", "a"], ["b", "B"], ["c", "c"]]), // c back
    ];
    for (const content of runs) {
      await fixture.write("evals/v.eval.ts", content);
      const run = await fixture.vitest(["run", "--project", "evals"], { env });
      expect(run.exitCode, run.output).toBe(0);
    }
    const dataset = (await rest.dataset("versioned"))!;
    const versions = await rest.versions(dataset.id);
    expect(versions).toHaveLength(3);
    const experiments = (await rest.experiments(dataset.id)).reverse();
    expect(experiments.map((e) => e.dataset_version_id)).toEqual([versions[2], versions[1], versions[1], versions[0]]);
    expect(experiments.map((e) => [e.example_count, e.successful_run_count, e.missing_run_count])).toEqual([[3, 3, 0], [2, 2, 0], [2, 2, 0], [3, 3, 0]]);
    const atSecond = await rest.examples(dataset.id, versions[1]);
    expect(atSecond.map((e) => [e.id, e.output])).toEqual([["a", { output: "a" }], ["b", { output: "B" }]]);
  });

  test("an experiment on a Phoenix dataset split covers only that split: nothing counted missing", async () => {
    await rest.upload({
      name: "golden-splits",
      inputs: [{ q: "a" }, { q: "b" }, { q: "c" }, { q: "d" }],
      outputs: [{ answer: "a" }, { answer: "b" }, { answer: "c" }, { answer: "d" }],
      splits: ["test", "train", ["test", "hard"], "train"],
      example_ids: ["ex-a", "ex-b", "ex-c", "ex-d"],
    });
    const fixture = await createFixtureProject({
      "evals/split.eval.ts": `import { experiment, phoenix } from "vitest-experiments";
experiment("on-test", {
  dataset: phoenix.dataset({ name: "golden-splits" }, { splits: ["test"] }),
  task: ({ input }) => input.q,
  evaluators: { correct: ({ output, expected }) => output === expected.answer },
  repetitions: 2,
});
`,
    });
    const run = await fixture.vitest(["run", "--project", "evals"], { env });
    expect(run.exitCode, run.output).toBe(0);
    const dataset = (await rest.dataset("golden-splits"))!;
    const [experiment] = await rest.experiments(dataset.id);
    expect(experiment).toMatchObject({ name: "on-test", example_count: 2, successful_run_count: 4, failed_run_count: 0, missing_run_count: 0 });
    expect((await rest.versions(dataset.id)).length).toBe(1);
    const { server, idOf } = await compareWithStore(fixture, experiment!.id);
    expect(runKeys(server, idOf)).toEqual(["ex-a#1", "ex-a#2", "ex-c#1", "ex-c#2"]);
  });

  test("Phoenix down for the whole run: the run passes, `vitest-experiments upload` finishes the upload once Phoenix is back", async () => {
    const fixture = await project({ "evals/qa.eval.ts": EVAL("offline-qa", "capitals-offline") });
    await phoenix.stop();
    let run;
    try {
      run = await fixture.vitest(["run", "--project", "evals"], { env });
    } finally {
      await phoenix.start();
    }
    expect(run.output).toContain('Phoenix upload of experiment "offline-qa" failed: nothing was uploaded');
    expect(run.output).toContain("npx vitest-experiments upload");
    expect(await rest.dataset("capitals-offline")).toBeUndefined();

    const upload = await runNode([CLI, "upload"], fixture.dir, env);
    expect(upload.exitCode, upload.output).toBe(0);
    expect(upload.stdout).toMatch(/uploaded offline-qa \(\S+\): 6 runs, 12 evaluations → http/);
    const dataset = (await rest.dataset("capitals-offline"))!;
    const experiments = await rest.experiments(dataset.id);
    expect(experiments).toHaveLength(1);
    expect(experiments[0]).toMatchObject({ successful_run_count: 4, failed_run_count: 2, missing_run_count: 0 });
    const { server } = await compareWithStore(fixture, experiments[0]!.id);
    // Failed runs are not evaluated (there is no output), so 4 runs × 3 evaluators.
    expect(server.flatMap((r) => r.annotations)).toHaveLength(12);

    const again = await runNode([CLI, "upload"], fixture.dir, env);
    expect(again.stdout).toContain("Nothing pending");
    expect(await rest.experiments(dataset.id)).toHaveLength(1);
  });

  test("list, show, runs and delete --phoenix read and delete what the server holds", async () => {
    const fixture = await project({ "evals/qa.eval.ts": EVAL("cli-qa", "capitals-cli") });
    const run = await fixture.vitest(["run", "--project", "evals"], { env });
    expect(run.output).toContain("Phoenix");
    const dataset = (await rest.dataset("capitals-cli"))!;
    const [experiment] = await rest.experiments(dataset.id);

    const list = await runNode([CLI, "list", "--phoenix"], fixture.dir, env);
    expect(list.exitCode, list.output).toBe(0);
    expect(list.stdout).toContain("cli-qa");
    expect(list.stdout).toContain(experiment!.id);

    const show = await runNode([CLI, "show", "cli-qa", "--phoenix"], fixture.dir, env);
    expect(show.exitCode, show.output).toBe(0);
    expect(show.stdout).toContain(`cli-qa (${experiment!.id})`);
    expect(show.stdout).toMatch(/exact_match\s+0\.5\d*\s+4/);

    const runs = await runNode([CLI, "runs", experiment!.id, "--phoenix", "--format", "json"], fixture.dir, env);
    expect(runs.exitCode, runs.output).toBe(0);
    const listed = JSON.parse(runs.stdout) as unknown[];
    expect(listed).toHaveLength(6);

    const deleted = await runNode([CLI, "delete", experiment!.id, "--phoenix"], fixture.dir, env);
    expect(deleted.exitCode, deleted.output).toBe(0);
    expect(await rest.experiments(dataset.id)).toEqual([]);
    expect((await rest.send("GET", `/v1/experiments/${experiment!.id}`)).status).toBe(404);
  });
});
