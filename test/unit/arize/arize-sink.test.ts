import { describe, expect, test } from "vitest";
import { arizeLedgerFrom } from "../../../src/arize/ledger.js";
import { axExperimentName, EXAMPLE_ID_COLUMN, RUN_ID_COLUMN } from "../../../src/arize/payloads.js";
import { inShard } from "../../../src/record/shard.js";
import { uploadPendingToArize } from "../../../src/arize/upload-pending.js";
import type { Example } from "../../../src/datasets/types.js";
import type { ExperimentDescriptor, RunRecord } from "../../../src/record/types.js";
import { createArizeSink, type ArizeSinkOptions } from "../../../src/sinks/arize-sink.js";
import type { ExperimentStore } from "../../../src/store/types.js";
import type { FakeArize } from "../../support/fake-arize/index.js";
import { descriptor, examples, result, run } from "../phoenix/records.js";
import { client, fake, KEY, tempStore } from "./helpers.js";

interface Logged {
  logs: string[];
  warnings: string[];
}

function output(): Logged & { log(t: string): void; warn(t: string): void } {
  const logs: string[] = [];
  const warnings: string[] = [];
  return { logs, warnings, log: (t) => void logs.push(t), warn: (t) => void warnings.push(t) };
}

/** Drives a sink through one experiment the way the reporter does; the store holds the experiment first. */
async function drive(options: ArizeSinkOptions, experiment: ExperimentDescriptor, list: readonly Example[], runs: readonly RunRecord[], store?: ExperimentStore) {
  const sink = createArizeSink({ flushIntervalMs: 5, ...options });
  await store?.startExperiment(experiment);
  await sink.experimentStarted!(experiment, list);
  for (const r of runs) {
    await store?.appendRun(r);
    await sink.runCompleted!(r, experiment);
  }
  await sink.experimentFinished!(result(experiment, runs.length));
  await store?.finishExperiment(result(experiment, runs.length));
  await sink.close!();
  return sink;
}

function axRuns(server: FakeArize, experiment: ExperimentDescriptor) {
  const found = server.state.experiments.filter((e) => e.name === `${experiment.name} ${experiment.id}`);
  expect(found).toHaveLength(1);
  return server.state.runsOf(found[0]!.id);
}

