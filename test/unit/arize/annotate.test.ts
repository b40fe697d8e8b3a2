import { describe, expect, test } from "vitest";
import { annotateArizeRuns } from "../../../src/arize/annotate.js";
import { client, fake } from "./helpers.js";

describe("annotateArizeRuns", () => {
  test("upserts by name in requests of at most 1,000 runs, addressed by AX run id or example + repetition", async () => {
    const server = await fake();
    server.state.addAnnotationConfig(server.spaceId, "quality");
    const c = client(server);
    const dataset = await c.createDataset({ name: "d", space_id: server.spaceId, examples: Array.from({ length: 1500 }, (_, i) => ({ n: i })) });
    if ("conflict" in dataset) throw new Error("unexpected conflict");
    const examples = await c.listExamples(dataset.id);
    const rows = examples.map((e) => ({ example_id: e.id, output: String(e.n), repetition: 1 }));
    const created = await c.createExperiment({ name: "e", dataset_id: dataset.id, experiment_runs: rows.slice(0, 1000) });
    if ("conflict" in created) throw new Error("unexpected conflict");
    await c.insertRuns(created.id, rows.slice(1000));
    const runs = await c.listRuns(created.id);

    const annotations = [
      ...runs.slice(0, 1499).map((r) => ({ runId: r.id, name: "quality", score: 1, label: "good" })),
      { exampleId: examples[1499]!.id, name: "quality", label: "bad", explanation: "off topic" },
    ];
    const report = await annotateArizeRuns(c, created, annotations);
    expect(report.upserted).toBe(1500);
    const posts = server.state.requests.filter((r) => r.path.endsWith("/runs/annotate"));
    expect(posts.map((r) => (JSON.parse(r.rawBody) as { annotations: unknown[] }).annotations.length)).toEqual([1000, 500]);
    // Upsert: the same name again replaces, never adds.
    await annotateArizeRuns(c, created, [{ runId: runs[0]!.id, name: "quality", score: 0, label: "bad" }]);
    const stored = server.state.runsOf(created.id);
    expect(stored[0]!.annotations).toMatchObject([{ name: "quality", score: 0, label: "bad" }]);
    expect(stored[1499]!.annotations).toMatchObject([{ name: "quality", label: "bad", text: "off topic" }]);
    await expect(annotateArizeRuns(c, created, [{ exampleId: "nope", name: "quality", score: 1, where: "notes.jsonl:3" }])).rejects.toThrow(/notes\.jsonl:3 column "example_id": .*no run for example "nope" repetition 1/);
    expect(server.state.violations).toEqual([]);
  });
});
