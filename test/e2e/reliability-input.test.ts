import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createFixtureProject, readJsonReport, type FixtureProject, type JsonReport, type VitestRun } from "../support/fixture-project.js";
import { startFakePhoenix, type FakePhoenix } from "../support/fake-phoenix/index.js";
import { readStoreLogs } from "../unit/reliability/support/processes.js";

/**
 * Bad input, as the user meets it: the real vitest binary on a project full of mistakes. Each
 * mistake must end in a message that names the file (and line, column, field or option) and what
 * was expected, both in the terminal and in the failing test's report, never only a stack trace.
 */
const HEADER = `import { experiment, datasets, phoenix } from "vitest-experiments";\n`;
const PLAIN = `task: ({ input }) => input, evaluators: { same: ({ output, input }) => output === input }`;
const ONE = `dataset: { name: "d", examples: [{ id: "a", input: 1 }] }`;

/** file → the message its failure must contain. */
const DECLARATION_MISTAKES: Record<string, { source: string; message: string }> = {
  "jsonl-syntax": {
    source: `experiment("jsonl", { dataset: datasets.fromFile("data/bad.jsonl"), ${PLAIN} });`,
    message: 'experiment "jsonl" (evals/jsonl-syntax.eval.ts): data/bad.jsonl:3: invalid JSON at column 22',
  },
  "csv-column": {
    source: `experiment("csv", { dataset: datasets.fromFile("data/tickets.csv", { inputKeys: ["text"], outputKeys: ["intent"] }), ${PLAIN} });`,
    message: 'data/tickets.csv:1: column "intent" (from outputKeys) is not in the CSV header; columns: id, text',
  },
  "file-missing": {
    source: `experiment("missing", { dataset: datasets.fromFile("data/nope.jsonl"), ${PLAIN} });`,
    message: 'experiment "missing" (evals/file-missing.eval.ts): data/nope.jsonl: dataset file not found',
  },
  "empty-dataset": {
    source: `experiment("empty", { dataset: { name: "d", examples: [] }, ${PLAIN} });`,
    message: 'experiment "empty" (evals/empty-dataset.eval.ts): inline dataset: dataset "d" has no examples',
  },
  "duplicate-ids": {
    source: `experiment("dup", { dataset: { name: "d", examples: [{ id: "x", input: 1 }, { id: "x", input: 2 }] }, ${PLAIN} });`,
    message: 'inline dataset (examples[1]): duplicate example id "x"',
  },
  "no-input": {
    source: `experiment("noinput", { dataset: { name: "d", examples: [{ id: "x", input: 1 }, { id: "y", output: 2 }] } as any, ${PLAIN} });`,
    message: 'inline dataset (examples[1]): example has no "input" (keys: id, output)',
  },
  "empty-jsonl": {
    source: `experiment("blank", { dataset: datasets.fromFile("data/blank.jsonl"), ${PLAIN} });`,
    message: "data/blank.jsonl",
  },
  "concurrency-0": { source: `experiment("o", { ${ONE}, ${PLAIN}, concurrency: 0 });`, message: 'experiment "o" (evals/concurrency-0.eval.ts): option concurrency must be an integer ≥ 1, got 0' },
  "retries-negative": { source: `experiment("o", { ${ONE}, ${PLAIN}, retries: -1 });`, message: "option retries must be" },
  "timeout-0": { source: `experiment("o", { ${ONE}, ${PLAIN}, timeout: 0 });`, message: "option timeout must be" },
  "timeout-negative": { source: `experiment("o", { ${ONE}, ${PLAIN}, timeout: -5 });`, message: "option timeout must be" },
  "repetitions-0": { source: `experiment("o", { ${ONE}, ${PLAIN}, repetitions: 0 });`, message: "option repetitions must be" },
  "dryrun-negative": { source: `experiment("o", { ${ONE}, ${PLAIN}, dryRun: -1 });`, message: "option dryRun must be" },
  "dryrun-fraction": { source: `experiment("o", { ${ONE}, ${PLAIN}, dryRun: 1.5 });`, message: "option dryRun must be" },
  "unknown-option": { source: `experiment("o", { ${ONE}, ${PLAIN}, evaluator: 1 } as any);`, message: 'unknown option "evaluator" (did you mean "evaluators"?)' },
  "threshold-unknown": { source: `experiment("o", { ${ONE}, ${PLAIN}, thresholds: { exact: 0.5 } });`, message: '"exact"' },
  "threshold-range": { source: `experiment("o", { ${ONE}, ${PLAIN}, thresholds: { same: { perRun: 1, passRate: 1.5 } } });`, message: "passRate" },
  "threshold-type": { source: `experiment("o", { ${ONE}, ${PLAIN}, thresholds: { same: "high" } } as any);`, message: "thresholds.same" },
  "inside-test": {
    source: `import { test } from "vitest";\ntest("declares late", () => { experiment("late", { ${ONE}, ${PLAIN} }); });`,
    message: 'experiment "late" (evals/inside-test.eval.ts): experiment() must be called at the top level of an eval file (or inside describe()), not inside a test',
  },
  "same-name": {
    source: `experiment("twin", { ${ONE}, ${PLAIN} });\nexperiment("twin", { ${ONE}, ${PLAIN} });`,
    message: 'experiment "twin" (evals/same-name.eval.ts): an experiment with this name is already declared in this file; names must be unique per file',
  },
};