describe("the Arize AX sink", () => {
  test("creates the dataset with the examples that ran, the experiment with the first batch, appends the rest; runs carry output text, error, repetition, latency, attempts and eval columns", async () => {
    const server = await fake();
    const list = examples(5);
    const experiment = descriptor("exp-1", list, { repetitions: 2 });
    const runs = list.flatMap((e, i) => [run(experiment, e, 1, i === 4), run(experiment, e, 2)]);
    const out = output();
    const sink = await drive({ client: client(server), output: out, batchSize: 4 }, experiment, list, runs);
    expect(out.warnings).toEqual([]);
    expect(out.logs.join("\n")).toContain('Arize AX: experiment "qa-baseline" uploaded (10 runs) as "qa-baseline exp-1"');

    const { state } = server;
    expect(state.violations).toEqual([]);
    expect(state.datasets.map((d) => d.name)).toEqual(["qa"]);
    const axExamples = state.examplesOf(state.datasets[0]!.id);
    expect(axExamples.map((e) => e[EXAMPLE_ID_COLUMN])).toEqual(list.map((e) => e.id));
    expect(axExamples[0]).toMatchObject({ input: '{"question":"q0"}', expected: "a0", metadata: '{"index":0}' });
    // 10 runs in batches of 4: one create, two appends.
    expect(state.requests.filter((r) => r.method === "POST" && r.path.startsWith("/v2/experiments")).map((r) => r.path.endsWith("/runs"))).toEqual([false, true, true]);
    const stored = axRuns(server, experiment);
    expect(stored).toHaveLength(10);
    const exampleIdOf = new Map(axExamples.map((e) => [e[EXAMPLE_ID_COLUMN], e.id]));
    const first = stored.find((r) => r[RUN_ID_COLUMN] === "exp-1/ex-0/1")!;
    expect(first).toMatchObject({
      example_id: exampleIdOf.get("ex-0"),
      output: '{"answer":"out-ex-0-1"}',
      error: null,
      repetition: 1,
      latency_ms: 1000,
      attempts: 1,
      "eval.exact.score": 1,
      "eval.exact.label": "good",
      "eval.exact.explanation": "why exact",
      "eval.judge.score": 0.25,
    });
    const failed = stored.find((r) => r[RUN_ID_COLUMN] === "exp-1/ex-4/1")!;
    expect(failed).toMatchObject({ output: "", error: "Error: boom" });
    expect(Object.keys(failed).some((k) => k.startsWith("eval."))).toBe(false);
    expect(sink.serverIdsFor!(experiment)).toMatchObject({ name: "qa-baseline exp-1", datasetId: state.datasets[0]!.id });
  });

  test("a later experiment on the same dataset reuses its examples and appends only the new ones", async () => {
    const server = await fake();
    const c = client(server);
    const first = examples(3);
    const e1 = descriptor("exp-a", first);
    await drive({ client: c, output: output() }, e1, first, first.map((e) => run(e1, e)));
    const second = examples(4);
    const e2 = descriptor("exp-b", second);
    await drive({ client: c, output: output() }, e2, second, second.map((e) => run(e2, e)));
    const all = server.state.examplesOf(server.state.datasets[0]!.id);
    expect(all.map((e) => e[EXAMPLE_ID_COLUMN])).toEqual(["ex-0", "ex-1", "ex-2", "ex-3"]);
    expect(server.state.experiments).toHaveLength(2);
    expect(axRuns(server, e2)).toHaveLength(4);
    expect(server.state.violations).toEqual([]);
  });

  test("appending examples whose answer was lost: the dataset is listed again, nothing is added twice", async () => {
    const server = await fake();
    const c = client(server);
    const first = examples(2);
    const e1 = descriptor("exp-1", first);
    await drive({ client: c, output: output() }, e1, first, first.map((e) => run(e1, e)));
    const second = examples(5);
    const e2 = descriptor("exp-2", second);
    server.failNextWrites("reset-after", "error-after");
    const out = output();
    await drive({ client: c, output: out }, e2, second, second.map((e) => run(e2, e)));
    expect(out.warnings).toEqual([]);
    expect(server.state.examplesOf(server.state.datasets[0]!.id).map((e) => e[EXAMPLE_ID_COLUMN])).toEqual(["ex-0", "ex-1", "ex-2", "ex-3", "ex-4"]);
    expect(axRuns(server, e2)).toHaveLength(5);
    expect(server.state.violations).toEqual([]);
  });

  test("under 30% faults (lost answers, 5xx after the write, 429, resets) every run lands exactly once", async () => {
    const server = await fake({ faults: { seed: 7, resetRate: 0.1, unavailableRate: 0.05, rateLimitRate: 0.05, errorAfterRate: 0.1 } });
    const list = examples(60);
    const experiment = descriptor("exp-faults", list, { repetitions: 3 });
    const runs = list.flatMap((e) => [1, 2, 3].map((rep) => run(experiment, e, rep)));
    const out = output();
    await drive({ client: client(server, { retry: { retries: 12, minDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 5 } }), output: out, batchSize: 50 }, experiment, list, runs);
    expect(out.warnings).toEqual([]);
    const stored = axRuns(server, experiment);
    expect(stored).toHaveLength(180);
    expect(new Set(stored.map((r) => r[RUN_ID_COLUMN])).size).toBe(180);
    expect(stored.every((r) => r["eval.exact.score"] === 1 && r["eval.judge.score"] === 0.25 && r["eval.length.score"] === 12)).toBe(true);
    expect(server.state.examplesOf(server.state.datasets[0]!.id)).toHaveLength(60);
    expect(server.state.requests.filter((r) => r.fault).length).toBeGreaterThan(5);
    expect(server.state.violations).toEqual([]);
  });

  test("an upload that cannot finish stays pending in the store and is finished later without duplicates", async () => {
    const server = await fake();
    const store = await tempStore();
    const list = examples(6);
    const experiment = descriptor("exp-pending", list);
    const runs = list.map((e) => run(experiment, e));
    const out = output();
    // First batch lands, then AX is unavailable for everything after it.
    let posts = 0;
    server.setFaults({ unavailableRate: 1, only: ({ method, path }) => method === "POST" && path.startsWith("/v2/experiments") && ++posts > 1 });
    await drive({ client: client(server, { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 } }), output: out, store, batchSize: 3, flushIntervalMs: 60_000 }, experiment, list, runs, store);
    expect(out.warnings.join("\n")).toMatch(/Arize AX upload of experiment "qa-baseline" failed: 3 of 6 runs were not uploaded\..*npx vitest-experiments upload exp-pending/);
    expect(axRuns(server, experiment)).toHaveLength(3);
    const ledger = arizeLedgerFrom((await store.readExperiment("exp-pending"))!.events);
    expect(ledger.pending).toBe(true);
    expect(ledger.runIds.size).toBe(3);

    server.setFaults(undefined);
    const reports = await uploadPendingToArize(store, client(server));
    expect(reports).toMatchObject([{ experimentId: "exp-pending", status: "uploaded", runsPosted: 3 }]);
    expect(axRuns(server, experiment)).toHaveLength(6);
    expect(arizeLedgerFrom((await store.readExperiment("exp-pending"))!.events).complete).toBe(true);
    expect(await uploadPendingToArize(store, client(server))).toEqual([]);
    expect(server.state.violations).toEqual([]);
  });

  test("AX answering 503 to every run append costs one retry budget, not one per batch; the pending upload finishes later with every run once", async () => {
    const appendsRuns = ({ method, path }: { method: string; path: string }) => method === "POST" && /^\/v2\/experiments\/[^/]+\/runs$/.test(path);
    const server = await fake({ faults: { unavailableRate: 1, only: appendsRuns } });
    const store = await tempStore();
    const list = examples(300);
    const experiment = descriptor("exp-503", list);
    const runs = list.map((e) => run(experiment, e));
    const out = output();
    const retries = 8;
    // The first batch creates the experiment (that request is not faulted); the 29 after it are appends.
    await drive({ client: client(server, { retry: { retries, minDelayMs: 1, maxDelayMs: 2 } }), output: out, store, batchSize: 10, flushIntervalMs: 60_000, resumePending: false }, experiment, list, runs, store);
    // Without failing fast this is 29 × (retries + 1) = 261: here the first failing append spends
    // its budget, and every later batch fails without being sent.
    const appends = server.state.requests.filter(appendsRuns).length;
    expect(appends).toBeGreaterThanOrEqual(retries + 1);
    expect(appends).toBeLessThanOrEqual(2 * (retries + 1));
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatch(/^Arize AX upload of experiment "qa-baseline" failed: 290 of 300 runs were not uploaded\. Arize AX POST \/v2\/experiments\/.*\/runs failed: 503/);
    expect(axRuns(server, experiment)).toHaveLength(10);
    expect(arizeLedgerFrom((await store.readExperiment("exp-503"))!.events).pending).toBe(true);

    server.setFaults(undefined);
    const reports = await uploadPendingToArize(store, client(server));
    expect(reports).toMatchObject([{ experimentId: "exp-503", status: "uploaded", runsPosted: 290 }]);
    expect(server.state.experiments).toHaveLength(1);
    const stored = axRuns(server, experiment);
    expect(stored).toHaveLength(300);
    expect(new Set(stored.map((r) => r[RUN_ID_COLUMN])).size).toBe(300);
    expect(stored.every((r) => r["eval.exact.score"] === 1 && r["eval.judge.score"] === 0.25 && r["eval.length.score"] === 12)).toBe(true);
    expect(arizeLedgerFrom((await store.readExperiment("exp-503"))!.events).complete).toBe(true);
    expect(server.state.violations).toEqual([]);
  });

  test("the next run finishes what an earlier run left pending, while uploading its own experiment", async () => {
    const server = await fake();
    const store = await tempStore();
    const list = examples(4);
    const earlier = descriptor("exp-earlier", list);
    server.setFaults({ unavailableRate: 1, only: ({ path }) => path.startsWith("/v2/experiments") });
    const first = output();
    await drive({ client: client(server, { retry: { retries: 0 } }), output: first, store }, earlier, list, list.map((e) => run(earlier, e)), store);
    expect(first.warnings).toHaveLength(1);
    expect(server.state.experiments).toHaveLength(0);

    server.setFaults(undefined);
    const later = descriptor("exp-later", list);
    const second = output();
    await drive({ client: client(server), output: second, store }, later, list, list.map((e) => run(later, e)), store);
    expect(second.warnings).toEqual([]);
    expect(second.logs.join("\n")).toContain('Arize AX: uploaded the rest of experiment "qa-baseline" from an earlier run (4 runs)');
    expect(axRuns(server, earlier)).toHaveLength(4);
    expect(axRuns(server, later)).toHaveLength(4);
    expect(server.state.examplesOf(server.state.datasets[0]!.id)).toHaveLength(4);
    expect(server.state.violations).toEqual([]);
  });

  test("an ambiguous failure of the create (answer lost) finds the experiment before sending again", async () => {
    const server = await fake();
    const list = examples(2);
    const experiment = descriptor("exp-lost", list);
    server.setFaults({ only: ({ method, path }) => method === "POST" && path === "/v2/experiments" });
    server.failNext("reset-after");
    await drive({ client: client(server), output: output() }, experiment, list, list.map((e) => run(experiment, e)));
    expect(server.state.experiments).toHaveLength(1);
    expect(axRuns(server, experiment)).toHaveLength(2);
  });

  test("a refused key: one request, one warning for every experiment, no key anywhere", async () => {
    const server = await fake();
    const wrong = "ax-refused-key-55555";
    const c = client(server, { apiKey: wrong });
    const out = output();
    const sink = createArizeSink({ client: c, output: out, flushIntervalMs: 5 });
    const lists = [examples(2, "a"), examples(2, "b")];
    const experiments = lists.map((l, i) => descriptor(`exp-${i}`, l));
    for (const [i, experiment] of experiments.entries()) await sink.experimentStarted!(experiment, lists[i]!);
    for (const [i, experiment] of experiments.entries()) for (const e of lists[i]!) await sink.runCompleted!(run(experiment, e), experiment);
    for (const experiment of experiments) await sink.experimentFinished!(result(experiment, 2));
    await sink.close!();
    expect(server.state.requests).toHaveLength(1);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatch(/401 missing or invalid API key — check ARIZE_API_KEY/);
    expect(JSON.stringify(out)).not.toContain(wrong);
    expect(KEY).not.toBe(wrong);
  });

  test("a run output AX rejects: the batch is split so every other run lands, and the warning names the run", async () => {
    const server = await fake({ maxOutputChars: 1000 });
    const list = examples(9);
    const experiment = descriptor("exp-big", list);
    const runs = list.map((e) => run(experiment, e));
    const huge = runs[5]!;
    if (huge.status === "ok") huge.output = { answer: "x".repeat(5000) };
    const out = output();
    await drive({ client: client(server), output: out, batchSize: 9, flushIntervalMs: 60_000 }, experiment, list, runs);
    expect(axRuns(server, experiment).map((r) => r[RUN_ID_COLUMN]).sort()).toEqual(runs.filter((r) => r !== huge).map((r) => r.runId).sort());
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatch(/failed: 1 of 9 runs were not uploaded\. .*422 experiment_runs\[0\]\.output exceeds 1000 characters — AX refused run exp-big\/ex-5\/1 of experiment "qa-baseline"/);
    expect(server.state.violations).toEqual([]);
  });

  test("a dry run uploads nothing", async () => {
    const server = await fake();
    const list = examples(2);
    const experiment = descriptor("exp-dry", list, { dryRun: { sampled: 2, seed: 1 } });
    await drive({ client: client(server), output: output() }, experiment, list, list.map((e) => run(experiment, e)));
    expect(server.state.requests).toEqual([]);
  });
});

