import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PhoenixClient, type PhoenixClientOptions } from "../../../src/phoenix/client.js";
import { ledgerFrom } from "../../../src/phoenix/ledger.js";
import { uploadPending } from "../../../src/phoenix/upload-pending.js";
import { createPhoenixSink } from "../../../src/sinks/phoenix-sink.js";
import { openStore } from "../../../src/store/index.js";
import type { ExperimentStore } from "../../../src/store/types.js";
import type { Example } from "../../../src/datasets/types.js";
import type { ExperimentDescriptor } from "../../../src/record/types.js";
import { startFakePhoenix, type FakePhoenix, type FakePhoenixOptions } from "../../support/fake-phoenix/index.js";
import { descriptor, examples, result, run } from "./records.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(options: FakePhoenixOptions = {}): Promise<FakePhoenix> {
  const server = await startFakePhoenix(options);
  cleanups.push(() => server.close());
  return server;
}

function client(server: FakePhoenix, options: PhoenixClientOptions = {}): PhoenixClient {
  const c = new PhoenixClient(
    { host: server.url, headers: options.headers ?? {}, ...(options.apiKey ? { apiKey: options.apiKey } : {}) },
    { retry: { minDelayMs: 1, maxDelayMs: 8 }, ...options },
  );
  cleanups.push(() => c.close());
  return c;
}

