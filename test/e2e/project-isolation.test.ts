import { describe, expect, test } from "vitest";
import { createFixtureProject, readJsonReport, testStates } from "../support/fixture-project.js";

const EVAL = `import { experiment } from "vitest-experiments";
import { double } from "@app/math";
experiment("math", {
  dataset: { name: "numbers", examples: [{ id: "two", input: 2, output: 4 }] },
  task: ({ input }) => double(input),
  evaluators: { equal: ({ output, expected }) => output === expected },
  thresholds: { equal: 1 },
});
`;

const files = (projectOptions: string) => ({
  "vitest.config.mjs": `import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";
export default defineConfig({
  resolve: { alias: { "@app": new URL("./app", import.meta.url).pathname } },
  test: {
    include: ["src/**/*.test.ts"],
    setupFiles: ["./setup.ts"],
    retry: 3,
    projects: [experimentsProject(${projectOptions})],
  },
});
`,
  "app/math.ts": "export const double = (n: number) => n * 2;\n",
  "evals/math.eval.ts": EVAL,
  "src/unit.test.ts": `import { test } from "vitest";\ntest("a unit test", () => {});\n`,
  "setup.ts": `import { writeFileSync } from "node:fs";\nwriteFileSync(new URL("./setup-ran", import.meta.url), "");\n`,
});

/**
 * Vitest 5 made inline projects inherit the config that declares them (Vitest 4 did not): arrays
 * such as `include` are merged, so a root `include` would put unit tests under the experiments
 * runner, and a root `setupFiles` or `retry` would apply to experiments. The evals project
 * inherits nothing on either major unless asked to with `extends: true`.
 */
describe("what the evals project inherits from the config that declares it", () => {
  test("by default nothing: only eval files run, without the root's setup files", async () => {
    const project = await createFixtureProject(files(`{ include: ["evals/**/*.eval.ts"] }`));
    // Without the root's alias the eval file cannot import @app: a dataset-free check that nothing leaks.
    await project.write("evals/math.eval.ts", EVAL.replace(`import { double } from "@app/math";`, `import { double } from "../app/math";`));
    const run = await project.vitest(["run", "--reporter=json", "--outputFile=report.json"]);
    expect(run.exitCode, run.output).toBe(0);
    expect(Object.keys(testStates(await readJsonReport(project))).sort()).toEqual(["math [gates]", "math two"]);
    await expect(project.read("setup-ran")).rejects.toThrow(/ENOENT/);
  });

  test("extends: true inherits the root's alias and setup files", async () => {
    const project = await createFixtureProject(files(`{ include: ["evals/**/*.eval.ts"], extends: true }`));
    const run = await project.vitest(["run", "--reporter=json", "--outputFile=report.json"]);
    expect(run.exitCode, run.output).toBe(0);
    const states = testStates(await readJsonReport(project));
    expect(states["math two"]).toBe("passed");
    await expect(project.read("setup-ran")).resolves.toBe("");
  });
});
