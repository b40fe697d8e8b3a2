import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { logExperiment, LogExperimentError, readRunsFile } from "../../../src/phoenix/index.js";
import { openStore } from "../../../src/store/index.js";
import { useCleanups } from "../../support/cleanups.js";

const dataset = {
  name: "capitals",
  examples: [
    { id: "fr", input: { q: "France" }, output: "Paris" },
    { id: "it", input: { q: "Italy" }, output: "Rome" },
  ],
};

const cleanups = useCleanups();

const silent = { log: () => {}, warn: () => {} };

describe("logExperiment()", () => {
  it("records pre-computed runs and their evaluations in the local store and on Phoenix", async () => {
    const server = await cleanups.fakePhoenix();
    const dir = await cleanups.tempDir("log-experiment-");
    const logged = await logExperiment({
      name: "offline-eval",
      dataset,
      runs: [
        { example_id: "fr", output: "Paris", correctness_score: 1, correctness_label: "correct", why: "matches" },
        { example_id: "it", output: "Milan", correctness_score: 0, correctness_label: "incorrect", why: "wrong city" },
        { example_id: "it", output: "Rome", correctness_score: "1", correctness_label: "correct" },
      ],
      taskFields: { exampleId: "example_id", output: "output" },
      evaluatorColumns: { correctness: { score: "correctness_score", label: "correctness_label", explanation: "why", kind: "LLM" } },
      metadata: { source: "notebook" },
      storeDir: dir,
      phoenix: { host: server.url },
      output: silent,
    });
    // The second row of an example is its second repetition.
    expect(logged.runs.map((r) => `${r.exampleId}#${r.repetition}`)).toEqual(["fr#1", "it#1", "it#2"]);
    expect(logged.result.experiment.repetitions).toBe(2);
    expect(logged.result.stats.evaluators[0]).toMatchObject({ name: "correctness", count: 3, labels: { correct: 2, incorrect: 1 } });

    const store = openStore(dir);
    cleanups.add(() => store.close());
    const stored = await store.readExperiment(logged.localExperimentId);
    expect(stored?.runs).toHaveLength(3);
    expect(stored?.result?.status).toBe("passed");
    expect(stored?.experiment.metadata).toEqual({ source: "notebook" });

    const { state } = server;
    expect(state.violations).toEqual([]);
    expect(logged.experimentId).toBe(state.experimentJson(state.experiments[0]!).id);
    expect(state.experiments[0]!.repetitions).toBe(2);
    expect(state.runsOf(logged.experimentId).map((r) => r.output)).toEqual(["Paris", "Milan", "Rome"]);
    const evaluations = state.evaluationsOf(logged.experimentId);
    expect(evaluations.map((e) => [e.result?.score, e.result?.label, e.result?.explanation, e.annotatorKind])).toEqual([
      [1, "correct", "matches", "LLM"],
      [0, "incorrect", "wrong city", "LLM"],
      [1, "correct", null, "LLM"],
    ]);
  });

  it("records failed runs and skips evaluations whose cells are empty", async () => {
    const logged = await logExperiment({
      name: "with-errors",
      dataset,
      runs: [
        { id: "fr", answer: "Paris", rep: 2, err: "", score: "" },
        { id: "it", answer: null, rep: "1", err: "timeout", score: "" },
      ],
      taskFields: { exampleId: "id", output: "answer", repetition: "rep", error: "err" },
      evaluatorColumns: { exact: { score: "score" } },
      storeDir: false,
      phoenix: false,
      output: silent,
    });
    expect(logged.runs.map((r) => [r.exampleId, r.repetition, r.status, r.evaluations.length])).toEqual([
      ["fr", 2, "ok", 0],
      ["it", 1, "error", 0],
    ]);
    expect(logged.runs[1]!.error).toEqual({ name: "Error", message: "timeout" });
  });

  it("names the row and the column of every bad value", async () => {
    const log = (runs: Record<string, unknown>[], extra: object = {}) =>
      logExperiment({ name: "bad", dataset, runs, evaluatorColumns: { c: { score: "s" } }, storeDir: false, phoenix: false, output: silent, ...extra });
    await expect(log([{ example_id: "fr", output: 1 }, { output: 2 }])).rejects.toThrow('runs row 2 column "example_id": missing; the row has "output"');
    await expect(log([{ example_id: "de", output: 1 }])).rejects.toThrow('runs row 1 column "example_id": dataset "capitals" has no example with id "de" (its ids include "fr", "it")');
    await expect(log([{ example_id: "fr", output: 1, s: "high" }])).rejects.toThrow('runs row 1 column "s": expected a score (a finite number or a boolean), got "high"');
    await expect(log([{ example_id: "fr", output: 1, r: 1 }, { example_id: "fr", output: 2, r: 1 }], { taskFields: { repetition: "r" } })).rejects.toThrow(
      "runs row 2: example \"fr\" repetition 1 was already given at runs row 1",
    );
    await expect(log([{ example_id: "fr" }])).rejects.toThrow('runs row 1 column "output": missing');
    await expect(log([])).rejects.toBeInstanceOf(LogExperimentError);
  });

  it("reads runs files with the line of each row", async () => {
    const dir = await cleanups.tempDir("log-experiment-");
    await writeFile(join(dir, "runs.csv"), "example_id,output\nfr,Paris\n\nit,Rome\n");
    expect((await readRunsFile(join(dir, "runs.csv"), "runs.csv")).map((r) => [r.where, r.values])).toEqual([
      ["runs.csv:2", { example_id: "fr", output: "Paris" }],
      ["runs.csv:4", { example_id: "it", output: "Rome" }],
    ]);
    await writeFile(join(dir, "runs.jsonl"), '{"example_id":"fr"}\n\n[1]\n');
    await expect(readRunsFile(join(dir, "runs.jsonl"), "runs.jsonl")).rejects.toThrow("runs.jsonl:3: expected an object of column → value, got an array");
    await writeFile(join(dir, "runs.json"), '[{"example_id":"fr"}, 3]');
    await expect(readRunsFile(join(dir, "runs.json"), "runs.json")).rejects.toThrow("runs.json item 2: expected an object");
    await expect(readRunsFile(join(dir, "runs.txt"), "runs.txt")).rejects.toThrow("runs.txt: runs file not found");
  });
});

