import { appendFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreError } from "../../../src/store/errors.js";
import { openStore as openStoreAt, type JsonlExperimentStore } from "../../../src/store/jsonl-store.js";
import { experimentLogPath, resolveStoreDir } from "../../../src/store/paths.js";
import { descriptor, result, run, tempDir } from "./fixtures.js";
import { spawnWriter } from "./children/spawn.js";

let dir: { path: string; remove: () => Promise<void> };
const opened: JsonlExperimentStore[] = [];
/** Every store a test opens is closed after it, as the reporter closes its sinks. */
function openStore(path: string): JsonlExperimentStore {
  const store = openStoreAt(path);
  opened.push(store);
  return store;
}
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await dir.remove();
});

describe("openStore", () => {
  it("round-trips an experiment: header, runs with evaluations, events and result", async () => {
    const store = openStore(dir.path);
    const experiment = descriptor({ id: "exp-1", metadata: { model: "gpt" }, git: { commit: "abc", branch: "main" } });
    const runs = [run(experiment, "q1", { accuracy: 1 }), run(experiment, "q2", { accuracy: 0 }), run(experiment, "q3", {}, { failed: true })];
    await store.startExperiment(experiment);
    for (const r of runs) await store.appendRun(r);
    await store.appendEvent("exp-1", { type: "phoenix", experimentId: "RXhwZXJpbWVudDox", pending: 0 });
    const finished = result(experiment, runs, "failed");
    await store.finishExperiment(finished);
    await store.close();

    const reopened = openStore(dir.path);
    const stored = await reopened.readExperiment("exp-1");
    expect(stored).toMatchObject({ experiment, result: finished, runs, runCount: 3, status: "failed", problems: [] });
    expect(stored?.events).toEqual([{ type: "phoenix", experimentId: "RXhwZXJpbWVudDox", pending: 0 }]);
  });

  it("keeps outputs byte for byte, including control characters and lone surrogates", async () => {
    const store = openStore(dir.path);
    const experiment = descriptor({ id: "exp-odd" });
    const output = { text: "\u001b[31mred\u001b[0m ]]> \u0000 \ud800 line\nbreak", big: "y".repeat(1_000_000) };
    await store.startExperiment(experiment);
    await store.appendRun(run(experiment, "q1", { accuracy: 1 }, { output }));
    await store.close();
    const stored = await openStore(dir.path).readExperiment("exp-odd");
    expect(stored?.runs[0]?.output).toEqual(output);
  });

  it("writes one JSON line per record and a .gitignore that ignores everything", async () => {
    const store = openStore(dir.path);
    const experiment = descriptor({ id: "exp-1" });
    await store.startExperiment(experiment);
    await store.appendRun(run(experiment, "q1", { accuracy: 1 }));
    await store.finishExperiment(result(experiment, []));
    const lines = (await readFile(experimentLogPath(dir.path, "exp-1"), "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(["experiment", "run", "end"]);
    expect(await readFile(join(dir.path, ".gitignore"), "utf8")).toMatch(/^\*$/m);
  });

  it("keeps records in the order they were handed over even when not awaited one by one", async () => {
    const store = openStore(dir.path);
    const experiment = descriptor({ id: "exp-1", dataset: { name: "d", exampleIds: [], totalExamples: 50, contentHash: "h" } });
    const runs = Array.from({ length: 50 }, (_, i) => run(experiment, `e${i}`, { accuracy: 1 }));
    await Promise.all([store.startExperiment(experiment), ...runs.map((r) => store.appendRun(r)), store.finishExperiment(result(experiment, runs))]);
    const stored = await store.readExperiment("exp-1");
    expect(stored?.runs.map((r) => r.exampleId)).toEqual(runs.map((r) => r.exampleId));
    expect(stored?.status).toBe("passed");
  });

  it("lists experiments newest first, filtered by name or dataset, with run counts and status", async () => {
    const store = openStore(dir.path);
    const a = descriptor({ id: "a", name: "qa", startTime: "2026-01-01T00:00:00.000Z" });
    const b = descriptor({ id: "b", name: "qa", startTime: "2026-01-02T00:00:00.000Z" });
    const c = descriptor({ id: "c", name: "summaries", startTime: "2026-01-03T00:00:00.000Z", dataset: { name: "docs", exampleIds: ["d1"], totalExamples: 1, contentHash: "x" } });
    for (const e of [a, b, c]) await store.startExperiment(e);
    await store.appendRun(run(a, "q1", { accuracy: 1 }));
    await store.finishExperiment(result(a, []));
    expect((await store.listExperiments()).map((s) => [s.experiment.id, s.status, s.runCount])).toEqual([
      ["c", "incomplete", 0],
      ["b", "incomplete", 0],
      ["a", "passed", 1],
    ]);
    expect((await store.listExperiments({ name: "qa" })).map((s) => s.experiment.id)).toEqual(["b", "a"]);
    expect((await store.listExperiments({ dataset: "docs" })).map((s) => s.experiment.id)).toEqual(["c"]);
  });

  it("reads by id, or by name as the latest experiment of that name; unknown gives undefined", async () => {
    const store = openStore(dir.path);
    await store.startExperiment(descriptor({ id: "old", startTime: "2026-01-01T00:00:00.000Z" }));
    await store.startExperiment(descriptor({ id: "new", startTime: "2026-02-01T00:00:00.000Z" }));
    expect((await store.readExperiment("old"))?.experiment.id).toBe("old");
    expect((await store.readExperiment("qa"))?.experiment.id).toBe("new");
    expect(await store.readExperiment("nope")).toBeUndefined();
    expect(await openStore(join(dir.path, "missing")).listExperiments()).toEqual([]);
  });

  it("keeps ids with path characters inside the store", async () => {
    const store = openStore(dir.path);
    await store.startExperiment(descriptor({ id: "../../escape/1" }));
    expect(await readdir(join(dir.path, "experiments"))).toEqual(["..%2F..%2Fescape%2F1.jsonl"]);
    expect((await store.readExperiment("../../escape/1"))?.experiment.id).toBe("../../escape/1");
  });

  it("deletes an experiment and says whether there was one", async () => {
    const store = openStore(dir.path);
    await store.startExperiment(descriptor({ id: "gone" }));
    expect(await store.deleteExperiment("gone")).toBe(true);
    expect(await store.deleteExperiment("gone")).toBe(false);
    expect(await store.readExperiment("gone")).toBeUndefined();
  });

  it("refuses a second experiment with the same id instead of mixing their runs", async () => {
    const store = openStore(dir.path);
    await store.startExperiment(descriptor({ id: "dup" }));
    await expect(openStore(dir.path).startExperiment(descriptor({ id: "dup" }))).rejects.toThrow(/"dup" is already in the store/);
  });

  it("refuses runs of an experiment that was never started, naming it", async () => {
    const store = openStore(dir.path);
    const experiment = descriptor({ id: "never" });
    await expect(store.appendRun(run(experiment, "q1", { accuracy: 1 }))).rejects.toThrow(/"never" is not in the store .*startExperiment must come before/);
  });

  it("appends to an experiment started by another process (a later upload's events)", async () => {
    const experiment = descriptor({ id: "exp-1" });
    const first = openStore(dir.path);
    await first.startExperiment(experiment);
    await first.finishExperiment(result(experiment, []));
    const later = openStore(dir.path);
    await later.appendEvent("exp-1", { type: "phoenix", uploaded: true });
    await later.close();
    expect((await later.readExperiment("exp-1"))?.events).toEqual([{ type: "phoenix", uploaded: true }]);
  });
});

describe("damaged logs", () => {
  it("reports a torn last line and reads everything before it", async () => {
    const store = openStore(dir.path);
    const experiment = descriptor({ id: "torn" });
    await store.startExperiment(experiment);
    await store.appendRun(run(experiment, "q1", { accuracy: 1 }));
    await store.close();
    await appendFile(experimentLogPath(dir.path, "torn"), '{"type":"run","run":{"runId":"torn/q2/1","exam');
    const stored = await openStore(dir.path).readExperiment("torn");
    expect(stored?.runs.map((r) => r.exampleId)).toEqual(["q1"]);
    expect(stored?.status).toBe("incomplete");
    expect(stored?.problems).toEqual([{ line: 3, kind: "torn", message: expect.stringMatching(/line 3 is incomplete/) }]);
  });

  it("ends a torn line before appending, so only the torn record is lost", async () => {
    const store = openStore(dir.path);
    const experiment = descriptor({ id: "torn" });
    await store.startExperiment(experiment);
    await store.close();
    await appendFile(experimentLogPath(dir.path, "torn"), '{"type":"run","ru');
    await openStore(dir.path).appendEvent("torn", { type: "phoenix", resumed: true });
    const stored = await openStore(dir.path).readExperiment("torn");
    expect(stored?.events).toEqual([{ type: "phoenix", resumed: true }]);
    expect(stored?.problems).toEqual([{ line: 2, kind: "malformed", message: expect.stringMatching(/line 2 is not valid JSON/) }]);
  });

  it("names the line of a malformed or unknown record and keeps the rest", async () => {
    const experiment = descriptor({ id: "bad" });
    await mkdir(join(dir.path, "experiments"), { recursive: true });
    await writeFile(
      experimentLogPath(dir.path, "bad"),
      [
        JSON.stringify({ type: "experiment", format: 1, experiment }),
        "not json",
        JSON.stringify({ type: "comment" }),
        JSON.stringify({ type: "run", run: run(experiment, "q1", { accuracy: 1 }) }),
        "",
      ].join("\n"),
    );
    const stored = await openStore(dir.path).readExperiment("bad");
    expect(stored?.runs).toHaveLength(1);
    expect(stored?.problems.map((p) => [p.line, p.kind])).toEqual([
      [2, "malformed"],
      [3, "malformed"],
    ]);
    expect(stored?.problems[1]?.message).toMatch(/unknown record type "comment" \(expected experiment, run, event or end\)/);
  });
});

describe("an unwritable store", () => {
  it("fails with an error that names the path and what to do", async () => {
    const blocker = join(dir.path, "a-file");
    await writeFile(blocker, "");
    const store = openStore(join(blocker, "store"));
    const error = await store.startExperiment(descriptor({ id: "x" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain(join(blocker, "store"));
    expect((error as StoreError).message).toMatch(/not a directory.*VITEST_EXPERIMENTS_DIR/);
    expect((error as StoreError).code).toBe("ENOTDIR");
  });
});

describe("resolveStoreDir", () => {
  it("prefers the explicit directory, then VITEST_EXPERIMENTS_DIR, then .vitest-experiments, from the root", () => {
    expect(resolveStoreDir({ root: "/p", dir: "out/store", env: { VITEST_EXPERIMENTS_DIR: "/env" } })).toBe("/p/out/store");
    expect(resolveStoreDir({ root: "/p", env: { VITEST_EXPERIMENTS_DIR: "/env" } })).toBe("/env");
    expect(resolveStoreDir({ root: "/p", env: { VITEST_EXPERIMENTS_DIR: "rel" } })).toBe("/p/rel");
    expect(resolveStoreDir({ root: "/p", env: { VITEST_EXPERIMENTS_DIR: "" } })).toBe("/p/.vitest-experiments");
  });
});

describe("real processes", () => {
  it("a writer killed with SIGKILL mid-experiment leaves every completed run readable and the experiment incomplete", async () => {
    // Large outputs keep the writer inside write calls most of the time, so the kill lands mid-write often.
    // Bounded (500 × 200 KB at most) in case the kill never comes.
    const writer = spawnWriter([dir.path, "killed", "500", "--no-finish", "--output-bytes", "200000"]);
    try {
      await writer.waitFor((line) => line === "run 20");
    } finally {
      writer.child.kill("SIGKILL");
    }
    const { signal } = await writer.exited;
    expect(signal).toBe("SIGKILL");
    const confirmed = writer.lines.filter((l) => l.startsWith("run ")).length;

    const stored = await openStore(dir.path).readExperiment("killed");
    expect(stored?.status).toBe("incomplete");
    expect(stored?.result).toBeUndefined();
    // Every run the writer confirmed is there, whole; at most one more line was cut short.
    expect(stored!.runs.length).toBeGreaterThanOrEqual(confirmed);
    expect(stored!.runs.map((r) => r.exampleId)).toEqual(stored!.runs.map((_, i) => `ex-${i}`));
    for (const r of stored!.runs) expect((r.output as { text: string }).text).toHaveLength(200_000);
    expect(stored!.problems.filter((p) => p.kind !== "torn")).toEqual([]);
    expect((await openStore(dir.path).listExperiments())[0]).toMatchObject({ status: "incomplete", runCount: stored!.runs.length });
  });

  it("two processes writing at once, while a third reads, corrupt nothing", async () => {
    const writers = [spawnWriter([dir.path, "left", "300", "--output-bytes", "5000"]), spawnWriter([dir.path, "right", "300", "--output-bytes", "5000"])];
    const reader = openStore(dir.path);
    await Promise.all(writers.map((w) => w.waitFor((l) => l === "started"))).catch((error: unknown) => {
      for (const w of writers) w.child.kill("SIGKILL");
      throw error;
    });
    // Read while both write: partial views are fine, errors and foreign lines are not.
    for (let i = 0; i < 5; i++) {
      for (const summary of await reader.listExperiments()) {
        expect(summary.problems.filter((p) => p.kind !== "torn")).toEqual([]);
      }
    }
    const exits = await Promise.all(writers.map((w) => w.exited));
    expect(exits.map((e) => [e.code, e.stderr])).toEqual([
      [0, ""],
      [0, ""],
    ]);
    const list = await reader.listExperiments();
    expect(list.map((s) => [s.experiment.id, s.status, s.runCount, s.problems]).sort()).toEqual([
      ["left", "passed", 300, []],
      ["right", "passed", 300, []],
    ]);
    const left = await reader.readExperiment("left");
    expect(new Set(left!.runs.map((r) => r.experimentId))).toEqual(new Set(["left"]));
  });
});
