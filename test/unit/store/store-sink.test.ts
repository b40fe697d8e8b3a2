import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStoreSink } from "../../../src/sinks/store-sink.js";
import { StoreError } from "../../../src/store/errors.js";
import { openStore } from "../../../src/store/jsonl-store.js";
import { descriptor, result, run, tempDir } from "./fixtures.js";

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir("vx-sink-");
});
afterEach(async () => {
  await dir.remove();
});

describe("createStoreSink", () => {
  it("streams an experiment into the store as runs complete", async () => {
    const store = openStore(dir.path);
    const sink = createStoreSink(store);
    const experiment = descriptor({ id: "e1" });
    const runs = [run(experiment, "q1", { accuracy: 1 }), run(experiment, "q2", { accuracy: 0 })];
    // As a reporter calls it: without awaiting each call before the next.
    const calls = [sink.experimentStarted?.(experiment, []), ...runs.map((r) => sink.runCompleted?.(r, experiment))];
    await Promise.all(calls);
    expect((await store.readExperiment("e1"))?.runs).toEqual(runs);
    await sink.experimentFinished?.(result(experiment, runs));
    await sink.close?.();
    expect(await store.readExperiment("e1")).toMatchObject({ status: "passed", runCount: 2 });
  });

  it("writes nothing for a dry run", async () => {
    const store = openStore(dir.path);
    const sink = createStoreSink(store);
    const experiment = descriptor({ id: "dry", dryRun: { sampled: 1, seed: 42 } });
    await sink.experimentStarted?.(experiment, []);
    await sink.runCompleted?.(run(experiment, "q1", { accuracy: 1 }), experiment);
    await sink.experimentFinished?.(result(experiment, []));
    await sink.close?.();
    expect(await store.listExperiments()).toEqual([]);
  });

  it("reports an unwritable store once per experiment, not once per run", async () => {
    await writeFile(join(dir.path, "file"), "");
    const sink = createStoreSink(openStore(join(dir.path, "file", "store")));
    const experiment = descriptor({ id: "e1" });
    await expect(sink.experimentStarted?.(experiment, [])).rejects.toBeInstanceOf(StoreError);
    await expect(sink.runCompleted?.(run(experiment, "q1", { accuracy: 1 }), experiment)).resolves.toBeUndefined();
    await expect(sink.experimentFinished?.(result(experiment, []))).resolves.toBeUndefined();
    await sink.close?.();
  });

  it("reports write failures after a successful start once, then counts the rest", async () => {
    const store = openStore(dir.path);
    const sink = createStoreSink(store);
    const experiment = descriptor({ id: "e1" });
    await sink.experimentStarted?.(experiment, []);
    // A record that cannot be serialized stands in for a full disk: the write itself fails.
    const broken = { ...run(experiment, "q1", { accuracy: 1 }), output: { n: 1n } } as unknown as ReturnType<typeof run>;
    await expect(sink.runCompleted?.(broken, experiment)).rejects.toThrow(/run e1\/q1\/1 .*not JSON-serializable/);
    await sink.runCompleted?.({ ...broken, runId: "e1/q2/1" }, experiment);
    await expect(sink.experimentFinished?.(result(experiment, []))).rejects.toThrow(/1 more record of experiment "qa" \(e1\) could not be written/);
    await sink.close?.();
  });
});
