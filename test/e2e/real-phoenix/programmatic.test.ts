import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { evaluateExperiment, logExperiment, phoenix, PhoenixDatasetError } from "../../../src/phoenix/index.js";
import { runExperiment } from "../../../src/programmatic/run-experiment.js";
import { REPO_ROOT, runNode } from "../../support/fixture-project.js";
import { realPhoenixMissing, startRealPhoenix, type RealPhoenix } from "../../support/real-phoenix.js";
import { PhoenixRest, runKeys } from "./read-back.js";

/**
 * The programmatic API (runExperiment, phoenix.dataset, logExperiment, evaluateExperiment) and the
 * built CLI's log and annotate against the real Phoenix server (SQLite).
 */

const CLI = join(REPO_ROOT, "dist/cli.js");

describe.skipIf(realPhoenixMissing).sequential("the programmatic API against the real Phoenix server", () => {
  let server: RealPhoenix;
  let rest: PhoenixRest;
  let dir: string;
  let golden: { dataset_id: string; version_id: string };
  let second: { dataset_id: string; version_id: string };
  beforeAll(async () => {
    server = await startRealPhoenix({ database: "sqlite" });
    rest = new PhoenixRest(server.url);
    dir = await mkdtemp(join(tmpdir(), "real-phoenix-api-"));
    golden = await rest.upload({
      name: "golden",
      inputs: [{ a: 1, b: 1 }, { a: 2, b: 5 }, { a: 3, b: 3 }],
      outputs: [{ sum: 2 }, { sum: 7 }, { sum: 6 }],
      splits: ["test", "train", "test"],
      example_ids: ["one", "two", "three"],
    });
    second = await rest.upload({
      name: "golden",
      action: "update",
      inputs: [{ a: 1, b: 1 }, { a: 2, b: 5 }, { a: 3, b: 3 }, { a: 4, b: 4 }],
      outputs: [{ sum: 2 }, { sum: 7 }, { sum: 6 }, { sum: 8 }],
      splits: ["test", "train", "test", "train"],
      example_ids: ["one", "two", "three", "four"],
    });
    for (const method of ["log", "warn"] as const) vi.spyOn(console, method).mockImplementation(() => {});
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const phoenixOptions = () => ({ host: server.url });
  const sum = ({ input }: { input: { a: number; b: number } }) => input.a + input.b;
  const correct = ({ output, expected }: { output: number; expected: { sum: number } }) => ({ score: output === expected.sum ? 1 : 0, label: output === expected.sum ? "correct" : "wrong" });

  test("phoenix.dataset() by name, id, version and splits", async () => {
    const client = phoenixOptions();
    const byName = await phoenix.dataset({ name: "golden" }, { client });
    expect(byName.examples.map((e) => e.id)).toEqual(["one", "two", "three", "four"]);
    expect(byName.phoenix).toEqual({ datasetId: second.dataset_id, versionId: second.version_id });
    const byId = await phoenix.dataset({ id: golden.dataset_id }, { client });
    expect(byId.name).toBe("golden");
    const firstVersion = await phoenix.dataset({ name: "golden" }, { client, versionId: golden.version_id });
    expect(firstVersion.examples.map((e) => e.id)).toEqual(["one", "two", "three"]);
    const train = await phoenix.dataset({ name: "golden" }, { client, splits: ["train"] });
    expect(train.examples.map((e) => e.id)).toEqual(["two", "four"]);
    expect(train.phoenix?.splits).toEqual(["train"]);
    await expect(phoenix.dataset({ name: "golden" }, { client, splits: ["nope"] })).rejects.toThrow(/Dataset splits not found: nope/);
    await expect(phoenix.dataset({ name: "missing" }, { client })).rejects.toBeInstanceOf(PhoenixDatasetError);
  });

  test("runExperiment() returns the server's ids; on a split and a version, without a name, Phoenix counts nothing missing", async () => {
    const ran = await runExperiment({
      dataset: phoenix.dataset({ name: "golden" }, { client: phoenixOptions(), splits: ["test"], versionId: golden.version_id }),
      task: sum,
      evaluators: { correct },
      repetitions: 2,
      storeDir: join(dir, "store"),
      phoenix: phoenixOptions(),
    });
    const held = await rest.experiment(ran.experimentId);
    expect(ran.datasetId).toBe(golden.dataset_id);
    expect(ran.datasetVersionId).toBe(golden.version_id);
    expect(ran.projectName).toBe(held.project_name);
    expect(held.name).toMatch(/^golden-[0-9a-f]{8}$/);
    expect(held.name).toBe(ran.result.experiment.name);
    expect(held).toMatchObject({ dataset_version_id: golden.version_id, example_count: 2, successful_run_count: 4, failed_run_count: 0, missing_run_count: 0 });
    const runs = await rest.runs(ran.experimentId);
    const examples = new Map((await rest.examples(golden.dataset_id)).map((e) => [e.node_id, e.id]));
    expect(runKeys(runs, (id) => examples.get(id)!)).toEqual(["one#1", "one#2", "three#1", "three#2"]);
    const serverRunIds = new Set(Object.values(ran.phoenix!.runIds));
    expect(serverRunIds.size).toBe(4);

    const dry = await runExperiment({ dataset: phoenix.dataset({ name: "golden" }, { client: phoenixOptions() }), task: sum, dryRun: 2, storeDir: false, phoenix: phoenixOptions() });
    expect(dry.taskRuns).toHaveLength(2);
    expect(dry.phoenix).toBeUndefined();
    expect(await rest.experiments(golden.dataset_id)).toHaveLength(1);
  });

  test("evaluateExperiment() adds evaluations to an experiment on Phoenix, by its Phoenix id", async () => {
    const ran = await runExperiment({ experimentName: "to-evaluate", dataset: phoenix.dataset({ name: "golden" }, { client: phoenixOptions() }), task: sum, storeDir: false, phoenix: phoenixOptions() });
    const evaluated = await evaluateExperiment({
      experiment: ran.experimentId,
      evaluators: { later: ({ output, expected }: { output: number; expected: { sum: number } }) => ({ score: output === expected.sum ? 1 : 0, explanation: `got ${output}` }) },
      storeDir: false,
      phoenix: phoenixOptions(),
    });
    expect(evaluated.source).toBe("phoenix");
    expect(evaluated.uploaded).toBe(4);
    const runs = await rest.runs(ran.experimentId);
    const later = runs.map((r) => r.annotations.find((a) => a.name === "later"));
    expect(later.map((a) => [a?.score, a?.annotator_kind])).toEqual(Array(4).fill([1, "CODE"]));
    expect(later.map((a) => a?.explanation).sort()).toEqual(["got 2", "got 6", "got 7", "got 8"]);
  });

  test("logExperiment() and `vitest-experiments log` record pre-computed runs; `annotate` upserts human labels", async () => {
    const logged = await logExperiment({
      name: "offline",
      dataset: phoenix.dataset({ name: "golden" }, { client: phoenixOptions() }),
      runs: [
        { example_id: "one", output: 2, score: 1, why: "right" },
        { example_id: "two", output: 8, score: 0, why: "off by one" },
      ],
      taskFields: { exampleId: "example_id", output: "output" },
      evaluatorColumns: { correctness: { score: "score", explanation: "why", kind: "LLM" } },
      storeDir: join(dir, "log-store"),
      phoenix: phoenixOptions(),
      printSummary: false,
    });
    const held = await rest.experiment(logged.experimentId);
    // Phoenix counts the examples that were not logged as missing: the log holds 2 of 4.
    expect(held).toMatchObject({ name: "offline", example_count: 4, successful_run_count: 2, missing_run_count: 2 });
    const runs = await rest.runs(logged.experimentId);
    expect(runs.map((r) => r.annotations.map((a) => [a.name, a.score, a.explanation, a.annotator_kind])).sort()).toEqual([
      [["correctness", 0, "off by one", "LLM"]],
      [["correctness", 1, "right", "LLM"]],
    ]);

    const project = await mkdtemp(join(dir, "cli-"));
    await writeFile(join(project, "set.jsonl"), '{"id":"x","input":{"q":"x"},"output":"X"}\n{"id":"y","input":{"q":"y"},"output":"Y"}\n');
    await writeFile(join(project, "runs.csv"), "example_id,output,score\nx,X,1\ny,z,0\n");
    const env = { PHOENIX_HOST: server.url };
    const log = await runNode([CLI, "log", "--dataset", "set.jsonl", "--file", "runs.csv", "--name", "cli-log", "--evaluator", "score"], project, env);
    expect(log.exitCode, log.output).toBe(0);
    const dataset = (await rest.dataset("set"))!;
    const [cliLogged] = await rest.experiments(dataset.id);
    expect(cliLogged).toMatchObject({ name: "cli-log", example_count: 2, successful_run_count: 2, missing_run_count: 0 });

    await writeFile(join(project, "labels.jsonl"), `${JSON.stringify({ example_id: "y", repetition: 1, name: "reviewed", label: "wrong", score: 0, explanation: "z is not Y" })}\n`);
    const annotate = await runNode([CLI, "annotate", cliLogged!.id, "--file", "labels.jsonl"], project, env);
    expect(annotate.exitCode, annotate.output).toBe(0);
    const annotated = (await rest.runs(cliLogged!.id)).flatMap((r) => r.annotations.filter((a) => a.name === "reviewed"));
    expect(annotated.map((a) => [a.label, a.score, a.explanation, a.annotator_kind])).toEqual([["wrong", 0, "z is not Y", "HUMAN"]]);
  });
});
