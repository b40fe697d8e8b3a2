import {
  annotateExperimentRuns,
  appendExamples,
  appendExperimentRuns,
  createClient,
  createDataset,
  createExperiment,
  deleteExperiment,
  getExperiment,
  listDatasetExamples,
  listDatasets,
  listExperimentRuns,
  listExperiments,
  listSpaces,
} from "@arizeai/ax-client";
import { afterEach, describe, expect, test, vi } from "vitest";
import { startFakeArize, type FakeArize } from "../../support/fake-arize/index.js";

/**
 * The fake AX server is proved against Arize's own TypeScript client: calls the official
 * `@arizeai/ax-client` makes succeed against it and read back what was written. A fake that merely
 * mirrored this package's client would not pass.
 */

const KEY = "ax-test-key-0123456789";
let server: FakeArize | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

describe("the fake Arize AX server, driven by @arizeai/ax-client", () => {
  test("spaces, datasets, examples, experiments, runs, annotations and delete round-trip with no contract violation", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    server = await startFakeArize({ apiKey: KEY, spaces: ["team-space"] });
    server.state.addAnnotationConfig(server.spaceId, "accuracy");
    const client = createClient({ apiKey: KEY, baseUrl: server.url });

    const spaces = await listSpaces({ client, name: "team" });
    expect(spaces.data.map((s) => s.name)).toEqual(["team-space"]);

    const dataset = await createDataset({ client, space: server.spaceId, name: "capitals", examples: [{ question: "France?", answer: "Paris" }, { question: "Italy?", answer: "Rome" }] });
    expect(Buffer.from(dataset.id, "base64").toString()).toMatch(/^Dataset:/);
    // By name within a space name: the client resolves both through the list endpoints.
    const appended = await appendExamples({ client, dataset: "capitals", space: "team-space", examples: [{ question: "Spain?", answer: "Madrid" }] });
    expect(appended.exampleIds).toHaveLength(1);
    const examples = await listDatasetExamples({ client, dataset: dataset.id, limit: 2 });
    expect(examples.data).toHaveLength(2);
    expect(examples.pagination.hasMore).toBe(true);
    const rest = await listDatasetExamples({ client, dataset: dataset.id, limit: 2, cursor: examples.pagination.nextCursor! });
    expect(rest.data.map((e) => e.question)).toEqual(["Spain?"]);
    expect((await listDatasets({ client, space: server.spaceId })).data.map((d) => d.name)).toEqual(["capitals"]);

    const [france, italy] = examples.data;
    const experiment = await createExperiment({ client, experimentName: "baseline", dataset: dataset.id, experimentRuns: [{ exampleId: france!.id, output: "Paris", "eval.exact.score": 1 }] });
    const more = await appendExperimentRuns({ client, experiment: experiment.id, experimentRuns: [{ exampleId: italy!.id, output: "Milan", "eval.exact.score": 0 }] });
    expect(more.runIds).toHaveLength(1);
    expect((await getExperiment({ client, experiment: experiment.id })).name).toBe("baseline");
    expect((await listExperiments({ client, dataset: dataset.id })).data.map((e) => e.id)).toEqual([experiment.id]);
    // By name within the dataset, as the seeds' `get(experiment=name, dataset=…)`.
    expect((await getExperiment({ client, experiment: "baseline", dataset: dataset.id })).id).toBe(experiment.id);

    const runs = await listExperimentRuns({ client, experiment: experiment.id });
    expect(runs.data.map((r) => [r.output, r["eval.exact.score"]])).toEqual([["Paris", 1], ["Milan", 0]]);
    await annotateExperimentRuns({ client, experiment: experiment.id, annotations: [{ recordId: runs.data[1]!.id, values: [{ name: "accuracy", label: "wrong", score: 0 }] }] });
    const annotated = await listExperimentRuns({ client, experiment: experiment.id });
    expect(annotated.data[1]!.annotations?.map((a) => [a.name, a.label, a.score])).toEqual([["accuracy", "wrong", 0]]);

    await deleteExperiment({ client, experiment: experiment.id });
    await expect(getExperiment({ client, experiment: experiment.id })).rejects.toThrow();
    expect(server.state.violations).toEqual([]);
  });

  test("the official client's errors: 401 without the key, 409 for a taken name, 422 for an unknown example", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    server = await startFakeArize({ apiKey: KEY });
    await expect(listSpaces({ client: createClient({ apiKey: "wrong-key", baseUrl: server.url }) })).rejects.toThrow(/401|Unauthorized|invalid API key/i);
    const client = createClient({ apiKey: KEY, baseUrl: server.url });
    const dataset = await createDataset({ client, space: server.spaceId, name: "d", examples: [{ q: 1 }] });
    await expect(createDataset({ client, space: server.spaceId, name: "d", examples: [{ q: 2 }] })).rejects.toThrow();
    await expect(createExperiment({ client, experimentName: "e", dataset: dataset.id, experimentRuns: [{ exampleId: "RGF0YXNldEV4YW1wbGU6OTk5", output: "x" }] })).rejects.toThrow(/not an example/);
    // The refused run is a contract breach the fake records; the 409 is not.
    expect(server.state.violations.map((v) => v.path)).toEqual(["/v2/experiments"]);
  });
});
