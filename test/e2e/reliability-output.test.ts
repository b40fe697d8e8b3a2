import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createFixtureProject, type FixtureProject, type VitestRun } from "../support/fixture-project.js";
import { startFakePhoenix, type FakePhoenix } from "../support/fake-phoenix/index.js";
import { filesUnder, readStoreLogs } from "../unit/reliability/support/processes.js";
import { parseReport, schemaErrors } from "../unit/sinks/junit-xml.js";

/**
 * Hostile task outputs (what an LLM can return) must not corrupt the terminal, the JUnit file or
 * the step summary, while the store keeps them byte for byte; and secrets never leave the process.
 */
const HOSTILE = `export const hostile: Record<string, string> = {
  ansi: "\\u001b[2J\\u001b[31mred\\u001b[0m \\u001b]0;pwned title\\u0007 \\u001b]8;;http://evil.example\\u0007link\\u001b]8;;\\u0007",
  controls: "bell\\u0007 backspace\\u0008 nul\\u0000 vt\\u000b ff\\u000c esc\\u001b del\\u007f csi\\u009b2J",
  cdata: "<![CDATA[ ]]> <testcase name=\\"forged\\"/> ]]>&amp; </failure>",
  surrogates: "lone high \\ud800 lone low \\udc00 pair 😀 reversed \\udc00\\ud800",
  huge: "x".repeat(10 * 1024 * 1024) + "END-OF-HUGE",
  markdown: "| col | <script>alert(1)</script> [link](http://x) **bold** \`code\` <!-- comment -->",
};
`;

describe("hostile task outputs", () => {
  let project: FixtureProject;
  let run: VitestRun;

  beforeAll(async () => {
    project = await createFixtureProject({
      "evals/hostile-outputs.ts": HOSTILE,
      "evals/hostile.eval.ts": `import { experiment } from "vitest-experiments";
import { hostile } from "./hostile-outputs";
experiment("hostile", {
  dataset: { name: "outputs", examples: Object.keys(hostile).map((k) => ({ id: k, input: k })) },
  task: ({ input }) => hostile[input],
  // Fails every run, so the outputs and explanations land in failure messages everywhere.
  evaluators: { judge: ({ output }) => ({ score: 0, explanation: "echo: " + output }) },
  thresholds: { judge: { perRun: 1 } },
});
`,
    });
    run = await project.vitest(["run", "--project", "evals"], {
      env: { VITEST_EXPERIMENTS_JUNIT: "reports/junit.xml", GITHUB_STEP_SUMMARY: join(project.dir, "summary.md") },
      timeoutMs: 170_000,
    });
  });

  test("the run completes and fails on the gate, not on the outputs", () => {
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("EXPERIMENT  hostile");
  });

  test("the terminal summary holds no escape or control characters from the outputs, and no 10 MB line", () => {
    // NO_COLOR is set, so any ESC in our own summary would come from an output.
    const summary = run.stdout.slice(run.stdout.indexOf("EXPERIMENT  hostile"));
    expect(summary).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(summary).not.toContain("pwned title");
    expect(run.stdout.length).toBeLessThan(1024 * 1024);
    expect(run.stderr.length).toBeLessThan(1024 * 1024);
  });

  test("the JUnit file is well-formed, valid against the schema, bounded, and forges no test case", async () => {
    const xml = await readFile(join(project.dir, "reports/junit.xml"), "utf8");
    expect(xml.length).toBeLessThan(1024 * 1024);
    expect(await schemaErrors(xml)).toEqual([]);
    const suite = parseReport(xml).testsuites.testsuite![0]!;
    expect(suite.testcase.map((c) => c.name).sort()).toEqual(["[gates]", "ansi", "cdata", "controls", "huge", "markdown", "surrogates"]);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(xml).toMatch(/truncated/);
  });

  test("the step summary is bounded and opens no HTML, comment or table cell from an output", async () => {
    const markdown = await readFile(join(project.dir, "summary.md"), "utf8");
    expect(markdown.length).toBeLessThan(256 * 1024);
    expect(markdown).not.toContain("<script>");
    expect(markdown).not.toContain("<!--");
    expect(markdown).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
  });

  test("the local store keeps every output byte for byte", async () => {
    const { hostile } = (await import(join(project.dir, "evals/hostile-outputs.ts"))) as { hostile: Record<string, string> };
    const [log] = await readStoreLogs(join(project.dir, ".vitest-experiments"));
    const outputs = Object.fromEntries(log!.lines.filter((l) => l.type === "run").map((l) => [l.run.exampleId, l.run.output]));
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(hostile).sort());
    for (const [id, text] of Object.entries(hostile)) {
      // Lone surrogates cannot survive UTF-8 (JSON.stringify escapes them as \\udXXX, so they do).
      expect(outputs[id] === text, `output ${id} differs`).toBe(true);
    }
  });
});