async function tempStore(): Promise<ExperimentStore> {
  const dir = await mkdtemp(join(tmpdir(), "phoenix-sink-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const store = openStore(dir);
  cleanups.push(() => store.close());
  return store;
}

function capture() {
  const logs: string[] = [];
  const warnings: string[] = [];
  return { output: { log: (t: string) => void logs.push(t), warn: (t: string) => void warnings.push(t) }, logs, warnings };
}

/** Drives one experiment through the sink, as the reporter would (the store first, then Phoenix). */
async function drive(
  sink: ReturnType<typeof createPhoenixSink>,
  store: ExperimentStore | undefined,
  experiment: ExperimentDescriptor,
  exampleList: readonly Example[],
  repetitions = 1,
) {
  await store?.startExperiment(experiment);
  await sink.experimentStarted!(experiment, exampleList);
  let count = 0;
  for (const example of exampleList) {
    for (let rep = 1; rep <= repetitions; rep++) {
      const record = run(experiment, example, rep);
      await store?.appendRun(record);
      await sink.runCompleted!(record, experiment);
      count++;
    }
  }
  await store?.finishExperiment(result(experiment, count));
  await sink.experimentFinished!(result(experiment, count));
}

describe("Phoenix upload sink", () => {
  it("uploads dataset, experiment, runs and evaluations with no more requests than needed", async () => {
    const server = await fake();
    const store = await tempStore();
    const { output, logs, warnings } = capture();
    const sink = createPhoenixSink({ client: client(server), store, output, resumePending: false });
    const list = examples(1000);
    const experiment = descriptor("exp-clean", list);
    await drive(sink, store, experiment, list);
    await sink.close!();

    const phoenixExperiment = server.state.experiments[0]!;
    const experimentId = server.state.experimentJson(phoenixExperiment).id;
    expect(server.state.runsOf(experimentId)).toHaveLength(1000);
    expect(server.state.evaluationsOf(experimentId)).toHaveLength(3000);
    expect(server.state.violations).toEqual([]);
    // 1 dataset lookup + 1 upload + 1 examples (node ids) + 1 experiment + 1000 runs + 3000 evaluations.
    expect(server.state.requests).toHaveLength(4 + 1000 + 3000);
    expect(server.state.count("POST", "/v1/datasets/upload")).toBe(1);
    expect(phoenixExperiment).toMatchObject({ name: "qa-baseline", repetitions: 1, description: "answers questions" });
    expect(phoenixExperiment.metadata).toMatchObject({ model: "m1", vitest_experiments_id: "exp-clean" });

    const evaluation = server.state.evaluationsOf(experimentId).find((e) => e.name === "judge")!;
    expect(evaluation).toMatchObject({ annotatorKind: "LLM", result: { score: 0.25, label: "bad", explanation: "why judge" }, metadata: { from: "judge" } });
    const serverRun = server.state.runsOf(experimentId)[0]!;
    expect(serverRun.output).toEqual({ answer: "out-ex-0-1" });

    const link = sink.linkFor(experiment)!;
    expect(link).toBe(`${server.url}/datasets/RGF0YXNldDox/compare?experimentId=RXhwZXJpbWVudDox`);
    expect(logs).toEqual([`Phoenix: experiment "qa-baseline" uploaded (1000 runs): ${link}`]);
    expect(warnings).toEqual([]);
    const ledger = ledgerFrom((await store.readExperiment("exp-clean"))!.events);
    expect(ledger).toMatchObject({ complete: true, pending: false, experimentId: "RXhwZXJpbWVudDox" });
    expect(ledger.runIds.size).toBe(1000);
    expect(ledger.evaluations.size).toBe(3000);
  });

  it("streams each run as it completes, before the experiment finishes", async () => {
    const server = await fake();
    const { output } = capture();
    const sink = createPhoenixSink({ client: client(server), output });
    const list = examples(3);
    const experiment = descriptor("exp-stream", list);
    await sink.experimentStarted!(experiment, list);
    await sink.runCompleted!(run(experiment, list[0]!), experiment);
    await vi.waitFor(() => expect(server.state.evaluations).toHaveLength(3));
    expect(server.state.runs).toHaveLength(1);
    for (const example of list.slice(1)) await sink.runCompleted!(run(experiment, example), experiment);
    await sink.experimentFinished!(result(experiment, 3));
    expect(server.state.runs).toHaveLength(3);
  });

  it("loses nothing when 30% of requests fail: 1,000 runs × 3 evaluations end up on the server exactly once", async () => {
    const server = await fake({ faults: { seed: 42, unavailableRate: 0.15, resetRate: 0.15 } });
    const store = await tempStore();
    const { output, warnings } = capture();
    const phoenix = client(server);
    const sink = createPhoenixSink({ client: phoenix, store, output, resumePending: false });
    const list = examples(500);
    const experiment = descriptor("exp-faulty", list, { repetitions: 2 });
    await drive(sink, store, experiment, list, 2);
    await sink.close!();

    const ledger = ledgerFrom((await store.readExperiment("exp-faulty"))!.events);
    if (!ledger.complete) {
      expect(warnings).toHaveLength(1);
      const reports = await uploadPending(store, phoenix);
      expect(reports.map((r) => r.status)).toEqual(["uploaded"]);
    }
    expect(server.state.experiments).toHaveLength(1);
    const experimentId = server.state.experimentJson(server.state.experiments[0]!).id;
    const runs = server.state.runsOf(experimentId);
    expect(runs).toHaveLength(1000);
    expect(new Set(runs.map((r) => `${r.exampleRowId}#${r.repetition}`)).size).toBe(1000);
    expect(runs.every((r) => r.error === null)).toBe(true);
    expect(server.state.evaluationsOf(experimentId)).toHaveLength(3000);
    expect(server.state.violations).toEqual([]);
    // The faults did happen, and some answers were lost after the server stored the run.
    expect(server.state.requests.filter((r) => r.fault === "reset-after").length).toBeGreaterThan(100);
    expect(server.state.requests.filter((r) => r.status === 409).length).toBeGreaterThan(0);
  });

  it("keeps everything pending when Phoenix is down, warns once, and uploads it later without duplicates", async () => {
    const server = await fake();
    await server.down();
    const store = await tempStore();
    const { output, warnings, logs } = capture();
    const phoenix = client(server, { retry: { retries: 1, minDelayMs: 1 } });
    const sink = createPhoenixSink({ client: phoenix, store, output, resumePending: false });
    const list = examples(20);
    const experiment = descriptor("exp-down", list);
    await drive(sink, store, experiment, list);
    await sink.close!();
    expect(logs).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Phoenix upload of experiment "qa-baseline" failed: nothing was uploaded\. Phoenix GET \/v1\/datasets failed: ECONNREFUSED/);
    expect(warnings[0]).toMatch(/npx vitest-experiments upload exp-down/);
    expect(ledgerFrom((await store.readExperiment("exp-down"))!.events).pending).toBe(true);

    await server.up();
    // The next run (a process of its own, so a client of its own) resumes it automatically.
    const next = capture();
    const nextClient = client(server, { retry: { retries: 1, minDelayMs: 1 } });
    const nextSink = createPhoenixSink({ client: nextClient, store, output: next.output });
    const other = descriptor("exp-next", examples(2, "other"), { name: "other", dataset: { name: "other", exampleIds: ["other-0", "other-1"], totalExamples: 2, contentHash: "h" } });
    await drive(nextSink, store, other, examples(2, "other"));
    await nextSink.close!();
    expect(next.warnings).toEqual([]);
    expect(next.logs.some((l) => /uploaded the rest of experiment "qa-baseline" from an earlier run \(20 runs, 60 evaluations\)/.test(l))).toBe(true);
    const first = server.state.experiments.find((e) => e.name === "qa-baseline")!;
    const id = server.state.experimentJson(first).id;
    expect(server.state.runsOf(id)).toHaveLength(20);
    expect(server.state.evaluationsOf(id)).toHaveLength(60);

    const before = server.state.requests.length;
    expect(await uploadPending(store, nextClient)).toEqual([]);
    expect(server.state.requests.length).toBe(before);
    expect(server.state.violations).toEqual([]);
  });

  it("a server that answers 503 to every run costs a bounded number of requests, not a retry budget per run; uploadPending finishes later", async () => {
    const postsRun = ({ method, path }: { method: string; path: string }) => method === "POST" && /\/runs$/.test(path);
    const server = await fake({ faults: { unavailableRate: 1, only: postsRun } });
    const store = await tempStore();
    const { output, warnings } = capture();
    const retries = 6;
    const sink = createPhoenixSink({ client: client(server, { retry: { retries, minDelayMs: 1, maxDelayMs: 2 } }), store, output, resumePending: false });
    const list = examples(300);
    const experiment = descriptor("exp-503", list);
    await drive(sink, store, experiment, list);
    await sink.close!();
    // Without failing fast this is 300 × (retries + 1) = 2,100: here one full budget, and at most
    // one more attempt for each of the 8 requests in flight when the server was found down.
    const runPosts = server.state.requests.filter(postsRun).length;
    expect(runPosts).toBeGreaterThanOrEqual(retries + 1);
    expect(runPosts).toBeLessThanOrEqual(8 * (retries + 1));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Phoenix upload of experiment "qa-baseline" failed: 300 of 300 runs .*were not uploaded\. Phoenix POST .*503/);
    expect(ledgerFrom((await store.readExperiment("exp-503"))!.events).pending).toBe(true);

    server.setFaults(undefined);
    const reports = await uploadPending(store, client(server));
    expect(reports).toMatchObject([{ status: "uploaded", runsPosted: 300, evaluationsPosted: 900 }]);
    const id = server.state.experimentJson(server.state.experiments[0]!).id;
    expect(server.state.experiments).toHaveLength(1);
    expect(server.state.runsOf(id)).toHaveLength(300);
    expect(server.state.evaluationsOf(id)).toHaveLength(900);
    expect(server.state.violations).toEqual([]);
  });

  it("a server down from the start fails every run fast after one budget, and uploadPending finishes later", async () => {
    const server = await fake();
    await server.down();
    const store = await tempStore();
    const { output, warnings } = capture();
    const retries = 6;
    const sent: string[] = [];
    const phoenix = client(server, { retry: { retries, minDelayMs: 1, maxDelayMs: 2 }, onRetry: (info) => void sent.push(info.path) });
    const sink = createPhoenixSink({ client: phoenix, store, output, resumePending: false });
    const list = examples(300);
    await drive(sink, store, descriptor("exp-gone", list), list);
    await sink.close!();
    // Refused connections leave no trace on the server: count the retries the client made instead.
    expect(sent.length).toBeLessThanOrEqual(8 * retries);
    expect(warnings).toHaveLength(1);
    await server.up();
    expect(await uploadPending(store, client(server))).toMatchObject([{ status: "uploaded", runsPosted: 300, evaluationsPosted: 900 }]);
    expect(server.state.violations).toEqual([]);
  });

  it("resumes a half-uploaded experiment: posts only what the server lacks", async () => {
    const server = await fake();
    const store = await tempStore();
    const phoenix = client(server, { retry: { retries: 0 } });
    const { output } = capture();
    const sink = createPhoenixSink({ client: phoenix, store, output, resumePending: false });
    const list = examples(10);
    const experiment = descriptor("exp-half", list);
    await store.startExperiment(experiment);
    await sink.experimentStarted!(experiment, list);
    for (const example of list.slice(0, 6)) {
      const record = run(experiment, example);
      await store.appendRun(record);
      await sink.runCompleted!(record, experiment);
    }
    await vi.waitFor(() => expect(server.state.evaluations).toHaveLength(18));
    await server.down();
    for (const example of list.slice(6)) {
      const record = run(experiment, example);
      await store.appendRun(record);
      await sink.runCompleted!(record, experiment);
    }
    await sink.experimentFinished!(result(experiment, 10));
    await sink.close!();
    // The process "dies" here; another one completes the upload.
    await server.up();
    const runPostsBefore = server.state.count("POST", /\/runs$/);
    const reports = await uploadPending(store, client(server));
    expect(reports).toMatchObject([{ status: "uploaded", runsPosted: 4, evaluationsPosted: 12 }]);
    expect(server.state.count("POST", /\/runs$/) - runPostsBefore).toBe(4);
    expect(server.state.runs).toHaveLength(10);
    expect(server.state.evaluations).toHaveLength(30);
    expect(server.state.experiments).toHaveLength(1);
  });

  it("finds the run's id through the runs list when the server already holds it (409)", async () => {
    const server = await fake();
    const { output, warnings } = capture();
    const sink = createPhoenixSink({ client: client(server), output });
    const list = examples(2);
    const experiment = descriptor("exp-409", list);
    await sink.experimentStarted!(experiment, list);
    await vi.waitFor(() => expect(server.state.experiments).toHaveLength(1));
    server.failNext("reset-after"); // the run is stored, its answer lost; the retry gets 409
    await sink.runCompleted!(run(experiment, list[0]!), experiment);
    await sink.runCompleted!(run(experiment, list[1]!), experiment);
    await sink.experimentFinished!(result(experiment, 2));
    expect(warnings).toEqual([]);
    expect(server.state.requests.filter((r) => r.status === 409)).toHaveLength(1);
    expect(server.state.count("GET", /\/runs$/)).toBe(1);
    expect(server.state.runs).toHaveLength(2);
    expect(server.state.evaluations).toHaveLength(6);
  });

  it("does not create a second experiment when the create answer is lost", async () => {
    const server = await fake({ faults: { only: ({ method, path }) => method === "POST" && path.endsWith("/experiments") } });
    server.failNext("reset-after");
    const { output, warnings } = capture();
    const sink = createPhoenixSink({ client: client(server), output });
    const list = examples(2);
    const experiment = descriptor("exp-lost-create", list);
    await drive(sink, undefined, experiment, list);
    expect(warnings).toEqual([]);
    expect(server.state.experiments).toHaveLength(1);
    expect(server.state.runs).toHaveLength(2);
  });

  it("versions the dataset so each experiment's version holds exactly the examples that ran", async () => {
    const server = await fake();
    const { output } = capture();
    const phoenix = client(server);
    const sink = createPhoenixSink({ client: phoenix, output });
    const first = examples(3);
    await drive(sink, undefined, descriptor("v1", first), first);
    await drive(sink, undefined, descriptor("v2", first), first); // unchanged: same version
    const changed = [{ ...first[0]!, input: { question: "changed" } }, first[1]!, ...examples(1, "new")];
    await drive(sink, undefined, descriptor("v3", changed), changed);
    const [e1, e2, e3] = server.state.experiments.map((e) => server.state.experimentJson(e));
    expect(e1!.dataset_version_id).toBe(e2!.dataset_version_id);
    expect(e3!.dataset_version_id).not.toBe(e1!.dataset_version_id);
    expect(e3!.example_count).toBe(3);
    const v3 = await phoenix.getDatasetExamples(e3!.dataset_id, { versionId: e3!.dataset_version_id });
    expect(v3.examples.map((e) => [e.id, e.input])).toEqual([
      ["ex-0", { question: "changed" }],
      ["ex-1", { question: "q1" }],
      ["new-0", { question: "q0" }],
    ]);
    expect(v3.examples[0]!.output).toEqual({ output: "a0" });
    const v1 = await phoenix.getDatasetExamples(e1!.dataset_id, { versionId: e1!.dataset_version_id });
    expect(v1.examples.map((e) => e.id)).toEqual(["ex-0", "ex-1", "ex-2"]);
    expect(server.state.experiments.every((e) => e.repetitions === 1)).toBe(true);
    for (const e of [e1, e2, e3]) expect(e!.missing_run_count).toBe(0);
  });

  it("reuses a dataset that came from Phoenix, at its version, without uploading it", async () => {
    const server = await fake();
    const phoenix = client(server);
    const uploaded = await phoenix.uploadDataset({ name: "remote", inputs: [{ q: 1 }, { q: 2 }], example_ids: ["r1", "r2"] });
    if ("conflict" in uploaded) throw new Error("unexpected");
    const remote = await phoenix.getDatasetExamples(uploaded.dataset_id);
    const list: Example[] = remote.examples.map((e) => ({ id: e.id, nodeId: e.node_id, input: e.input as never, expected: null, metadata: {}, splits: [] }));
    const experiment = descriptor("exp-remote", list, {
      dataset: { name: "remote", exampleIds: ["r1", "r2"], totalExamples: 2, contentHash: "h", phoenix: { datasetId: uploaded.dataset_id, versionId: uploaded.version_id } },
    });
    const requestsBefore = server.state.requests.length;
    const { output } = capture();
    await drive(createPhoenixSink({ client: phoenix, output }), undefined, experiment, list);
    expect(server.state.count("POST", "/v1/datasets/upload")).toBe(1);
    expect(server.state.requests.length - requestsBefore).toBe(1 + 2 + 6);
    expect(server.state.experimentJson(server.state.experiments[0]!).dataset_version_id).toBe(uploaded.version_id);
  });

  it("uploads nothing for a dry run", async () => {
    const server = await fake();
    const { output, logs } = capture();
    const list = examples(2);
    const experiment = descriptor("exp-dry", list, { dryRun: { sampled: 2, seed: 1 } });
    await drive(createPhoenixSink({ client: client(server), output }), undefined, experiment, list);
    expect(server.state.requests).toEqual([]);
    expect(logs).toEqual([]);
  });

  it("never lets the API key or header values reach output, warnings or the local store", async () => {
    const apiKey = "phx-secret-key-0123456789";
    const headerSecret = "hdr-secret-9876543210";
    const server = await fake({ apiKey: "the-right-one-000" });
    const store = await tempStore();
    const { output, logs, warnings } = capture();
    const phoenix = client(server, { apiKey, headers: { "x-tenant-token": headerSecret }, retry: { retries: 0 } });
    const sink = createPhoenixSink({ client: phoenix, store, output });
    const list = examples(3);
    await drive(sink, store, descriptor("exp-secret", list), list);
    await sink.close!();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/401 Invalid token — check PHOENIX_API_KEY/);
    const files = await readdir(store.dir, { recursive: true });
    const stored = await Promise.all(
      files.map((f) => readFile(join(store.dir, String(f)), "utf8").catch(() => "")),
    );
    const everything = [...logs, ...warnings, ...stored].join("\n");
    expect(everything).not.toContain(apiKey);
    expect(everything).not.toContain(headerSecret);
    expect(stored.join("\n")).toContain("exp-secret"); // the store was written
  });
});
