import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";

export default defineConfig({
  test: {
    projects: [
      // Generous timeouts: the machines are shared and small, and a timeout is not a speed check.
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      // The bundled examples: `npx vitest run --project evals`.
      experimentsProject({ include: ["examples/**/*.eval.ts"] }),
    ],
  },
});