describe("secrets", () => {
  const API_KEY = "phx-secret-key-7f3a9c1e5b";
  const HEADER_VALUE = "tenant-secret-header-42d8e0";
  let fake: FakePhoenix;

  beforeAll(async () => {
    fake = await startFakePhoenix({ apiKey: API_KEY, faults: { seed: 3, unavailableRate: 0.1, resetRate: 0.05 } });
  });
  afterAll(() => fake.close());

  test("the API key and PHOENIX_CLIENT_HEADERS values appear in no output and no file, even when the task and an evaluator print and throw them", async () => {
    const project = await createFixtureProject({
      "evals/leak.eval.ts": `import { experiment } from "vitest-experiments";
experiment("leak", {
  dataset: { name: "leak", examples: [{ id: "ok", input: 1 }, { id: "boom", input: 2 }] },
  task: ({ input }) => {
    if (input === 2) throw new Error("upstream said: bad key " + process.env.PHOENIX_API_KEY);
    return "fine";
  },
  evaluators: { fine: ({ output }) => ({ score: output === "fine" ? 1 : 0, explanation: "header " + JSON.parse(process.env.PHOENIX_CLIENT_HEADERS).authorization2 }) },
  retries: 0,
});
`,
    });
    const storeDir = join(project.dir, ".vitest-experiments");
    const first = await project.vitest(["run", "--project", "evals"], {
      env: {
        PHOENIX_HOST: fake.url,
        PHOENIX_API_KEY: API_KEY,
        PHOENIX_CLIENT_HEADERS: JSON.stringify({ authorization2: HEADER_VALUE }),
        VITEST_EXPERIMENTS_JUNIT: "reports/junit.xml",
        GITHUB_STEP_SUMMARY: join(project.dir, "summary.md"),
      },
    });
    // A second run with a wrong key exercises the error paths (401) too.
    const second = await project.vitest(["run", "--project", "evals"], {
      env: { PHOENIX_HOST: fake.url, PHOENIX_API_KEY: `${API_KEY}-wrong`, PHOENIX_CLIENT_HEADERS: `authorization2=${HEADER_VALUE}` },
    });
    expect(first.output).toContain("EXPERIMENT  leak");
    expect(fake.state.runs.length).toBeGreaterThanOrEqual(2);

    const leaks: string[] = [];
    for (const [name, text] of [
      ["first stdout", first.stdout],
      ["first stderr", first.stderr],
      ["second stdout", second.stdout],
      ["second stderr", second.stderr],
    ] as const) {
      if (text.includes(API_KEY)) leaks.push(`${name}: API key`);
      if (text.includes(HEADER_VALUE)) leaks.push(`${name}: header value`);
    }
    const files = await filesUnder(project.dir);
    expect(files.some((f) => f.startsWith(storeDir))).toBe(true);
    expect(files).toContain(join(project.dir, "reports/junit.xml"));
    expect(files).toContain(join(project.dir, "summary.md"));
    for (const file of files) {
      const text = await readFile(file, "utf8");
      if (text.includes(API_KEY)) leaks.push(`${file}: API key`);
      if (text.includes(HEADER_VALUE)) leaks.push(`${file}: header value`);
    }
    expect(leaks).toEqual([]);
    // What Phoenix received is the user's data, but never the credentials either.
    expect(JSON.stringify(fake.state.runs)).not.toContain(API_KEY);
  });
});