describe("large datasets", () => {
  test("a dataset of 2,500 examples is created with 1,000 and appended in requests of at most 1,000", async () => {
    const server = await fake();
    const list = examples(2500);
    const experiment = descriptor("exp-large", list);
    await drive({ client: client(server), output: output() }, experiment, list, list.map((e) => run(experiment, e)));
    const writes = server.state.requests.filter((r) => r.method === "POST" && r.path.startsWith("/v2/datasets"));
    expect(writes.map((r) => (JSON.parse(r.rawBody) as { examples: unknown[] }).examples.length)).toEqual([1000, 1000, 500]);
    expect(server.state.examplesOf(server.state.datasets[0]!.id).map((e) => e[EXAMPLE_ID_COLUMN])).toEqual(list.map((e) => e.id));
    const runs = axRuns(server, experiment);
    expect(runs).toHaveLength(2500);
    const posts = server.state.requests.filter((r) => r.method === "POST" && r.path.startsWith("/v2/experiments"));
    expect(posts.every((r) => (JSON.parse(r.rawBody) as { experiment_runs: unknown[] }).experiment_runs.length <= 1000)).toBe(true);
    expect(server.state.violations).toEqual([]);
  });
});

describe("shards of one CI run", () => {
  const COUNT = 4;
  const RUN = "github-4242-1";

  /** Shard `index` of the experiment: its own local id, the whole dataset, its share of the runs. */
  function shardOf(index: number, list: readonly Example[]) {
    const share = list.filter((e) => inShard(e.id, 1, { index, count: COUNT }));
    const experiment = descriptor(`shard-${index}`, list, { shard: { index, count: COUNT, runs: share.length }, runId: RUN });
    return { experiment, runs: share.map((e) => run(experiment, e)) };
  }

  /** All shards at once, each with its own client, as separate CI machines would. */
  async function runShards(server: FakeArize, list: readonly Example[]) {
    const outputs = Array.from({ length: COUNT }, () => output());
    await Promise.all(
      outputs.map((out, i) => {
        const { experiment, runs } = shardOf(i + 1, list);
        return drive({ client: client(server), output: out, batchSize: 3 }, experiment, list, runs);
      }),
    );
    return outputs;
  }

  function expectOneExperiment(server: FakeArize, list: readonly Example[]) {
    const { state } = server;
    expect(state.violations).toEqual([]);
    expect(state.datasets).toHaveLength(1);
    const axExamples = state.examplesOf(state.datasets[0]!.id);
    // Every example once, whichever shard added it.
    expect(axExamples.map((e) => e[EXAMPLE_ID_COLUMN]).sort()).toEqual(list.map((e) => e.id).sort());
    expect(state.experiments).toHaveLength(1);
    const [shared] = state.experiments;
    expect(shared!.name).toBe(axExperimentName(shardOf(1, list).experiment));
    const stored = state.runsOf(shared!.id);
    // Every run of every shard exactly once (the losers' first batches appended, not lost, not doubled).
    const expected = Array.from({ length: COUNT }, (_, i) => shardOf(i + 1, list).runs.map((r) => r.runId)).flat();
    expect(expected).toHaveLength(list.length);
    expect(stored.map((r) => r[RUN_ID_COLUMN]).sort()).toEqual(expected.sort());
    const exampleIdOf = new Map(axExamples.map((e) => [e[EXAMPLE_ID_COLUMN], e.id]));
    for (const row of stored) {
      const local = String(row[RUN_ID_COLUMN]).split("/")[1];
      expect(row.example_id).toBe(exampleIdOf.get(local));
      for (const column of ["eval.exact.score", "eval.exact.label", "eval.judge.score", "eval.length.score"]) expect(row).toHaveProperty([column]);
    }
  }

  test("four shards started at once write one AX experiment with every run and eval column, and one copy of every example", async () => {
    const server = await fake();
    const list = examples(40);
    const outputs = await runShards(server, list);
    for (const out of outputs) expect(out.warnings).toEqual([]);
    expectOneExperiment(server, list);
    // Three shards lost the race to create the dataset and the experiment.
    const conflicts = server.state.requests.filter((r) => r.status === 409);
    expect(conflicts.filter((r) => r.path.startsWith("/v2/experiments"))).toHaveLength(COUNT - 1);
  });

  test("shards append the examples an existing dataset lacks without adding any twice", async () => {
    const server = await fake();
    const list = examples(40);
    // An earlier experiment created the dataset with its first three examples.
    const earlier = descriptor("earlier", list.slice(0, 3));
    await drive({ client: client(server), output: output() }, earlier, list.slice(0, 3), list.slice(0, 3).map((e) => run(earlier, e)));
    const outputs = await runShards(server, list);
    for (const out of outputs) expect(out.warnings).toEqual([]);
    const { state } = server;
    expect(state.examplesOf(state.datasets[0]!.id)).toHaveLength(40);
    // Set the earlier experiment aside: the shards made exactly one more.
    state.experiments.splice(state.experiments.findIndex((e) => e.name === "qa-baseline earlier"), 1);
    expectOneExperiment(server, list);
  });

  test("without a run identity each shard keeps its own experiment", () => {
    const list = examples(4);
    const one = descriptor("shard-1", list);
    expect(axExperimentName(one)).toBe("qa-baseline shard-1");
    expect(axExperimentName({ ...one, runId: RUN })).toBe(axExperimentName({ ...one, id: "shard-2", runId: RUN }));
    expect(axExperimentName({ ...one, runId: RUN })).not.toBe(axExperimentName({ ...one, runId: RUN, file: "evals/other.eval.ts" }));
  });
});
