import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createFixtureProject } from "../support/fixture-project.js";
import { readStoreLogs, startVitest, storedRunCount, waitFor } from "../unit/reliability/support/processes.js";
import { parseReport, schemaErrors } from "../unit/sinks/junit-xml.js";

/**
 * Vitest 4 answers SIGINT and SIGTERM in `vitest run` by exiting a millisecond later without
 * calling reporters' onTestRunEnd. These tests stop a real vitest process in the middle of an
 * experiment (5 runs done, 15 stuck in tasks that ignore their signal) and check that what was
 * done is kept and the experiment is closed as interrupted everywhere.
 */
const STUCK = `import { experiment } from "vitest-experiments";
const examples = Array.from({ length: 20 }, (_, i) => ({ id: "e" + String(i).padStart(2, "0"), input: i }));
experiment("stuck", {
  dataset: { name: "numbers", examples },
  // The first five finish; the others never settle and ignore their signal.
  task: async ({ input }) => (input < 5 ? input * 2 : new Promise(() => setInterval(() => {}, 60_000))),
  evaluators: { even: ({ output }) => output % 2 === 0 },
  thresholds: { even: 1 },
  concurrency: 20,
});
`;

describe.each([
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const)("%s during a run", (signal, expectedExit) => {
  // Retried: now and then the vitest started here stalls before its first run is stored (seen on
  // every version of the package from 2026-12-04, with or without workers left over from an earlier
  // interrupted run; cause not yet found), and the wait below gives up after 120 s, printing what
  // the child had written by then.
  test("completed runs are kept, the experiment ends interrupted with partial gates in every sink, and the exit code is non-zero", { retry: 2 }, async () => {
    const project = await createFixtureProject({ "evals/stuck.eval.ts": STUCK });
    const storeDir = join(project.dir, ".vitest-experiments");
    const vitest = startVitest(project.dir, ["run", "--project", "evals"], {
      VITEST_EXPERIMENTS_JUNIT: "reports/junit.xml",
      GITHUB_STEP_SUMMARY: join(project.dir, "step-summary.md"),
    });
    await waitFor("five completed runs in the store", async () => (await storedRunCount(storeDir)) >= 5, undefined, vitest.output);
    vitest.child.kill(signal);
    const run = await vitest.exited;

    expect(run.exitCode, run.output).toBe(expectedExit);
    // The terminal summary was printed, marked interrupted, with the gates partial.
    expect(run.output).toContain("stuck ! interrupted");
    expect(run.output).toMatch(/runs 5 · .*skipped 15/);
    expect(run.output).toContain("~ partial even mean = 1 (needs ≥ 1, n=5)");

    // The store holds the five runs and an end record saying interrupted.
    const [log, ...others] = await readStoreLogs(storeDir);
    expect(others).toEqual([]);
    const runs = log!.lines.filter((l) => l.type === "run");
    expect(runs.map((l) => l.run.exampleId).sort()).toEqual(["e00", "e01", "e02", "e03", "e04"]);
    const end = log!.lines.at(-1)!;
    expect(end.type).toBe("end");
    expect(end.result.status).toBe("interrupted");
    expect(end.result.gates.map((g: { status: string }) => g.status)).toEqual(["partial"]);

    // JUnit: valid, five passed runs, fifteen skipped, the gates skipped (never passed).
    const xml = await readFile(join(project.dir, "reports/junit.xml"), "utf8");
    expect(await schemaErrors(xml)).toEqual([]);
    const suite = parseReport(xml).testsuites.testsuite![0]!;
    const skipped = suite.testcase.filter((c) => c.skipped !== undefined).map((c) => c.name);
    expect(skipped).toHaveLength(16);
    expect(skipped).toContain("[gates]");
    expect(suite.testcase.filter((c) => c.skipped === undefined && c.failure === undefined)).toHaveLength(5);

    // The step summary says so too.
    expect(await readFile(join(project.dir, "step-summary.md"), "utf8")).toContain("interrupted");
  });
});
