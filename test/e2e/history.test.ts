import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createFixtureProject, E2E_TARGET, VITEST_BIN } from "../support/fixture-project.js";

const evalFile = (correct: number) => `import { experiment } from "vitest-experiments";
const examples = Array.from({ length: 10 }, (_, i) => ({ id: "q" + i, input: i, output: i }));
experiment("history", {
  dataset: { name: "numbers", examples },
  // The first ${correct} examples are answered right.
  task: ({ input }) => (input < ${correct} ? input : -1),
  evaluators: { accuracy: ({ output, expected }) => output === expected },
  thresholds: { accuracy: { mean: 0.5, maxDrop: 0.1 } },
});
`;

describe("baselines and history", () => {
  test("maxDrop compares with the latest passing experiment, lists regressed runs, and a failing one never becomes the baseline", async () => {
    const project = await createFixtureProject({ "evals/history.eval.ts": evalFile(9) });
    const first = await project.vitest(["run", "--project", "evals"]);
    expect(first.exitCode, first.output).toBe(0);
    expect(first.output).toContain("accuracy maxDrop: no baseline yet");

    await project.write("evals/history.eval.ts", evalFile(7));
    const worse = await project.vitest(["run", "--project", "evals"]);
    expect(worse.exitCode).toBe(1);
    expect(worse.output).toContain("✗ accuracy drop from baseline 0.9 = 0.2 (needs ≤ 0.1, n=10)");
    expect(worse.output).toMatch(/regressed \(2\): q7, q8/);

    // The failed experiment is not the new bar: the same drop fails again.
    const again = await project.vitest(["run", "--project", "evals"]);
    expect(again.exitCode).toBe(1);
    expect(again.output).toContain("drop from baseline 0.9 = 0.2");
  });

  test("vitest -u writes a committed baseline file that gates without any store", async () => {
    const project = await createFixtureProject({ "evals/history.eval.ts": evalFile(9) });
    const update = await project.vitest(["run", "--project", "evals", "-u"], { env: { VITEST_EXPERIMENTS_DIR: "store-a" } });
    expect(update.exitCode, update.output).toBe(0);
    const file = JSON.parse(await project.read("evals/__baselines__/history.eval.ts.json"));
    expect(file.history.means.accuracy).toBe(0.9);

    await project.write("evals/history.eval.ts", evalFile(7));
    // A fresh store (as on a CI machine): only the committed file is there to compare with.
    const gated = await project.vitest(["run", "--project", "evals"], { env: { VITEST_EXPERIMENTS_DIR: "store-b" } });
    expect(gated.exitCode).toBe(1);
    expect(gated.output).toContain("drop from baseline 0.9 = 0.2");
    expect(gated.output).toContain("__baselines__/history.eval.ts.json");
  });

  test("watch mode shows how each mean moved since the previous run", async () => {
    const project = await createFixtureProject({ "evals/history.eval.ts": evalFile(6) });
    const child = spawn(E2E_TARGET.node, [VITEST_BIN, "--watch", "--project", "evals"], {
      cwd: project.dir,
      env: { ...process.env, CI: "", NO_COLOR: "1", VITEST_EXPERIMENTS_DIR: "store" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${output}`)), 90_000);
        const check = () => {
          if (pattern.test(output)) {
            clearTimeout(timer);
            resolve();
          } else setTimeout(check, 100);
        };
        check();
      });
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    try {
      await seen(/EXPERIMENT\s+history/);
      await project.write("evals/history.eval.ts", evalFile(8));
      await seen(/accuracy\s+0\.800.*0\.60 → 0\.80 \(\+0\.20\)/);
    } finally {
      child.kill("SIGKILL");
    }
    expect(await readFile(join(project.dir, "evals/history.eval.ts"), "utf8")).toContain("input < 8");
  });
});
