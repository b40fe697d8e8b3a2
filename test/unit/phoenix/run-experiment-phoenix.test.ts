import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { phoenix, PhoenixClient } from "../../../src/phoenix/index.js";
import { runExperiment } from "../../../src/programmatic/run-experiment.js";
import { useCleanups } from "../../support/cleanups.js";

const dataset = {
  name: "arithmetic",
  examples: [
    { id: "add", input: { a: 2, b: 2 }, output: 4 },
    { id: "mul", input: { a: 3, b: 3 }, output: 9 },
  ],
};
const task = ({ input }: { input: { a: number; b: number } }) => input.a + input.b;
const evaluators = {
  correct: ({ output, expected }: { output: unknown; expected: unknown }) => output === expected,
  positive: ({ output }: { output: number }) => ({ score: output > 0 ? 1 : 0, explanation: "sign" }),
};

const cleanups = useCleanups();
afterEach(() => {
  vi.restoreAllMocks();
});

function quietConsole(): string[] {
  const written: string[] = [];
  for (const method of ["log", "warn"] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void written.push(args.join(" ")));
  return written;
}

describe("runExperiment() with Phoenix", () => {
  it("creates the experiment on the server, uploads every run and evaluation, and returns the server's ids", async () => {
    const server = await cleanups.fakePhoenix();
    const written = quietConsole();
    const ran = await runExperiment({ experimentName: "arith", dataset, task, evaluators, repetitions: 2, storeDir: await cleanups.tempDir("run-experiment-phoenix-"), phoenix: { host: server.url } });
    const { state } = server;
    expect(state.violations).toEqual([]);
    expect(state.experiments).toHaveLength(1);
    const experiment = state.experimentJson(state.experiments[0]!);
    expect(ran.experimentId).toBe(experiment.id);
    expect(ran.datasetId).toBe(experiment.dataset_id);
    expect(ran.datasetVersionId).toBe(experiment.dataset_version_id);
    expect(ran.projectName).toBe(experiment.project_name);
    expect(ran.projectName).toMatch(/^Experiment-/);
    expect(ran.localExperimentId).toBe(ran.result.experiment.id);
    expect(ran.taskRuns.every((r) => r.experimentId === ran.localExperimentId)).toBe(true);
    expect(experiment.repetitions).toBe(2);
    expect(experiment.successful_run_count).toBe(4);
    expect(state.evaluationsOf(experiment.id)).toHaveLength(8);
    // Each local run maps to the server run holding it.
    const serverRuns = new Map(state.runsOf(experiment.id).map((r) => [state.runJson(r).id, r]));
    expect(Object.keys(ran.phoenix!.runIds).sort()).toEqual(ran.taskRuns.map((r) => r.runId).sort());
    for (const run of ran.taskRuns) expect(serverRuns.get(ran.phoenix!.runIds[run.runId]!)?.repetition).toBe(run.repetition);
    expect(ran.phoenix!.url).toBe(`${server.url}/datasets/${experiment.dataset_id}/compare?experimentId=${experiment.id}`);
    expect(written.join("\n")).toContain(ran.phoenix!.url);
  });

  it("runs a Phoenix dataset on its own version without uploading it again", async () => {
    const server = await cleanups.fakePhoenix();
    const client = new PhoenixClient({ host: server.url, headers: {} });
    cleanups.add(() => client.close());
    const uploaded = await client.uploadDataset({ name: "golden", inputs: [{ a: 1, b: 1 }, { a: 2, b: 5 }], outputs: [{ sum: 2 }, { sum: 7 }], example_ids: ["one", "two"] });
    if ("conflict" in uploaded) throw new Error("unexpected conflict");
    quietConsole();
    const uploadsBefore = server.state.count("POST", "/v1/datasets/upload");
    const ran = await runExperiment({
      experimentName: "golden-run",
      dataset: phoenix.dataset({ name: "golden" }, { client: { host: server.url } }),
      task,
      evaluators: { correct: ({ output, expected }: { output: number; expected: { sum: number } }) => output === expected.sum },
      storeDir: false,
      phoenix: { host: server.url },
    });
    expect(server.state.count("POST", "/v1/datasets/upload")).toBe(uploadsBefore);
    expect(ran.datasetId).toBe(uploaded.dataset_id);
    expect(ran.datasetVersionId).toBe(uploaded.version_id);
    expect(ran.taskRuns.map((r) => r.exampleId)).toEqual(["one", "two"]);
    expect(server.state.runsOf(ran.experimentId)).toHaveLength(2);
    expect(server.state.evaluationsOf(ran.experimentId).map((e) => e.result?.score)).toEqual([1, 1]);
  });

  it("creates an experiment on a Phoenix dataset split with its splits, so the examples outside it are not counted as missing", async () => {
    const server = await cleanups.fakePhoenix();
    const client = new PhoenixClient({ host: server.url, headers: {} });
    cleanups.add(() => client.close());
    await client.uploadDataset({ name: "split-set", inputs: [{ a: 1, b: 1 }, { a: 2, b: 2 }, { a: 3, b: 3 }], outputs: [{ sum: 2 }, { sum: 4 }, { sum: 6 }], splits: ["test", "train", "test"], example_ids: ["one", "two", "three"] });
    quietConsole();
    const ran = await runExperiment({
      experimentName: "on-test",
      dataset: phoenix.dataset({ name: "split-set" }, { splits: ["test"], client: { host: server.url } }),
      task,
      storeDir: false,
      phoenix: { host: server.url },
    });
    expect(ran.taskRuns.map((r) => r.exampleId)).toEqual(["one", "three"]);
    const experiment = server.state.experimentJson(server.state.experiments[0]!);
    expect([experiment.example_count, experiment.successful_run_count, experiment.missing_run_count]).toEqual([2, 2, 0]);
  });

  it("names an experiment without experimentName the way Phoenix does, from its dataset (dry run and uploaded)", async () => {
    const server = await cleanups.fakePhoenix();
    quietConsole();
    const dry = await runExperiment({ dataset, task, dryRun: 2, storeDir: false, phoenix: { host: server.url } });
    expect(dry.result.experiment.name).toMatch(/^arithmet-[0-9a-f]{8}$/);
    expect(dry.taskRuns).toHaveLength(2);
    const spaced = await runExperiment({ dataset: { ...dataset, name: "my set one" }, task, experimentName: "  ", storeDir: false, phoenix: { host: server.url } });
    expect(spaced.result.experiment.name).toMatch(/^my-set-o-[0-9a-f]{8}$/);
    expect(server.state.experiments.map((e) => e.name)).toEqual([spaced.result.experiment.name]);
  });

  it("runs each experiment on a version holding exactly its examples, even when Phoenix answers an unchanged upload with an older version (SQLite, same second)", async () => {
    const server = await cleanups.fakePhoenix({ database: "sqlite" });
    quietConsole();
    const run = (ids: string[]) =>
      runExperiment({ experimentName: ids.join(""), dataset: { name: "tie", examples: ids.map((id) => ({ id, input: { a: 1, b: 1 }, output: 2 })) }, task, storeDir: false, phoenix: { host: server.url } });
    await run(["a", "b"]);
    const second = await run(["a", "b", "c"]);
    const third = await run(["a", "b", "c"]);
    expect(third.datasetVersionId).toBe(second.datasetVersionId);
    const experiment = server.state.experimentJson(server.state.experiments[2]!);
    expect([experiment.example_count, experiment.missing_run_count]).toEqual([3, 0]);
  });

  it("refuses a Phoenix older than 15.0.0 before writing anything, once per experiment, and keeps the upload pending", async () => {
    const { createServer } = await import("node:http");
    const writes: string[] = [];
    const old = createServer((req, res) => {
      if (req.method !== "GET") writes.push(`${req.method} ${req.url}`);
      res.writeHead(200, { "content-type": "application/json", "x-phoenix-server-version": "14.9.2" });
      res.end(req.url === "/arize_phoenix_version" ? "14.9.2" : JSON.stringify({ data: [], next_cursor: null }));
    });
    await new Promise<void>((resolve) => old.listen(0, "127.0.0.1", resolve));
    cleanups.add(() => new Promise((resolve) => old.close(resolve)));
    const written = quietConsole();
    const host = `http://127.0.0.1:${(old.address() as { port: number }).port}`;
    const ran = await runExperiment({ experimentName: "arith", dataset, task, storeDir: await cleanups.tempDir("old-phoenix-"), phoenix: { host } });
    expect(ran.phoenix).toBeUndefined();
    expect(writes).toEqual([]);
    const warnings = written.filter((line) => line.includes("14.9.2"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`Phoenix at ${host} is version 14.9.2; vitest-experiments needs Phoenix 15.0.0 or newer`);
  });

  it("keeps the local ids when nothing reached Phoenix (dry run, upload off)", async () => {
    const server = await cleanups.fakePhoenix();
    quietConsole();
    const dry = await runExperiment({ experimentName: "arith", dataset, task, evaluators, dryRun: true, storeDir: false, phoenix: { host: server.url } });
    expect(dry.experimentId).toBe(dry.result.experiment.id);
    expect(dry.localExperimentId).toBeUndefined();
    expect(dry.phoenix).toBeUndefined();
    const off = await runExperiment({ experimentName: "arith", dataset, task, evaluators, storeDir: false, phoenix: false });
    expect(off.projectName).toBeNull();
    expect(server.state.requests).toEqual([]);
  });
});