function failureOf(report: JsonReport, file: string): string {
  const result = report.testResults.find((r) => r.name.endsWith(`/evals/${file}.eval.ts`));
  if (!result) throw new Error(`no result for ${file}`);
  return [result.message, ...result.assertionResults.flatMap((a) => a.failureMessages)].join("\n");
}

describe("declaration and dataset mistakes under the real vitest binary", () => {
  let project: FixtureProject;
  let run: VitestRun;
  let report: JsonReport;

  beforeAll(async () => {
    project = await createFixtureProject({
      "data/bad.jsonl": `{"id":"a","input":1}\n{"id":"b","input":2}\n{"id":"c","input": 3,,}\n`,
      "data/blank.jsonl": "\n\n",
      "data/tickets.csv": "id,text\n1,hello\n",
      ...Object.fromEntries(Object.entries(DECLARATION_MISTAKES).map(([file, { source }]) => [`evals/${file}.eval.ts`, HEADER + source + "\n"])),
    });
    run = await project.vitest(["run", "--project", "evals", "--reporter=default", "--reporter=json", "--outputFile.json=report.json"]);
    report = await readJsonReport(project);
  });

  test("the run fails", () => {
    expect(run.exitCode, run.output).toBe(1);
  });

  test.each(Object.entries(DECLARATION_MISTAKES))("%s: the failure names the file and what was expected", (file, { message }) => {
    const failure = failureOf(report, file);
    expect(failure).toContain(message);
    // What the user sees in the terminal, not only in the JSON report.
    expect(run.output).toContain(message);
  });

  test("an empty JSONL file is reported as an empty dataset", () => {
    expect(failureOf(report, "empty-jsonl")).toMatch(/no examples/);
  });
});

describe("task outputs and evaluator results that are not valid", () => {
  test("BigInt, circular and function outputs fail their run with the path; undefined becomes null; NaN, Infinity and empty results are evaluator errors", async () => {
    const project = await createFixtureProject({
      "evals/values.eval.ts":
        HEADER +
        `const outputs: Record<string, () => unknown> = {
  bigint: () => ({ usage: { tokens: 10n } }),
  circular: () => { const a: any = { x: 1 }; a.self = a; return a; },
  func: () => ({ format: () => "x" }),
  undef: () => undefined,
};
let calls = 0;
experiment("outputs", {
  dataset: { name: "d", examples: Object.keys(outputs).map((k) => ({ id: k, input: k })) },
  task: ({ input }) => { calls++; return outputs[input](); },
  evaluators: { any: () => 1 },
  retries: 3,
  retryDelay: 0,
});
const results: Record<string, unknown> = { nan: NaN, inf: Infinity, empty: { explanation: "no verdict" }, fine: 1 };
experiment("results", {
  dataset: { name: "d", examples: Object.keys(results).map((k) => ({ id: k, input: k })) },
  task: ({ input }) => input,
  evaluators: { weird: ({ output }) => results[output], other: () => 1 },
});
`,
    });
    const run = await project.vitest(["run", "--project", "evals", "--reporter=default", "--reporter=json", "--outputFile.json=report.json"]);
    expect(run.exitCode).toBe(1);
    const cases = Object.fromEntries((await readJsonReport(project)).testResults.flatMap((f) => f.assertionResults.map((a) => [a.fullName, a])));
    const failure = (name: string) => cases[name]!.failureMessages.join("\n");
    // Not retried: it would fail the same way again.
    expect(failure("outputs bigint")).toContain("task failed after 1 attempt: output.usage.tokens is not JSON-serializable: a BigInt");
    expect(failure("outputs circular")).toContain("output.self is not JSON-serializable: a circular reference");
    expect(failure("outputs func")).toContain("output.format is not JSON-serializable: a function");
    expect(cases["outputs undef"]!.status).toBe("passed");
    expect(failure("results nan")).toContain("evaluator weird failed: score must be a finite number, got NaN");
    expect(failure("results inf")).toContain("evaluator weird failed: score must be a finite number, got Infinity");
    expect(failure("results empty")).toContain("evaluator weird failed: result object has neither a score nor a label (keys: explanation)");
    expect(cases["results fine"]!.status).toBe("passed");

    // The store keeps undefined as null, and the other evaluator's score beside the error.
    const logs = await readStoreLogs(`${project.dir}/.vitest-experiments`);
    const runs = logs.flatMap((l) => l.lines.filter((x) => x.type === "run").map((x) => x.run));
    expect(runs.find((r) => r.exampleId === "undef").output).toBeNull();
    const nan = runs.find((r) => r.exampleId === "nan");
    expect(nan.evaluations.find((e: { name: string }) => e.name === "other").score).toBe(1);
    expect(nan.evaluations.find((e: { name: string }) => e.name === "weird").error).toContain("got NaN");
  });
});

