import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createFixtureProject, runNode } from "../support/fixture-project.js";
import { installPackedTarball } from "../support/packed-install.js";

/**
 * A user on a Vitest the package cannot run on gets one message naming what is supported, at
 * start-up, instead of Vitest's "does not provide an export named 'TestRunner'" stack trace from
 * every worker. npm itself refuses the install over the peer range; `--legacy-peer-deps` stands in
 * for the package managers and overrides that let it through.
 */
describe("an unsupported Vitest", () => {
  test("Vitest 3: exit code 1 and one message naming the supported versions, no stack trace", { timeout: 300_000 }, async () => {
    const dir = await installPackedTarball({ vitest: "^3.2.0" }, { npmArgs: ["--legacy-peer-deps"] });
    await writeFile(
      join(dir, "vitest.config.mjs"),
      `import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";
export default defineConfig({ test: { projects: [experimentsProject()] } });
`,
    );
    await mkdir(join(dir, "evals"));
    await writeFile(
      join(dir, "evals/math.eval.ts"),
      `import { experiment } from "vitest-experiments";
experiment("math", { dataset: { name: "sums", examples: [{ id: "a", input: 2, output: 4 }] }, task: ({ input }) => input * 2, evaluators: { equal: ({ output, expected }) => output === expected } });
`,
    );
    const run = await runNode([join(dir, "node_modules/vitest/vitest.mjs"), "run"], dir);

    expect(run.exitCode, run.output).toBe(1);
    expect(run.stderr.trim()).toMatch(
      /^vitest-experiments needs Vitest 4\.1\.0 or later: it supports Node 20 with Vitest 4\.1 or later 4\.x, and Node 22 or 24 with Vitest 5\.1 or later 5\.x \(found Node \d+\.\d+\.\d+ with Vitest 3\.\d+\.\d+\)\.$/,
    );
    expect(run.output).not.toContain("TestRunner");
    expect(run.output).not.toMatch(/^\s+(at|❯) /m);
  });

  // Node 22 comes from scripts/prerequisites/node.mjs (npm test); without it there is nothing to run it on.
  const node22 = process.env.VITEST_EXPERIMENTS_NODE_22;
  test.skipIf(!node22)("Vitest 4 on Node 22, a combination CI does not run: the experiment runs, with one warning line", async () => {
    const project = await createFixtureProject({
      "evals/math.eval.ts": `import { experiment } from "vitest-experiments";
experiment("math", { dataset: { name: "sums", examples: [{ id: "a", input: 2, output: 4 }] }, task: ({ input }) => input * 2, evaluators: { equal: ({ output, expected }) => output === expected } });
`,
    });
    const run = await project.vitest(["run", "--project", "evals"], { node: node22 });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain("EXPERIMENT");
    const warnings = run.output.split("\n").filter((line) => line.includes("vitest-experiments is tested on"));
    expect(warnings).toEqual([expect.stringMatching(/^vitest-experiments is tested on Node 20 with Vitest 4\.1 or later 4\.x, and Node 22 or 24 with Vitest 5\.1 or later 5\.x; found Node 22\.\d+\.\d+ with Vitest 4\.\d+\.\d+, which may work but is not tested\.$/)]);
  });
});
