import { mkdtemp, mkdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeVerdict } from "../../../src/record/gates.js";
import { GATES_TEST_NAME } from "../../../src/record/naming.js";
import type { ExperimentDescriptor } from "../../../src/record/types.js";
import { createJUnitSink } from "../../../src/sinks/junit/index.js";
import type { ExperimentSink } from "../../../src/sinks/types.js";
import { failureText, parseReport, propertiesOf, schemaErrors, type ParsedCase, type ParsedReport, type ParsedSuite } from "./junit-xml.js";
import { aFailedEvaluation, aResult, aRun, aVerdict, anEvaluation, anExperiment } from "./records.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "junit-sink-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readReport(path: string): Promise<{ xml: string; report: ParsedReport }> {
  const xml = await readFile(path, "utf8");
  expect(await schemaErrors(xml)).toEqual([]);
  return { xml, report: parseReport(xml) };
}

function suiteNamed(report: ParsedReport, name: string): ParsedSuite {
  const suite = report.testsuites.testsuite?.find((s) => s.name === name);
  if (!suite) throw new Error(`no suite ${name}`);
  return suite;
}

function caseNamed(suite: ParsedSuite, name: string): ParsedCase {
  const testCase = suite.testcase.find((c) => c.name === name);
  if (!testCase) throw new Error(`no test case ${name} in ${suite.testcase.map((c) => c.name).join(", ")}`);
  return testCase;
}

async function drive(sink: ExperimentSink, experiment: ExperimentDescriptor, runs: Parameters<typeof aRun>[1][], result = aResult(experiment)) {
  await sink.experimentStarted?.(experiment, []);
  for (const shape of runs) await sink.runCompleted?.(aRun(experiment, shape), experiment);
  await sink.experimentFinished?.(result);
}