describe("Phoenix mistakes", () => {
  let fake: FakePhoenix;
  let notPhoenix: Server;
  let notPhoenixUrl: string;
  const SECRET = "sk-reliability-0123456789abcdef";

  beforeAll(async () => {
    fake = await startFakePhoenix({ apiKey: SECRET });
    notPhoenix = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>It works!</body></html>");
    });
    await new Promise<void>((resolve) => notPhoenix.listen(0, "127.0.0.1", resolve));
    notPhoenixUrl = `http://127.0.0.1:${(notPhoenix.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await fake.close();
    await new Promise((resolve) => notPhoenix.close(resolve));
  });

  const EVAL = HEADER + `experiment("qa", { ${ONE}, ${PLAIN} });\n`;

  test("a Phoenix dataset that does not exist names the dataset and the server", async () => {
    const project = await createFixtureProject({ "evals/remote.eval.ts": HEADER + `experiment("remote", { dataset: phoenix.dataset({ name: "golden-missing" }), ${PLAIN} });\n` });
    const run = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: fake.url, PHOENIX_API_KEY: SECRET } });
    expect(run.exitCode).toBe(1);
    expect(run.output).toContain('experiment "remote" (evals/remote.eval.ts)');
    expect(run.output).toMatch(/golden-missing/);
    expect(run.output).toContain(fake.url);
    expect(run.output).not.toContain(SECRET);
  });

  test.each([
    ["unreachable", (): string => "http://127.0.0.1:9", { PHOENIX_API_KEY: SECRET }, /ECONNREFUSED .*\(is Phoenix running at http:\/\/127\.0\.0\.1:9\?\)/],
    ["wrong API key (401)", (): string => fake.url, { PHOENIX_API_KEY: "sk-wrong-key-000000" }, /401 Invalid token — check PHOENIX_API_KEY/],
    ["not a Phoenix server", (): string => notPhoenixUrl, {}, /does not look like a Phoenix server: .*Check PHOENIX_HOST/],
  ] as const)("PHOENIX_HOST %s: the tests still pass, the runs are kept locally, and a warning says what is wrong and what to do", async (_what, host, env, pattern) => {
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL });
    const run = await project.vitest(["run", "--project", "evals"], { env: { PHOENIX_HOST: host(), ...env } });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/Phoenix upload of experiment "qa" failed/);
    expect(run.output).toMatch(pattern);
    expect(run.output).toContain("npx vitest-experiments upload");
    expect(run.output).not.toContain(SECRET);
    expect(run.output).not.toContain("sk-wrong-key-000000");
    expect(run.output).not.toMatch(/^\s+at .*\(.*\.js:\d+:\d+\)$/m); // no stack trace
    const [log] = await readStoreLogs(`${project.dir}/.vitest-experiments`);
    expect(log!.lines.filter((l) => l.type === "run")).toHaveLength(1);
  });

  test.each([
    ["PHOENIX_HOST without a scheme", { PHOENIX_HOST: "localhost:6006" }, "Phoenix upload is off: PHOENIX_HOST must be an http(s) URL such as http://localhost:6006"],
    ["PHOENIX_CLIENT_HEADERS not JSON", { PHOENIX_HOST: "http://127.0.0.1:9", PHOENIX_CLIENT_HEADERS: `{"x-tenant": "${"tenant-secret-value"}"` }, "Phoenix upload is off: PHOENIX_CLIENT_HEADERS is not valid JSON"],
  ] as const)("%s: uploading is off with a warning that names the variable (and never its value); the run itself passes", async (_what, env, message) => {
    const project = await createFixtureProject({ "evals/qa.eval.ts": EVAL });
    const run = await project.vitest(["run", "--project", "evals"], { env });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain(message);
    expect(run.output).not.toContain("tenant-secret-value");
  });
});
