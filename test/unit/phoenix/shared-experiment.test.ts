import { afterEach, describe, expect, it } from "vitest";
import { PhoenixClient } from "../../../src/phoenix/client.js";
import { RUN_ID_METADATA_KEY } from "../../../src/phoenix/experiment-upload.js";
import { createPhoenixSink } from "../../../src/sinks/phoenix-sink.js";
import { inShard } from "../../../src/record/shard.js";
import type { Example } from "../../../src/datasets/types.js";
import type { ExperimentDescriptor } from "../../../src/record/types.js";
import { startFakePhoenix, type FakePhoenix } from "../../support/fake-phoenix/index.js";
import { realPhoenixMissing, startRealPhoenix } from "../../support/real-phoenix.js";
import { descriptor, examples, result, run } from "./records.js";

/**
 * Shards of one CI run, each with its own client and sink as on its own machine, started at the
 * same moment against one (fake) Phoenix: one experiment must come out, holding every run.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(): Promise<FakePhoenix> {
  const server = await startFakePhoenix();
  cleanups.push(() => server.close());
  return server;
}

function machine(server: { url: string }) {
  const client = new PhoenixClient({ host: server.url, headers: {} }, { retry: { minDelayMs: 1, maxDelayMs: 8 } });
  cleanups.push(() => client.close());
  const warnings: string[] = [];
  const sink = createPhoenixSink({ client, output: { log: () => undefined, warn: (t) => void warnings.push(t) }, resumePending: false });
  return { sink, warnings };
}

function shardOf(id: string, list: readonly Example[], index: number, count: number, runId: string | undefined): ExperimentDescriptor {
  const runs = list.filter((e) => inShard(e.id, 1, { index, count })).length;
  return descriptor(id, list, { shard: { index, count, runs }, ...(runId !== undefined ? { runId } : {}) });
}

/** One shard's upload: the whole dataset announced, only its share of the runs posted. */
async function runShard(server: { url: string }, list: readonly Example[], index: number, count: number, runId: string | undefined) {
  const { sink, warnings } = machine(server);
  const experiment = shardOf(`local-${runId}-${index}`, list, index, count, runId);
  await sink.experimentStarted!(experiment, list);
  const mine = list.filter((e) => inShard(e.id, 1, experiment.shard));
  for (const example of mine) await sink.runCompleted!(run(experiment, example), experiment);
  await sink.experimentFinished!(result(experiment, mine.length));
  await sink.close!();
  return { experiment, warnings, posted: mine.length };
}

describe("shards of one CI run share one Phoenix experiment", () => {
  it("concurrent shards converge on one experiment with every run, on the whole dataset's version", async () => {
    const server = await fake();
    const list = examples(40);
    const shards = await Promise.all([1, 2, 3, 4].map((index) => runShard(server, list, index, 4, "ci-7")));
    expect(shards.reduce((sum, s) => sum + s.posted, 0)).toBe(40);
    expect(shards.flatMap((s) => s.warnings)).toEqual([]);

    const { state } = server;
    expect(state.violations).toEqual([]);
    expect(state.experiments).toHaveLength(1);
    const [experiment] = state.experiments;
    expect(experiment!.metadata[RUN_ID_METADATA_KEY]).toBe("ci-7");
    expect(experiment!.exampleRowIds).toHaveLength(40);
    const id = state.experimentJson(experiment!).id;
    const runs = state.runsOf(id);
    expect(runs).toHaveLength(40);
    expect(new Set(runs.map((r) => r.exampleRowId)).size).toBe(40);
    expect(state.evaluationsOf(id)).toHaveLength(120);
    // Experiments that lost the race were deleted before any run was posted to them.
    const creates = state.requests.filter((r) => r.method === "POST" && /\/experiments$/.test(r.path)).length;
    const deletes = state.requests.filter((r) => r.method === "DELETE").length;
    expect(creates - deletes).toBe(1);
  });

  it("a shard that starts after the experiment exists joins it without creating a dataset version", async () => {
    const server = await fake();
    const list = examples(12);
    await runShard(server, list, 1, 3, "ci-8");
    const versions = server.state.datasets[0]!.versions.length;
    await runShard(server, list, 2, 3, "ci-8");
    await runShard(server, list, 3, 3, "ci-8");
    expect(server.state.datasets[0]!.versions).toHaveLength(versions);
    expect(server.state.experiments).toHaveLength(1);
    expect(server.state.runsOf(server.state.experimentJson(server.state.experiments[0]!).id)).toHaveLength(12);
    expect(server.state.requests.filter((r) => r.method === "POST" && /\/experiments$/.test(r.path))).toHaveLength(1);
  });

  it("another CI run (or attempt) gets an experiment of its own; shards with no run identity are warned", async () => {
    const server = await fake();
    const list = examples(8);
    await runShard(server, list, 1, 2, "ci-9-1");
    await runShard(server, list, 1, 2, "ci-9-2");
    expect(server.state.experiments).toHaveLength(2);
    const lone = await runShard(server, list, 2, 2, undefined);
    expect(lone.warnings.join("\n")).toContain("set VITEST_EXPERIMENTS_RUN_ID to the same value on every shard");
    expect(server.state.experiments).toHaveLength(3);
  });
});

describe.skipIf(realPhoenixMissing)("shards of one CI run on the real Phoenix server", () => {
  it("concurrent shards converge on one experiment with every run and evaluation", { timeout: 240_000 }, async () => {
    const server = await startRealPhoenix();
    cleanups.push(() => server.close());
    const list = examples(40);
    const shards = await Promise.all([1, 2, 3, 4].map((index) => runShard(server, list, index, 4, "ci-real-1")));
    expect(shards.flatMap((s) => s.warnings), server.log().slice(-2000)).toEqual([]);

    const client = new PhoenixClient({ host: server.url, headers: {} });
    cleanups.push(() => client.close());
    const dataset = await client.findDatasetByName("qa");
    const experiments = (await client.listExperiments(dataset!.id)).filter((e) => e.metadata[RUN_ID_METADATA_KEY] === "ci-real-1");
    expect(experiments).toHaveLength(1);
    expect(experiments[0]!.example_count).toBe(40);
    const runs = await client.listRuns(experiments[0]!.id);
    expect(runs).toHaveLength(40);
    expect(new Set(runs.map((r) => r.dataset_example_id)).size).toBe(40);
    const incomplete = await client.listIncompleteEvaluations(experiments[0]!.id, ["exact", "judge", "length"]);
    expect(incomplete).toEqual([]);
  });
});
