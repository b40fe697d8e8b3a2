import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { linkFor, phoenix, PhoenixClient } from "../../../src/phoenix/index.js";
import { createPhoenixSink } from "../../../src/sinks/phoenix-sink.js";
import { openStore } from "../../../src/store/index.js";
import { type FakePhoenix } from "../../support/fake-phoenix/index.js";
import { descriptor, examples, result, run } from "./records.js";
import { useCleanups } from "../../support/cleanups.js";

const cleanups = useCleanups();

async function seed(server: FakePhoenix) {
  const client = new PhoenixClient({ host: server.url, headers: {} });
  cleanups.add(() => client.close());
  const first = await client.uploadDataset({
    name: "golden", inputs: [{ q: "a" }, { q: "b" }, { q: "c" }], outputs: [{ a: 1 }, { a: 2 }, { a: 3 }],
    splits: ["train", "test", "train"], example_ids: ["a", "b", null],
  });
  const second = await client.uploadDataset({ name: "golden", action: "append", inputs: [{ q: "d" }], example_ids: ["d"] });
  if ("conflict" in first || "conflict" in second) throw new Error("unexpected conflict");
  return { client, first, second };
}

describe("phoenix.dataset()", () => {
  it("loads a dataset by name at its latest version, keeping node ids and external ids", async () => {
    const server = await cleanups.fakePhoenix();
    const { first, second } = await seed(server);
    const dataset = await phoenix.dataset({ name: "golden" }, { client: { host: server.url } });
    expect(dataset.name).toBe("golden");
    expect(dataset.phoenix).toEqual({ datasetId: first.dataset_id, versionId: second.version_id });
    expect(dataset.examples.map((e) => e.id)).toEqual(["a", "b", "RGF0YXNldEV4YW1wbGU6Mw==", "d"]);
    expect(dataset.examples[0]).toEqual({ id: "a", nodeId: "RGF0YXNldEV4YW1wbGU6MQ==", input: { q: "a" }, expected: { a: 1 }, metadata: {} });
  });

  it("loads by id at a given version and split", async () => {
    const server = await cleanups.fakePhoenix();
    const { first } = await seed(server);
    const dataset = await phoenix.dataset({ id: first.dataset_id }, { versionId: first.version_id, splits: ["train"], client: { host: server.url } });
    expect(dataset.phoenix?.versionId).toBe(first.version_id);
    expect(dataset.examples.map((e) => e.input)).toEqual([{ q: "a" }, { q: "c" }]);
  });

  it("says clearly when the dataset does not exist or Phoenix is not configured", async () => {
    const server = await cleanups.fakePhoenix();
    await expect(phoenix.dataset({ name: "nope" }, { client: { host: server.url } })).rejects.toThrow(`Phoenix has no dataset named "nope" (${server.url})`);
    await expect(phoenix.dataset({ id: "RGF0YXNldDo5" }, { client: { host: server.url } })).rejects.toThrow("Phoenix has no dataset with id RGF0YXNldDo5");
    const saved = process.env.PHOENIX_HOST;
    delete process.env.PHOENIX_HOST;
    try {
      await expect(phoenix.dataset({ name: "x" })).rejects.toThrow(/PHOENIX_HOST is not set/);
    } finally {
      if (saved !== undefined) process.env.PHOENIX_HOST = saved;
    }
  });
});

describe("vitest-experiments upload", () => {
  it("uploads pending experiments, then reports nothing pending", async () => {
    const server = await cleanups.fakePhoenix();
    const dir = await mkdtemp(join(tmpdir(), "phoenix-cli-"));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    const store = openStore(dir);
    // A run while Phoenix is down leaves the experiment pending.
    await server.down();
    const client = new PhoenixClient({ host: server.url, headers: {} }, { retry: { retries: 0 } });
    cleanups.add(() => client.close());
    const sink = createPhoenixSink({ client, store, output: { log() {}, warn() {} }, resumePending: false });
    const list = examples(4);
    const experiment = descriptor("exp-cli", list);
    await store.startExperiment(experiment);
    await sink.experimentStarted!(experiment, list);
    for (const example of list) {
      const record = run(experiment, example);
      await store.appendRun(record);
      await sink.runCompleted!(record, experiment);
    }
    await store.finishExperiment(result(experiment, 4));
    await sink.experimentFinished!(result(experiment, 4));
    await sink.close!();
    await store.close();
    await server.up();

    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } };
    const env = { PHOENIX_HOST: server.url };
    expect(await runCli(["--dir", dir, "upload"], io, { env, cwd: dir })).toBe(0);
    expect(err).toEqual([]);
    expect(out.join("")).toMatch(/^uploaded qa-baseline \(exp-cli\): 4 runs, 12 evaluations → http:\/\/127\.0\.0\.1:\d+\/datasets\/RGF0YXNldDox\/compare\?experimentId=RXhwZXJpbWVudDox\n$/);
    expect(server.state.runs).toHaveLength(4);
    out.length = 0;
    expect(await runCli(["--dir", dir, "upload"], io, { env, cwd: dir })).toBe(0);
    expect(out.join("")).toBe("Nothing pending: every experiment is on Phoenix.\n");
    expect(await runCli(["--dir", dir, "upload", "exp-cli"], io, { env, cwd: dir })).toBe(0);
    expect(out.join("")).toMatch(/is already on Phoenix: http/);
    const stored = await openStore(dir).readExperiment("exp-cli");
    expect(linkFor(stored!)).toMatch(/compare\?experimentId=RXhwZXJpbWVudDox$/);
    expect(await runCli(["--dir", dir, "upload"], io, { env: {}, cwd: dir })).toBe(1);
    expect(err.join("")).toMatch(/error: PHOENIX_HOST is not set/);
  });
});
