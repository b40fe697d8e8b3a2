import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
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