describe("createJUnitSink", () => {
  it("writes one suite per experiment and one test case per run, with their properties", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    const experiment = anExperiment({
      dataset: { name: "qa", exampleIds: ["ex-1", "ex-2"], totalExamples: 2, contentHash: "sha256:abc", phoenix: { datasetId: "ds-9", versionId: "v-3" } },
      evaluators: [
        { name: "exact_match", kind: "CODE", direction: "maximize" },
        { name: "tone", kind: "LLM", direction: "maximize" },
      ],
      gates: [{ evaluator: "exact_match", direction: "maximize", mean: 0.5 }],
    });
    await drive(
      sink,
      experiment,
      [
        { exampleId: "ex-2", latencyMs: 2500, attempts: 2, traceId: "trace-2", evaluations: [anEvaluation("exact_match", { score: 1 }), anEvaluation("tone", { label: "polite", explanation: "says please" })] },
        { exampleId: "ex-1", latencyMs: 1234.5678, evaluations: [anEvaluation("exact_match", { score: 0 }), anEvaluation("tone", { score: 0.25 })] },
      ],
      aResult(experiment, { gates: [aVerdict({ evaluator: "exact_match", status: "pass", bar: 0.5, observed: 0.5, samples: 2 })] }),
    );
    await sink.close?.();

    const { report } = await readReport(path);
    expect(report.testsuites).toMatchObject({ name: "vitest-experiments", tests: "3", failures: "0", errors: "0" });
    const suite = suiteNamed(report, "qa-baseline");
    expect(suite).toMatchObject({ tests: "3", failures: "0", timestamp: "2025-03-01T10:00:00", time: "5.5" });
    expect(propertiesOf(suite)).toMatchObject({
      "experiment.id": "exp-1",
      "dataset.name": "qa",
      "dataset.version": "v-3",
      "dataset.contentHash": "sha256:abc",
      repetitions: "1",
      "experiment.file": "evals/qa.eval.ts",
      "gate.exact_match.mean": "pass observed=0.5 bar=0.5 n=2",
    });
    // Declared order, not completion order; the gates case last.
    expect(suite.testcase.map((c) => c.name)).toEqual(["ex-1", "ex-2", GATES_TEST_NAME]);
    expect(suite.testcase.every((c) => c.classname === "qa-baseline")).toBe(true);

    const first = caseNamed(suite, "ex-1");
    expect(first.time).toBe("1.235");
    expect(propertiesOf(first)).toEqual({ "example.id": "ex-1", repetition: "1", attempts: "1", "evaluator.exact_match.score": "0", "evaluator.tone.score": "0.25" });
    const second = caseNamed(suite, "ex-2");
    expect(second.time).toBe("2.5");
    expect(propertiesOf(second)).toEqual({
      "example.id": "ex-2",
      repetition: "1",
      attempts: "2",
      "trace.id": "trace-2",
      "evaluator.exact_match.score": "1",
      "evaluator.tone.label": "polite",
      "evaluator.tone.explanation": "says please",
    });
    expect(second.failure).toBeUndefined();
  });

  it("names repeated runs with their repetition, as the Vitest test cases are named", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    const experiment = anExperiment({ repetitions: 2, dataset: { name: "qa", exampleIds: ["a"], totalExamples: 1, contentHash: "h" } });
    await drive(sink, experiment, [{ exampleId: "a", repetition: 2 }, { exampleId: "a", repetition: 1 }]);
    const { report } = await readReport(path);
    const suite = suiteNamed(report, "qa-baseline");
    expect(suite.testcase.map((c) => c.name)).toEqual(["a [rep 1/2]", "a [rep 2/2]", GATES_TEST_NAME]);
    expect(propertiesOf(caseNamed(suite, "a [rep 2/2]"))).toMatchObject({ repetition: "2" });
    expect(propertiesOf(suite)).toMatchObject({ repetitions: "2" });
  });

  it("fails a run whose task failed, with the error and its stack", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    const experiment = anExperiment({ dataset: { name: "qa", exampleIds: ["a"], totalExamples: 1, contentHash: "h" } });
    await drive(sink, experiment, [
      { exampleId: "a", attempts: 4, error: { name: "RateLimitError", message: "429 from upstream", stack: "RateLimitError: 429 from upstream\n    at task (evals/qa.eval.ts:12:5)" } },
    ]);
    const { report } = await readReport(path);
    const suite = suiteNamed(report, "qa-baseline");
    expect(suite.failures).toBe("1");
    const failed = caseNamed(suite, "a");
    expect(failed.failure).toMatchObject({ type: "RateLimitError", message: "task failed after 4 attempts: 429 from upstream" });
    expect(failureText(failed)).toBe("task failed after 4 attempts: 429 from upstream\n\nRateLimitError: 429 from upstream\n    at task (evals/qa.eval.ts:12:5)");
    expect(propertiesOf(failed)).toMatchObject({ attempts: "4" });
  });

  it("fails a run on an evaluator error or a missed perRun bar, with the evaluator's explanation", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    const experiment = anExperiment({
      dataset: { name: "qa", exampleIds: ["broken", "missed", "tolerated", "fine"], totalExamples: 4, contentHash: "h" },
      evaluators: [
        { name: "exact_match", kind: "CODE", direction: "maximize" },
        { name: "judge", kind: "LLM", direction: "maximize" },
      ],
      gates: [
        { evaluator: "exact_match", direction: "maximize", perRun: 1 },
        { evaluator: "judge", direction: "maximize", perRun: 0.5, passRate: 0.5 },
      ],
    });
    await drive(sink, experiment, [
      { exampleId: "broken", evaluations: [aFailedEvaluation("exact_match", "TypeError: expected is undefined"), anEvaluation("judge", { score: 1 })] },
      { exampleId: "missed", evaluations: [anEvaluation("exact_match", { score: 0, explanation: "said Lyon, expected Paris" }), anEvaluation("judge", { score: 1 })] },
      { exampleId: "tolerated", evaluations: [anEvaluation("exact_match", { score: 1 }), anEvaluation("judge", { score: 0.2, explanation: "rambling" })] },
      { exampleId: "fine", evaluations: [anEvaluation("exact_match", { score: 1 }), anEvaluation("judge", { score: 0.9 })] },
    ]);
    const { report } = await readReport(path);
    const suite = suiteNamed(report, "qa-baseline");
    expect(suite.failures).toBe("2");

    const broken = caseNamed(suite, "broken");
    expect(broken.failure).toMatchObject({ type: "EvaluatorError", message: "evaluator exact_match failed: TypeError: expected is undefined" });
    expect(propertiesOf(broken)).toMatchObject({ "evaluator.exact_match.error": "TypeError: expected is undefined" });

    const missed = caseNamed(suite, "missed");
    expect(missed.failure).toMatchObject({ type: "ThresholdMissed", message: "exact_match = 0, needs ≥ 1: said Lyon, expected Paris" });
    expect(failureText(missed)).toBe("exact_match = 0, needs ≥ 1: said Lyon, expected Paris");

    const tolerated = caseNamed(suite, "tolerated");
    expect(tolerated.failure).toBeUndefined();
    expect(tolerated["system-out"]).toContain("judge = 0.2, needs ≥ 0.5 (tolerated by passRate): rambling");
    expect(caseNamed(suite, "fine").failure).toBeUndefined();
  });

  it("reports declared runs that never arrived as skipped", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    const experiment = anExperiment({
      repetitions: 2,
      config: { ...anExperiment().config, exitOnError: true },
      dataset: { name: "qa", exampleIds: ["a", "b"], totalExamples: 2, contentHash: "h" },
    });
    await drive(sink, experiment, [{ exampleId: "a", repetition: 1, error: { name: "Error", message: "boom" } }], aResult(experiment, { status: "failed" }));
    const { report } = await readReport(path);
    const suite = suiteNamed(report, "qa-baseline");
    expect(suite).toMatchObject({ tests: "5", failures: "1", skipped: "3" });
    for (const name of ["a [rep 2/2]", "b [rep 1/2]", "b [rep 2/2]"]) {
      const skipped = caseNamed(suite, name);
      expect(skipped.skipped).toBeDefined();
      expect(skipped.failure).toBeUndefined();
    }
    expect(propertiesOf(caseNamed(suite, "b [rep 2/2]"))).toEqual({ "example.id": "b", repetition: "2" });
  });

  describe("the gates test case", () => {
    const experiment = anExperiment({
      dataset: { name: "qa", exampleIds: ["a"], totalExamples: 1, contentHash: "h" },
      gates: [{ evaluator: "exact_match", direction: "maximize", mean: 0.8, maxDrop: 0.05 }],
    });

    it("fails when a gate fails, listing every gate", async () => {
      const path = join(dir, "report.xml");
      const sink = createJUnitSink({ path });
      const gates = [
        aVerdict({ evaluator: "exact_match", status: "fail", bar: 0.8, observed: 0.7, samples: 30 }),
        aVerdict({ evaluator: "exact_match", kind: "maxDrop", direction: "minimize", status: "pass", bar: 0.05, observed: 0.01, samples: 30, baseline: 0.71 }),
      ];
      await drive(sink, experiment, [{ exampleId: "a", evaluations: [anEvaluation("exact_match", { score: 1 })] }], aResult(experiment, { status: "failed", gates }));
      const { report } = await readReport(path);
      const suite = suiteNamed(report, "qa-baseline");
      const gatesCase = caseNamed(suite, GATES_TEST_NAME);
      expect(gatesCase.failure).toMatchObject({ type: "GateFailed", message: "1 of 2 gates failed" });
      // Every gate, failing or not, in the summary's words.
      expect(failureText(gatesCase)).toBe(gates.map(describeVerdict).join("\n"));
      expect(failureText(gatesCase)).toContain("exact_match mean = 0.7 (needs ≥ 0.8, n=30)");
      expect(propertiesOf(suite)).toMatchObject({
        "gate.exact_match.mean": "fail observed=0.7 bar=0.8 n=30",
        "gate.exact_match.maxDrop": "pass observed=0.01 bar=0.05 n=30 baseline=0.71",
        "experiment.status": "failed",
      });
      expect(propertiesOf(gatesCase)).toMatchObject({ "gate.exact_match.mean": "fail observed=0.7 bar=0.8 n=30" });
      expect(report.testsuites.failures).toBe("1");
    });

    it("is skipped when the gates are partial", async () => {
      const path = join(dir, "report.xml");
      const sink = createJUnitSink({ path });
      const gates = [aVerdict({ evaluator: "exact_match", status: "partial", observed: 1, samples: 1 })];
      await drive(sink, experiment, [{ exampleId: "a", evaluations: [anEvaluation("exact_match", { score: 1 })] }], aResult(experiment, { status: "partial", gates }));
      const { report } = await readReport(path);
      const gatesCase = caseNamed(suiteNamed(report, "qa-baseline"), GATES_TEST_NAME);
      expect(gatesCase.skipped).toBeDefined();
      expect(gatesCase.failure).toBeUndefined();
      expect(gatesCase["system-out"]).toBe(describeVerdict(gates[0]!));
    });

    it("passes when every gate passes or has no baseline", async () => {
      const path = join(dir, "report.xml");
      const sink = createJUnitSink({ path });
      const gates = [
        aVerdict({ evaluator: "exact_match", status: "pass" }),
        aVerdict({ evaluator: "exact_match", kind: "maxDrop", status: "no-baseline", observed: 0.9, bar: 0.05 }),
      ];
      await drive(sink, experiment, [{ exampleId: "a", evaluations: [anEvaluation("exact_match", { score: 1 })] }], aResult(experiment, { gates }));
      const { report } = await readReport(path);
      const gatesCase = caseNamed(suiteNamed(report, "qa-baseline"), GATES_TEST_NAME);
      expect(gatesCase.failure).toBeUndefined();
      expect(gatesCase.skipped).toBeUndefined();
      expect(propertiesOf(gatesCase)).toMatchObject({ "gate.exact_match.maxDrop": "no-baseline observed=0.9 bar=0.05 n=2" });
    });
  });

  it("writes each experiment as it finishes, and adds unfinished ones as skipped on close", async () => {
    const path = join(dir, "nested", "deeper", "report.xml");
    const sink = createJUnitSink({ path });
    const done = anExperiment({ id: "exp-done", name: "done" });
    const running = anExperiment({ id: "exp-running", name: "running", dataset: { name: "qa", exampleIds: ["a", "b"], totalExamples: 2, contentHash: "h" } });
    await sink.experimentStarted?.(done, []);
    await sink.experimentStarted?.(running, []);
    await sink.runCompleted?.(aRun(running, { exampleId: "a" }), running);
    await sink.runCompleted?.(aRun(done, { exampleId: "ex-1" }), done);
    await sink.runCompleted?.(aRun(done, { exampleId: "ex-2" }), done);
    await sink.experimentFinished?.(aResult(done));

    // A crash now would leave this file: the finished experiment is in it.
    const early = await readReport(path);
    expect(early.report.testsuites.testsuite?.map((s) => s.name)).toEqual(["done"]);

    await sink.close?.();
    const { report } = await readReport(path);
    expect(report.testsuites.testsuite?.map((s) => s.name)).toEqual(["done", "running"]);
    const unfinished = suiteNamed(report, "running");
    expect(propertiesOf(unfinished)).toMatchObject({ "experiment.status": "unfinished" });
    expect(caseNamed(unfinished, "a").skipped).toBeUndefined();
    expect(caseNamed(unfinished, "b").skipped).toBeDefined();
    expect(caseNamed(unfinished, GATES_TEST_NAME).skipped).toBeDefined();
    expect(report.testsuites).toMatchObject({ tests: "6", failures: "0" });
  });

  it("lets an experiment finishing while the sink closes be reported as finished", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    const experiment = anExperiment();
    await sink.experimentStarted?.(experiment, []);
    await sink.runCompleted?.(aRun(experiment, { exampleId: "ex-1" }), experiment);
    const finishing = sink.experimentFinished?.(aResult(experiment));
    // A run arriving after its experiment finished is late and not taken.
    await sink.runCompleted?.(aRun(experiment, { exampleId: "ex-2" }), experiment);
    await Promise.all([finishing, sink.close?.()]);
    const { report } = await readReport(path);
    const suite = suiteNamed(report, "qa-baseline");
    expect(propertiesOf(suite)).toMatchObject({ "experiment.status": "passed" });
    expect(caseNamed(suite, "ex-2").skipped).toBeDefined();
    expect(report.testsuites.testsuite).toHaveLength(1);
  });

  it("writes a valid empty report when no experiment ran", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    await sink.close?.();
    const { report } = await readReport(path);
    expect(report.testsuites).toMatchObject({ tests: "0", failures: "0" });
    expect(report.testsuites.testsuite).toBeUndefined();
  });

  it("resolves a relative path against the project root", async () => {
    const sink = createJUnitSink({ path: "reports/experiments.junit.xml", projectRoot: dir });
    await drive(sink, anExperiment(), [{ exampleId: "ex-1" }, { exampleId: "ex-2" }]);
    expect((await stat(join(dir, "reports", "experiments.junit.xml"))).isFile()).toBe(true);
  });

  it("replaces an experiment's earlier suite when it runs again (watch mode)", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    const first = anExperiment({ id: "run-1" });
    const second = anExperiment({ id: "run-2" });
    const other = anExperiment({ id: "other-1", name: "other" });
    await drive(sink, first, [{ exampleId: "ex-1", error: { name: "Error", message: "boom" } }]);
    await drive(sink, other, []);
    await drive(sink, second, [{ exampleId: "ex-1" }, { exampleId: "ex-2" }]);
    await sink.close?.();
    const { report } = await readReport(path);
    expect(report.testsuites.testsuite?.map((s) => propertiesOf(s)["experiment.id"])).toEqual(["other-1", "run-2"]);
    expect(report.testsuites.failures).toBe("0");
  });

  it("names the file when the report cannot be written", async () => {
    const path = join(dir, "taken");
    await mkdir(path);
    const sink = createJUnitSink({ path });
    await expect(drive(sink, anExperiment(), [])).rejects.toThrow(`JUnit report could not be written to ${path}:`);
  });

  it("never writes task outputs", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    await drive(sink, anExperiment(), [{ exampleId: "ex-1", output: { answer: "SECRET-OUTPUT-MARKER" } }, { exampleId: "ex-2" }]);
    expect(await readFile(path, "utf8")).not.toContain("SECRET-OUTPUT-MARKER");
  });

  describe("hostile text", () => {
    const ESC = "\u001b";
    const hostile = `${ESC}[31mred${ESC}[0m bell\u0007 nul\u0000 vt\u000b ff\u000c lone-high\ud800 lone-low\udc00 ok-pair\ud83d\ude00 fffe\ufffe ]]> twice ]]> <tag> & "quotes"`;

    async function hostileReport(maxFieldLength?: number) {
      const path = join(dir, "report.xml");
      const sink = createJUnitSink({ path, ...(maxFieldLength ? { maxFieldLength } : {}) });
      const experiment = anExperiment({
        name: `exp ${hostile}`,
        description: hostile,
        dataset: { name: `ds ${hostile}`, exampleIds: [`id ${hostile}`, "big"], totalExamples: 2, contentHash: "h" },
        evaluators: [{ name: "judge", kind: "LLM", direction: "maximize" }],
        gates: [{ evaluator: "judge", direction: "maximize", perRun: 1 }],
      });
      const huge = `${"x".repeat(5 * 1024 * 1024)}${hostile}${"y".repeat(5 * 1024 * 1024)}`;
      await drive(sink, experiment, [
        { exampleId: `id ${hostile}`, error: { name: `Err${ESC}[1m`, message: hostile, stack: `${hostile}\n    at somewhere` } },
        { exampleId: "big", evaluations: [anEvaluation("judge", { score: 0, label: hostile, explanation: huge })] },
      ]);
      return { path, experiment, report: await readReport(path) };
    }

    it("keeps the report well-formed and schema-valid, with forbidden characters removed", async () => {
      const { path, report } = await hostileReport();
      const { xml } = report;
      expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
      expect(xml).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      expect(xml).toContain("\ud83d\ude00");
      const suite = report.report.testsuites.testsuite![0]!;
      expect(suite.name).toBe('exp red bell nul vt ff lone-high lone-low ok-pair😀 fffe ]]> twice ]]> <tag> & "quotes"');
      const task = suite.testcase[0]!;
      expect(task.name).toBe(`id red bell nul vt ff lone-high lone-low ok-pair😀 fffe ]]> twice ]]> <tag> & "quotes"`);
      expect(task.failure).toMatchObject({ type: "Err" });
      expect(failureText(task)).toContain("]]&gt; twice ]]&gt; <tag> & \"quotes\"");
      expect(failureText(task)).toContain("at somewhere");
      // 10 MB in, bounded out: every field capped at 8 KB.
      expect((await stat(path)).size).toBeLessThan(64 * 1024);
    });

    it("truncates long fields with a visible marker", async () => {
      const { report } = await hostileReport();
      const big = report.report.testsuites.testsuite![0]!.testcase[1]!;
      const explanation = propertiesOf(big)["evaluator.judge.explanation"]!;
      expect(explanation.length).toBeLessThanOrEqual(8192);
      expect(explanation).toMatch(/^x+…\[truncated, \d+ characters in all\]$/);
      expect(failureText(big)).toMatch(/\[truncated, \d+ characters in all\]$/);
      expect(failureText(big).length).toBeLessThanOrEqual(8192);
      expect((big.failure as { message: string }).message.length).toBeLessThanOrEqual(512);
    });

    it("honours a smaller field limit", async () => {
      const { report } = await hostileReport(256);
      const big = report.report.testsuites.testsuite![0]!.testcase[1]!;
      expect(propertiesOf(big)["evaluator.judge.explanation"]!.length).toBeLessThanOrEqual(256);
      expect(failureText(big).length).toBeLessThanOrEqual(256);
    });
  });

  it("handles an experiment of 20,000 runs", async () => {
    const path = join(dir, "report.xml");
    const sink = createJUnitSink({ path });
    const exampleIds = Array.from({ length: 10_000 }, (_, i) => `ex-${i}`);
    const experiment = anExperiment({ repetitions: 2, dataset: { name: "big", exampleIds, totalExamples: exampleIds.length, contentHash: "h" } });
    await sink.experimentStarted?.(experiment, []);
    for (const exampleId of exampleIds) {
      for (const repetition of [1, 2]) {
        if (exampleId === "ex-17" && repetition === 2) continue;
        await sink.runCompleted?.(aRun(experiment, { exampleId, repetition, evaluations: [anEvaluation("exact_match", { score: 1, explanation: "matches" })] }), experiment);
      }
    }
    await sink.experimentFinished?.(aResult(experiment));
    const { report } = await readReport(path);
    expect(report.testsuites).toMatchObject({ tests: "20001", failures: "0" });
    expect(report.testsuites.testsuite?.[0]).toMatchObject({ tests: "20001", skipped: "1" });
  }, 120_000);

  it("rejects a field limit too small to carry the truncation marker", () => {
    expect(() => createJUnitSink({ path: join(dir, "r.xml"), maxFieldLength: 10 })).toThrow("maxFieldLength must be an integer of at least 64, got 10");
  });
});
