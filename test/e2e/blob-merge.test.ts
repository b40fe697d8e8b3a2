import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createFixtureProject } from "../support/fixture-project.js";
import { parseReport, propertiesOf, schemaErrors } from "../unit/sinks/junit-xml.js";

const experimentFile = (name: string, bar: number) => `import { experiment } from "vitest-experiments";
experiment("${name}", {
  dataset: { name: "${name}-set", examples: [1, 2, 3, 4].map((n) => ({ id: "n" + n, input: n, output: n % 2 === 0 })) },
  task: ({ input }) => input % 2 === 0,
  evaluators: { right: ({ output, expected }) => output === expected, low: ({ input }) => (input <= 2 ? 1 : 0) },
  thresholds: { low: ${bar} },
});
`;

/**
 * What experiments write on task meta reaches reporters the same way through Vitest's blob reports:
 * two processes each write a blob report of one eval file, and `vitest --merge-reports` gives one
 * summary, JUnit with every run, and the gates' verdict as its exit code. The blob directory is
 * named on both commands: Vitest 4 writes and merges `.vitest-reports/` by default, Vitest 5 `.vitest/blob/`.
 */
describe("blob reports and --merge-reports", () => {
  test("the merged run reports both experiments, every run in JUnit, and fails on the missed gate", async () => {
    const project = await createFixtureProject({
      "evals/passing.eval.ts": experimentFile("passing", 0.5),
      "evals/missing.eval.ts": experimentFile("missing", 0.9),
    });
    const env = { VITEST_EXPERIMENTS_JUNIT: "reports/junit.xml" };
    for (const [index, file] of ["evals/passing.eval.ts", "evals/missing.eval.ts"].entries()) {
      const blob = await project.vitest(["run", "--project", "evals", file, "--reporter=blob", `--outputFile=blobs/blob-${index + 1}.json`], {
        env: { ...env, VITEST_EXPERIMENTS_DIR: `.store-${index + 1}` },
      });
      expect(blob.output).toContain("blob report written");
    }

    const merged = await project.vitest(["run", "--merge-reports=blobs"], { env });
    expect(merged.exitCode, merged.output).toBe(1);
    expect(merged.output).toMatch(/EXPERIMENT\s+passing ✓ passed/);
    expect(merged.output).toMatch(/EXPERIMENT\s+missing ✗ failed/);
    expect(merged.output).toContain("low mean = 0.5 (needs ≥ 0.9, n=4)");
    const xml = await readFile(join(project.dir, "reports/junit.xml"), "utf8");
    expect(await schemaErrors(xml)).toEqual([]);
    const suites = parseReport(xml).testsuites.testsuite!;
    expect(suites.map((suite) => suite.name).sort()).toEqual(["missing", "passing"]);
    for (const suite of suites) {
      expect(suite.testcase.map((c) => c.name).sort()).toEqual(["[gates]", "n1", "n2", "n3", "n4"]);
      // Each run's evaluations crossed the blob report with it.
      expect(propertiesOf(suite.testcase.find((c) => c.name === "n3")!)).toMatchObject({ "evaluator.right.score": "1", "evaluator.low.score": "0" });
    }
  });
});
