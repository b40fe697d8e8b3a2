import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cell, renderTable } from "../../../src/cli/format/table.js";
import { runCli } from "../../../src/cli/main.js";
import { openStore } from "../../../src/store/jsonl-store.js";
import { tempDir } from "../store/fixtures.js";
import { fixtureProject } from "./fixture-store.js";

let project: Awaited<ReturnType<typeof fixtureProject>>;
beforeEach(async () => {
  project = await fixtureProject();
});
afterEach(async () => {
  await project.remove();
});

/** Runs the CLI in this process, from the fixture project's root, and captures what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } }, { cwd: project.root, env: {} });
  return { code, stdout, stderr };
}

describe("list", () => {
  it("lists experiments newest first with status, run count and means", async () => {
    const { code, stdout } = await cli("list");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id\s+name\s+dataset\s+status\s+runs\s+started\s+means$/);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/).slice(0, 5))).toEqual([
      ["exp-ccc333", "qa", "qa-set", "incomplete", "1"],
      ["exp-bbb222", "qa", "qa-set", "failed", "3"],
      ["exp-aaa111", "qa", "qa-set", "passed", "3"],
      ["exp-ddd444", "summaries", "docs", "passed", "1"],
    ]);
    expect(lines[4]).toContain("accuracy 0.667");
  });

  it("filters by dataset and prints JSON", async () => {
    const { code, stdout } = await cli("list", "--dataset", "docs", "--json");
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { experiment: { id: string }; status: string; runCount: number }[];
    expect(parsed.map((s) => [s.experiment.id, s.status, s.runCount])).toEqual([["exp-ddd444", "passed", 1]]);
  });

  it("says so, and fails, on an empty store and on a dataset with no experiments", async () => {
    const empty = await tempDir("vx-empty-");
    try {
      const { code, stderr, stdout } = await cli("--dir", empty.path, "list");
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toBe(`error: The experiment store at ${empty.path} has no experiments. Run your evals first (npx vitest run --project evals), or point --dir or VITEST_EXPERIMENTS_DIR at the store you mean.\n`);
    } finally {
      await empty.remove();
    }
    expect(await cli("list", "--dataset", "nope")).toMatchObject({ code: 1, stderr: expect.stringMatching(/No experiments on dataset "nope"/) });
  });

  it("finds the store through VITEST_EXPERIMENTS_DIR", async () => {
    let stdout = "";
    const code = await runCli(["list", "--json"], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } }, { cwd: "/", env: { VITEST_EXPERIMENTS_DIR: project.storeDir } });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toHaveLength(4);
  });
});

describe("show", () => {
  it("shows the latest experiment of a name: dataset, config, evaluator stats", async () => {
    const { code, stdout } = await cli("show", "summaries");
    expect(code).toBe(0);
    expect(stdout).toContain("experiment:  summaries (exp-ddd444)");
    expect(stdout).toContain("status:      passed");
    expect(stdout).toContain("dataset:     docs: 1 of 1 examples, content docs-1");
    expect(stdout).toMatch(/accuracy\s+1\s+1\s+1\s+n\/a\s+1\s+0/);
  });

  it("addresses an experiment by a unique id prefix, and says the killed one never finished", async () => {
    const { stdout } = await cli("show", "exp-c");
    expect(stdout).toContain("status:      incomplete (never finished");
    expect(await cli("show", "exp-")).toMatchObject({ code: 1, stderr: expect.stringMatching(/"exp-" matches 4 experiment ids/) });
  });

  it("prints JSON without the runs", async () => {
    const parsed = JSON.parse((await cli("show", "exp-aaa111", "--json")).stdout) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(["events", "experiment", "file", "problems", "result", "runCount", "status"]);
  });

  it("names the unknown experiment and what the store holds", async () => {
    expect(await cli("show", "nope")).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: No experiment with id or name "nope" in the store at ${project.storeDir}. Experiment names there: qa, summaries (see \`vitest-experiments list\`).\n`,
    });
  });
});

describe("runs", () => {
  it("prints a table with one column per evaluator", async () => {
    const { code, stdout } = await cli("runs", "exp-bbb222");
    expect(code).toBe(0);
    expect(stdout.split("\n").slice(2, 5).map((l) => l.split(/\s{2,}/))).toEqual([
      ["q1", "ok", "500", "1", "0"],
      ["q2", "ok", "500", "1", "1"],
      ["q3", "error", "500", "1", "-", "model unavailable"],
    ]);
  });

  it("prints JSON, JSON Lines and CSV with full outputs", async () => {
    const json = JSON.parse((await cli("runs", "qa", "--format", "json")).stdout) as { exampleId: string }[];
    expect(json.map((r) => r.exampleId)).toEqual(["q1"]); // "qa" is the latest: the killed one
    const jsonl = (await cli("runs", "exp-bbb222", "--format", "jsonl")).stdout.trimEnd().split("\n");
    expect(jsonl.map((l) => (JSON.parse(l) as { runId: string }).runId)).toEqual(["exp-bbb222/q1/1", "exp-bbb222/q2/1", "exp-bbb222/q3/1"]);
    const csv = parse((await cli("runs", "exp-bbb222", "--format", "csv")).stdout, { columns: true }) as Record<string, string>[];
    expect(csv[1]).toMatchObject({ example_id: "q2", status: "ok", "accuracy.score": "1", output: JSON.stringify({ text: "\u001b[2J\u001b[31mred\u001b[0m,\n\"quoted\"" }) });
    expect(csv[2]).toMatchObject({ example_id: "q3", status: "error", error: "Error: model unavailable", "accuracy.score": "" });
  });

  it("rejects an unknown format, listing the choices", async () => {
    expect(await cli("runs", "qa", "--format", "xml")).toMatchObject({ code: 1, stderr: expect.stringContaining("Allowed choices are table, json, jsonl, csv") });
  });
});

describe("compare", () => {
  it("compares with the latest passing experiment by default: deltas, side by side, regressions", async () => {
    const { code, stdout } = await cli("compare", "exp-bbb222");
    expect(code).toBe(0);
    expect(stdout).toContain("qa (exp-bbb222) against latest passing experiment exp-aaa111");
    expect(stdout).toMatch(/accuracy\s+0\.667\s+0\.333\s+-0\.333\s+worse/);
    expect(stdout).toMatch(/q1\s+1 → 0 \(-1\)\s+regressed/);
    expect(stdout).toMatch(/q2\s+0 → 1 \(\+1\)\s+improved/);
    expect(stdout).toMatch(/q3\s+1 → –\s+regressed/);
    expect(stdout).toContain("2 regressed, 1 improved.");
  });

  it("compares two named experiments, as JSON", async () => {
    const parsed = JSON.parse((await cli("compare", "exp-ccc333", "exp-aaa111", "--json")).stdout) as { regressed: unknown[]; onlyInBaseline: string[]; evaluators: { delta: number }[] };
    expect(parsed.onlyInBaseline).toEqual(["q2", "q3"]);
    expect(parsed.regressed).toEqual([]);
    expect(parsed.evaluators[0]?.delta).toBeCloseTo(1 / 3);
  });

  it("uses the committed baseline file once `baseline update` wrote one", async () => {
    expect(await cli("baseline", "update", "exp-aaa111")).toMatchObject({ code: 0, stdout: "Wrote the baseline of qa (exp-aaa111) to evals/__baselines__/qa.eval.ts.json. Commit it with your change.\n" });
    const file = JSON.parse(await readFile(join(project.root, "evals", "__baselines__", "qa.eval.ts.json"), "utf8")) as Record<string, { examples: object }>;
    expect(Object.keys(file.qa!.examples)).toEqual(["q1", "q2", "q3"]);
    expect((await cli("compare", "exp-bbb222")).stdout).toContain(`against baseline file ${join(project.root, "evals", "__baselines__", "qa.eval.ts.json")}`);
  });

  it("fails clearly when there is no baseline", async () => {
    expect(await cli("compare", "summaries")).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: Experiment summaries \(exp-ddd444\) has no baseline: no committed baseline file next to .*summaries\.eval\.ts and no earlier passing experiment/) });
  });
});

describe("baseline update", () => {
  it("refuses a failing experiment unless forced, and an unfinished one always", async () => {
    expect(await cli("baseline", "update", "exp-bbb222")).toMatchObject({ code: 1, stderr: expect.stringMatching(/is failed; .*Pass --force/) });
    expect(await cli("baseline", "update", "exp-bbb222", "--force")).toMatchObject({ code: 0 });
    expect(await cli("baseline", "update", "exp-ccc333", "--force")).toMatchObject({ code: 1, stderr: expect.stringMatching(/never finished \(1 runs stored\)/) });
  });
});

describe("export and delete", () => {
  it("exports JSON Lines that the store reads back as the same experiment", async () => {
    const exported = (await cli("export", "exp-bbb222")).stdout;
    const copy = await tempDir("vx-copy-");
    try {
      const { mkdir, writeFile } = await import("node:fs/promises");
      await mkdir(join(copy.path, "experiments"));
      await writeFile(join(copy.path, "experiments", "exp-bbb222.jsonl"), exported);
      const original = await openStore(project.storeDir).readExperiment("exp-bbb222");
      const restored = await openStore(copy.path).readExperiment("exp-bbb222");
      expect({ ...restored, file: "" }).toEqual({ ...original, file: "" });
    } finally {
      await copy.remove();
    }
  });

  it("exports CSV to a file", async () => {
    const { code, stderr } = await cli("export", "exp-aaa111", "--format", "csv", "-o", "out.csv");
    expect(code).toBe(0);
    expect(stderr).toContain("Exported qa (exp-aaa111), 3 runs, to");
    expect(parse(await readFile(join(project.root, "out.csv"), "utf8"), { columns: true })).toHaveLength(3);
  });

  it("deletes one experiment", async () => {
    expect(await cli("delete", "exp-aaa111")).toMatchObject({ code: 0, stdout: "Deleted experiment qa (exp-aaa111) and its 3 runs.\n" });
    expect(await cli("show", "exp-aaa111")).toMatchObject({ code: 1 });
    expect(JSON.parse((await cli("list", "--json")).stdout)).toHaveLength(3);
  });
});

describe("help and usage", () => {
  it.each([["list"], ["show"], ["runs"], ["compare"], ["export"], ["delete"], ["baseline"], ["baseline", "update"]])("%s --help", async (...command) => {
    const { code, stdout } = await cli(...command, "--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: vitest-experiments /);
  });

  it("lists every command in the top-level help and suggests near misses", async () => {
    const { stdout } = await cli("--help");
    for (const name of ["list", "show", "runs", "compare", "export", "delete", "baseline"]) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
    expect(await cli("lis")).toMatchObject({ code: 1, stderr: expect.stringContaining("(Did you mean list?)") });
    expect(await cli()).toMatchObject({ code: 1, stderr: expect.stringContaining("Usage: vitest-experiments") });
  });
});

describe("table cells", () => {
  it("strip escape sequences and control characters, fold lines and truncate", () => {
    expect(cell("\u001b[2J\u001b[31mred\u001b[0m\nnext\u0007 line")).toBe("red next line");
    expect(cell("x".repeat(10_000_000), 10)).toHaveLength(10);
    expect(renderTable(["name", "n"], [["a", "1"], ["bb", "10"]])).toBe("name   n\n----  --\na      1\nbb    10\n");
  });
});