describe("vitest-experiments log", () => {
  async function cli(cwd: string, env: Record<string, string>, ...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await runCli(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } }, { cwd, env });
    return { code, stdout, stderr };
  }

  it("logs a CSV of runs against a dataset file, with evaluator columns, to the store and Phoenix", async () => {
    const server = await cleanups.fakePhoenix();
    const dir = await cleanups.tempDir("log-experiment-");
    await writeFile(join(dir, "capitals.jsonl"), dataset.examples.map((e) => JSON.stringify(e)).join("\n"));
    await writeFile(join(dir, "runs.csv"), "example_id,output,correctness_score,correctness_label\nfr,Paris,1,correct\nit,Milan,0,incorrect\n");
    const { code, stdout, stderr } = await cli(
      dir,
      { PHOENIX_HOST: server.url },
      "log", "--dataset", "capitals.jsonl", "--file", "runs.csv", "--name", "offline",
      "--example-id-column", "example_id", "--output-column", "output", "--evaluator", "correctness:score=correctness_score,label=correctness_label",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/Logged experiment offline \(\S+\): 2 runs → http:\/\/127\.0\.0\.1:\d+\/datasets\//);
    const { state } = server;
    expect(state.violations).toEqual([]);
    expect(state.datasets.map((d) => d.name)).toEqual(["capitals"]);
    expect(state.runs).toHaveLength(2);
    expect(state.evaluations.map((e) => [e.name, e.result?.score, e.result?.label])).toEqual([
      ["correctness", 1, "correct"],
      ["correctness", 0, "incorrect"],
    ]);
    const list = await cli(dir, {}, "list");
    expect(list.stdout).toContain("offline");
  });

  it("logs against a Phoenix dataset by name, and explains a bad row or a bad --evaluator", async () => {
    const server = await cleanups.fakePhoenix();
    const dir = await cleanups.tempDir("log-experiment-");
    await fetch(`${server.url}/v1/datasets/upload?sync=true`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "golden", inputs: [{ q: 1 }], outputs: [{ a: 1 }], example_ids: ["one"] }),
    });
    await writeFile(join(dir, "runs.jsonl"), '{"example_id":"one","output":1,"ok":true}\n');
    const ok = await cli(dir, { PHOENIX_HOST: server.url }, "log", "--dataset", "golden", "--file", "runs.jsonl", "--evaluator", "ok");
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(server.state.count("POST", "/v1/datasets/upload")).toBe(1);
    expect(server.state.evaluations.map((e) => e.result?.score)).toEqual([1]);

    await writeFile(join(dir, "bad.jsonl"), '{"example_id":"one","output":1}\n{"example_id":"two","output":2}\n');
    const bad = await cli(dir, { PHOENIX_HOST: server.url }, "log", "--dataset", "golden", "--file", "bad.jsonl");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: bad.jsonl:2 column "example_id": dataset "golden" has no example with id "two"');

    const spec = await cli(dir, {}, "log", "--dataset", "x.jsonl", "--file", "runs.jsonl", "--evaluator", "c:scor=x");
    expect(spec.code).toBe(1);
    expect(spec.stderr).toContain('--evaluator "c:scor=x": unknown key "scor"');
    const missing = await cli(dir, {}, "log", "--dataset", "nowhere", "--file", "runs.jsonl");
    expect(missing.stderr).toContain('--dataset "nowhere": no such file, and PHOENIX_HOST is not set');
  });
});
