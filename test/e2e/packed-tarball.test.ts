import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { REPO_ROOT, runNode } from "../support/fixture-project.js";
import { installPackedTarball } from "../support/packed-install.js";

const vitestVersion = JSON.parse(execFileSync(process.execPath, ["-p", "JSON.stringify(require('vitest/package.json').version)"], { cwd: REPO_ROOT, encoding: "utf8" })) as string;

/**
 * What a user gets from npm: the tarball of `npm pack`, installed into a fresh project that has
 * only `vitest` beside it, configured with nothing but `experimentsProject()`.
 */
describe("the packed tarball in a fresh project", () => {
  test("installs, runs an experiment with gates, writes JUnit and the local store, and ships types", { timeout: 300_000 }, async () => {
    const dir = await installPackedTarball({ vitest: vitestVersion });

    await writeFile(
      join(dir, "vitest.config.ts"),
      `import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";
export default defineConfig({ test: { projects: [experimentsProject()] } });
`,
    );
    await mkdir(join(dir, "evals"));
    await writeFile(
      join(dir, "evals/questions.jsonl"),
      ['{"id":"q1","input":{"question":"2+2"},"output":"4"}', '{"id":"q2","input":{"question":"3*3"},"output":"9"}', '{"id":"q3","input":{"question":"10/4"},"output":"2.5"}'].join("\n"),
    );
    await writeFile(
      join(dir, "evals/math.eval.ts"),
      `import { datasets, experiment, type TaskContext } from "vitest-experiments";
import { exactMatch } from "vitest-experiments/evaluators";

const calculator = ({ input }: TaskContext<{ question: string }>) => String(Function(\`return (\${input.question})\`)());

experiment("math", {
  dataset: datasets.fromFile("evals/questions.jsonl"),
  task: calculator,
  evaluators: [exactMatch()],
  thresholds: { exact_match: { perRun: 1 } },
  repetitions: 2,
});
`,
    );
    const run = await runNode([join(dir, "node_modules/vitest/vitest.mjs"), "run", "--project", "evals"], dir, { CI: "true", VITEST_EXPERIMENTS_REPORT: "reports/experiments.html" });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain("7 passed");
    expect(run.output).toContain("EXPERIMENT");
    // A proven Node and Vitest: no warning about the versions.
    expect(run.output).not.toContain("vitest-experiments is tested on");
    const junit = await readFile(join(dir, "reports/experiments.junit.xml"), "utf8");
    expect(junit).toContain('name="q1 [rep 1/2]"');
    expect(await readdir(join(dir, ".vitest-experiments/experiments"))).toHaveLength(1);
    // The HTML report's page is built into the package: the user builds nothing.
    const report = await readFile(join(dir, "reports/experiments.html"), "utf8");
    expect(report).toMatch(/<script>"use strict";\(\(\)=>\{.{1000,}<\/script>/s);
    expect(report).toContain('"name":"math"');

    // The declarations resolve for a TypeScript user (the package ships .d.ts for every entry point).
    for (const entry of ["index", "config", "evaluators"]) {
      expect((await readdir(join(dir, "node_modules/vitest-experiments/dist"))).includes(`${entry}.d.ts`)).toBe(true);
    }
  });
});
