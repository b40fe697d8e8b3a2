import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EvaluatorStats, ExperimentStats } from "../../../src/record/types.js";
import { createStepSummarySink, renderExperimentSection, stepSummaryPathFromEnv, type BaselineComparison } from "../../../src/sinks/markdown/index.js";
import { aResult, aVerdict, anExperiment } from "./records.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "step-summary-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function evaluatorStats(name: string, overrides: Partial<EvaluatorStats> = {}): EvaluatorStats {
  return { name, direction: "maximize", count: 4, mean: 0.75, min: 0, max: 1, passRate: null, errors: 0, labels: {}, ...overrides };
}

function stats(evaluators: EvaluatorStats[], overrides: Partial<ExperimentStats> = {}): ExperimentStats {
  return { runs: 4, errors: 1, skipped: 0, retries: 0, rateLimited: 0, cacheHits: 0, cacheMisses: 0, evaluators, ...overrides };
}

/** The rows of the first Markdown table in `markdown`, split into cells on unescaped pipes. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()));
}

describe("renderExperimentSection", () => {
  const experiment = anExperiment({ repetitions: 2, dataset: { name: "qa", exampleIds: ["a", "b"], totalExamples: 2, contentHash: "h" } });

  it("shows the status, the run counts, a per-evaluator table and the gates", () => {
    const result = aResult(experiment, {
      status: "failed",
      stats: stats([evaluatorStats("exact_match", { mean: 0.75, min: 0, passRate: 0.75 }), evaluatorStats("tone", { mean: null, min: null })]),
      gates: [aVerdict({ evaluator: "exact_match", status: "fail", bar: 0.8, observed: 0.75, samples: 4 })],
    });
    const markdown = renderExperimentSection(result);
    expect(markdown).toContain("### ❌ failed: qa-baseline\n");
    expect(markdown).toContain("evals/qa.eval.ts · dataset **qa** (2 examples × 2 repetitions) · 4 runs, 1 failed, 0 skipped");
    expect(tableRows(markdown)).toEqual([
      ["Evaluator", "Mean", "Min", "Pass rate"],
      ["---", "---:", "---:", "---:"],
      ["exact\\_match", "0.75", "0", "75%"],
      ["tone", "–", "–", "–"],
    ]);
    expect(markdown).toContain("**Gates**\n\n- ✗ exact\\_match mean = 0.75 (needs ≥ 0.8, n=4)\n");
  });

  it("adds deltas against the baseline and the regressed and improved examples", () => {
    const comparison: BaselineComparison = {
      deltas: { exact_match: { baseline: 0.8, current: 0.75 }, latency: { baseline: 1.2, current: null } },
      regressed: ["a"],
      improved: Array.from({ length: 12 }, (_, i) => `ex-${i}`),
      source: "experiment exp-0",
    };
    const result = aResult(experiment, {
      stats: stats([evaluatorStats("exact_match"), evaluatorStats("latency", { mean: null }), evaluatorStats("new_one", { mean: 0.5 })]),
    });
    const markdown = renderExperimentSection(result, { comparison });
    expect(tableRows(markdown).map((row) => row[4])).toEqual(["Δ vs baseline", "---:", "−0.05 (0.8 → 0.75)", "n/a (baseline 1.2)", "–"]);
    expect(markdown).toContain("**Vs baseline** experiment exp-0: 1 regressed, 12 improved");
    expect(markdown).toContain("- Regressed: a\n");
    expect(markdown).toContain("- Improved: ex-0, ex-1, ex-2, ex-3, ex-4, ex-5, ex-6, ex-7, ex-8, ex-9, and 2 more\n");
  });

  it("links a Phoenix URL and shows a local path as text", () => {
    const result = aResult(experiment);
    expect(renderExperimentSection(result, { link: "https://phoenix.example/datasets/ds/compare?experimentId=e(1)" })).toContain(
      "[open experiment](https://phoenix.example/datasets/ds/compare?experimentId=e%281%29)",
    );
    expect(renderExperimentSection(result, { link: ".vitest-experiments/qa_baseline/exp-1.jsonl" })).toContain(
      "record: .vitest-experiments/qa\\_baseline/exp-1.jsonl",
    );
    expect(renderExperimentSection(result, { link: "javascript:alert(1)" })).not.toContain("](");
  });

  it("says so when the baseline comparison failed", () => {
    const markdown = renderExperimentSection(aResult(experiment), { comparisonError: "store unreadable" });
    expect(markdown).toContain("_Baseline comparison unavailable: store unreadable_");
  });

  it("notes a dry run", () => {
    const markdown = renderExperimentSection(aResult(anExperiment({ dryRun: { sampled: 1, seed: 42 } }), { status: "partial" }));
    expect(markdown).toContain("### ⚠️ partial: qa-baseline");
    expect(markdown).toContain("_Dry run: 1 example sampled with seed 42; nothing was recorded._");
  });

  it("escapes user text so it can neither break the table nor inject HTML", () => {
    const hostile = "evil|name\n<script>alert(1)</script> [x](http://y) *b* `c` \u001b[31mred\u001b[0m \ud800";
    const result = aResult(anExperiment({ name: hostile, dataset: { name: hostile, exampleIds: ["a"], totalExamples: 1, contentHash: "h" } }), {
      stats: stats([evaluatorStats(hostile)]),
    });
    const markdown = renderExperimentSection(result, { comparison: { deltas: {}, regressed: [hostile], improved: [], source: hostile } });
    const rows = tableRows(markdown);
    expect(rows.every((row) => row.length === 5)).toBe(true);
    expect(rows[2]![0]).toBe("evil\\|name &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](http://y) \\*b\\* \\`c\\` red");
    expect(markdown).not.toMatch(/<script|\u001b|[\ud800-\udbff](?![\udc00-\udfff])/);
    // The heading stays one line.
    expect(markdown.split("\n")[0]).toMatch(/^### ✅ passed: evil\\\|name/);
  });

  it("truncates long names with a marker", () => {
    const result = aResult(anExperiment({ name: "n".repeat(10_000) }));
    const heading = renderExperimentSection(result).split("\n")[0]!;
    expect(heading.length).toBeLessThan(300);
    expect(heading).toContain("…\\[truncated, 10000 characters in all\\]");
  });
});

describe("createStepSummarySink", () => {
  it("appends one section per experiment as each finishes, after what was already there", async () => {
    const path = join(dir, "summary.md");
    await writeFile(path, "# Earlier step output\n");
    const sink = createStepSummarySink({ path });
    await sink.experimentFinished?.(aResult(anExperiment({ id: "1", name: "first" })));
    expect(await readFile(path, "utf8")).toContain("### ✅ passed: first");
    await sink.experimentFinished?.(aResult(anExperiment({ id: "2", name: "second" }), { status: "failed" }));
    await sink.close?.();
    const markdown = await readFile(path, "utf8");
    expect(markdown.startsWith("# Earlier step output\n")).toBe(true);
    expect(markdown.indexOf("first")).toBeLessThan(markdown.indexOf("### ❌ failed: second"));
  });

  it("asks for the baseline comparison and the link of each experiment", async () => {
    const path = join(dir, "summary.md");
    const asked: string[] = [];
    const sink = createStepSummarySink({
      path,
      baselineFor: async (result) => {
        asked.push(result.experiment.id);
        return { deltas: { exact_match: { baseline: 0.5, current: 0.75 } }, regressed: [], improved: ["a", "b"], source: "evals/__baselines__/qa.eval.ts.json" };
      },
      linkFor: (result) => `http://127.0.0.1:6006/experiments/${result.experiment.id}`,
    });
    await sink.experimentFinished?.(aResult(anExperiment(), { stats: stats([evaluatorStats("exact_match")]) }));
    const markdown = await readFile(path, "utf8");
    expect(asked).toEqual(["exp-1"]);
    expect(markdown).toContain("+0.25 (0.5 → 0.75)");
    expect(markdown).toContain("0 regressed, 2 improved");
    expect(markdown).toContain("[open experiment](http://127.0.0.1:6006/experiments/exp-1)");
  });

  it("still writes the section when the baseline comparison throws", async () => {
    const path = join(dir, "summary.md");
    const sink = createStepSummarySink({ path, baselineFor: () => Promise.reject(new Error("baseline file is not JSON")) });
    await sink.experimentFinished?.(aResult(anExperiment()));
    expect(await readFile(path, "utf8")).toContain("_Baseline comparison unavailable: baseline file is not JSON_");
  });

  it("stops at the size limit with a notice instead of growing the summary past it", async () => {
    const path = join(dir, "summary.md");
    const sink = createStepSummarySink({ path, maxBytes: 1500 });
    for (let i = 0; i < 20; i++) await sink.experimentFinished?.(aResult(anExperiment({ id: `e${i}`, name: `experiment-${i}` })));
    const markdown = await readFile(path, "utf8");
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(1500);
    expect(markdown).toContain("experiment-0");
    expect(markdown).not.toContain("experiment-19");
    expect(markdown.match(/reached its size limit/g)).toHaveLength(1);
  });

  it("keeps sections whole when experiments finish at the same time", async () => {
    const path = join(dir, "summary.md");
    const sink = createStepSummarySink({ path, baselineFor: async (r) => (r.experiment.id === "slow" ? new Promise((resolve) => setTimeout(() => resolve(undefined), 20)) : undefined) });
    await Promise.all([sink.experimentFinished?.(aResult(anExperiment({ id: "slow", name: "slow" }))), sink.experimentFinished?.(aResult(anExperiment({ id: "fast", name: "fast" })))]);
    const headings = (await readFile(path, "utf8")).split("\n").filter((l) => l.startsWith("### "));
    expect(headings.sort()).toEqual(["### ✅ passed: fast", "### ✅ passed: slow"]);
  });

  it("names the file when it cannot be written", async () => {
    const sink = createStepSummarySink({ path: dir });
    await expect(sink.experimentFinished?.(aResult(anExperiment()))).rejects.toThrow(`The step summary could not be written to ${dir}:`);
  });
});

describe("stepSummaryPathFromEnv", () => {
  it("reads GITHUB_STEP_SUMMARY", () => {
    expect(stepSummaryPathFromEnv({ GITHUB_STEP_SUMMARY: "/home/runner/_temp/step_summary" })).toBe("/home/runner/_temp/step_summary");
    expect(stepSummaryPathFromEnv({ GITHUB_STEP_SUMMARY: " " })).toBeUndefined();
    expect(stepSummaryPathFromEnv({})).toBeUndefined();
  });
});
