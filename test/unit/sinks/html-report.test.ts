import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import type { Example } from "../../../src/datasets/types.js";
import { reportComparison, reportExperiment, sourceOfStored } from "../../../src/sinks/html-report/data.js";
import { jsonForScript, renderPage, renderReport } from "../../../src/sinks/html-report/page.js";
import { DEFAULT_REPORT_PATH, resolveReportPath } from "../../../src/sinks/html-report/path.js";
import { createHtmlReportSink } from "../../../src/sinks/html-report/sink.js";
import { createStoreSink } from "../../../src/sinks/store-sink.js";
import { openStore } from "../../../src/store/jsonl-store.js";
import { dataOfReport } from "../../support/report-html.js";
import { descriptor, result, run } from "../store/fixtures.js";

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vx-report-"));
  dirs.push(dir);
  return dir;
}

const examples: Example[] = ["q1", "q2", "q3"].map((id) => ({ id, input: { question: `question ${id}` }, expected: `answer ${id}`, metadata: {}, splits: [] }));

describe("embedding data in the page", () => {
  it("escapes everything that could end the script element or start markup, and round-trips", () => {
    const value = { output: "</script><script>alert(1)</script><!-- & \u2028\u2029", nested: ["<img src=x onerror=alert(1)>"] };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it("inlines the script and styles under a policy that allows exactly them and no network", () => {
    const html = renderPage({ schema: 1, generatedAt: "2026-01-01T00:00:00.000Z", version: "1.2.3", experiments: [], comparison: null }, { script: "console.log(1)", style: "body{}" });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    expect(csp).toContain("default-src 'none'");
    // sha256 of "console.log(1)" and of "body{}".
    expect(csp).toContain("script-src 'sha256-");
    expect(csp).not.toContain("unsafe");
    expect(html).toContain("<script>console.log(1)</script>");
    expect(html).toContain("<style>body{}</style>");
  });

  it("refuses a bundle that would close its own element", () => {
    expect(() => renderPage({ schema: 1, generatedAt: "", version: "", experiments: [], comparison: null }, { script: "'</script>'", style: "" })).toThrow(/closing <\/script>/);
  });

  it("redacts configured credentials from examples as well as runs", async () => {
    const experiment = descriptor({ id: "exp-secret" });
    const data = { schema: 1 as const, generatedAt: "", version: "", experiments: [reportExperiment({ experiment, runs: [run(experiment, "q1", { accuracy: 1 })], examples: new Map([["q1", { input: "key sk-live-123456 in the prompt", expected: null }]]) })], comparison: null };
    const html = await renderReport(data, ["sk-live-123456"]);
    expect(html).not.toContain("sk-live-123456");
    expect(dataOfReport(html).experiments[0]!.runs[0]!.input).toBe("key [REDACTED] in the prompt");
  });
});

describe("report path", () => {
  const root = "/project";
  it("follows the option, then VITEST_EXPERIMENTS_REPORT, and is off by default", () => {
    expect(resolveReportPath({ option: undefined, env: {}, root })).toBeUndefined();
    expect(resolveReportPath({ option: true, env: {}, root })).toBe(join(root, DEFAULT_REPORT_PATH));
    expect(resolveReportPath({ option: "out/r.html", env: { VITEST_EXPERIMENTS_REPORT: "env.html" }, root })).toBe("/project/out/r.html");
    expect(resolveReportPath({ option: false, env: { VITEST_EXPERIMENTS_REPORT: "env.html" }, root })).toBeUndefined();
    expect(resolveReportPath({ env: { VITEST_EXPERIMENTS_REPORT: "env.html" }, root })).toBe("/project/env.html");
    expect(resolveReportPath({ env: { VITEST_EXPERIMENTS_REPORT: "/abs/r.html" }, root })).toBe("/abs/r.html");
    expect(resolveReportPath({ env: { VITEST_EXPERIMENTS_REPORT: "true" }, root })).toBe(join(root, DEFAULT_REPORT_PATH));
    expect(resolveReportPath({ env: { VITEST_EXPERIMENTS_REPORT: "0" }, root })).toBeUndefined();
  });
});

describe("report data", () => {
  it("orders runs as the dataset does, formats values as text, and marks missing examples", () => {
    const experiment = descriptor({ id: "exp-1", repetitions: 2 });
    const runs = [run(experiment, "q3", { accuracy: 1 }), run(experiment, "q1", { accuracy: 0 }, { repetition: 2 }), run(experiment, "q1", { accuracy: 1 }), run(experiment, "q2", {}, { failed: true })];
    const withExamples = reportExperiment({ experiment, runs, examples: new Map(examples.map((e) => [e.id, { input: JSON.stringify(e.input), expected: String(e.expected) }])) });
    expect(withExamples.runs.map((r) => `${r.exampleId}#${r.repetition}`)).toEqual(["q1#1", "q1#2", "q2#1", "q3#1"]);
    expect(withExamples.runs[0]).toMatchObject({ output: '{\n  "answer": "answer to q1"\n}', expected: "answer q1", error: null, attempts: 1 });
    expect(withExamples.runs[2]).toMatchObject({ status: "error", output: null, error: "model unavailable" });
    expect(withExamples.status).toBe("incomplete");
    expect(withExamples.evaluators[0]).toMatchObject({ name: "accuracy", bar: 1, mean: 0.5 });
    const without = reportExperiment({ experiment, runs });
    expect(without.hasExamples).toBe(false);
    expect(without.runs[0]!.input).toBeNull();
  });

  it("caps long fields", () => {
    const experiment = descriptor({ id: "exp-long" });
    const data = reportExperiment({ experiment, runs: [run(experiment, "q1", { accuracy: 1 }, { output: "x".repeat(100_000) })] });
    expect(data.runs[0]!.output!.length).toBeLessThan(9000);
    expect(data.runs[0]!.output).toContain("truncated, 100000 characters in all");
  });

  it("compares as `compare` does, regressions first, then improvements, then the rest", async () => {
    const dir = await temp();
    const store = openStore(dir);
    const ids = ["a", "b", "c", "d", "e"];
    const dataset = { name: "qa-set", exampleIds: ids, totalExamples: 5, contentHash: "h" };
    const before = descriptor({ id: "exp-before", dataset, startTime: "2026-01-01T00:00:00.000Z" });
    const after = descriptor({ id: "exp-after", dataset, startTime: "2026-01-02T00:00:00.000Z" });
    const beforeRuns = [run(before, "a", { accuracy: 1 }), run(before, "b", { accuracy: 0 }), run(before, "c", { accuracy: 1 }), run(before, "d", { accuracy: 1 }), run(before, "e", { accuracy: 1 })];
    const afterRuns = [run(after, "a", { accuracy: 1 }), run(after, "b", { accuracy: 1 }), run(after, "c", { accuracy: 0 }), run(after, "d", {}, { failed: true }), run(after, "e", { accuracy: 1 })];
    for (const [d, runs] of [[before, beforeRuns], [after, afterRuns]] as const) {
      await store.startExperiment(d);
      for (const r of runs) await store.appendRun(r);
      await store.finishExperiment(result(d, [...runs]));
    }
    const comparison = reportComparison((await store.readExperiment("exp-after"))!, (await store.readExperiment("exp-before"))!);
    expect(comparison.rows.map((r) => [r.key, r.change])).toEqual([
      ["c", "regressed"],
      ["d", "regressed"],
      ["b", "improved"],
      ["a", "unchanged"],
      ["e", "unchanged"],
    ]);
    expect(comparison.counts).toMatchObject({ regressed: 2, improved: 1, unchanged: 2 });
    expect(comparison.rows[1]).toMatchObject({ baselineOutput: '{\n  "answer": "answer to d"\n}', candidateOutput: "[task failed] model unavailable", movedBy: ["accuracy"] });
    expect(comparison.evaluators[0]).toMatchObject({ evaluator: "accuracy", baseline: 0.8, current: 0.6, worse: true });
    await store.close();
  });
});

describe("report sink", () => {
  it("writes the page when an experiment finishes, with the examples' inputs, and adds unfinished ones on close", async () => {
    const dir = await temp();
    const path = join(dir, "nested/report.html");
    const sink = createHtmlReportSink({ path });
    const done = descriptor({ id: "exp-done" });
    const killed = descriptor({ id: "exp-killed", name: "other" });
    await sink.experimentStarted!(done, examples);
    await sink.experimentStarted!(killed, examples);
    await sink.runCompleted!(run(done, "q2", { accuracy: 1 }), done);
    await sink.runCompleted!(run(killed, "q1", { accuracy: 1 }), killed);
    await sink.runCompleted!(run(done, "q1", { accuracy: 0 }), done);
    await sink.experimentFinished!(result(done, []));
    let data = dataOfReport(await readFile(path, "utf8"));
    expect(data.experiments.map((e) => e.name)).toEqual(["qa"]);
    expect(data.experiments[0]!.runs.map((r) => [r.exampleId, r.input])).toEqual([
      ["q1", '{\n  "question": "question q1"\n}'],
      ["q2", '{\n  "question": "question q2"\n}'],
    ]);
    await sink.close!();
    data = dataOfReport(await readFile(path, "utf8"));
    expect(data.experiments.map((e) => [e.name, e.status, e.runs.length])).toEqual([
      ["qa", "passed", 2],
      ["other", "incomplete", 1],
    ]);
  });

  it("replaces an experiment of the same name and file when it runs again (watch mode)", async () => {
    const dir = await temp();
    const path = join(dir, "report.html");
    const sink = createHtmlReportSink({ path });
    for (const id of ["exp-a", "exp-b"]) {
      const d = descriptor({ id });
      await sink.experimentStarted!(d, examples);
      await sink.runCompleted!(run(d, "q1", { accuracy: 1 }), d);
      await sink.experimentFinished!(result(d, []));
    }
    expect(dataOfReport(await readFile(path, "utf8")).experiments.map((e) => e.id)).toEqual(["exp-b"]);
  });

  it("writes nothing when no experiment ran", async () => {
    const dir = await temp();
    const sink = createHtmlReportSink({ path: join(dir, "report.html") });
    await sink.close!();
    await expect(stat(join(dir, "report.html"))).rejects.toThrow(/ENOENT/);
  });

  it("the store keeps the examples, so a report made later shows the inputs", async () => {
    const dir = await temp();
    const store = openStore(dir);
    const sink = createStoreSink(store);
    const d = descriptor({ id: "exp-stored" });
    await sink.experimentStarted!(d, examples);
    await sink.runCompleted!(run(d, "q3", { accuracy: 1 }), d);
    await sink.experimentFinished!(result(d, []));
    await sink.close!();
    // Listings skip the examples line without parsing it.
    expect((await openStore(dir).listExperiments()).map((s) => [s.experiment.id, s.runCount, s.status])).toEqual([["exp-stored", 1, "passed"]]);
    const data = reportExperiment(sourceOfStored((await openStore(dir).readExperiment("exp-stored"))!));
    expect(data.hasExamples).toBe(true);
    expect(data.runs[0]).toMatchObject({ exampleId: "q3", input: '{\n  "question": "question q3"\n}', expected: "answer q3" });
  });
});

describe("report command", () => {
  async function storeWith(): Promise<string> {
    const dir = await temp();
    const store = openStore(dir);
    for (const [id, name, startTime] of [["exp-1", "qa", "2026-01-01T00:00:00.000Z"], ["exp-2", "qa", "2026-01-02T00:00:00.000Z"], ["exp-3", "other", "2026-01-03T00:00:00.000Z"]] as const) {
      const d = descriptor({ id, name, startTime });
      const runs = [run(d, "q1", { accuracy: id === "exp-2" ? 0 : 1 })];
      await store.startExperiment(d);
      for (const r of runs) await store.appendRun(r);
      await store.finishExperiment(result(d, runs));
    }
    await store.close();
    return dir;
  }
  async function cli(args: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
    return { code, stdout, stderr };
  }

  it("reports the latest experiment of each name by default", async () => {
    const dir = await storeWith();
    const out = join(dir, "r.html");
    const { code, stdout } = await cli(["report", "--dir", dir, "--out", out]);
    expect(code).toBe(0);
    expect(stdout).toBe(`Wrote ${out}: 2 experiments, 2 runs.\n`);
    const data = dataOfReport(await readFile(out, "utf8"));
    expect(data.experiments.map((e) => e.id)).toEqual(["exp-3", "exp-2"]);
    expect(data.comparison).toBeNull();
  });

  it("compares two experiments named with name~N, the first against the second", async () => {
    const dir = await storeWith();
    const out = join(dir, "c.html");
    const { code } = await cli(["report", "--dir", dir, "--out", out, "qa", "qa~1"]);
    expect(code).toBe(0);
    const data = dataOfReport(await readFile(out, "utf8"));
    expect(data.experiments.map((e) => e.id)).toEqual(["exp-2", "exp-1"]);
    expect(data.comparison).toMatchObject({ candidateId: "exp-2", baselineId: "exp-1", counts: { regressed: 1 } });
  });

  it("says what the store holds when a reference goes too far back or names nothing", async () => {
    const dir = await storeWith();
    expect((await cli(["report", "--dir", dir, "--out", join(dir, "x.html"), "qa~2"])).stderr).toBe(
      `error: "qa~2": the store at ${dir} holds 2 experiments named "qa", so qa~1 is the oldest.\n`,
    );
    expect((await cli(["report", "--dir", dir, "nope"])).stderr).toContain('No experiment with id or name "nope"');
    const empty = await temp();
    expect((await cli(["report", "--dir", empty])).stderr).toContain("has no experiments");
  });
});
